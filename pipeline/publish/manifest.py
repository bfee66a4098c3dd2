"""Where a partner's published lists live, what their manifest says, and how a reader trusts them.

Layout under a partner's outbox (`PartnerConfig.outbox`; the paths are `pipeline.run.layout`'s), one folder per
logical date D:

    revocations/dt=D/revocations.csv          full snapshot (every current revocation)
    revocations/dt=D/revocations_delta.csv    change against the list D follows (added/changed/lifted)
    revocations/dt=D/manifest.json            written last; the only thing that makes D visible
    revocations/superseded/dt=D/v=<sha16>/    an earlier version of D replaced by a forced republish
                                              (its files and its manifest, as they were)

Reader protocol (partners and our own runs alike): list `revocations/dt=*/manifest.json`, take the
date wanted, read the manifest, then read each file it names from the same folder and compare its
sha256 with the manifest's. A folder without a manifest is not published (a writer may be half way
through it): ignore it. A file whose sha256 differs from its manifest is never used.

Invariant: every manifest that `read_published` returns names files whose bytes hash to what it says;
a mismatch raises `PublishedListCorrupt` rather than falling back to an older list, because a delta
computed against the wrong list would lift or add the wrong tenants.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass
from typing import Annotated, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import RunStopped, validation_problems
from pipeline.publish.lists import ListFormatError, from_csv_bytes
from pipeline.run.layout import (
    MANIFEST_FILE,
    list_folder,
    lists_root,
    manifest_date,
    manifest_of,
    superseded_folder,
)
from pipeline.storage import Storage, StorageError, join
from pipeline.storage.frames import dumps_json

_SHA256 = r"^[0-9a-f]{64}$"


class PublishedListCorrupt(RunStopped):
    """A manifest and the files it names disagree (or the manifest is unreadable); nothing is trusted."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GateStatus(enum.StrEnum):
    PASSED = "passed"  # within the limits
    APPROVED = "approved"  # beyond the limits, published on a named person's approval
    BLOCKED = "blocked"  # beyond the limits and not approved: nothing is published


class FileEntry(_Model):
    name: str  # relative to the manifest's folder, so a superseded copy stays self-consistent
    sha256: Annotated[str, Field(pattern=_SHA256)]
    bytes: Annotated[int, Field(ge=0)]
    rows: Annotated[int, Field(ge=0)]


class ChangeCounts(_Model):
    added: Annotated[int, Field(ge=0)]
    changed: Annotated[int, Field(ge=0)]
    lifted: Annotated[int, Field(ge=0)]
    unchanged: Annotated[int, Field(ge=0)]


class Approval(_Model):
    """What the safety gate said about this list and who, if anyone, approved it."""

    gate_status: GateStatus
    approved_by: str | None = None
    # sha256 of the delta file the gate evaluated: the approval covers exactly this change.
    diff_sha256: Annotated[str, Field(pattern=_SHA256)]


class ManifestRef(_Model):
    """Another published manifest, identified by where it is and the hash of its bytes."""

    logical_date: dt.date
    run_id: str
    uri: str
    sha256: Annotated[str, Field(pattern=_SHA256)]


class Manifest(_Model):
    # 2: no input locations (they stay in our audit trail), the contract's version, JSON Lines files.
    manifest_version: Literal[1, 2] = 2
    partner: str
    list_format: str  # the contract the files follow (data_contracts/<list_format>.yaml)
    list_format_version: str | None = None  # that contract's `version` (None only in version 1)
    key: str
    run_id: str
    logical_date: dt.date
    policy_id: str
    policy_version: str
    # Version 1 only: the run's input URIs and digests. Version 2 names no location of ours: the inputs
    # are in the publish audit record (pipeline/publish/audit.py), by sha256.
    inputs: dict[str, str] | None = None
    snapshot: FileEntry
    delta: FileEntry
    # The same lists as JSON Lines (None only in version 1).
    snapshot_jsonl: FileEntry | None = None
    delta_jsonl: FileEntry | None = None
    changes: ChangeCounts
    approval: Approval
    # The published list this one's delta is computed against (None for a partner's first list).
    follows: ManifestRef | None
    # Earlier versions of this date, replaced by forced republishes and kept under superseded/.
    supersedes: tuple[ManifestRef, ...] = ()

    def to_bytes(self) -> bytes:
        doc = self.model_dump(mode="json")
        if self.manifest_version >= 2:
            for absent in ("inputs",):
                doc.pop(absent, None)
        return dumps_json(doc).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fingerprint(data: bytes) -> str:
    """A stable digest of an input's bytes, for `PublishMeta.input_fingerprints`."""
    return "sha256:" + sha256_hex(data)


@dataclass(frozen=True)
class PublishedList:
    """A published, verified list: its manifest and both files as frames (all text)."""

    manifest: Manifest
    manifest_uri: str
    manifest_sha256: str
    snapshot: pd.DataFrame
    delta: pd.DataFrame

    @property
    def ref(self) -> ManifestRef:
        return ManifestRef(
            logical_date=self.manifest.logical_date,
            run_id=self.manifest.run_id,
            uri=self.manifest_uri,
            sha256=self.manifest_sha256,
        )


@dataclass(frozen=True)
class PublishHistory:
    """What the audit trail says was last published for one partner before a date
    (`pipeline.publish.audit.publish_history`)."""

    logical_date: dt.date
    manifests: frozenset[str]  # sha256 of every manifest the trail records as visible on that date
    runs: tuple[str, ...]


def parse_manifest(data: bytes, uri: str) -> Manifest:
    try:
        return Manifest.model_validate_json(data)
    except ValidationError as exc:
        raise PublishedListCorrupt(f"{uri}: not a valid manifest: {validation_problems(exc)}") from exc


def _verified(storage: Storage, folder: str, entry: FileEntry, manifest_uri_: str) -> bytes:
    uri = join(folder, entry.name)
    try:
        data = storage.read_bytes(uri)
    except StorageError as exc:
        raise PublishedListCorrupt(f"{manifest_uri_} names {uri}, which cannot be read: {exc}") from exc
    actual = sha256_hex(data)
    if actual != entry.sha256:
        raise PublishedListCorrupt(
            f"{uri}: sha256 {actual} differs from {entry.sha256} in {manifest_uri_}; the file was changed after "
            "publishing (or is being replaced): not trusted"
        )
    return data


def read_manifest_folder(storage: Storage, folder: str) -> PublishedList | None:
    """The verified list published in one folder, or None when it has no manifest (not published)."""
    uri = join(folder, MANIFEST_FILE)
    if not storage.exists(uri):
        return None
    raw = storage.read_bytes(uri)
    manifest = parse_manifest(raw, uri)
    snapshot_bytes = _verified(storage, folder, manifest.snapshot, uri)
    delta_bytes = _verified(storage, folder, manifest.delta, uri)
    for entry in (manifest.snapshot_jsonl, manifest.delta_jsonl):
        if entry is not None:
            _verified(storage, folder, entry, uri)
    try:
        snapshot = from_csv_bytes(snapshot_bytes, join(folder, manifest.snapshot.name))
        delta = from_csv_bytes(delta_bytes, join(folder, manifest.delta.name))
    except ListFormatError as exc:
        raise PublishedListCorrupt(str(exc)) from exc
    return PublishedList(
        manifest=manifest, manifest_uri=uri, manifest_sha256=sha256_hex(raw), snapshot=snapshot, delta=delta
    )


def read_published(storage: Storage, outbox: str, logical_date: dt.date) -> PublishedList | None:
    """The list published for one date, verified against its manifest; None when nothing is published."""
    return read_manifest_folder(storage, list_folder(outbox, logical_date))


def published_dates(storage: Storage, outbox: str) -> list[dt.date]:
    """The dates with a manifest (not superseded versions), ascending."""
    dates = [manifest_date(outbox, uri) for uri in storage.list(join(lists_root(outbox), "dt="))]
    return sorted(d for d in dates if d is not None)


def last_published(storage: Storage, outbox: str, before_date: dt.date) -> PublishedList | None:
    """The latest list published strictly before `before_date`, verified; None if there is none.

    A run for date D compares with `last_published(..., D)`: never with D itself, so a rerun of D
    computes the same delta as the first run did.
    """
    earlier = [d for d in published_dates(storage, outbox) if d < before_date]
    if not earlier:
        return None
    found = read_published(storage, outbox, earlier[-1])
    if found is None:  # the manifest vanished between listing and reading: a concurrent republish
        raise PublishedListCorrupt(f"{manifest_of(outbox, earlier[-1])}: listed but gone when read; retry")
    return found


def superseded_versions(storage: Storage, outbox: str, logical_date: dt.date) -> tuple[ManifestRef, ...]:
    """Every earlier version of a date kept under superseded/, sorted by their manifest URI."""
    prefix = superseded_folder(outbox, logical_date) + "/"
    refs = []
    for uri in storage.list(prefix):
        if not uri.endswith("/" + MANIFEST_FILE):
            continue
        raw = storage.read_bytes(uri)
        try:
            run_id = parse_manifest(raw, uri).run_id
        except PublishedListCorrupt:
            # A corrupt version replaced by force is kept as it was; its run is unknown.
            run_id = "(unreadable manifest)"
        refs.append(ManifestRef(logical_date=logical_date, run_id=run_id, uri=uri, sha256=sha256_hex(raw)))
    return tuple(sorted(refs, key=lambda r: r.uri))
