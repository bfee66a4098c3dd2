"""The whole nightly run on a small demo world: through Airflow (`airflow dags test`, i.e. `dag.test()`)
and through `recon run`, which must publish the very same lists.

These are the slowest tests of the suite (an Airflow metadata database, Great Expectations, two
complete runs); they share one world generation and one run of each kind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.run.context import RunContext
from pipeline.run.layout import list_folder
from pipeline.run.local_airflow import LocalAirflow
from pipeline.run.stages import run_all
from pipeline.storage import Storage, local_uri

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DATE = dt.date(2026, 11, 26)
ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Runs:
    cli: Path
    dag: Path
    dag_state: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    base = tmp_path_factory.mktemp("e2e")
    world = base / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=DATE, tenants=80, seed=3))
    cli, dag = base / "cli", base / "dag"
    shutil.copytree(world, cli)
    shutil.copytree(world, dag)

    config = load_config(cli / "config.yaml")
    run_all(RunContext(config=config, logical_date=DATE, run_id="cli__e2e", storage=Storage()))

    airflow = LocalAirflow(home=base / "airflow", dags_folder=ROOT / "dags")
    airflow.migrate()
    _run_id, state = airflow.run_dag(dag / "config.yaml", DATE)
    return Runs(cli=cli, dag=dag, dag_state=state)


def _folder(world: Path, partner: str) -> Path:
    return Path(list_folder(local_uri(world / "outbox" / partner), DATE).removeprefix("file://"))


def test_dag_run_succeeds(runs: Runs) -> None:
    assert runs.dag_state == "success"


@pytest.mark.parametrize("partner", ["aws", "gcp", "azure"])
def test_lists_and_manifests_are_published_and_verified(runs: Runs, partner: str) -> None:
    for world in (runs.cli, runs.dag):
        folder = _folder(world, partner)
        manifest = json.loads((folder / "manifest.json").read_text())
        for entry in (manifest["snapshot"], manifest["delta"]):
            data = (folder / entry["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == entry["sha256"]
            assert len(data) == entry["bytes"]
        snapshot = pd.read_csv(folder / manifest["snapshot"]["name"], dtype=str)
        assert len(snapshot) == manifest["snapshot"]["rows"] > 0
        assert set(snapshot["decision"]) == {"revoke"}


@pytest.mark.parametrize("partner", ["aws", "gcp", "azure"])
def test_recon_run_and_the_dag_publish_the_same_lists(runs: Runs, partner: str) -> None:
    cli, dag = _folder(runs.cli, partner), _folder(runs.dag, partner)
    for name in ("revocations.csv", "revocations_delta.csv"):
        assert (cli / name).read_bytes() == (dag / name).read_bytes(), name


def test_decisions_match_the_worlds_truth(runs: Runs) -> None:
    truth = pd.read_csv(runs.dag / "truth" / "tenants.csv", dtype=str, keep_default_na=False)
    [decisions_file] = (runs.dag / "workspace").glob("dt=*/run=*/decisions.parquet")
    decisions = pd.read_parquet(decisions_file)
    both = truth.merge(decisions, on=["partner", "tenant_id"], how="outer", indicator=True)
    assert set(both["_merge"]) == {"both"}
    wrong = both[both["decision"] != both["expected_decision"]]
    assert wrong[["partner", "tenant_id", "scenario", "expected_decision", "decision"]].to_dict("records") == []
    # The look-alikes that must stay allowed, by name.
    for scenario in ("minority_49_9", "taiwan_tw_code", "taiwan_cn_tw_code", "chinese_sounding_name_no_cn_owner"):
        assert set(both.loc[both["scenario"] == scenario, "decision"]) == {"allow"}, scenario


def test_run_report_exists_for_both_runs(runs: Runs) -> None:
    for world in (runs.cli, runs.dag):
        [report] = (world / "reports").glob("dt=*/run=*/report.html")
        assert "<script" not in report.read_text().lower()
