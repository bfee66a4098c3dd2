"""The example allowlist policy runs in the demo world, and a change of its supported list shows in the
run report as the cause of the list rows it changed.

Night 1 (2026-11-25) runs under the list that supports every country but CN, so it decides as the
deployed denylist does; night 2 (2026-11-26) runs under the version that no longer supports HK and MO:
the tenants tied to Hong Kong are added to the lists, each with the list change as its cause.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.run.context import RunContext, RunOptions
from pipeline.run.stages import run_all
from pipeline.storage import Storage, local_uri

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "policies" / "supported-regions.example.yaml"
NIGHT1 = dt.date(2026, 11, 25)
NIGHT2 = NIGHT1 + dt.timedelta(days=1)


def _run(world: Path, night: dt.date) -> None:
    config = load_config(world / "config.yaml")
    options = RunOptions(approve_gate=True, approved_by="test: the list change is the vendor's")
    run_all(RunContext(config=config, logical_date=night, run_id=f"cli__{night}", storage=Storage(), options=options))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("allowlist") / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=NIGHT1, tenants=40, seed=3))
    shutil.copyfile(EXAMPLE, world / "policy" / "unsupported-regions.yaml")
    _run(world, NIGHT1)
    drops = ("gcp/accounts", "gcp/entitlements", "gcp/usage", "azure/subscriptions", "azure/customers", "azure/orders")
    for drop in (*drops, "azure/usage"):
        shutil.copytree(world / f"inbox/{drop}/dt={NIGHT1}", world / f"inbox/{drop}/dt={NIGHT2}")
    _run(world, NIGHT2)
    return world


def test_night_one_decides_as_the_deployed_denylist(world: Path) -> None:
    truth = pd.read_csv(world / "truth/tenants.csv", dtype=str)
    decisions = pd.read_parquet(next((world / "workspace" / f"dt={NIGHT1}").glob("run=*/decisions.parquet")))
    got = dict(zip(zip(decisions["partner"], decisions["tenant_id"], strict=True), decisions["decision"], strict=True))
    expected = dict(
        zip(zip(truth["partner"], truth["tenant_id"], strict=True), truth["expected_decision"], strict=True)
    )
    exempt = set(
        zip(
            truth.loc[truth["exemption_id"].notna(), "partner"],
            truth.loc[truth["exemption_id"].notna(), "tenant_id"],
            strict=True,
        )
    )
    assert {k: v for k, v in got.items() if k not in exempt} == {k: v for k, v in expected.items() if k not in exempt}
    assert set(decisions["policy_version"]) == {"2026-11-26+list-2025-09-05"}


def test_night_two_names_the_list_change_as_the_cause_of_the_rows_it_added(world: Path) -> None:
    decisions = pd.read_parquet(next((world / "workspace" / f"dt={NIGHT2}").glob("run=*/decisions.parquet")))
    assert set(decisions["policy_version"]) == {"2026-11-26+list-2026-11-26"}
    report = next((world / "reports" / f"dt={NIGHT2}").glob("run=*/report.html")).read_text()
    cause = "supported list 2026-11-26 (from 2026-11-26, was 2025-09-05): HK removed"
    assert f"Cause: {cause}" in report
    added = 0
    for partner, key in (("aws", "aws_account_id"), ("gcp", "procurement_account_id"), ("azure", "entra_tenant_id")):
        delta = pd.read_csv(world / f"outbox/{partner}/revocations/dt={NIGHT2}/revocations_delta.csv", dtype=str)
        for tenant in delta.loc[delta["change"] == "added", key]:
            added += 1
            assert f'data-cause="{partner}:{tenant}"' in report, f"{partner} {tenant}: added without the list as cause"
    assert added > 0
    night1 = (world / "reports" / f"dt={NIGHT1}").glob("run=*/report.html")
    assert "Cause: supported list" not in next(night1).read_text()
