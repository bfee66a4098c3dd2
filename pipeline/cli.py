"""The `recon` command line: thin commands, each one call into the package.

Invariant: no logic lives here beyond parsing arguments, calling one function, and turning known
errors (bad config, bad policy, bad input) into a one-line message and a non-zero exit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="recon",
    help="Marketplace access reconciliation: screen ownership, decide, publish revocation lists.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def main() -> None:
    """Marketplace access reconciliation."""


@app.command()
def screen(
    *,
    ownership: Annotated[
        list[Path], typer.Option("--ownership", help="BODS files (JSON array or JSON Lines, optionally gzipped)")
    ],
    more: Annotated[list[Path] | None, typer.Argument(hidden=True, show_default=False)] = None,
    policy: Annotated[Path, typer.Option("--policy", help="Policy YAML file")],
    as_of: Annotated[dt.datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Logical date YYYY-MM-DD")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: one row per entity and person record")],
    findings: Annotated[Path | None, typer.Option("--findings", help="Optional CSV of data-quality findings")] = None,
) -> None:
    """Screen BODS ownership data against the policy and write one row per record."""
    from pipeline.ownership.screening import ScreenError, screen_to_csv
    from pipeline.policy.model import PolicyError

    # `--ownership a b c`: click takes `a` for the option and the rest as arguments; both are sources.
    sources = [str(p) for p in [*ownership, *(more or [])]]
    try:
        result = screen_to_csv(
            sources, str(policy), as_of.date(), str(out), findings_out=str(findings) if findings else None
        )
    except (ScreenError, PolicyError) as exc:
        typer.echo(f"recon screen: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    counts = result.result.ownership["decision"].value_counts()
    summary = ", ".join(f"{counts.get(d, 0)} {d}" for d in ("restricted", "review", "clear"))
    typer.echo(f"screened {len(result.result.ownership)} records: {summary} -> {out}", err=True)
    severity = result.result.findings["severity"].value_counts()
    if len(severity):
        typer.echo("findings: " + ", ".join(f"{int(n)} {s}" for s, n in severity.items()), err=True)
