"""The `recon` command line: thin commands, each one call into the package.

Invariant: no logic lives here beyond parsing arguments, calling one function, and turning known
errors (bad config, bad policy, bad input) into a one-line message and a non-zero exit.
"""

from __future__ import annotations

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


@app.command("demo-world")
def demo_world(
    out: Annotated[str, typer.Option("--out", help="Directory or URI (file://, s3://, gs://) to write the world to.")],
    date: Annotated[str, typer.Option("--date", help="Logical date of the world, YYYY-MM-DD.")],
    tenants: Annotated[int, typer.Option("--tenants", min=0, help="Tenants across both partners.")] = 400,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same arguments give identical files.")] = 7,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing demo world at --out.")] = False,
) -> None:
    """Generate a deterministic demo world: partner drops, ownership register, policy, config and truth."""
    import time
    from pathlib import Path

    from pipeline.demo import WorldExistsError, WorldSpec, write_world
    from pipeline.run import parse_date
    from pipeline.storage import Storage, StorageError, uri_from_path_or_uri

    try:
        spec = WorldSpec(date=parse_date(date), tenants=tenants, seed=seed)
        out_uri = uri_from_path_or_uri(out, Path.cwd())
        started = time.perf_counter()
        world = write_world(Storage(), out_uri, spec, force=force)
    except (ValueError, WorldExistsError, StorageError) as exc:
        typer.echo(f"demo-world: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    seconds = time.perf_counter() - started
    manifest = world.manifest()
    counts = ", ".join(f"{k} {v}" for k, v in sorted(manifest["expected_decisions"].items()))
    typer.echo(f"wrote {len(world.files) + 2} files to {out_uri} in {seconds:.1f} s")
    typer.echo(f"tenants: aws {manifest['tenants']['aws']}, gcp {manifest['tenants']['gcp']}; expected: {counts}")
    typer.echo(f"config: {out_uri.rstrip('/')}/config.yaml")
