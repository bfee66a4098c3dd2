"""Approving a change beyond the safety gate: on the command line by naming the diff's sha256, and in
Airflow's approval step (the stages it calls), where the person's verdict is kept and a rejection, a
timeout or a changed diff publishes nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.errors import RunStopped
from pipeline.publish.approval import ApprovalRefused, ApprovalVerdict, read_approval_records
from pipeline.publish.audit import read_audit_records, read_gate_records
from pipeline.publish.gate import GateBlocked, GateResult
from pipeline.publish.manifest import GateStatus, read_published
from pipeline.run import stages
from pipeline.run.context import ApprovalChannel, RunContext, RunOptions
from pipeline.run.outputs import Gated
from pipeline.storage import Storage, local_uri
from pipeline.storage.frames import read_json, write_json

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DATE = dt.date(2026, 11, 26)
AT = "2026-11-26T07:12:00+00:00"


@pytest.fixture()
def world(tmp_path: Path) -> Path:
    world = tmp_path / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=DATE, tenants=40, seed=9))
    config = yaml.safe_load((world / "config.yaml").read_text())
    config["gate"] = {"max_added": 1, "max_lifted": 1, "max_added_share": 0.01, "max_lifted_share": 0.01}
    (world / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return world


def _context(world: Path, options: RunOptions, run_id: str = "r1") -> RunContext:
    return RunContext(load_config(world / "config.yaml"), DATE, run_id, Storage(), options)


def _through_gate(ctx: RunContext) -> Gated:
    names = stages.plan(ctx)
    extracted = [stages.extract_partner(ctx, partner=n) for n in names]
    bods = stages.extract_ownership(ctx)
    checked = stages.validate(ctx, extracted, bods)
    resolved = stages.resolve_ownership(ctx, bods, checked)
    links = stages.match_tenants(ctx, extracted, bods)
    decided = stages.decide(ctx, extracted, resolved, links)
    return stages.gate(ctx, extracted, decided)


def _manifests(world: Path) -> list[Path]:
    return sorted((world / "outbox").rglob("manifest.json")) if (world / "outbox").exists() else []


def test_the_command_line_approves_exactly_the_diff_the_blocked_run_recorded(world: Path) -> None:
    blocked = _context(world, RunOptions())
    with pytest.raises(GateBlocked) as err:
        _through_gate(blocked)
    [record] = read_gate_records(blocked.storage, blocked.config.audit, DATE)
    assert record.status is GateStatus.BLOCKED and record.diff_sha256 is not None
    # The message names the command-line flags, with the diff to approve.
    assert f"--approve-gate --approved-by <your name> --approve-diff {record.diff_sha256}" in str(err.value)

    # An approval naming another diff publishes nothing, and says so.
    wrong = RunOptions(approve_gate=True, approved_by="R. Roe", approve_diff="0" * 64)
    with pytest.raises(GateBlocked, match="is not the one that was reviewed"):
        _through_gate(_context(world, wrong))
    assert _manifests(world) == []

    approved = _context(world, RunOptions(approve_gate=True, approved_by="R. Roe", approve_diff=record.diff_sha256))
    gated = _through_gate(approved)
    for name in stages.plan(approved):
        stages.publish_partner(approved, partner=name, gated=gated)
    published = read_published(approved.storage, approved.config.partners[0].outbox, DATE)
    assert published is not None and published.manifest.approval.approved_by == "R. Roe"
    assert published.manifest.approval.gate_status is GateStatus.APPROVED


def test_the_approval_step_asks_with_the_diff_and_an_approval_publishes_it(world: Path) -> None:
    ctx = _context(world, RunOptions(approval=ApprovalChannel.AIRFLOW_APPROVAL))
    gated = _through_gate(ctx)  # blocked, but the approval step waits: no stop here
    gate = GateResult.model_validate(read_json(ctx.storage, gated["gate"]))
    assert gate.status is GateStatus.BLOCKED

    request = stages.request_approval(ctx)
    assert request.diff_sha256 == gate.diff_sha256 and request.timeout_hours == 12
    assert gate.diff_sha256 in request.body and "| partner | added | lifted |" in request.body
    assert "exceeds the limit of 1" in request.body
    policy = stages._policy(ctx)
    assert f"{policy.id} {policy.version}" in request.body
    # Without a verdict, publishing refuses the blocked gate.
    with pytest.raises(GateBlocked):
        stages.publish_partner(ctx, partner=ctx.config.partners[0].name, gated=gated)

    stages.record_approval(ctx, ApprovalVerdict.APPROVED.value, by="Ada Admin", by_id="7", at=AT)
    for partner in ctx.config.partners:
        stages.publish_partner(ctx, partner=partner.name, gated=gated)
        published = read_published(ctx.storage, partner.outbox, DATE)
        assert published is not None
        assert published.manifest.approval.gate_status is GateStatus.APPROVED
        assert published.manifest.approval.approved_by == "Ada Admin"
    [verdict] = read_approval_records(ctx.storage, ctx.config.audit, DATE)
    assert (verdict.verdict, verdict.by, verdict.by_id, verdict.diff_sha256) == (
        ApprovalVerdict.APPROVED,
        "Ada Admin",
        "7",
        gate.diff_sha256,
    )
    assert verdict.at == dt.datetime.fromisoformat(AT)
    assert {r.approval.approved_by for r in read_audit_records(ctx.storage, ctx.config.audit, DATE)} == {"Ada Admin"}
    statuses = {r.status for r in read_gate_records(ctx.storage, ctx.config.audit, DATE)}
    assert statuses == {GateStatus.BLOCKED, GateStatus.APPROVED}


@pytest.mark.parametrize("verdict", [ApprovalVerdict.REJECTED, ApprovalVerdict.TIMED_OUT])
def test_a_rejection_or_a_timeout_stops_the_run_and_publishes_nothing(world: Path, verdict: ApprovalVerdict) -> None:
    ctx = _context(world, RunOptions(approval=ApprovalChannel.AIRFLOW_APPROVAL))
    gated = _through_gate(ctx)
    stages.request_approval(ctx)
    by = "Ada Admin" if verdict is ApprovalVerdict.REJECTED else None
    with pytest.raises(ApprovalRefused, match="nothing was published"):
        stages.record_approval(ctx, verdict.value, by=by)
    with pytest.raises(RunStopped):
        stages.publish_partner(ctx, partner=ctx.config.partners[0].name, gated=gated)
    assert _manifests(world) == []
    [record] = read_approval_records(ctx.storage, ctx.config.audit, DATE)
    assert record.verdict is verdict and record.by == by


def test_an_approval_of_a_diff_the_gate_no_longer_has_publishes_nothing(world: Path) -> None:
    ctx = _context(world, RunOptions(approval=ApprovalChannel.AIRFLOW_APPROVAL))
    gated = _through_gate(ctx)
    stages.request_approval(ctx)
    # The gate ran again after the person was asked (its diff is another): the answer does not carry over.
    gate = read_json(ctx.storage, gated["gate"])
    write_json(ctx.storage, gated["gate"], gate | {"diff_sha256": "f" * 64})
    with pytest.raises(GateBlocked, match="not the one that was reviewed"):
        stages.record_approval(ctx, ApprovalVerdict.APPROVED.value, by="Ada Admin", at=AT)
    with pytest.raises(RunStopped):
        stages.publish_partner(ctx, partner=ctx.config.partners[0].name, gated=gated)
    assert _manifests(world) == []


def test_the_approval_step_is_skipped_when_the_gate_passed(tmp_path: Path) -> None:
    from pipeline.errors import NothingToDo

    world = tmp_path / "world"
    write_world(Storage(), local_uri(world), WorldSpec(date=DATE, tenants=40, seed=9))
    ctx = _context(world, RunOptions(approval=ApprovalChannel.AIRFLOW_APPROVAL))
    _through_gate(ctx)
    with pytest.raises(NothingToDo, match="nothing to approve"):
        stages.request_approval(ctx)
