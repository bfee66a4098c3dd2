"""A run the safety gate stops, through `recon run` and through Airflow: nothing is published, the run
fails, and its report shows why it stopped and the diff a human must review."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.errors import RunStopped
from pipeline.run.context import RunContext
from pipeline.run.local_airflow import LocalAirflow
from pipeline.run.stages import run_all
from pipeline.storage import Storage, local_uri

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DATE = dt.date(2026, 11, 26)
ROOT = Path(__file__).resolve().parents[2]


def _blocking_world(base: Path) -> Path:
    world = base / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=DATE, tenants=40, seed=9))
    config = yaml.safe_load((world / "config.yaml").read_text())
    config["gate"] = {"max_added": 1, "max_lifted": 1, "max_added_share": 0.01, "max_lifted_share": 0.01}
    (world / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return world


def _assert_stopped_report(world: Path) -> str:
    assert not (world / "outbox").exists() or not list((world / "outbox").rglob("manifest.json"))
    [report] = (world / "reports").glob("dt=*/run=*/report.html")
    html = report.read_text()
    assert "This run stopped before it finished" in html
    assert "gate" in html
    return html


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("stopped")


def test_recon_run_stops_at_the_gate_and_reports_it(base: Path) -> None:
    world = _blocking_world(base / "cli")
    ctx = RunContext(load_config(world / "config.yaml"), DATE, "cli__stopped", Storage())
    with pytest.raises(RunStopped, match=r"(?s)the run stopped \(gate: .*Its report: .*report\.html"):
        run_all(ctx)
    html = _assert_stopped_report(world)
    # The reviewable diff: the added rows the gate refused to publish are listed in the report.
    assert re.search(r"added", html)


def test_the_dag_fails_at_the_gate_and_its_report_task_writes_the_report(base: Path) -> None:
    world = _blocking_world(base / "dag")
    airflow = LocalAirflow(home=base / "airflow", dags_folder=ROOT / "dags")
    airflow.migrate()
    _run_id, state = airflow.run_dag(world / "config.yaml", DATE, {"wait_for_approval": False})
    assert state == "failed"
    _assert_stopped_report(world)
    shutil.rmtree(base / "airflow", ignore_errors=True)
