"""Writing a run's report and summary, and reading earlier runs' summaries for the history charts.

Invariant: a run's report lives at `<reports>/dt=<D>/run=<R>/report.html` beside its
`run_summary.json`; both are whole-object writes through `Storage`, the summary last, so a summary
that exists always has its report. History never guesses: a summary that cannot be read is reported
by URI and reason, not skipped in silence.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import ValidationError

from pipeline.report.records import ReportInputs, RunSummary
from pipeline.report.render import HISTORY_RUNS, render_report
from pipeline.report.summary import summarise
from pipeline.run.context import safe_run_id
from pipeline.storage import Storage, StorageError, join

REPORT_FILE = "report.html"
SUMMARY_FILE = "run_summary.json"
_DATED = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/run=([^/]+)/" + re.escape(SUMMARY_FILE) + "$")


def report_dir(reports_root: str, logical_date: dt.date, run_id: str) -> str:
    return join(reports_root, f"dt={logical_date.isoformat()}", f"run={safe_run_id(run_id)}")


def write_report(storage: Storage, directory: str, inputs: ReportInputs) -> dict[str, str]:
    """Render and write the report and its summary under `directory`; returns their URIs."""
    report_uri = join(directory, REPORT_FILE)
    summary_uri = join(directory, SUMMARY_FILE)
    storage.write_text(report_uri, render_report(inputs), "text/html; charset=utf-8")
    storage.write_text(summary_uri, summarise(inputs).model_dump_json(indent=2) + "\n", "application/json")
    return {"report": report_uri, "run_summary": summary_uri}


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
        found = _DATED.search(uri)
        if not found or found.group(1) > logical_date.isoformat() or found.group(2) == this_run:
            continue
        candidates.append((found.group(1), found.group(2), uri))
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
