"""`explain` and `recon explain` over a run workspace written to local storage and to moto's S3."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline import datasets as ds
from pipeline.cli import app
from pipeline.report.explain import ExplainError, explain
from pipeline.report.workspace import RunWorkspace
from pipeline.storage import Storage, StorageError, join
from pipeline.storage.frames import write_parquet
from tests import sample_run as s
from tests.servers import Endpoint

RUN = "dt=2026-11-02/run=scheduled__2026-11-02T00_00_00_00_00"


def write_run(root: str, decisions: pd.DataFrame | None = None, *, only_decisions: bool = False) -> str:
    storage = Storage()
    ws = RunWorkspace(storage, join(root, RUN))
    write_parquet(storage, ws.uri(ds.DECISIONS), s.decisions() if decisions is None else decisions)
    if not only_decisions:
        write_parquet(storage, ws.uri(ds.OWNERSHIP), s.ownership())
        write_parquet(storage, ws.uri(ds.LINKS), s.links())
        write_parquet(storage, ws.uri(ds.INTERESTS), s.interests())
        tenants = s.tenants()
        for partner in ("aws", "gcp"):
            write_parquet(storage, ws.uri(ds.TENANTS, partner), tenants[tenants["partner"] == partner])
    return ws.run_uri


@pytest.fixture
def run_uri(local_root: str) -> str:
    return write_run(local_root)


def test_a_tenant_through_a_chain_of_owners(run_uri: str) -> None:
    out = explain(run_uri, "012345678901", Storage())
    lines = out.splitlines()
    assert f"Tenant aws/012345678901 “{s.HOSTILE}”" in lines
    for expected in (
        "  export: country SG, status ACTIVE",
        "  decision: REVOKE",
        "  rules: ownership.majority_chain",
        "  policy: unsupported-regions version 2025-09-05",
        "  link: lei, confidence 1.0, may revoke -> entity E-EVIL",
        # Each stake cites the BODS statement that declares it (and its file, when the data names it).
        "      held by the next one up: shareholding 70% (direct) (statement S-1)",
        "      held by the next one up: shareholding (50%, 100%] (direct) (statement S-2)",
    ):
        assert expected in lines, expected
    top = next(line for line in lines if line.strip().startswith("E-SZSTATE"))
    assert top.endswith("restricted root (state_body:CN)  <- ultimate parent")
    # The recorded evidence, as indented JSON (its stakes written for people).
    assert [line for line in lines if line.strip() == '"stake": "70%",' or line.strip() == '"stake": "70%"']


def test_a_review_case_shows_its_minority_holder(run_uri: str) -> None:
    out = explain(run_uri, "009988776655", Storage())
    assert "  decision: REVIEW" in out
    assert "restricted share 40%-60%" in out
    assert (
        "    E-GZINV “Guangzhou Investment Group” restricted, restricted root (headquarters:CN): "
        "shareholding [40%, 60%] (direct)"
    ) in out


def test_an_unmatched_tenant_of_another_partner(run_uri: str) -> None:
    out = explain(run_uri, "acc-fr-002", Storage())
    assert "Tenant gcp/acc-fr-002 “Paris Data SAS”" in out
    assert "  decision: ALLOW" in out
    assert "  link: no entity matched (method none)" in out


def test_an_aws_account_id_that_lost_its_leading_zeros(run_uri: str) -> None:
    out = explain(run_uri, "4455667788", Storage())
    assert "(no tenant 4455667788; showing 004455667788, its 12-digit AWS form)" in out
    assert "Tenant aws/004455667788" in out


def test_an_entity_with_the_tenants_under_it(run_uri: str) -> None:
    out = explain(run_uri, "E-SZSTATE", Storage())
    assert "Entity E-SZSTATE “Shenzhen State Assets Commission”" in out
    assert "  tenants linked to it: 0" in out
    assert "  tenants whose ultimate parent it is: 1" in out
    assert "    aws/012345678901" in out
    linked = explain(run_uri, "E-PEARL", Storage())
    assert "  tenants linked to it: 1" in linked
    assert "    aws/009988776655 “Pearl River Holdings Ltd”: review" in linked


def test_an_unknown_key_is_an_error_naming_key_and_run(run_uri: str) -> None:
    with pytest.raises(ExplainError, match=r"'nobody': no tenant or entity with this id in file://.*/run="):
        explain(run_uri, "nobody", Storage())


def test_control_characters_from_input_data_are_shown_not_obeyed(local_root: str) -> None:
    decisions = s.decisions()
    decisions.loc[decisions["tenant_id"] == "004455667788", "company_name"] = "Evil\x1b[2J\nFAKE decision: ALLOW"
    run_uri = write_run(local_root, decisions)
    out = explain(run_uri, "004455667788", Storage())
    assert "\x1b" not in out
    assert "Evil\\x1b[2J\\nFAKE decision: ALLOW" in out
    assert not [line for line in out.splitlines() if line.startswith("FAKE")]


def test_a_run_with_only_decisions_still_explains_what_it_can(local_root: str) -> None:
    run_uri = write_run(local_root, only_decisions=True)
    out = explain(run_uri, "004455667788", Storage())
    assert "(ownership.parquet is not in this run: no ownership chain)" in out
    assert "(links.parquet is not in this run: no link details)" in out
    assert "(partner=aws/tenants.parquet is not in this run: no export details)" in out
    assert "  decision: REVOKE" in out
    assert "  link: no link record for this tenant" in out


def test_a_folder_that_is_not_a_run(local_root: str) -> None:
    with pytest.raises(StorageError, match=r"elsewhere: not a run folder \(expected .*/dt=YYYY-MM-DD/run=RUN_ID\)"):
        explain(join(local_root, "elsewhere"), "x", Storage())
    with pytest.raises(StorageError, match=r"decisions.parquet: not found \(is .* a run workspace"):
        explain(join(local_root, "dt=2026-11-02", "run=empty"), "x", Storage())


def test_the_command_line_takes_a_path(run_uri: str, local_root: str) -> None:
    path = Path(run_uri.removeprefix("file://"))
    result = CliRunner().invoke(app, ["explain", "--run", str(path), "E-PEARL"])
    assert result.exit_code == 0, result.output
    assert "Entity E-PEARL" in result.output
    missing = CliRunner().invoke(app, ["explain", "--run", str(path), "nobody"])
    assert missing.exit_code == 1
    assert "recon explain: 'nobody': no tenant or entity" in missing.output


@pytest.mark.integration
def test_explain_reads_a_run_on_s3(s3: Endpoint) -> None:
    run_uri = write_run(f"{s3.root}/workspace")
    assert run_uri.startswith("s3://moto-test/workspace/dt=2026-11-02/run=")
    out = explain(run_uri, "acc-cn-001", Storage())
    assert "Tenant gcp/acc-cn-001 “Beijing Cloud Vision Co”" in out
    assert "restricted root (incorporation:CN)" in out


def test_each_stake_names_its_source_and_record(local_root: str) -> None:
    run_uri = write_run(local_root)
    storage = Storage()
    interests = s.interests()
    interests["source"] = pd.array(
        ["gleif_rr" if r == "R-1" else "bods" for r in interests["relationship_id"]], dtype="str"
    )
    write_parquet(storage, RunWorkspace(storage, run_uri).uri(ds.INTERESTS), interests)
    lines = explain(run_uri, "012345678901", Storage()).splitlines()
    assert "      held by the next one up: shareholding 70% (direct) (gleif_rr record S-1)" in lines
    assert "      held by the next one up: shareholding (50%, 100%] (direct) (bods record S-2)" in lines
