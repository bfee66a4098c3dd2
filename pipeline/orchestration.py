"""The bridge from an Airflow task to a pipeline stage.

Invariant: a DAG task and `recon run` execute the same stage function with the same kind of
`RunContext`; the only differences are where credentials come from (Airflow connections here) and how a
deliberate stop is reported (an `AirflowFailException`, so Airflow does not retry what cannot succeed).
Nothing here runs at DAG parse time.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from pipeline import stages
from pipeline.config import ConfigError, load_config
from pipeline.errors import RunStopped
from pipeline.run import RunContext, RunOptions
from pipeline.storage import AirflowConnections, Storage

log = logging.getLogger(__name__)

CONFIG_VARIABLE = "recon_config"


def _logical_date(context: Any) -> dt.date:
    # Airflow 3 allows runs without a logical date (manual triggers); they run for the day they run after.
    moment = context.get("logical_date") or context["dag_run"].run_after
    return moment.astimezone(dt.UTC).date()  # type: ignore[no-any-return]


def context_from_airflow(context: Any) -> RunContext:
    from airflow.sdk import Variable

    params = context["params"]
    config_ref = params.get("config") or Variable.get(CONFIG_VARIABLE, default=None)
    if not config_ref:
        raise ConfigError(f"no run configuration: set the `config` param or the Airflow Variable `{CONFIG_VARIABLE}`")
    config = load_config(config_ref)
    return RunContext(
        config=config,
        logical_date=_logical_date(context),
        run_id=str(context["run_id"]),
        storage=Storage(AirflowConnections(), config.connections),
        options=RunOptions(
            approve_gate=bool(params.get("approve_gate", False)),
            approved_by=params.get("approved_by") or None,
            force_republish=bool(params.get("force_republish", False)),
        ),
    )


def run_stage(name: str, **inputs: Any) -> Any:
    """Run stage `name` of pipeline/stages.py for the current Airflow task."""
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowFailException

    stage = stages.STAGES[name]
    try:
        ctx = context_from_airflow(get_current_context())
        log.info("stage %s for %s, run %s, workspace %s", name, ctx.ds, ctx.run_id, ctx.workspace)
        return stage(ctx, **inputs)
    except RunStopped as exc:
        raise AirflowFailException(str(exc)) from exc
