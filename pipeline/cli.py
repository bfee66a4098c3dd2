"""The `recon` command line: thin commands, each one call into the package.

Invariant: no logic lives here beyond parsing arguments, calling one function, and turning known
errors (bad config, bad policy, bad input) into a one-line message and a non-zero exit.
"""

from __future__ import annotations

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


@app.command("explain")
def explain_command(
    key: str = typer.Argument(..., help="A tenant id (any partner) or an entity id."),
    run: str = typer.Option(..., "--run", help="The run workspace: a path or URI ending in dt=YYYY-MM-DD/run=RUN_ID."),
) -> None:
    """Why a tenant or entity got its decision: link, ownership chain with stakes, rule, policy version."""
    from pathlib import Path

    from pipeline.report.explain import ExplainError, explain
    from pipeline.storage import Storage, StorageError, uri_from_path_or_uri

    try:
        typer.echo(explain(uri_from_path_or_uri(run, Path.cwd()), key, Storage()), nl=False)
    except (ExplainError, StorageError) as exc:
        typer.echo(f"recon explain: {exc}", err=True)
        raise typer.Exit(1) from exc
