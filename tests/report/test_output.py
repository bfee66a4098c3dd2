"""Report and summary files in the reports folder, and the history later runs read back."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from pipeline.report import ReportInputs, RunSummary
from pipeline.report.output import read_history, write_report
from pipeline.run.layout import RunLayout
from pipeline.storage import Storage, join
from tests.servers import BACKENDS, root_on


def _layout(reports: str, run: ReportInputs) -> RunLayout:
    return RunLayout.of(f"{reports}/workspace", reports, run.logical_date, run.run_id, {})


def _run(inputs: ReportInputs, day: int, run_id: str) -> ReportInputs:
    return dataclasses.replace(inputs, logical_date=dt.date(2026, 11, day), run_id=run_id, history=())


def test_report_and_summary_are_written_where_later_runs_find_them(local_root: str, inputs: ReportInputs) -> None:
    storage = Storage()
    layout = _layout(local_root, inputs)
    assert layout.report_folder == join(local_root, "dt=2026-11-02", "run=scheduled__2026-11-02T00_00_00_00_00")
    uris = write_report(storage, layout, inputs)
    assert uris == {"report": layout.report, "run_summary": layout.run_summary}
    assert storage.read_text(uris["report"]).startswith("<!DOCTYPE html>")
    summary = RunSummary.model_validate_json(storage.read_text(uris["run_summary"]))
    assert summary.decisions["aws"]["revoke"] == 2
    assert summary.revenue_at_risk["gcp"]["revoke"]["usage_estimate"] == {"EUR": "30.00"}


@pytest.mark.parametrize("backend", BACKENDS[:2])
def test_history_is_earlier_runs_oldest_first_with_unreadable_ones_named(
    backend: str, request: pytest.FixtureRequest, inputs: ReportInputs
) -> None:
    root = root_on(request, backend)
    storage = Storage()
    for day, run_id in [(1, "scheduled__a"), (2, "manual__b"), (3, "scheduled__c"), (4, "scheduled__later")]:
        run = _run(inputs, day, run_id)
        write_report(storage, _layout(root, run), run)
    broken = _layout(root, _run(inputs, 1, "scheduled__x")).run_summary.replace("dt=2026-11-01", "dt=2026-10-31")
    storage.write_text(broken, '{"run_id": "x"}')

    summaries, problems = read_history(storage, root, dt.date(2026, 11, 3), "scheduled__c")
    assert [(h.logical_date.day, h.run_id) for h in summaries] == [(1, "scheduled__a"), (2, "manual__b")]
    assert len(problems) == 1
    assert problems[0].startswith(broken)
    assert "unreadable run summary" in problems[0]

    limited, _ = read_history(storage, root, dt.date(2026, 11, 4), "scheduled__later", limit=2)
    assert [h.run_id for h in limited] == ["manual__b", "scheduled__c"]


def test_history_of_a_first_run_is_empty(local_root: str) -> None:
    assert read_history(Storage(), local_root, dt.date(2026, 11, 2), "r") == ((), ())


def test_history_feeds_the_charts(local_root: str, inputs: ReportInputs) -> None:
    storage = Storage()
    first = _run(inputs, 1, "scheduled__a")
    write_report(storage, _layout(local_root, first), first)
    history, problems = read_history(storage, local_root, inputs.logical_date, inputs.run_id)
    html = write_report(
        storage,
        _layout(local_root, inputs),
        dataclasses.replace(inputs, history=history, history_problems=problems),
    )["report"]
    assert "Recent runs (2)" in storage.read_text(html)
