"""One policy per run: `plan` pins the run's configuration, policy and exemptions in its workspace.

Invariant: once `plan` has taken the snapshot, every later task of the run (through `pinned`) runs with
the configuration as `plan` read it and reads the policy and exemptions from their pinned copies, never
from their live locations; every copy is read back only if its sha256 is still the one recorded. Editing
the policy file while a run is in flight therefore cannot split a night between two versions, and a
retried or cleared task of the run reads what the run started with. `plan` runs again on a cleared run
and pins what is there then.

The pinned configuration keeps the live locations as the names of the inputs (so manifests and audit
records name the same files and sha256 values as before); only the bytes come from the copies.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from pipeline.config import RunConfig
from pipeline.errors import RunStopped
from pipeline.storage.frames import read_json, write_json
from pipeline.storage.hashing import sha256_hex

if TYPE_CHECKING:
    from pipeline.run.context import RunContext
    from pipeline.run.layout import RunLayout
    from pipeline.storage import Storage


class SnapshotError(RunStopped):
    """The run's snapshot is missing or a pinned copy no longer has its recorded sha256."""


class PinnedFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: str  # config, policy, exemptions
    source: str  # the live location it was read from
    copy_uri: str  # the pinned copy in the run's workspace
    sha256: str
    bytes: Annotated[int, Field(ge=0)]


class RunSnapshot(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    config: RunConfig
    files: tuple[PinnedFile, ...]

    def by_source(self, source: str) -> PinnedFile | None:
        return next((f for f in self.files if f.source == source), None)


def take_snapshot(storage: Storage, config: RunConfig, layout: RunLayout) -> RunSnapshot:
    """Copy the configuration, policy and exemptions into the run's workspace, with their sha256."""
    roles = (("config", config.config_uri), ("policy", config.policy), ("exemptions", config.exemptions))
    files = []
    for role, source in roles:
        if source is None:
            continue
        data = storage.read_bytes(source)
        copy = layout.snapshot_copy(role, source)
        storage.write_bytes(copy, data)
        files.append(PinnedFile(role=role, source=source, copy_uri=copy, sha256=sha256_hex(data), bytes=len(data)))
    snapshot = RunSnapshot(config=config, files=tuple(files))
    write_json(storage, layout.snapshot, snapshot.model_dump(mode="json"))
    return snapshot


def read_snapshot(storage: Storage, layout: RunLayout) -> RunSnapshot | None:
    if not storage.exists(layout.snapshot):
        return None
    return RunSnapshot.model_validate(read_json(storage, layout.snapshot))


def read_pinned(storage: Storage, pinned: PinnedFile) -> bytes:
    data = storage.read_bytes(pinned.copy_uri)
    if sha256_hex(data) != pinned.sha256:
        raise SnapshotError(
            f"{pinned.copy_uri}: the run's pinned {pinned.role} no longer has sha256 {pinned.sha256} "
            f"(copied from {pinned.source}); the run cannot be trusted: clear it to start again from plan"
        )
    return data


def pinned(ctx: RunContext, *, required: bool = True) -> RunContext:
    """The run context as `plan` pinned it: its configuration and, for reads, its pinned inputs.

    Without a snapshot (plan did not get that far) it raises `SnapshotError`, unless not `required` (the
    report of a stopped run, which must be written whatever stopped the run)."""
    snapshot = read_snapshot(ctx.storage, ctx.layout)
    if snapshot is None:
        if required:
            raise SnapshotError(
                f"{ctx.layout.snapshot}: no snapshot of the run's configuration; `plan` must run first for run "
                f"{ctx.run_id} (its configuration's workspace may have changed since)"
            )
        return ctx
    return dataclasses.replace(ctx, config=snapshot.config, snapshot=snapshot)
