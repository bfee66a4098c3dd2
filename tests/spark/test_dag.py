"""The nightly DAG with `engine: spark` (a local master) on a small demo world: it succeeds, and every
record's ownership row (decision, bounds, ultimate parent, chain, evidence), every tenant's link and every
decision on a tenant is the one `recon run` makes on the local engine."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.run.context import RunContext
from pipeline.run.local_airflow import LocalAirflow
from pipeline.run.stages import run_all
from pipeline.storage import Storage, local_uri

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DATE = dt.date(2026, 11, 26)
ROOT = Path(__file__).resolve().parents[2]
# The DAG's own Spark session runs beside the test session's: a small driver, one core.
SPARK = "engine: spark\nspark: {master: 'local[1]', conf: {spark.driver.memory: 1g}}\n"


def _one(world: Path, name: str) -> pa.Table:
    [found] = (world / "workspace").glob(f"dt=*/run=*/{name}")
    return pq.read_table(found)


def test_the_dag_on_spark_decides_as_the_local_engine(tmp_path: Path) -> None:
    world = tmp_path / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=DATE, tenants=40, seed=3))
    local, spark = tmp_path / "local", tmp_path / "spark"
    shutil.copytree(world, local)
    shutil.copytree(world, spark)
    (spark / "config.yaml").write_text((spark / "config.yaml").read_text() + SPARK)
    assert load_config(spark / "config.yaml").engine == "spark"

    run_all(RunContext(config=load_config(local / "config.yaml"), logical_date=DATE, run_id="local", storage=Storage()))
    airflow = LocalAirflow(home=tmp_path / "airflow", dags_folder=ROOT / "dags")
    airflow.migrate()
    _run_id, state = airflow.run_dag(spark / "config.yaml", DATE)
    assert state == "success"

    # The same rows, but for the world's folder, which the evidence of unread statements names.
    got_rows = repr(_one(spark, "ownership.parquet").to_pylist()).replace(str(spark), "<world>")
    want_rows = repr(_one(local, "ownership.parquet").to_pylist()).replace(str(local), "<world>")
    assert got_rows == want_rows
    assert _one(spark, "ownership.parquet").schema.equals(_one(local, "ownership.parquet").schema)
    assert _one(spark, "links.parquet").equals(_one(local, "links.parquet"))
    keys = ["partner", "tenant_id"]
    got = _one(spark, "decisions.parquet").to_pandas().sort_values(keys).reset_index(drop=True)
    want = _one(local, "decisions.parquet").to_pandas().sort_values(keys).reset_index(drop=True)
    assert got[[*keys, "decision"]].equals(want[[*keys, "decision"]])
    assert set(want["decision"]) >= {"revoke", "allow"}
