"""A reconciliation written to the run workspace and read back is the same reconciliation."""

from __future__ import annotations

import pytest

from pipeline.reconcile import ReconcileError, reconcile
from pipeline.reconcile.store import read_reconciliation, write_reconciliation
from pipeline.storage import Storage, join
from pipeline.storage.frames import write_json
from tests import sample_run as s


def test_round_trip(local_root: str) -> None:
    rec = reconcile(s.billing(), s.decisions(), s.tenants(), s.published(), s.AS_OF)
    storage = Storage()
    uris = write_reconciliation(storage, local_root, rec)
    assert set(uris) == {"gaps", "gap_lines", "unknown_billed", "unbilled_active", "revenue", "not_counted", "summary"}
    again = read_reconciliation(storage, local_root)
    assert again.summary() == rec.summary()
    assert again.totals == rec.totals
    for name, frame in rec.frames().items():
        assert again.frames()[name].astype(str).equals(frame.astype(str)), name


def test_a_summary_that_is_not_one_is_an_error(local_root: str) -> None:
    write_json(Storage(), join(local_root, "reconciliation.json"), {"as_of": "someday"})
    with pytest.raises(ReconcileError, match=r"reconciliation.json: not a reconciliation summary"):
        read_reconciliation(Storage(), local_root)
