"""A world is complete, deterministic, loads with the project's own config and policy models, and is
only ever written over another world when asked."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from demo_world import WorldExistsError, WorldSpec, build_world, write_world
from pipeline.cli import app
from pipeline.config import load_config
from pipeline.policy.definition import load_policy
from pipeline.storage import Storage
from tests.demo_world.world import DATE, WrittenWorld
from tests.servers import Endpoint


def test_same_arguments_give_byte_identical_files() -> None:
    a = build_world(WorldSpec(DATE, tenants=60, seed=5))
    b = build_world(WorldSpec(DATE, tenants=60, seed=5))
    assert a.files.keys() == b.files.keys()
    assert all(a.files[k] == b.files[k] for k in a.files)
    c = build_world(WorldSpec(DATE, tenants=60, seed=6))
    assert c.files["truth/tenants.csv"] != a.files["truth/tenants.csv"]


def _relationships(register: bytes) -> list[dict[str, Any]]:
    statements = [json.loads(line) for line in register.splitlines()]
    return [s["recordDetails"] for s in statements if s["recordType"] == "relationship"]


def test_more_relationships_are_minority_stakes_that_change_no_truth() -> None:
    plain = build_world(WorldSpec(DATE, tenants=300, seed=5))
    natural = len(_relationships(plain.files["ownership/register.jsonl"]))
    denser = build_world(WorldSpec(DATE, tenants=300, seed=5, relationships=natural + 500))
    added = _relationships(denser.files["ownership/register.jsonl"])[natural:]
    assert len(added) == 500
    assert {len(r["interests"]) for r in added} == {1}
    assert {(i["type"], i["share"]["exact"]) for r in added for i in r["interests"]} == {("shareholding", 5)}
    assert len({(r["subject"], r["interestedParty"]) for r in added}) == 500
    unchanged = [k for k in plain.files if not k.startswith("ownership/") and k != "README.md"]
    assert all(denser.files[k] == plain.files[k] for k in unchanged)


def test_tenant_count_scales_the_ordinary_population_only() -> None:
    small = build_world(WorldSpec(DATE, tenants=0, seed=5)).truth
    large = build_world(WorldSpec(DATE, tenants=300, seed=5)).truth
    assert len(large) == 300
    scenarios = small["scenario"].tolist()
    assert sorted(scenarios) == sorted(large.loc[~large["scenario"].str.startswith("ordinary"), "scenario"])


def test_the_manifest_lists_every_file_with_its_sha256(written: WrittenWorld) -> None:
    manifest = json.loads(written.path("world.json").read_text(encoding="utf-8"))
    on_disk = {p.relative_to(written.root).as_posix() for p in written.root.rglob("*") if p.is_file()}
    assert on_disk == set(manifest["files"]) | {"world.json", ".demo-world"}
    for path, digest in manifest["files"].items():
        assert hashlib.sha256(written.path(path).read_bytes()).hexdigest() == digest


def test_config_loads_and_points_at_the_world_with_relative_paths(written: WrittenWorld) -> None:
    raw = yaml.safe_load(written.path("config.yaml").read_text(encoding="utf-8"))
    text = json.dumps(raw)
    assert "://" not in text and str(written.root) not in text
    config = load_config(written.path("config.yaml"))
    root = written.root.resolve().as_uri()
    assert [p.name for p in config.partners] == ["aws", "gcp", "azure"]
    for partner in config.partners:
        assert partner.inbox == f"{root}/inbox/{partner.name}" and partner.outbox == f"{root}/outbox/{partner.name}"
    aws = config.partners[0]
    assert aws.seller_account_id
    for uri in (config.workspace, config.reports, config.audit):
        assert uri.startswith(root + "/")
    for uri in (config.policy, config.exemptions, *config.ownership.uris):
        assert uri is not None and Path(uri.removeprefix("file://")).is_file()


def test_the_world_still_loads_after_being_copied(written: WrittenWorld, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "copied"
    shutil.copytree(written.root, copy)
    config = load_config(copy / "config.yaml")
    assert config.policy == (copy / "policy/unsupported-regions.yaml").resolve().as_uri()


def test_policy_loads_with_the_policy_model(written: WrittenWorld) -> None:
    policy = load_policy(written.path("policy/unsupported-regions.yaml"))
    assert policy.restricted_jurisdictions == ("CN",)
    assert policy.ownership.threshold == 0.5 and policy.ownership.comparator.value == ">"
    assert policy.tenants.restricted_payer.value == "revoke"
    assert policy.tenants.reseller_for_restricted.value == "review"
    assert policy.enforcement.notice_period_days == 0


def test_exemptions_follow_the_documented_format(written: WrittenWorld) -> None:
    text = written.path("policy/exemptions.yaml").read_text(encoding="utf-8")
    # Account ids are quoted: a YAML 1.2 reader would otherwise read 0044... as a number.
    assert re.search(r'tenant_id: "\d{12}"', text)
    doc = yaml.safe_load(text)
    items = doc["exemptions"]
    assert len({e["id"] for e in items}) == len(items) == 2
    truth = {t["tenant_id"]: t for t in written.truth()}
    entity_ids = {s["recordId"] for s in written.statements() if s["recordType"] == "entity"}
    active = [e for e in items if e["expires"] >= DATE]
    expired = [e for e in items if e["expires"] < DATE]
    assert len(active) == len(expired) == 1
    for e in items:
        assert set(e) <= {"id", "partner", "tenant_id", "entity_id", "reason", "approved_by", "approved_on", "expires"}
        assert ("tenant_id" in e) != ("entity_id" in e)
        assert isinstance(e["approved_on"], dt.date) and isinstance(e["expires"], dt.date)
        assert e["approved_on"] <= DATE and e["reason"] and e["approved_by"]
        if "tenant_id" in e:
            assert isinstance(e["tenant_id"], str) and e["tenant_id"] in truth
            assert truth[e["tenant_id"]]["exemption_id"] == e["id"]
        else:
            assert e["entity_id"] in entity_ids
    # The active one saves a tenant that would otherwise be revoked.
    saved = truth[active[0]["tenant_id"]]
    assert saved["expected_decision"] == "allow" and saved["scenario"] == "exemption_active"


def test_an_existing_world_is_replaced_only_with_force(tmp_path: Path) -> None:
    storage = Storage()
    uri = (tmp_path / "w").as_uri()
    spec = WorldSpec(DATE, tenants=0, seed=1)
    write_world(storage, uri, spec)
    with pytest.raises(WorldExistsError, match="--force"):
        write_world(storage, uri, spec)
    (tmp_path / "w" / "outbox").mkdir()
    (tmp_path / "w" / "outbox" / "stale.csv").write_text("left by a previous run\n")
    write_world(storage, uri, spec, force=True)
    assert not (tmp_path / "w" / "outbox" / "stale.csv").exists()
    assert (tmp_path / "w" / "world.json").is_file()


def test_force_never_deletes_something_that_is_not_a_world(tmp_path: Path) -> None:
    (tmp_path / "precious.txt").write_text("keep me\n")
    with pytest.raises(WorldExistsError, match="not a demo world"):
        write_world(Storage(), tmp_path.as_uri(), WorldSpec(DATE, tenants=0), force=True)
    assert (tmp_path / "precious.txt").read_text() == "keep me\n"


def test_cli_writes_a_world_and_refuses_to_overwrite_it(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["demo-world", "--out", str(tmp_path / "w"), "--date", "2026-11-26", "--tenants", "40", "--seed", "3"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "aws/revoke" in first.output
    again = runner.invoke(app, args)
    assert again.exit_code == 2 and "--force" in again.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0
    bad = runner.invoke(app, ["demo-world", "--out", str(tmp_path / "x"), "--date", "26/11/2026"])
    assert bad.exit_code == 2 and "YYYY-MM-DD" in bad.output


@pytest.mark.integration
@pytest.mark.parametrize("store", ["s3", "gcs"])
def test_a_world_can_be_written_to_a_bucket(store: str, request: pytest.FixtureRequest) -> None:
    endpoint: Endpoint = request.getfixturevalue(store)
    storage = Storage()
    root = f"{endpoint.root}/worlds/demo"
    world = write_world(storage, root, WorldSpec(DATE, tenants=0, seed=2))
    listed = storage.list(f"{root}/")
    assert len(listed) == len(world.files) + 2
    assert storage.read_bytes(f"{root}/truth/tenants.csv") == world.files["truth/tenants.csv"]
    with pytest.raises(WorldExistsError):
        write_world(storage, root, WorldSpec(DATE, tenants=0, seed=2))
    write_world(storage, root, WorldSpec(DATE, tenants=0, seed=3), force=True)
    assert len(storage.list(f"{root}/")) == len(listed)


def test_files_do_not_depend_on_the_process_hash_seed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    spec = WorldSpec(DATE, tenants=60, seed=5)
    expected = build_world(spec).manifest()["files"]
    script = (
        "import datetime as dt, json; from demo_world import WorldSpec, build_world; "
        "print(json.dumps(build_world(WorldSpec(dt.date(2026, 11, 26), tenants=60, seed=5)).manifest()['files']))"
    )
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        assert json.loads(done.stdout) == expected
