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
    # The stages' worst case (6 h) and the approval step's longest wait for a person (16 h).
    assert dag.dagrun_timeout == dt.timedelta(hours=22)
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
    # The longest wait the configuration allows still fits in the run's budget after the stages' 6 h.
    longest = ApprovalConfig.model_fields["timeout_hours"].metadata
    assert any(getattr(m, "le", None) == 16 for m in longest)
    # A skipped approval (the gate passed) lets publishing go on; a failed one (rejected) does not.
    publish = dag.get_task("publish_partner")
    assert "approve" in publish.upstream_task_ids and publish.trigger_rule == "none_failed"


def test_every_task_hands_on_its_output_as_one_value(dag: Any) -> None:
    # A stage's typed mapping is one XCom; Airflow would otherwise infer one per key from the annotation.
    for task in dag.tasks:
        assert task.multiple_outputs is False, task.task_id
