"""Publishing one partner's list for one logical date: atomic, idempotent, gated, audited.

Invariants:
- Manifest last. Data files are written first, the manifest after them; the manifest is one object
  written in one request, so a reader sees either no list for the date or a complete one (see the
  reader protocol in pipeline/publish/manifest.py). A failure anywhere before the manifest leaves the
  date invisible, and running again completes it.
- Byte-identical reruns. The files depend only on the list, the last list published before the date,
  and the date; the manifest also on the run id and the run's metadata. No clock is read.
- A published date is not silently replaced. Publishing a date that already has a manifest is a no-op
  when the files would be identical; when they would differ it is refused (`RepublishRefused`) unless
  `RunOptions.force_republish`. A forced republish first copies the published version (files, then its
  manifest) under `revocations/superseded/dt=D/v=<sha16>/`, then removes the date's manifest (the date
  is invisible, never inconsistent), then writes the new files and the new manifest, which lists every
  superseded version.
- Only what the gate evaluated is published: the delta's sha256 must equal the one in this run's
  `GateResult`, and a blocked gate publishes nothing.
- Every outcome (published, republished, unchanged, refused) leaves one audit record (audit.py).

Concurrency: one publisher per partner outbox at a time, whatever runs or machines try: the writer
holds the outbox's lease (lease.py, built on the stores' atomic create) from reading the outbox to
writing the manifest, and a second publisher stops with `PublishBusy` having written nothing. (The GCS
emulator ignores preconditions; real GCS, S3, Azure and local files enforce them.)
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import RunStopped
from pipeline.publish.audit import AuditEvent, AuditRecord, write_audit_record
from pipeline.publish.diff import diff_lists
from pipeline.publish.gate import GateBlocked, GateInput, GateResult
from pipeline.publish.lease import holding
from pipeline.publish.lists import ListFormat, from_csv_bytes, to_csv_bytes, to_jsonl_bytes, validate_list
from pipeline.publish.manifest import (
    Approval,
    ChangeCounts,
    FileEntry,
    GateStatus,
    Manifest,
    ManifestRef,
    PublishedList,
    PublishedListCorrupt,
    PublishHistory,
    last_published,
    read_manifest_folder,
    read_published,
    sha256_hex,
    superseded_versions,
)
from pipeline.run.context import RunOptions
from pipeline.run.layout import (
    DELTA_FILE,
    DELTA_JSONL_FILE,
    MANIFEST_FILE,
    SNAPSHOT_FILE,
    SNAPSHOT_JSONL_FILE,
    list_folder,
    superseded_folder,
)
from pipeline.storage import Storage, join

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
JSONL_CONTENT_TYPE = "application/x-ndjson"


class PublishError(RunStopped):
    """The list cannot be published as asked; nothing visible was changed."""


class RepublishRefused(PublishError):
    """A different list is already published for this date and the run does not force a republish."""


class PublishMeta(BaseModel):
    """What the run says about itself in the manifest."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: Annotated[str, Field(min_length=1)]
    logical_date: dt.date
    policy_id: str
    policy_version: str
    # The version of the list's contract (data_contracts/<list_format>.yaml `version`), in the manifest.
    list_format_version: str
    # The run's inputs (URI -> digest): recorded in the audit trail, never in the partner's manifest.
    input_fingerprints: dict[str, str] = {}


class PublishResult(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    partner: str
    event: AuditEvent
    manifest_uri: str
    snapshot_uri: str
    delta_uri: str
    noop: bool  # nothing was written to the outbox (identical files were already published)
    audit_uri: str
    changes: ChangeCounts


def _entry(name: str, data: bytes, header: bool = True) -> FileEntry:
    # One header line (CSV; JSON Lines have none); cells hold no line breaks (lists.neutralise).
    rows = max(data.count(b"\n") - (1 if header else 0), 0)
    return FileEntry(name=name, sha256=sha256_hex(data), bytes=len(data), rows=rows)


def _as_jsonl(current: pd.DataFrame, delta_bytes: bytes, list_format: ListFormat, where: str) -> tuple[bytes, bytes]:
    """The snapshot and the delta as JSON Lines, cell for cell the CSV files' text."""
    delta = from_csv_bytes(delta_bytes, where)
    return to_jsonl_bytes(current, list_format.columns), to_jsonl_bytes(delta, list_format.delta_columns)


def _check_gate(gate: GateResult, partner: str, meta: PublishMeta, delta_sha256: str) -> Approval:
    if gate.run_id != meta.run_id or gate.logical_date != meta.logical_date:
        raise PublishError(
            f"{partner}: the gate result is from run {gate.run_id} for {gate.logical_date}, not from this run "
            f"({meta.run_id}, {meta.logical_date}); an approval covers only the run it was given to"
        )
    if gate.status is GateStatus.BLOCKED:
        raise GateBlocked(f"{partner}: the safety gate blocked this run; nothing is published.\n{gate.summary()}")
    try:
        evaluated = gate.partner(partner)
    except KeyError as exc:
        raise PublishError(f"{partner}: the gate did not evaluate this partner's list") from exc
    if evaluated.diff_sha256 != delta_sha256:
        raise PublishError(
            f"{partner}: the delta to publish (sha256 {delta_sha256}) is not the one the gate evaluated "
            f"({evaluated.diff_sha256}); the list or the last published list changed after the gate: rerun the run"
        )
    return Approval(gate_status=gate.status, approved_by=gate.approved_by, diff_sha256=delta_sha256)


def _supersede(storage: Storage, outbox: str, logical_date: dt.date) -> None:
    """Copy the date's published version under superseded/ (manifest last), then hide the date.

    The copy's folder is named by the manifest's hash, so a crash part way and a rerun copy to the same
    place; `superseded_versions` finds it for the new manifest.
    """
    folder = list_folder(outbox, logical_date)
    manifest_uri = join(folder, MANIFEST_FILE)
    raw_manifest = storage.read_bytes(manifest_uri)
    target = superseded_folder(outbox, logical_date, sha256_hex(raw_manifest))
    for uri in storage.list(folder + "/"):
        if uri != manifest_uri:
            storage.write_bytes(join(target, uri[len(folder) + 1 :]), storage.read_bytes(uri))
    storage.write_bytes(join(target, MANIFEST_FILE), raw_manifest, "application/json")
    storage.delete(manifest_uri)


def publish_partner_list(
    storage: Storage,
    outbox_uri: str,
    partner_name: str,
    list_df: pd.DataFrame,
    meta: PublishMeta,
    *,
    options: RunOptions,
    list_format: ListFormat,
    gate: GateResult,
    audit_uri: str,
) -> PublishResult:
    """Publish one partner's full list for `meta.logical_date` under `<outbox>/revocations/dt=D/`.

    The delta is computed against `last_published(storage, outbox_uri, D)` (strictly before D), exactly
    as the gate computed it. Everything from reading the outbox to writing the manifest happens holding
    the outbox's lease (lease.py). Raises `GateBlocked`, `RepublishRefused`, `PublishBusy`,
    `PublishError`, `PublishedListCorrupt` or `ListFormatError`; on any of them nothing visible has changed.
    """
    with holding(storage, outbox_uri, meta.run_id, meta.logical_date):
        return _publish(
            storage,
            outbox_uri,
            partner_name,
            list_df,
            meta,
            options=options,
            list_format=list_format,
            gate=gate,
            audit_uri=audit_uri,
        )


def _publish(
    storage: Storage,
    outbox_uri: str,
    partner_name: str,
    list_df: pd.DataFrame,
    meta: PublishMeta,
    *,
    options: RunOptions,
    list_format: ListFormat,
    gate: GateResult,
    audit_uri: str,
) -> PublishResult:
    logical_date = meta.logical_date
    folder = list_folder(outbox_uri, logical_date)
    snapshot_uri, delta_uri = join(folder, SNAPSHOT_FILE), join(folder, DELTA_FILE)
    manifest_uri = join(folder, MANIFEST_FILE)

    current = validate_list(list_df, list_format, f"{partner_name} list for {logical_date}")
    previous = last_published(storage, outbox_uri, logical_date)
    if previous is not None and previous.manifest.list_format != list_format.contract:
        raise PublishError(
            f"{partner_name}: the last published list {previous.manifest_uri} follows {previous.manifest.list_format}, "
            f"not {list_format.contract}; a format change needs a migration, not a delta"
        )
    diff = diff_lists(previous.snapshot if previous else None, current, list_format, logical_date)
    snapshot_bytes = to_csv_bytes(current, list_format.columns)
    delta_bytes = diff.delta_bytes
    snapshot_jsonl, delta_jsonl = _as_jsonl(
        current, delta_bytes, list_format, f"{partner_name} delta for {logical_date}"
    )
    approval = _check_gate(gate, partner_name, meta, sha256_hex(delta_bytes))
    changes = ChangeCounts(
        added=len(diff.added), changed=len(diff.changed), lifted=len(diff.lifted), unchanged=diff.unchanged
    )

    def record(event: AuditEvent, manifest: ManifestRef | None, **extra: object) -> str:
        files = {SNAPSHOT_FILE: snapshot_uri, DELTA_FILE: delta_uri} if manifest is not None else {}
        rec = AuditRecord.model_validate(
            {
                "event": event,
                "partner": partner_name,
                "logical_date": logical_date,
                "run_id": meta.run_id,
                "outbox": outbox_uri,
                "policy_id": meta.policy_id,
                "policy_version": meta.policy_version,
                "force_requested": options.force_republish,
                "approval": approval,
                "changes": changes,
                "manifest": manifest,
                "files": files,
                "inputs": dict(sorted(meta.input_fingerprints.items())),
                **extra,
            }
        )
        return write_audit_record(storage, audit_uri, rec)

    def result(event: AuditEvent, audit: str, noop: bool) -> PublishResult:
        return PublishResult(
            partner=partner_name,
            event=event,
            manifest_uri=manifest_uri,
            snapshot_uri=snapshot_uri,
            delta_uri=delta_uri,
            noop=noop,
            audit_uri=audit,
            changes=changes,
        )

    existing: PublishedList | None
    try:
        existing = read_manifest_folder(storage, folder)
    except PublishedListCorrupt:
        if not options.force_republish:
            raise
        existing = None
        _supersede(storage, outbox_uri, logical_date)

    if existing is not None:
        published = (existing.manifest.snapshot.sha256, existing.manifest.delta.sha256)
        if published == (sha256_hex(snapshot_bytes), sha256_hex(delta_bytes)):
            # A retry of the very run that published re-affirms it (same record, same object); any
            # other run finds the date already published as it would publish it.
            same_run = existing.manifest.run_id == meta.run_id
            event = (
                (AuditEvent.REPUBLISHED if existing.manifest.supersedes else AuditEvent.PUBLISHED)
                if same_run
                else AuditEvent.UNCHANGED
            )
            detail = "" if same_run else f"identical files already published by run {existing.manifest.run_id}"
            audit = record(event, existing.ref, superseded=existing.manifest.supersedes, detail=detail)
            return result(event, audit, noop=True)
        if not options.force_republish:
            detail = (
                f"{partner_name}: a different list is already published for {logical_date} by run "
                f"{existing.manifest.run_id} ({existing.manifest_uri}: {existing.manifest.snapshot.rows} rows, "
                f"sha256 {existing.manifest.snapshot.sha256[:12]}...; this run: {len(current)} rows, sha256 "
                f"{sha256_hex(snapshot_bytes)[:12]}...). It stays published; to replace it (keeping it under "
                "superseded/), rerun with force_republish"
            )
            record(AuditEvent.REFUSED, existing.ref, superseded=existing.manifest.supersedes, detail=detail)
            raise RepublishRefused(detail)
        _supersede(storage, outbox_uri, logical_date)

    supersedes = superseded_versions(storage, outbox_uri, logical_date)
    manifest = Manifest(
        partner=partner_name,
        list_format=list_format.contract,
        key=list_format.key,
        run_id=meta.run_id,
        logical_date=logical_date,
        policy_id=meta.policy_id,
        policy_version=meta.policy_version,
        list_format_version=meta.list_format_version,
        snapshot=_entry(SNAPSHOT_FILE, snapshot_bytes),
        delta=_entry(DELTA_FILE, delta_bytes),
        snapshot_jsonl=_entry(SNAPSHOT_JSONL_FILE, snapshot_jsonl, header=False),
        delta_jsonl=_entry(DELTA_JSONL_FILE, delta_jsonl, header=False),
        changes=changes,
        approval=approval,
        follows=previous.ref if previous is not None else None,
        supersedes=supersedes,
    )
    manifest_bytes = manifest.to_bytes()
    for name, data, content_type in (
        (SNAPSHOT_FILE, snapshot_bytes, CSV_CONTENT_TYPE),
        (DELTA_FILE, delta_bytes, CSV_CONTENT_TYPE),
        (SNAPSHOT_JSONL_FILE, snapshot_jsonl, JSONL_CONTENT_TYPE),
        (DELTA_JSONL_FILE, delta_jsonl, JSONL_CONTENT_TYPE),
    ):
        storage.write_bytes(join(folder, name), data, content_type)
    storage.write_bytes(manifest_uri, manifest_bytes, "application/json")

    event = AuditEvent.REPUBLISHED if supersedes else AuditEvent.PUBLISHED
    ref = ManifestRef(
        logical_date=logical_date, run_id=meta.run_id, uri=manifest_uri, sha256=sha256_hex(manifest_bytes)
    )
    audit = record(event, ref, superseded=supersedes)
    return result(event, audit, noop=False)


def gate_input(
    storage: Storage,
    outbox_uri: str,
    partner_name: str,
    list_df: pd.DataFrame,
    *,
    list_format: ListFormat,
    active_tenants: int,
    logical_date: dt.date,
    previous: PublishedList | None,
    history: PublishHistory | None = None,
) -> GateInput:
    """What the gate needs for one partner: its list, the last list published before the date (as the
    caller read it with `last_published`, to build the list), and whatever is already published for the
    date itself (verified; a corrupt one counts as none here)."""
    try:
        same_date = read_published(storage, outbox_uri, logical_date)
    except PublishedListCorrupt:
        # Only used to recognise an identical rerun; the writer refuses a corrupt date unless forced.
        same_date = None
    return GateInput(
        partner=partner_name,
        list_format=list_format,
        current=list_df,
        previous=previous,
        active_tenants=active_tenants,
        same_date=same_date,
        history=history,
    )
