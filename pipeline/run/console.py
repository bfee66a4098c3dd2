"""The end-of-run summary printed by `recon run` and `recon dag-run`: where the outputs are, and counts.

Invariant: read-only, and only from what the run wrote (its run summary, the partners' manifests), so
the summary printed after an Airflow run says exactly what that run left behind.
"""

from __future__ import annotations

import datetime as dt

from rich.console import Console
from rich.table import Table

from pipeline.config import RunConfig
from pipeline.publish.manifest import manifest_uri, read_published
from pipeline.report.output import REPORT_FILE, SUMMARY_FILE, report_dir
from pipeline.report.records import RunSummary
from pipeline.run.context import safe_run_id
from pipeline.storage import Storage, join


def print_summary(
    storage: Storage, config: RunConfig, logical_date: dt.date, run_id: str, console: Console | None = None
) -> None:
    out = console or Console()
    folder = report_dir(config.reports, logical_date, run_id)
    summary_uri = join(folder, SUMMARY_FILE)
    if not storage.exists(summary_uri):
        out.print(f"[red]no run summary at {summary_uri}: the run did not finish[/red]")
        return
    summary = RunSummary.model_validate_json(storage.read_bytes(summary_uri))

    table = Table(title=f"Run {safe_run_id(run_id)} for {logical_date.isoformat()} (policy {summary.policy_version})")
    for column in ("partner", "tenants", "revoke", "review", "allow", "list rows", "added", "lifted"):
        table.add_column(column, justify="left" if column == "partner" else "right")
    for partner in config.partners:
        counts = summary.decisions.get(partner.name, {})
        published = read_published(storage, partner.outbox, logical_date)
        rows = str(published.manifest.snapshot.rows) if published else "not published"
        changes = summary.changes.get(partner.name, {})
        table.add_row(
            partner.name,
            str(sum(counts.values())),
            str(counts.get("revoke", 0)),
            str(counts.get("review", 0)),
            str(counts.get("allow", 0)),
            rows,
            str(changes.get("added", 0)),
            str(changes.get("lifted", 0)),
        )
    out.print(table)
    for partner in config.partners:
        out.print(f"{partner.name}: revocation list and manifest in {manifest_uri(partner.outbox, logical_date)}")
    out.print(f"report: {join(folder, REPORT_FILE)}")
    quarantined = sum(summary.quarantine.values())
    checks = ", ".join(f"{n} {status}" for status, n in sorted(summary.checks.items()))
    out.print(f"quality checks: {checks}; quarantined rows: {quarantined}")
    if summary.stopped:
        out.print(f"[red]the run stopped at {', '.join(summary.stopped)}: see the report[/red]")
