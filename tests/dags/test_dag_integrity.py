"""The DAG file: parses cleanly, imports nothing heavy and does no I/O at parse time, wires the stages in order."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration  # runs Airflow

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_ID = "marketplace_access_reconciliation"

PROBE = textwrap.dedent(
    """
    import builtins, json, sys
    opened = []
    real_open = builtins.open
    def spy(file, *a, **k):
        opened.append(str(file))
        return real_open(file, *a, **k)
    import airflow.sdk  # Airflow itself may read its own files while importing
    builtins.open = spy
    import importlib.util
    spec = importlib.util.spec_from_file_location("dagfile", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    builtins.open = real_open
    dag = module.marketplace_access_reconciliation()
    # The stage outputs' TypedDicts (for annotations), the approval step and the notifier: all the DAG imports.
    light = {"pipeline", "pipeline.run", "pipeline.run.outputs", "pipeline.run.approval", "pipeline.run.notify"}
    heavy = sorted(m for m in sys.modules if m not in light and (m.split(".")[0] in
                   {"pandas", "pipeline", "great_expectations", "boto3", "botocore", "pyarrow", "scipy"}
                   or m.startswith("google.cloud")))
    print(json.dumps({"heavy": heavy, "opened": opened, "dag_id": dag.dag_id}))
    """
)


@pytest.fixture(scope="module")
def dag(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    import os

    home = tmp_path_factory.mktemp("airflow-home")
    os.environ.setdefault("AIRFLOW_HOME", str(home))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS), safe_mode=False)
    assert bag.import_errors == {}
    return bag.dags[DAG_ID]


def test_parse_imports_nothing_heavy_and_reads_no_files(tmp_path: Path) -> None:
    env = {"AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PATH": "/usr/bin:/bin"}
    dag_file = DAGS / f"{DAG_ID}.py"
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(dag_file)], env=env, capture_output=True, text=True, check=True
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["dag_id"] == DAG_ID
    assert probe["heavy"] == []
    assert [f for f in probe["opened"] if not f.endswith(".py")] == []


def test_schedule_and_run_policy(dag) -> None:  # type: ignore[no-untyped-def]
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.timetable.expression == "30 2 * * *"
    assert str(dag.timetable.timezone) in {"UTC", "Timezone('UTC')"}
    assert set(dag.params.keys()) == {
        "config",
        "approve_gate",
        "approved_by",
        "approve_diff",
        "wait_for_approval",
        "force_republish",
    }
    for task in dag.tasks:
        if task.task_id not in {"gate", "approve", "report_stopped", "check_run"}:
            assert task.retries >= 1, task.task_id
    # A blocked gate needs a human, not a retry.
    assert dag.get_task("gate").retries == 0


# Which stages each stage waits for (directly or through others): the order of docs/design.md §2.
MUST_FOLLOW = {
    "plan": set(),
    "extract_partner": {"plan"},
    "extract_ownership": {"plan"},  # plan pins the configuration and policy first
    "validate": {"extract_partner", "extract_ownership"},
    "resolve_ownership": {"validate"},
    "match_tenants": {"validate"},
    "decide": {"resolve_ownership", "match_tenants"},
    "gate": {"decide"},
    "publish_partner": {"gate"},
    "reconcile": {"publish_partner"},
    "report": {"reconcile"},
}


def test_tasks_follow_the_stage_order(dag) -> None:  # type: ignore[no-untyped-def]
    from pipeline.run.stages import STAGE_ORDER

    names = [stage.__name__ for stage in STAGE_ORDER]
    assert list(MUST_FOLLOW) == names
    assert {t.task_id for t in dag.tasks} == {*names, "await_drop", "approve", "report_stopped", "check_run"}
    for stage, before in MUST_FOLLOW.items():
        upstream = dag.get_task(stage).get_flat_relative_ids(upstream=True)
        assert before <= upstream, (stage, before - upstream)
    # The report of a stopped run waits for every stage, whatever their outcome, and never retries.
    stopped = dag.get_task("report_stopped")
    assert stopped.get_flat_relative_ids(upstream=True) == {*names, "await_drop", "approve"}
    assert stopped.trigger_rule == "all_done"
    assert stopped.retries == 0


def test_a_failed_task_fails_the_run_even_when_no_stage_recorded_why(dag) -> None:  # type: ignore[no-untyped-def]
    # A task killed by its timeout or the kernel writes no stop record: `report_stopped` is then skipped,
    # and a run whose leaves all succeeded or were skipped is a success. `check_run` is a leaf that runs
    # as soon as any other task failed (or could not run because one did) and fails.
    check = dag.get_task("check_run")
    assert check.trigger_rule == "one_failed"
    assert check.retries == 0
    every_other = {t.task_id for t in dag.tasks} - {"check_run", "report_stopped"}
    assert check.upstream_task_ids == every_other
    assert check.downstream_task_ids == set()
    assert {t.task_id for t in dag.tasks if not t.downstream_task_ids} == {"check_run", "report_stopped"}
