"""A reconciliation written to the run workspace and read back is the same reconciliation."""

from __future__ import annotations

import pytest

from pipeline.reconcile import ReconcileError, reconcile
from pipeline.reconcile.store import read_reconciliation, write_reconciliation
from pipeline.run.layout import RunLayout
from pipeline.storage import Storage
from pipeline.storage.frames import write_json
from tests import sample_run as s


def _layout(root: str) -> RunLayout:
    return RunLayout.at(f"{root}/dt={s.AS_OF.isoformat()}/run=r")


def test_round_trip(local_root: str) -> None:
    rec = reconcile(s.billing(), s.decisions(), s.tenants(), s.published(), s.AS_OF)
    storage, layout = Storage(), _layout(local_root)
    assert write_reconciliation(storage, layout, rec) == layout.reconciliation_summary
    names = ("gaps", "gap_lines", "unknown_billed", "unbilled_active", "revenue", "not_counted")
    assert all(storage.exists(layout.reconciliation_frame(name)) for name in names)
    again = read_reconciliation(storage, layout)
    assert again.summary() == rec.summary()
    assert again.totals == rec.totals
    for name, frame in rec.frames().items():
        assert again.frames()[name].astype(str).equals(frame.astype(str)), name


def test_a_summary_that_is_not_one_is_an_error(local_root: str) -> None:
    layout = _layout(local_root)
    write_json(Storage(), layout.reconciliation_summary, {"as_of": "someday"})
    with pytest.raises(ReconcileError, match=r"reconciliation.json: not a reconciliation summary"):
        read_reconciliation(Storage(), layout)
