"""The bridge from an Airflow task to a pipeline stage.

Invariant: a DAG task and `recon run` execute the same stage function with the same kind of
`RunContext`; the only differences are where credentials come from (Airflow connections here) and how a
deliberate stop or an invalid configuration, policy or exemptions file is reported (an
`AirflowFailException`, so Airflow does not retry what cannot succeed).
Nothing here runs at DAG parse time.

Every task's log says what the stage was given and what it wrote (URIs), and a publish that made a list
visible for this run is announced as an asset event, through the asset aliases the task declares as
outlets; a run that found identical lists already published by another run announces nothing.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from pipeline.config import ConfigError, load_config
from pipeline.errors import NothingToDo, RunStopped
from pipeline.publish.audit import AuditEvent
from pipeline.run import lineage, stages
from pipeline.run.context import ApprovalChannel, RunContext, RunOptions
from pipeline.run.outputs import Published
from pipeline.run.snapshot import pinned
from pipeline.storage import AirflowConnections, Storage

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

CONFIG_VARIABLE = "recon_config"
# The Airflow connection that reads a configuration kept in a bucket (optional).
CONFIG_CONNECTION_VARIABLE = "recon_config_connection"
# A published list's asset: one per partner, named after it (what downstream DAGs schedule on).
LIST_ASSET_PREFIX = "marketplace_revocation_list."
# Publish events that make this run's list the one in force (a retry of the publishing run re-affirms it);
# `unchanged` means another run had already published these very files, so consumers have nothing new.
_ANNOUNCED = frozenset({AuditEvent.PUBLISHED, AuditEvent.REPUBLISHED})


def _logical_date(context: Any) -> dt.date:
    # Airflow 3 allows runs without a logical date (manual triggers); they run for the day they run after.
    moment: dt.datetime = context.get("logical_date") or context["dag_run"].run_after
    return moment.astimezone(dt.UTC).date()


def context_from_airflow(context: Any) -> RunContext:
    from airflow.sdk import Variable

    params = context["params"]
    config_ref = params.get("config") or Variable.get(CONFIG_VARIABLE, default=None)
    if not config_ref:
        raise ConfigError(f"no run configuration: set the `config` param or the Airflow Variable `{CONFIG_VARIABLE}`")
    # A configuration in a bucket is read with the connection the Variable names (default credentials
    # without it): the configuration's own `connections` are known only once it is read.
    reader_connection = Variable.get(CONFIG_CONNECTION_VARIABLE, default=None)
    reader = Storage(AirflowConnections(), {config_ref: reader_connection} if reader_connection else {})
    config = load_config(config_ref, reader)
    return RunContext(
        config=config,
        logical_date=_logical_date(context),
        run_id=str(context["run_id"]),
        storage=Storage(AirflowConnections(), config.connections),
        options=RunOptions(
            approve_gate=bool(params.get("approve_gate", False)),
            approved_by=params.get("approved_by") or None,
            approve_diff=params.get("approve_diff") or None,
            approval=(
                ApprovalChannel.AIRFLOW_APPROVAL
                if params.get("wait_for_approval", True)
                else ApprovalChannel.DAG_RUN_COMMAND
            ),
            force_republish=bool(params.get("force_republish", False)),
        ),
    )


def published_list_asset_name(partner: str) -> str:
    return f"{LIST_ASSET_PREFIX}{partner}"


def published_list_asset_uri(outbox: str) -> str:
    """The folder a partner's dated lists are published under (`<outbox>/revocations/dt=D/`)."""
    from pipeline.run.layout import lists_root

    return lists_root(outbox)


def _uris(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(key, URI) pairs in a stage's inputs or outputs (mappings and lists of them, nested)."""
    if isinstance(value, str):
        if "://" in value:
            yield key, value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield from _uris(v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            yield from _uris(v, f"{key}[{i}]")


def _announce_published(context: Any, ctx: RunContext, outputs: Published) -> None:
    from airflow.sdk import Asset, AssetAlias

    partner, event = outputs["partner"], AuditEvent(outputs["event"])
    if event not in _ANNOUNCED:
        log.info("%s: list %s; no asset event (nothing new for consumers)", partner, event.value)
        return
    asset = Asset(
        name=published_list_asset_name(partner),
        uri=published_list_asset_uri(ctx.partner(partner).outbox),
        group="marketplace_revocation_lists",
    )
    extra: dict[str, Any] = {
        "partner": partner,
        "logical_date": ctx.ds,
        "run_id": ctx.run_id,
        "event": event.value,
        "manifest": outputs["manifest"],
        "snapshot": outputs["snapshot"],
        "delta": outputs["delta"],
    }
    for alias in (o for o in context["task"].outlets if isinstance(o, AssetAlias)):
        context["outlet_events"][alias].add(asset, extra=extra)
        log.info("asset event for %s (%s) through alias %s", asset.name, asset.uri, alias.name)


def fail_the_run() -> None:
    """The DAG's last check: it runs only when a task of the run failed (trigger rule `one_failed` on every
    task but `report_stopped`) and fails, so the run is failed. A task killed by its timeout, the kernel or
    a lost worker writes no stop record, and `report_stopped` is then skipped: without this check, a leaf
    left skipped would make the run a success while nothing was published."""
    from airflow.sdk.exceptions import AirflowFailException

    raise AirflowFailException(
        "a task of this run failed (see the failed and upstream_failed tasks): the run fails; "
        "`report_stopped` wrote the run's report if a stage recorded why it stopped"
    )


def drop_wait_over(missing: list[str], started: dt.datetime, now: dt.datetime, late_drop_hours: float) -> bool:
    """Whether the DAG stops waiting for a partner's drop: it has come, or its deadline (the run's start
    plus the partner's `late_drop_hours`) has passed."""
    return not missing or now >= started + dt.timedelta(hours=late_drop_hours)


def poke_drop(partner: str) -> Any:
    """The DAG's late-drop sensor for one partner (a `PokeReturnValue`): done when the drop has come, or
    when the partner's deadline has passed, after which extraction stops the run as for a missing export.
    Its value is the partner's name, so the partner's extraction waits for its own drop only."""
    from airflow.sdk import PokeReturnValue, get_current_context

    status = run_stage(stages.await_drop, partner=partner)
    run = get_current_context()["dag_run"]
    started = run.start_date or run.run_after
    now = dt.datetime.now(dt.UTC)
    if not drop_wait_over(status["missing"], started, now, status["late_drop_hours"]):
        deadline = started + dt.timedelta(hours=status["late_drop_hours"])
        log.info("%s: waiting for %d file(s) until %s", partner, len(status["missing"]), deadline.isoformat())
        return PokeReturnValue(is_done=False)
    if status["missing"]:
        log.warning(
            "%s: the drop has not come %s h after the run started; extraction stops the run",
            partner,
            status["late_drop_hours"],
        )
    return PokeReturnValue(is_done=True, xcom_value=partner)


def run_stage(stage: Callable[Concatenate[RunContext, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a stage of pipeline/run/stages.py for the current Airflow task, with the run context built
    from the task's context (configuration, logical date, run id, options, connection credentials).

    A deliberate stop fails the task without retries; `NothingToDo` skips it.
    """
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    name = stage.__name__
    try:
        context = get_current_context()
        ctx = context_from_airflow(context)
        if stage is not stages.plan:
            # Every task after plan runs with the configuration, policy and exemptions plan pinned; a run
            # without them stops, with a stop record so its report says why.
            try:
                ctx = pinned(ctx, required=stage is not stages.report_stopped)
            except RunStopped as exc:
                partner = kwargs.get("partner")
                stages.record_stop(ctx, name, exc, partner if isinstance(partner, str) else None)
                raise
        log.info("stage %s for %s, run %s, config %s", name, ctx.ds, ctx.run_id, ctx.config.config_uri)
        log.info("run folder %s", ctx.layout.run_folder)
        named = inspect.signature(stage).bind(ctx, *args, **kwargs).arguments
        given = list(_uris({k: v for k, v in named.items() if v is not ctx}))
        for key, uri in given:
            log.info("input %s: %s", key, uri)
        outputs = stages.run_stage(ctx, stage, *args, **kwargs)
        written = list(_uris(outputs))
        for key, uri in written:
            log.info("output %s: %s", key, uri)
        partner = kwargs.get("partner")
        lineage.report(
            *lineage.datasets(
                name,
                ctx.config,
                partner if isinstance(partner, str) else None,
                (u for _, u in given),
                (u for _, u in written),
            )
        )
        if stage is stages.publish_partner:
            _announce_published(context, ctx, cast("Published", outputs))
        return outputs
    except NothingToDo as exc:
        raise AirflowSkipException(str(exc)) from exc
    except RunStopped as exc:
        # A deliberate stop, or an invalid configuration, policy or exemptions file (all RunStopped): the
        # same inputs give the same error, so a retry would only delay the failure and the human it needs.
        raise AirflowFailException(str(exc)) from exc
