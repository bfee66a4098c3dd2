"""The `recon` command line: thin commands, each one call into the package.

Invariant: no logic lives here beyond parsing arguments, calling one function, and turning known
errors (bad config, bad policy, bad input) into a one-line message and a non-zero exit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from pipeline.config import Engine, SparkConfig

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
        list[str],
        typer.Option(
            "--ownership",
            help="[FORMAT:]PATH: BODS files (no prefix), or gleif_lei:, gleif_rr:, gleif_repex:, ftm: files",
        ),
    ],
    more: Annotated[list[str] | None, typer.Argument(hidden=True, show_default=False)] = None,
    policy: Annotated[Path, typer.Option("--policy", help="Policy YAML file")],
    as_of: Annotated[dt.datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], help="Logical date YYYY-MM-DD")],
    out: Annotated[Path, typer.Option("--out", help="CSV to write: one row per entity and person record")],
    findings: Annotated[Path | None, typer.Option("--findings", help="Optional CSV of data-quality findings")] = None,
    engine: Annotated[
        Engine, typer.Option("--engine", help="local, or spark: resolve on Spark (pyspark, the `spark` extra)")
    ] = Engine.LOCAL,
    spark_master: Annotated[
        str, typer.Option("--spark-master", help="Spark master for --engine spark (local[N], spark://, yarn)")
    ] = "local[2]",
) -> None:
    """Screen ownership data (BODS, GLEIF, FollowTheMoney) against the policy and write one row per record."""
    from pipeline.policy.definition import PolicyError
    from pipeline.run.screen import ScreenError, screen_to_csv

    # `--ownership a b c`: click takes `a` for the option and the rest as arguments; both are sources.
    sources = [*ownership, *(more or [])]
    try:
        result = screen_to_csv(
            sources, str(policy), as_of.date(), str(out), findings_out=str(findings) if findings else None,
            engine=engine, spark=SparkConfig(master=spark_master),
        )  # fmt: skip
    except (ScreenError, PolicyError) as exc:
        typer.echo(f"recon screen: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    counts = result.result.ownership["decision"].value_counts()
    summary = ", ".join(f"{counts.get(d, 0)} {d}" for d in ("restricted", "review", "clear"))
    typer.echo(f"screened {len(result.result.ownership)} records: {summary} -> {out}", err=True)
    severity = result.result.findings["severity"].value_counts()
    if len(severity):
        typer.echo("findings: " + ", ".join(f"{int(n)} {s}" for s, n in severity.items()), err=True)


@app.command("demo-world")
def demo_world(
    *,
    out: Annotated[str, typer.Option("--out", help="Directory or URI (file://, s3://, gs://) to write the world to.")],
    date: Annotated[str, typer.Option("--date", help="Logical date of the world, YYYY-MM-DD.")],
    tenants: Annotated[int, typer.Option("--tenants", min=0, help="Tenants across the partners.")] = 400,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same arguments give identical files.")] = 7,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing demo world at --out.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress lines, only the result.")] = False,
    advance: Annotated[
        bool, typer.Option("--advance", help="Move the existing world at --out to --date (a later night).")
    ] = False,
) -> None:
    """Generate a deterministic demo world: partner drops, ownership register, policy, config and truth."""
    import time

    from demo_world import WorldExistsError, WorldSpec, write_world
    from demo_world.advance import advance_world
    from pipeline.run.context import parse_date
    from pipeline.run.progress import configure
    from pipeline.storage import Storage, StorageError, uri_from_path_or_uri

    configure(quiet=quiet)

    if advance:
        try:
            out_uri = uri_from_path_or_uri(out, Path.cwd())
            moved = advance_world(Storage(), out_uri, parse_date(date))
        except (ValueError, WorldExistsError, StorageError) as exc:
            typer.echo(f"demo-world: {exc}", err=True)
            raise typer.Exit(code=2) from exc
        typer.echo(f"advanced {out_uri} from {moved.before} to {moved.after}: {len(moved.files)} files written")
        typer.echo(f"left: {', '.join(f'{p}/{t}' for p, t in moved.left) or 'none'}")
        typer.echo(f"joined: {', '.join(f'{p}/{t}' for p, t in moved.joined) or 'none'}")
        if moved.ownership:
            o = moved.ownership
            typer.echo(
                f"ownership: {o['interested_party']} holds {o['share_after']:g}% of {o['subject']} "
                f"(was {o['share_before']:g}%), statement {o['statement_id']}"
            )
        typer.echo(f"config: {out_uri.rstrip('/')}/config.yaml (outbox, workspace, reports, audit, judgements kept)")
        return
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
    per_partner = ", ".join(f"{p} {n}" for p, n in manifest["tenants"].items())
    typer.echo(f"tenants: {per_partner}; expected: {counts}")
    typer.echo(f"config: {out_uri.rstrip('/')}/config.yaml")


@app.command("explain")
def explain_command(
    key: Annotated[str, typer.Argument(help="A tenant id (any partner) or an entity id.")],
    run: Annotated[
        str | None, typer.Option("--run", help="The run workspace: a path or URI ending in dt=YYYY-MM-DD/run=RUN_ID.")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="Run configuration: explain its latest complete run")
    ] = None,
    date: Annotated[
        str | None, typer.Option("--date", help="With --config: the latest complete run of this date")
    ] = None,
) -> None:
    """Why a tenant or entity got its decision: link, ownership chain with stakes, rule, policy version."""
    from pipeline.config import ConfigError, load_config
    from pipeline.report.explain import ExplainError, explain
    from pipeline.review.desk import find_run
    from pipeline.review.judgements import JudgementError
    from pipeline.run.context import parse_date
    from pipeline.storage import Storage, StorageError, uri_from_path_or_uri

    storage = Storage()
    try:
        if (run is None) == (config is None):
            raise ExplainError("give either --run RUN_FOLDER or --config FILE [--date D]")
        if config is not None:
            found = find_run(storage, load_config(config), parse_date(date) if date else None)
            run_uri = found.layout.run_folder
        else:
            run_uri = uri_from_path_or_uri(str(run), Path.cwd())
        typer.echo(explain(run_uri, key, storage), nl=False)
    except (ExplainError, StorageError, ConfigError, JudgementError, ValueError) as exc:
        typer.echo(f"recon explain: {exc}", err=True)
        raise typer.Exit(1) from exc


@app.command()
def run(
    *,
    config: Annotated[Path, typer.Option("--config", help="Run configuration (config.yaml)", exists=True)],
    date: Annotated[str, typer.Option("--date", help="Logical date, YYYY-MM-DD")],
    run_id: Annotated[str | None, typer.Option("--run-id", help="Run id (default: cli__<date>)")] = None,
    approve_gate: Annotated[bool, typer.Option("--approve-gate", help="Publish past the safety gate")] = False,
    approved_by: Annotated[str | None, typer.Option("--approved-by", help="Who approves the gate")] = None,
    approve_diff: Annotated[
        str | None, typer.Option("--approve-diff", help="sha256 of the diff approved (from the blocked run's gate)")
    ] = None,
    force_republish: Annotated[
        bool, typer.Option("--force-republish", help="Replace a differing list already published for the date")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress lines, only the summary.")] = False,
) -> None:
    """Run every stage in order in this process, without Airflow (the DAG calls the same stages)."""
    from pipeline.config import load_config
    from pipeline.errors import RunStopped
    from pipeline.run.console import print_summary
    from pipeline.run.context import RunContext, RunOptions, parse_date
    from pipeline.run.progress import configure
    from pipeline.run.stages import run_all
    from pipeline.storage import Storage, StorageError

    configure(quiet=quiet)
    try:
        logical_date = parse_date(date)
        cfg = load_config(config)
        ctx = RunContext(
            config=cfg,
            logical_date=logical_date,
            run_id=run_id or f"cli__{logical_date.isoformat()}",
            storage=Storage(),
            options=RunOptions(
                approve_gate=approve_gate,
                approved_by=approved_by,
                approve_diff=approve_diff,
                force_republish=force_republish,
            ),
        )
        run_all(ctx)
    except (RunStopped, StorageError, ValueError) as exc:
        typer.echo(f"recon run: stopped: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    print_summary(ctx.storage, ctx.config, ctx.logical_date, ctx.run_id)


@app.command("dag-run")
def dag_run(
    *,
    config: Annotated[Path, typer.Option("--config", help="Run configuration (config.yaml)", exists=True)],
    date: Annotated[str, typer.Option("--date", help="Logical date, YYYY-MM-DD")],
    airflow_home: Annotated[Path, typer.Option("--airflow-home", help="AIRFLOW_HOME to use")] = Path("var/airflow"),
    dags_folder: Annotated[Path, typer.Option("--dags-folder", help="Folder holding the DAG file")] = Path("dags"),
    approve_gate: Annotated[bool, typer.Option("--approve-gate", help="Publish past the safety gate")] = False,
    approved_by: Annotated[str | None, typer.Option("--approved-by", help="Who approves the gate")] = None,
    approve_diff: Annotated[
        str | None, typer.Option("--approve-diff", help="sha256 of the diff approved (from the blocked run's gate)")
    ] = None,
) -> None:
    """Run the nightly DAG once through Airflow itself (embedded: SQLite metadata DB, local folders)."""
    from pipeline.config import load_config
    from pipeline.errors import RunStopped
    from pipeline.run.console import print_summary
    from pipeline.run.context import parse_date
    from pipeline.run.local_airflow import AirflowRunFailed, LocalAirflow
    from pipeline.storage import Storage

    try:
        logical_date = parse_date(date)
        cfg = load_config(config)
        airflow = LocalAirflow(home=airflow_home.resolve(), dags_folder=dags_folder.resolve())
        typer.echo(f"airflow: migrating the metadata database in {airflow.home}", err=True)
        airflow.migrate()
        typer.echo(f"airflow: running marketplace_access_reconciliation for {logical_date}", err=True)
        run_id, state = airflow.run_dag(
            config,
            logical_date,
            {
                "approve_gate": approve_gate,
                "approved_by": approved_by or "",
                "approve_diff": approve_diff or "",
                # `airflow dags test` resolves no approval step: a blocked gate stops, naming these flags.
                "wait_for_approval": False,
            },
        )
    except (RunStopped, ValueError, AirflowRunFailed) as exc:
        typer.echo(f"recon dag-run: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"airflow: run {run_id} finished: {state}", err=True)
    print_summary(Storage(), cfg, logical_date, run_id)
    if state != "success":
        raise typer.Exit(code=1)


_T = TypeVar("_T")

review_app = typer.Typer(name="review", help="The review queue: open cases, and judgements kept across nights.")
app.add_typer(review_app)

ConfigOption = Annotated[Path, typer.Option("--config", help="Run configuration (config.yaml)", exists=True)]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why: kept with the judgement and cited")]
ByOption = Annotated[str, typer.Option("--by", help="Who judges")]
DateOption = Annotated[
    str | None, typer.Option("--date", help="Judge on the run of this date (default: the latest complete run)")
]
ExpiresOption = Annotated[
    str | None, typer.Option("--expires", help="Last day it applies, YYYY-MM-DD (inclusive; default: none)")
]


def _review_call(name: str, call: Callable[[], _T]) -> _T:
    """Run one review command; a known error is one line and exit status 1 (nothing was written)."""
    from pipeline.config import ConfigError
    from pipeline.errors import RunStopped
    from pipeline.storage import StorageError

    try:
        return call()
    except (RunStopped, ConfigError, StorageError, ValueError) as exc:
        typer.echo(f"recon review {name}: {exc}", err=True)
        raise typer.Exit(code=1) from exc


def _optional_date(value: str | None) -> dt.date | None:
    from pipeline.run.context import parse_date

    return parse_date(value) if value else None


@review_app.command("list")
def review_list(
    config: ConfigOption,
    date: DateOption = None,
    partner: Annotated[str | None, typer.Option("--partner", help="Only this partner's cases")] = None,
) -> None:
    """The open cases of a run, most revenue at risk first: partner, tenant, name, why, candidate, age."""
    from pipeline.config import load_config
    from pipeline.review import desk
    from pipeline.storage import Storage

    def call() -> list[str]:
        cfg, storage = load_config(config), Storage()
        run = desk.find_run(storage, cfg, _optional_date(date))
        cases = desk.open_cases(storage, cfg, run, partner)
        head = (
            f"{len(cases)} open case{'s' if len(cases) != 1 else ''} in run {run.run_id} ({run.logical_date}); "
            f"revenue at risk: {desk.billing_period(storage, cfg, run)} in the partners' exports"
        )
        return [head, *desk.case_lines(cases)]

    typer.echo("\n".join(_review_call("list", call)))


@review_app.command("decide")
def review_decide(  # noqa: PLR0917 - one parameter per option
    config: ConfigOption,
    partner: Annotated[str, typer.Option("--partner", help="Partner name")],
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant id (quote ids with leading zeros)")],
    decision: Annotated[str, typer.Option("--decision", help="revoke or allow")],
    reason: ReasonOption,
    by: ByOption,
    expires: ExpiresOption = None,
    date: DateOption = None,
) -> None:
    """Judge a tenant revoke or allow; prints the judgement's id."""
    from pipeline.config import load_config
    from pipeline.review import desk
    from pipeline.review.judgements import JudgedDecision, JudgementError
    from pipeline.storage import Storage

    def call() -> str:
        if decision not in {d.value for d in JudgedDecision}:
            raise JudgementError(f"--decision {decision!r}: must be one of revoke, allow")
        judgement = desk.decide(
            Storage(),
            load_config(config),
            partner=partner,
            tenant=tenant,
            decision=JudgedDecision(decision),
            reason=reason,
            by=by,
            expires=_optional_date(expires),
            date=_optional_date(date),
            now=dt.datetime.now(dt.UTC),
        )
        return judgement.id

    typer.echo(_review_call("decide", call))


@review_app.command("link")
def review_link(  # noqa: PLR0917 - one parameter per option
    config: ConfigOption,
    partner: Annotated[str, typer.Option("--partner", help="Partner name")],
    tenant: Annotated[str, typer.Option("--tenant", help="Tenant id")],
    reason: ReasonOption,
    by: ByOption,
    entity: Annotated[str | None, typer.Option("--entity", help="The entity the tenant is")] = None,
    none: Annotated[bool, typer.Option("--none", help="The tenant is none of the candidates")] = False,
    expires: ExpiresOption = None,
    date: DateOption = None,
) -> None:
    """Judge which legal entity a tenant is (or none of the candidates); prints the judgement's id."""
    from pipeline.config import load_config
    from pipeline.review import desk
    from pipeline.review.judgements import JudgementError
    from pipeline.storage import Storage

    def call() -> str:
        if (entity is None) == (not none):
            raise JudgementError("give exactly one of --entity ID and --none")
        judgement = desk.link(
            Storage(),
            load_config(config),
            partner=partner,
            tenant=tenant,
            entity=entity,
            reason=reason,
            by=by,
            expires=_optional_date(expires),
            date=_optional_date(date),
            now=dt.datetime.now(dt.UTC),
        )
        return judgement.id

    typer.echo(_review_call("link", call))


@review_app.command("entity")
def review_entity(  # noqa: PLR0917 - one parameter per option
    config: ConfigOption,
    entity: Annotated[str, typer.Option("--entity", help="The legal entity judged")],
    verdict: Annotated[str, typer.Option("--verdict", help="restricted or clear")],
    reason: ReasonOption,
    by: ByOption,
    expires: ExpiresOption = None,
    date: DateOption = None,
) -> None:
    """Judge an entity restricted or clear regardless of the computed result; prints the judgement's id."""
    from pipeline.config import load_config
    from pipeline.review import desk
    from pipeline.review.judgements import EntityVerdict, JudgementError
    from pipeline.storage import Storage

    def call() -> str:
        if verdict not in {v.value for v in EntityVerdict}:
            raise JudgementError(f"--verdict {verdict!r}: must be one of restricted, clear")
        judgement = desk.judge_entity(
            Storage(),
            load_config(config),
            entity=entity,
            verdict=EntityVerdict(verdict),
            reason=reason,
            by=by,
            expires=_optional_date(expires),
            date=_optional_date(date),
            now=dt.datetime.now(dt.UTC),
        )
        return judgement.id

    typer.echo(_review_call("entity", call))


@review_app.command("withdraw")
def review_withdraw(
    config: ConfigOption,
    judgement_id: Annotated[str, typer.Option("--id", help="The judgement to withdraw")],
    reason: ReasonOption,
    by: ByOption,
) -> None:
    """Withdraw a judgement (the case is decided by the computation again); prints the withdrawal's id."""
    from pipeline.config import load_config
    from pipeline.review import desk
    from pipeline.storage import Storage

    def call() -> str:
        withdrawal = desk.withdraw(
            Storage(), load_config(config), judgement_id=judgement_id, reason=reason, by=by, now=dt.datetime.now(dt.UTC)
        )
        return withdrawal.id

    typer.echo(_review_call("withdraw", call))
