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
