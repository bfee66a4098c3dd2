"""One policy per run: `plan` pins the configuration, policy and exemptions with their sha256, validates
them before anything is extracted, and every later stage reads the pinned copies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.errors import RunStopped
from pipeline.publish.manifest import read_published
from pipeline.run import stages
from pipeline.run.context import RunContext
from pipeline.run.snapshot import SnapshotError, pinned, read_snapshot
from pipeline.storage import Storage, local_uri
from pipeline.storage.hashing import sha256_hex

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DATE = dt.date(2026, 11, 26)


@pytest.fixture()
def world(tmp_path: Path) -> Path:
    world = tmp_path / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=DATE, tenants=40, seed=9))
    return world


def _context(world: Path, run_id: str = "r1") -> RunContext:
    return RunContext(load_config(world / "config.yaml"), DATE, run_id, Storage())


def _bump_policy_version(ctx: RunContext) -> str:
    """Edit the live policy file as someone would during a run: a new version."""
    path = Path(ctx.config.policy.removeprefix("file://"))
    text = path.read_text()
    old = next(line for line in text.splitlines() if line.startswith("version:"))
    path.write_text(text.replace(old, 'version: "2099-01-01"'))
    return old


def test_plan_pins_the_configuration_policy_and_exemptions_with_their_sha256(world: Path) -> None:
    ctx = _context(world)
    assert stages.plan(ctx) == [p.name for p in ctx.config.partners]
    snapshot = read_snapshot(ctx.storage, ctx.layout)
    assert snapshot is not None and snapshot.config == ctx.config
    assert {f.role for f in snapshot.files} == {"config", "policy", "exemptions"}
    for pinned_file in snapshot.files:
        live = ctx.storage.read_bytes(pinned_file.source)
        assert ctx.storage.read_bytes(pinned_file.copy_uri) == live
        assert pinned_file.sha256 == sha256_hex(live) and pinned_file.bytes == len(live)
        assert pinned_file.copy_uri.startswith(ctx.layout.run_folder)


def test_later_stages_read_the_pinned_policy_not_the_edited_file(world: Path) -> None:
    ctx = _context(world)
    stages.plan(ctx)
    before = stages._policy(ctx)
    _bump_policy_version(ctx)
    assert stages._policy(ctx).version == "2099-01-01"  # the live file changed
    assert stages._policy(pinned(ctx)).version == before.version  # the run's copy did not


def test_a_run_whose_policy_is_edited_in_flight_publishes_under_the_version_it_started_with(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _context(world)
    original = stages._policy(ctx).version
    extract_ownership = stages.extract_ownership

    def edited_meanwhile(run: RunContext) -> object:
        _bump_policy_version(run)
        return extract_ownership(run)

    monkeypatch.setattr(stages, "extract_ownership", edited_meanwhile)
    stages.run_all(ctx)
    for partner in ctx.config.partners:
        published = read_published(ctx.storage, partner.outbox, DATE)
        assert published is not None and published.manifest.policy_version == original


def test_a_pinned_copy_changed_after_plan_stops_the_run(world: Path) -> None:
    ctx = _context(world)
    stages.plan(ctx)
    run = pinned(ctx)
    assert run.snapshot is not None
    [policy] = [f for f in run.snapshot.files if f.role == "policy"]
    ctx.storage.write_bytes(policy.copy_uri, b"id: tampered\n")
    with pytest.raises(SnapshotError, match="no longer has sha256"):
        stages._policy(run)


def test_without_a_snapshot_later_stages_stop_but_the_stopped_report_still_runs(world: Path) -> None:
    ctx = _context(world)
    with pytest.raises(SnapshotError, match="`plan` must run first"):
        pinned(ctx)
    assert pinned(ctx, required=False) is ctx


def test_an_invalid_policy_stops_the_run_at_plan_before_any_extraction(world: Path) -> None:
    ctx = _context(world)
    Path(ctx.config.policy.removeprefix("file://")).write_text("id: broken\nversion: 1\n")
    with pytest.raises(RunStopped):
        stages.run_all(ctx)
    assert not ctx.storage.exists(ctx.layout.partner_inputs(ctx.config.partners[0].name))
    assert ctx.storage.exists(ctx.layout.stop_record("plan"))
