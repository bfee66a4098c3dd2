"""One publisher at a time per partner outbox: a lease taken with the stores' atomic create.

Layout: `<outbox>/publish-lease/g=<generation>.json`, one object per change of hands; the lease is the
object with the highest generation. Taking it means creating the next generation (`ObjectStore.create`:
S3 `If-None-Match: *`, GCS `if_generation_match=0`, Azure `overwrite=False`, a hard link locally), so of
two publishers that read the same generation exactly one creates the next one, and the other stops with
`PublishBusy` naming the holder. A lease held by another run is respected until it expires
(`LEASE_SECONDS` after it was taken: a publisher killed half way must not block the next night forever);
an expired or released one is taken over the same way. The run that holds it may take it again (a
retried task). Releasing creates one more generation marked released. Generations two or more behind
the current one are removed by whoever takes the lease, so the folder stays small.

Invariant: between `acquire` returning and `release`, no other run's `acquire` returns for the outbox
(within the lease's lifetime); everything a publisher checks and writes happens inside it.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from pipeline.errors import RunStopped
from pipeline.run.layout import lease_folder
from pipeline.storage import Storage, join
from pipeline.storage.frames import dumps_json

LEASE_SECONDS = 3600
_GENERATION = re.compile(r"/g=(\d{12})\.json$")


class PublishBusy(RunStopped):
    """Another run is publishing to this outbox; nothing was written by this one."""


class Lease(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    run_id: str
    logical_date: dt.date
    state: Literal["held", "released"]
    taken_at: float  # seconds since the epoch
    expires_at: float

    def to_bytes(self) -> bytes:
        return dumps_json(self.model_dump(mode="json")).encode("utf-8")


def _generations(storage: Storage, outbox: str) -> list[tuple[int, str]]:
    found = [(_GENERATION.search(uri), uri) for uri in storage.list(lease_folder(outbox) + "/")]
    return sorted((int(m.group(1)), uri) for m, uri in found if m)


def _uri(outbox: str, generation: int) -> str:
    return join(lease_folder(outbox), f"g={generation:012d}.json")


def _read(storage: Storage, uri: str) -> Lease | None:
    try:
        return Lease.model_validate_json(storage.read_bytes(uri))
    except ValidationError:
        return None  # a damaged lease object holds nothing


def acquire(storage: Storage, outbox: str, run_id: str, logical_date: dt.date, *, seconds: int = LEASE_SECONDS) -> int:
    """Take the outbox's lease for `run_id`; the generation taken. Raises `PublishBusy` when another run
    holds it (or took it at the same moment)."""
    generations = _generations(storage, outbox)
    current, now = (generations[-1] if generations else (0, None)), time.time()
    generation, uri = current
    holder = _read(storage, uri) if uri is not None else None
    if holder is not None and holder.state == "held" and holder.run_id != run_id and holder.expires_at > now:
        raise PublishBusy(
            f"{outbox}: run {holder.run_id} (for {holder.logical_date}) is publishing to this outbox, its lease "
            f"{uri} runs for {int(holder.expires_at - now)} more seconds; nothing was published by run {run_id}. "
            "Rerun this date once that run has finished"
        )
    lease = Lease(run_id=run_id, logical_date=logical_date, state="held", taken_at=now, expires_at=now + seconds)
    taken = generation + 1
    if not storage.create(_uri(outbox, taken), lease.to_bytes(), "application/json"):
        winner = _read(storage, _uri(outbox, taken))
        who = f"run {winner.run_id}" if winner is not None else "another run"
        raise PublishBusy(
            f"{outbox}: {who} took the publishing lease at the same moment; nothing was published by run {run_id}. "
            "Rerun this date once that run has finished"
        )
    for old, old_uri in generations:
        if old < taken - 1:
            storage.delete(old_uri)
    return taken


def release(storage: Storage, outbox: str, run_id: str, logical_date: dt.date, generation: int) -> None:
    """Hand the lease back (a no-op when it has already changed hands: it had expired)."""
    now = time.time()
    done = Lease(run_id=run_id, logical_date=logical_date, state="released", taken_at=now, expires_at=now)
    storage.create(_uri(outbox, generation + 1), done.to_bytes(), "application/json")


@contextmanager
def holding(
    storage: Storage, outbox: str, run_id: str, logical_date: dt.date, *, seconds: int = LEASE_SECONDS
) -> Iterator[int]:
    """The lease for the duration of a `with` block (released whether the block succeeds or raises)."""
    generation = acquire(storage, outbox, run_id, logical_date, seconds=seconds)
    try:
        yield generation
    finally:
        release(storage, outbox, run_id, logical_date, generation)
