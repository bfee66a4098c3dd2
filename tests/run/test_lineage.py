"""Lineage: the datasets each stage's task reports (what it was given and wrote, and what it read from the
configuration), handed to Airflow's hook-level lineage collector that the OpenLineage provider reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import RunConfig, load_config
from pipeline.run import lineage

CONFIG = """\
workspace: s3://ops/workspace
reports: s3://ops/reports
audit: s3://ops/audit
policy: s3://ops/policy.yaml
exemptions: s3://ops/exemptions.yaml
ownership: {sources: [gs://register/bods.jsonl]}
partners:
  - {name: aws, kind: aws_marketplace, inbox: s3://aws-feeds/feeds, outbox: s3://aws-feeds/lists}
"""


@pytest.fixture()
def config(tmp_path: Path) -> RunConfig:
    (tmp_path / "config.yaml").write_text(CONFIG)
    return load_config(tmp_path / "config.yaml")


def test_extraction_and_the_late_drop_sensor_read_the_partners_inbox(config: RunConfig) -> None:
    given = ["s3://ops/workspace/dt=2026-11-26/run=r/x.parquet"]
    assert lineage.datasets("extract_partner", config, "aws", [], ["s3://ops/ws/tenants.parquet"]) == (
        ["s3://aws-feeds/feeds"],
        ["s3://ops/ws/tenants.parquet"],
    )
    # The sensor's output names files that are not there: not data it wrote.
    assert lineage.datasets("await_drop", config, "aws", given, ["s3://aws-feeds/feeds/missing.csv"]) == (
        [*given, "s3://aws-feeds/feeds"],
        [],
    )


def test_plan_reads_the_configuration_policy_and_exemptions_and_ownership_its_sources(config: RunConfig) -> None:
    inputs, outputs = lineage.datasets("plan", config, None, [], [])
    assert inputs == [config.config_uri, "s3://ops/policy.yaml", "s3://ops/exemptions.yaml"] and outputs == []
    assert lineage.datasets("extract_ownership", config, None, [], [])[0] == ["gs://register/bods.jsonl"]


def test_a_uri_is_reported_once_and_never_as_both(config: RunConfig) -> None:
    a, b = "s3://ops/ws/a.parquet", "s3://ops/ws/b.parquet"
    assert lineage.datasets("gate", config, None, [a, a, b], [b, "s3://ops/ws/gate.json"]) == (
        [a, b],
        ["s3://ops/ws/gate.json"],
    )


def test_the_datasets_reach_airflows_lineage_collector(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.sdk import lineage as airflow_lineage

    collector = airflow_lineage.HookLineageCollector()
    monkeypatch.setattr(airflow_lineage, "get_hook_lineage_collector", lambda: collector)
    lineage.report(["s3://aws-feeds/feeds", "gs://register/bods.jsonl"], ["s3://ops/ws/tenants.parquet"])
    collected = collector.collected_assets
    assert [i.asset.uri for i in collected.inputs] == ["s3://aws-feeds/feeds", "gs://register/bods.jsonl"]
    assert [o.asset.uri for o in collected.outputs] == ["s3://ops/ws/tenants.parquet"]
    assert all(i.context is lineage.SOURCE for i in collected.inputs)


def test_reporting_never_fails_the_task(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    from airflow.sdk import lineage as airflow_lineage

    def broken() -> object:
        raise RuntimeError("no collector")

    monkeypatch.setattr(airflow_lineage, "get_hook_lineage_collector", broken)
    lineage.report(["s3://a/b"], [])
    assert "lineage could not be reported" in caplog.text


@pytest.mark.parametrize(
    ("transport", "collector"), [(None, "NoOpCollector"), ('{"type": "console"}', "HookLineageCollector")]
)
def test_the_openlineage_provider_collects_only_once_a_transport_is_configured(
    tmp_path: Path, transport: str | None, collector: str
) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "OPENLINEAGE"))}
    env["AIRFLOW_HOME"] = str(tmp_path)
    if transport:
        env["AIRFLOW__OPENLINEAGE__TRANSPORT"] = transport
    probe = "from airflow.sdk.lineage import get_hook_lineage_collector as g; print(type(g()).__name__)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == collector
