"""A person's verdict on a blocked safety gate, given in Airflow's approval step (human in the loop).

Invariant: an approval covers exactly the change the person was shown. The request names the run's diff
by its sha256 (`GateResult.diff_sha256`); a verdict records that sha256, and `approved_gate` turns a
blocked gate into an approved one only when the verdict approves and its sha256 is the gate's own, so a
recomputed diff that differs is never published as approved. Rejection and a timeout publish nothing.
Every verdict is kept in the run's workspace and appended to the audit trail
(`<audit>/approval/dt=D/run=R/<verdict>-<sha16>.json`, named by its content like the other records).

Pure apart from `write_approval_record`: records in, records out.
"""

from __future__ import annotations

import datetime as dt
import enum

from pydantic import BaseModel, ConfigDict

from pipeline.errors import RunStopped
from pipeline.publish.gate import GateBlocked, GateResult
from pipeline.publish.manifest import GateStatus
from pipeline.run.layout import safe_run_id
from pipeline.storage import Storage, join
from pipeline.storage.frames import dumps_json
from pipeline.storage.hashing import sha256_hex

APPROVAL_FOLDER = "approval"


class ApprovalVerdict(enum.StrEnum):
    APPROVED = "approved"  # publish exactly the diff shown
    REJECTED = "rejected"  # publish nothing; the run stops
    TIMED_OUT = "timed_out"  # nobody answered in time: publish nothing; the run stops


class ApprovalRefused(RunStopped):
    """The person rejected the change, or nobody answered in time: nothing is published."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApprovalRequest(_Model):
    """What the approval step asks a person about, and for how long it waits."""

    run_id: str
    logical_date: dt.date
    diff_sha256: str
    gate_uri: str
    subject: str
    body: str  # Markdown: the change, the limits exceeded, top reasons, policy, the diff's sha256
    timeout_hours: float


class ApprovalRecord(_Model):
    run_id: str
    logical_date: dt.date
    verdict: ApprovalVerdict
    by: str | None  # the authenticated user's name (None: nobody answered)
    by_id: str | None
    at: dt.datetime | None  # when the person answered (Airflow's time of the response)
    diff_sha256: str  # the diff shown in the request: what the verdict is about
    gate_uri: str

    def to_bytes(self) -> bytes:
        return dumps_json(self.model_dump(mode="json")).encode("utf-8")


def verdict_record(
    request: ApprovalRequest,
    gate: GateResult,
    verdict: ApprovalVerdict,
    *,
    by: str | None,
    by_id: str | None,
    at: dt.datetime | None,
) -> ApprovalRecord:
    """The record of a person's verdict on `request`; raises `GateBlocked` when the gate's diff is no longer
    the one the request showed (the gate ran again since), so the answer cannot apply to another change."""
    if (request.run_id, request.logical_date) != (gate.run_id, gate.logical_date):
        raise GateBlocked(
            f"the approval request is for run {request.run_id} ({request.logical_date}), the gate result for run "
            f"{gate.run_id} ({gate.logical_date}): nothing was published"
        )
    if request.diff_sha256 != gate.diff_sha256:
        raise GateBlocked(
            f"the approval step showed diff {request.diff_sha256}, but the gate's diff is now {gate.diff_sha256}: "
            "the change is not the one that was reviewed; nothing was published. Clear the approval step to ask again."
        )
    if verdict is ApprovalVerdict.APPROVED and not (by or "").strip():
        raise GateBlocked("an approval without the approver's name does not count; nothing was published")
    return ApprovalRecord(
        run_id=gate.run_id,
        logical_date=gate.logical_date,
        verdict=verdict,
        by=(by or "").strip() or None,
        by_id=by_id,
        at=at,
        diff_sha256=request.diff_sha256,
        gate_uri=request.gate_uri,
    )


def approved_gate(gate: GateResult, record: ApprovalRecord | None) -> GateResult:
    """The gate result publishing goes by: a blocked gate with an approval of its very diff is approved by
    the record's person; anything else is the gate result unchanged (a blocked one stays blocked)."""
    if gate.status is not GateStatus.BLOCKED or record is None:
        return gate
    if record.verdict is not ApprovalVerdict.APPROVED:
        return gate
    if (record.run_id, record.logical_date, record.diff_sha256) != (gate.run_id, gate.logical_date, gate.diff_sha256):
        return gate
    return gate.model_copy(
        update={"status": GateStatus.APPROVED, "approved_by": record.by, "approved_diff": record.diff_sha256}
    )


def refusal(record: ApprovalRecord) -> ApprovalRefused | None:
    """The stop a rejection or a timeout makes (None for an approval)."""
    if record.verdict is ApprovalVerdict.REJECTED:
        return ApprovalRefused(
            f"the change to the lists for {record.logical_date.isoformat()} was rejected by {record.by or 'someone'}; "
            f"nothing was published (diff {record.diff_sha256}, {record.gate_uri})"
        )
    if record.verdict is ApprovalVerdict.TIMED_OUT:
        return ApprovalRefused(
            f"nobody approved the change to the lists for {record.logical_date.isoformat()} in time; nothing was "
            f"published (diff {record.diff_sha256}, {record.gate_uri})"
        )
    return None


def write_approval_record(storage: Storage, audit_uri: str, record: ApprovalRecord) -> str:
    """Append the verdict to the audit trail (idempotent: the same verdict is the same object)."""
    data = record.to_bytes()
    uri = join(
        audit_uri,
        APPROVAL_FOLDER,
        f"dt={record.logical_date.isoformat()}",
        f"run={safe_run_id(record.run_id)}",
        f"{record.verdict.value}-{sha256_hex(data)[:16]}.json",
    )
    storage.write_bytes(uri, data, "application/json")
    return uri


def read_approval_records(storage: Storage, audit_uri: str, logical_date: dt.date) -> list[ApprovalRecord]:
    prefix = join(audit_uri, APPROVAL_FOLDER, f"dt={logical_date.isoformat()}") + "/"
    return [ApprovalRecord.model_validate_json(storage.read_bytes(uri)) for uri in storage.list(prefix)]
