"""The end-of-run summary printed by `recon run` and `recon dag-run`: where the outputs are, and counts.

Invariant: read-only, and only from what the run wrote (its run summary, the partners' manifests), so
the summary printed after an Airflow run says exactly what that run left behind.
"""

from __future__ import annotations

import datetime as dt

from rich.console import Console
from rich.table import Table

from pipeline.config import RunConfig
from pipeline.publish.manifest import read_published
from pipeline.report.records import RunSummary
from pipeline.run.layout import RunLayout, safe_run_id
from pipeline.storage import Storage


def print_summary(
    storage: Storage, config: RunConfig, logical_date: dt.date, run_id: str, console: Console | None = None
) -> None:
    out = console or Console()
    outboxes = {p.name: p.outbox for p in config.partners}
    layout = RunLayout.of(config.workspace, config.reports, logical_date, run_id, outboxes)
    summary_uri = layout.run_summary
    if not storage.exists(summary_uri):
        out.print(f"[red]no run summary at {summary_uri}: the run did not finish[/red]", soft_wrap=True)
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
        # Paths are printed whole, never wrapped or cut, whatever the terminal's width: people copy them.
        out.print(
            f"{partner.name}: revocation list and manifest in {layout.manifest(partner.name)}",
            soft_wrap=True,
            markup=False,
        )
    out.print(f"report: {layout.report}", soft_wrap=True, markup=False)
    quarantined = sum(summary.quarantine.values())
    checks = ", ".join(f"{n} {status}" for status, n in sorted(summary.checks.items()))
    out.print(f"quality checks: {checks}; quarantined rows: {quarantined}")
    if summary.escalated:
        escalated = ", ".join(f"{p} {n}" for p, n in sorted(summary.escalated.items()))
        out.print(f"[yellow]review cases open longer than the policy allows (escalated): {escalated}[/yellow]")
    if summary.stopped:
        out.print(f"[red]the run stopped at {', '.join(summary.stopped)}: see the report[/red]")
