"""Writing a run's report and summary, and reading earlier runs' summaries for the history charts.

Invariant: a run's report and its `run_summary.json` are written where its `RunLayout` says
(`<reports>/dt=<D>/run=<R>/`); both are whole-object writes through `Storage`, the summary last, so a
summary that exists always has its report. History never guesses: a summary that cannot be read is reported
by URI and reason, not skipped in silence.
"""

from __future__ import annotations

import datetime as dt

from pydantic import ValidationError

from pipeline.ownership.source_format import SourceFigures
from pipeline.report.records import ReportInputs, RunSummary
from pipeline.report.render import HISTORY_RUNS, render_report
from pipeline.report.summary import summarise
from pipeline.run.layout import RunLayout, safe_run_id, summary_run
from pipeline.run.outputs import Reported
from pipeline.storage import Storage, StorageError


def write_report(storage: Storage, layout: RunLayout, inputs: ReportInputs) -> Reported:
    """Render and write the report and then its summary where the run's layout puts them."""
    storage.write_text(layout.report, render_report(inputs), "text/html; charset=utf-8")
    storage.write_text(layout.run_summary, summarise(inputs).model_dump_json(indent=2) + "\n", "application/json")
    return Reported(report=layout.report, run_summary=layout.run_summary)


def read_history(
    storage: Storage,
    reports_root: str,
    logical_date: dt.date,
    run_id: str,
    limit: int = HISTORY_RUNS - 1,
) -> tuple[tuple[RunSummary, ...], tuple[str, ...]]:
    """Up to `limit` summaries of earlier runs (logical date up to this one's, other run ids), oldest
    first, and a message for each summary that could not be read."""
    this_run = safe_run_id(run_id)
    candidates = []
    for uri in storage.list(reports_root.rstrip("/") + "/"):
        found = summary_run(uri)
        if not found or found[0] > logical_date or found[1] == this_run:
            continue
        candidates.append((found[0], found[1], uri))
    # Newest first, reading only as many as are shown (a year of nightly runs is a year of files).
    candidates.sort(reverse=True)
    summaries: list[RunSummary] = []
    problems: list[str] = []
    for _day, _run, uri in candidates:
        if len(summaries) >= limit:
            break
        try:
            summaries.append(RunSummary.model_validate_json(storage.read_bytes(uri)))
        except (StorageError, ValidationError) as exc:
            first = str(exc).splitlines()[0] if isinstance(exc, StorageError) else _first_error(exc)
            problems.append(f"{uri}: unreadable run summary: {first}")
    summaries.sort(key=lambda s: (s.logical_date, s.run_id))
    return tuple(summaries), tuple(problems)


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in err["loc"]) or "(document)"
    return f"{where}: {err['msg']}"


def previous_tenant_counts(storage: Storage, reports_root: str, logical_date: dt.date, run_id: str) -> dict[str, int]:
    """Tenants per partner in the latest earlier complete run (a summary counts one decision per tenant);
    a run that stopped before deciding has no tenant count to compare with."""
    history, _problems = read_history(storage, reports_root, logical_date, run_id)
    complete = [h for h in history if not h.stopped]
    if not complete:
        return {}
    return {partner: sum(counts.values()) for partner, counts in complete[-1].decisions.items()}


def previous_source_figures(
    storage: Storage, reports_root: str, logical_date: dt.date, run_id: str
) -> dict[str, SourceFigures]:
    """Each ownership source's figures in the latest earlier complete run (by source key); empty when
    there is none, or it predates the figures."""
    history, _problems = read_history(storage, reports_root, logical_date, run_id)
    complete = [h for h in history if not h.stopped]
    return dict(complete[-1].sources) if complete else {}


def previous_complete_run(
    storage: Storage, reports_root: str, logical_date: dt.date, run_id: str
) -> tuple[dt.date, str] | None:
    """(logical date, run id) of the latest complete run before `logical_date`, from the run summaries."""
    history, _problems = read_history(storage, reports_root, logical_date, run_id)
    complete = [h for h in history if not h.stopped and h.logical_date < logical_date]
    return (complete[-1].logical_date, complete[-1].run_id) if complete else None
