"""The audit trail of publishing: one immutable record per publish event, under the configured audit URI.

Layout: `<audit>/publish/dt=D/partner=P/run=R/<event>-<sha16>.json`, where sha16 starts the sha256 of
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

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.publish.manifest import Approval, ChangeCounts, ManifestRef, sha256_hex
from pipeline.run import safe_run_id
from pipeline.storage import Storage, join
from pipeline.storage.frames import dumps_json

AUDIT_FOLDER = "publish"


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
