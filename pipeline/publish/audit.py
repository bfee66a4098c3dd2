"""The audit trail of publishing: one immutable record per publish event, under the configured audit URI.

Layout: `<audit>/publish/dt=D/partner=P/run=R/<event>-<sha16>.json` for publish events and
`<audit>/gate/dt=D/run=R/<status>-<sha16>.json` for the safety gate's verdict (so a blocked run, which
publishes nothing, and the approval of a mass change are on the trail too); sha16 starts the sha256 of
the record's own canonical JSON.

Invariant: records are append-only and idempotent. A record's name is derived from its content, so a
retried task that does the same thing again rewrites the same object with the same bytes (nothing is
duplicated), and two different events can never overwrite each other. Records carry no wall-clock time
(the run id and logical date place them; Airflow keeps the task times), which is what makes a retry
reproduce its record exactly.
"""

from __future__ import annotations

import datetime as dt
import enum
import re

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.config import GateConfig
from pipeline.publish.gate import GateResult
from pipeline.publish.manifest import Approval, ChangeCounts, GateStatus, ManifestRef, PublishHistory, sha256_hex
from pipeline.run.layout import safe_run_id
from pipeline.storage import Storage, join
from pipeline.storage.frames import dumps_json

AUDIT_FOLDER = "publish"
GATE_FOLDER = "gate"


class AuditEvent(enum.StrEnum):
    PUBLISHED = "published"  # a list for this date became visible (or a retry of the same run re-affirmed it)
    REPUBLISHED = "republished"  # a forced replacement; the earlier version moved under superseded/
    UNCHANGED = "unchanged"  # identical files were already published for this date: nothing written
    REFUSED = "refused"  # a differing list for an already published date, without force: nothing written


class AuditRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event: AuditEvent
    partner: str
    logical_date: dt.date
    run_id: str
    outbox: str
    policy_id: str
    policy_version: str
    force_requested: bool
    approval: Approval
    changes: ChangeCounts
    # The manifest and files visible for this date after the event (for `unchanged` and `refused`: the
    # earlier run's, which stay published).
    manifest: ManifestRef | None
    files: dict[str, str]  # file name -> URI
    # The earlier versions of this date that the visible manifest supersedes (kept under superseded/).
    superseded: tuple[ManifestRef, ...] = ()
    detail: str = ""
    # The run's inputs behind the list (URI -> "sha256:<hex>"): kept here, in our trail, not in the
    # manifest a partner receives.
    inputs: dict[str, str] = {}

    def to_bytes(self) -> bytes:
        return dumps_json(self.model_dump(mode="json")).encode("utf-8")


def audit_record_uri(audit_uri: str, record: AuditRecord) -> str:
    digest = sha256_hex(record.to_bytes())[:16]
    return join(
        audit_uri,
        AUDIT_FOLDER,
        f"dt={record.logical_date.isoformat()}",
        f"partner={record.partner}",
        f"run={safe_run_id(record.run_id)}",
        f"{record.event.value}-{digest}.json",
    )


def write_audit_record(storage: Storage, audit_uri: str, record: AuditRecord) -> str:
    uri = audit_record_uri(audit_uri, record)
    storage.write_bytes(uri, record.to_bytes(), "application/json")
    return uri


def read_audit_records(storage: Storage, audit_uri: str, logical_date: dt.date | None = None) -> list[AuditRecord]:
    """Every publish record (of one date, if given), ordered by their URIs."""
    prefix = join(audit_uri, AUDIT_FOLDER) + "/"
    if logical_date is not None:
        prefix = join(prefix, f"dt={logical_date.isoformat()}") + "/"
    records = []
    for uri in storage.list(prefix):
        if not uri.endswith(".json"):
            continue
        try:
            records.append(AuditRecord.model_validate_json(storage.read_bytes(uri)))
        except ValidationError as exc:
            raise ValueError(f"{uri}: not a valid publish audit record: {exc}") from exc
    return records


class PartnerGateSummary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    partner: str
    listed: int
    added: int
    lifted: int
    changed: int
    active_tenants: int
    breaches: tuple[str, ...]
    reasons: tuple[str, ...] = ()  # `BreachReason` codes, one per breach
    diff_sha256: str
    already_published: ManifestRef | None


class GateRecord(BaseModel):
    """The gate's verdict for one run, without the rows (those are in the run's gate.json)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    logical_date: dt.date
    status: GateStatus
    approved_by: str | None
    limits: GateConfig
    gate_uri: str  # the reviewable diff
    partners: tuple[PartnerGateSummary, ...]
    # sha256 of the run's whole change: what an approval must name (`--approve-diff`); None in records
    # written before approvals named their diff.
    diff_sha256: str | None = None
    approved_diff: str | None = None  # the diff an approval named, when one was given

    def to_bytes(self) -> bytes:
        return dumps_json(self.model_dump(mode="json")).encode("utf-8")


def write_gate_record(storage: Storage, audit_uri: str, result: GateResult, gate_uri: str) -> str:
    """Record the gate's verdict (idempotent: the same verdict of the same run is the same object)."""
    record = GateRecord(
        run_id=result.run_id,
        logical_date=result.logical_date,
        status=result.status,
        approved_by=result.approved_by,
        limits=result.limits,
        gate_uri=gate_uri,
        diff_sha256=result.diff_sha256,
        approved_diff=result.approved_diff,
        partners=tuple(
            PartnerGateSummary(
                partner=p.partner,
                listed=p.listed,
                added=p.added,
                lifted=p.lifted,
                changed=p.changed,
                active_tenants=p.active_tenants,
                breaches=p.breaches,
                reasons=tuple(str(r) for r in p.reasons),
                diff_sha256=p.diff_sha256,
                already_published=p.already_published,
            )
            for p in result.partners
        ),
    )
    data = record.to_bytes()
    uri = join(
        audit_uri,
        GATE_FOLDER,
        f"dt={result.logical_date.isoformat()}",
        f"run={safe_run_id(result.run_id)}",
        f"{result.status.value}-{sha256_hex(data)[:16]}.json",
    )
    storage.write_bytes(uri, data, "application/json")
    return uri


def read_gate_records(storage: Storage, audit_uri: str, logical_date: dt.date | None = None) -> list[GateRecord]:
    prefix = join(audit_uri, GATE_FOLDER) + "/"
    if logical_date is not None:
        prefix = join(prefix, f"dt={logical_date.isoformat()}") + "/"
    records = []
    for uri in storage.list(prefix):
        try:
            records.append(GateRecord.model_validate_json(storage.read_bytes(uri)))
        except ValidationError as exc:
            raise ValueError(f"{uri}: not a valid gate audit record: {exc}") from exc
    return records


_PUBLISH_RECORD = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/partner=([^/]+)/run=[^/]+/([a-z]+)-[0-9a-f]{16}\.json$")
# The events after which a list is visible for the record's date.
_VISIBLE = frozenset({AuditEvent.PUBLISHED, AuditEvent.REPUBLISHED, AuditEvent.UNCHANGED})


def publish_history(storage: Storage, audit_uri: str, partner: str, before: dt.date) -> PublishHistory | None:
    """The latest date before `before` the audit trail records a list published for `partner`, or None.

    The outbox can lose manifests (deleted by hand, a bucket restored from an old copy); the trail is
    append-only and says what partners were given, so the gate compares the two (publish/gate.py)."""
    dates: dict[dt.date, list[str]] = {}
    for uri in storage.list(join(audit_uri, AUDIT_FOLDER) + "/"):
        found = _PUBLISH_RECORD.search(uri)
        if not found or found.group(2) != partner or found.group(3) not in _VISIBLE:
            continue
        date = dt.date.fromisoformat(found.group(1))
        if date < before:
            dates.setdefault(date, []).append(uri)
    if not dates:
        return None
    last = max(dates)
    records = [AuditRecord.model_validate_json(storage.read_bytes(uri)) for uri in dates[last]]
    published = [r for r in records if r.event in (AuditEvent.PUBLISHED, AuditEvent.REPUBLISHED)]
    if not published:  # only `unchanged` records: the publish itself is on the trail under its own run
        published = records
    return PublishHistory(
        logical_date=last,
        manifests=frozenset(r.manifest.sha256 for r in records if r.manifest is not None),
        runs=tuple(sorted({r.run_id for r in published})),
    )
