"""One publisher at a time per outbox: the lease on every backend, and two publishers racing for one outbox."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from pipeline.publish.lease import PublishBusy, acquire, holding, release
from pipeline.publish.manifest import read_published
from pipeline.publish.writer import PublishResult, RepublishRefused
from pipeline.run.context import RunOptions
from pipeline.run.layout import lease_folder
from pipeline.storage import Storage
from tests.publish.harness import D1, Harness, listing


def test_a_held_lease_stops_another_run_and_lets_the_holder_back_in(root: str) -> None:
    storage, outbox = Storage(), f"{root}/outbox/aws"
    taken = acquire(storage, outbox, "run-a", D1)
    with pytest.raises(PublishBusy, match=r"run run-a \(for 2026-11-24\) is publishing to this outbox"):
        acquire(storage, outbox, "run-b", D1)
    again = acquire(storage, outbox, "run-a", D1)  # a retried task of the holder
    assert again == taken + 1
    release(storage, outbox, "run-a", D1, again)
    assert acquire(storage, outbox, "run-b", D1) == again + 2
    # Old generations do not pile up.
    assert len(storage.list(lease_folder(outbox) + "/")) <= 2


def test_an_expired_lease_is_taken_over(root: str) -> None:
    storage, outbox = Storage(), f"{root}/outbox/aws"
    acquire(storage, outbox, "crashed-run", D1, seconds=0)
    with holding(storage, outbox, "run-b", D1 + dt.timedelta(days=1)), pytest.raises(PublishBusy):
        acquire(storage, outbox, "run-c", D1)


def test_of_many_simultaneous_takers_exactly_one_wins(local_root: str) -> None:
    storage, outbox = Storage(), f"{local_root}/outbox/aws"

    def take(i: int) -> bool:
        try:
            acquire(storage, outbox, f"run-{i}", D1)
        except PublishBusy:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        assert sum(pool.map(take, range(8))) == 1


def test_a_publisher_stops_while_another_holds_the_outbox_and_writes_nothing(root: str) -> None:
    h = Harness(root)
    acquire(h.storage, h.outbox, "other-run", D1)
    with pytest.raises(PublishBusy):
        h.run(listing(range(3)), D1, run_id="r1")
    assert read_published(h.storage, h.outbox, D1) is None
    assert not h.storage.list(f"{h.outbox}/revocations/")


def test_two_publishers_with_different_lists_one_wins_and_the_other_stops(local_root: str) -> None:
    h = Harness(local_root)
    lists = {"run-a": listing(range(3)), "run-b": listing(range(5, 9))}
    gates = {run: h.gate(df, D1, run, RunOptions()) for run, df in lists.items()}

    def publish(run: str) -> PublishResult | Exception:
        try:
            return h.run(lists[run], D1, run_id=run, gate=gates[run])
        except (PublishBusy, RepublishRefused) as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        outcomes = dict(zip(lists, pool.map(publish, lists), strict=True))
    won = [run for run, out in outcomes.items() if isinstance(out, PublishResult)]
    assert len(won) == 1
    loser = next(out for out in outcomes.values() if not isinstance(out, PublishResult))
    assert isinstance(loser, PublishBusy | RepublishRefused)
    published = read_published(h.storage, h.outbox, D1)  # verifies every file against the manifest
    assert published is not None and published.manifest.run_id == won[0]
