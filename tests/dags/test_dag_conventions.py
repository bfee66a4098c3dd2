"""Airflow conventions of the nightly DAG: published lists as assets, bounded retries and timeouts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.integration  # runs Airflow

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "marketplace_access_reconciliation"


@pytest.fixture(scope="module")
def dag(tmp_path_factory: pytest.TempPathFactory) -> Any:
    import os

    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow-home")))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"), safe_mode=False)
    assert bag.import_errors == {}
    return bag.dags[DAG_ID]


def test_published_lists_are_announced_through_one_asset_alias(dag: Any) -> None:
    from airflow.sdk import AssetAlias

    outlets = {t.task_id: list(t.outlets) for t in dag.tasks if t.outlets}
    assert list(outlets) == ["publish_partner"]
    [alias] = outlets["publish_partner"]
    assert isinstance(alias, AssetAlias)
    assert alias.name == "marketplace_revocation_lists"


def test_every_task_is_bounded_in_time_and_retries(dag: Any) -> None:
    # The longest wait for a late drop (6 h), the stages' worst case (6 h) and the approval step's longest
    # wait for a person (12 h).
    assert dag.dagrun_timeout == dt.timedelta(hours=24)
    for task in dag.tasks:
        assert task.execution_timeout is not None, task.task_id
        assert task.execution_timeout <= dag.dagrun_timeout, task.task_id
        assert task.retries <= 2, task.task_id
        if task.retries:
            assert task.retry_exponential_backoff, task.task_id
            assert task.max_retry_delay is not None, task.task_id
            # The worst case of retries still fits in the run's time budget.
            worst = (task.retries + 1) * task.execution_timeout + task.retries * task.max_retry_delay
            assert worst <= dt.timedelta(hours=6), task.task_id


def test_a_blocked_gate_waits_for_a_person_in_the_approval_step(dag: Any) -> None:
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    from pipeline.config import ApprovalConfig

    approve = dag.get_task("approve")
    assert isinstance(approve, ApprovalOperator)
    assert approve.upstream_task_ids == {"gate"}
    assert approve.retries == 0  # a person's answer is not retried
    assert approve.response_timeout == dt.timedelta(hours=ApprovalConfig().timeout_hours) == dt.timedelta(hours=12)
    # The longest wait the configuration allows still fits in the run's budget.
    longest = ApprovalConfig.model_fields["timeout_hours"].metadata
    assert any(getattr(m, "le", None) == 12 for m in longest)
    # A skipped approval (the gate passed) lets publishing go on; a failed one (rejected) does not.
    publish = dag.get_task("publish_partner")
    assert "approve" in publish.upstream_task_ids and publish.trigger_rule == "none_failed"


def test_every_task_hands_on_its_output_as_one_value(dag: Any) -> None:
    # A stage's typed mapping is one XCom; Airflow would otherwise infer one per key from the annotation.
    for task in dag.tasks:
        assert task.multiple_outputs is False, task.task_id


def test_each_partners_extraction_waits_for_its_late_drop_without_holding_a_worker(dag: Any) -> None:
    from pipeline.config import PartnerConfig

    sensor = dag.get_task("await_drop").partial_kwargs  # mapped over the partners
    assert sensor["mode"] == "reschedule"
    assert sensor["poke_interval"] <= dt.timedelta(minutes=10)
    # The configured wait ends it; the sensor's own timeout only backs up the longest one allowed.
    longest = next(m.le for m in PartnerConfig.model_fields["late_drop_hours"].metadata if hasattr(m, "le"))
    assert PartnerConfig.model_fields["late_drop_hours"].default == 4
    assert dt.timedelta(hours=longest) < sensor["timeout"] <= dt.timedelta(hours=longest + 1)
    assert dag.get_task("extract_partner").upstream_task_ids == {"await_drop"}
    assert dag.get_task("await_drop").upstream_task_ids == {"plan"}


def test_resolve_and_match_run_one_at_a_time_in_the_pool_init_creates(dag: Any) -> None:
    heavy = {t.task_id: t.pool for t in dag.tasks if t.pool != "default_pool"}
    assert heavy == {"resolve_ownership": "recon_heavy", "match_tenants": "recon_heavy"}
    init = (ROOT / "deploy" / "init.sh").read_text()
    assert "airflow pools set recon_heavy 1 " in init


def test_someone_is_told_of_a_failure_a_waiting_approval_and_late_lists(dag: Any) -> None:
    from pipeline.run.notify import OpsEvent, OpsNotifier

    [on_failure] = dag.on_failure_callback if isinstance(dag.on_failure_callback, list) else [dag.on_failure_callback]
    assert isinstance(on_failure, OpsNotifier) and on_failure.event is OpsEvent.RUN_FAILED
    [waiting] = dag.get_task("approve").notifiers
    assert isinstance(waiting, OpsNotifier) and waiting.event is OpsEvent.GATE_WAITING
    [deadline] = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    # 06:00 UTC: 3 h 30 after the 02:30 logical date of the scheduled run.
    assert deadline.interval == dt.timedelta(hours=3, minutes=30)
    assert deadline.callback.path == "pipeline.run.notify.OpsNotifier"
    assert deadline.callback.kwargs == {"event": "deadline_missed"}
    # Left out only under `recon dag-run` (`airflow dags test` cannot finish a run with deadline alerts).
    from pipeline.run.local_airflow import EMBEDDED_VARIABLE

    assert f'os.environ.get("{EMBEDDED_VARIABLE}") == "1"' in (ROOT / "dags" / f"{DAG_ID}.py").read_text()
