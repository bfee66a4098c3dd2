"""The safety gate: limits (absolute and share of active tenants), approval by a named person, the result."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pipeline.config import GateConfig
from pipeline.partners.aws.revocations import LIST_FORMAT as AWS
from pipeline.publish.gate import (
    BreachReason,
    GateBlocked,
    GateInput,
    GateResult,
    GateStatus,
    active_tenant_count,
    approval_instructions,
    evaluate,
    raise_if_blocked,
)
from pipeline.publish.manifest import PublishHistory
from pipeline.run.context import ApprovalChannel, RunOptions
from tests.publish.builders import aws_row, published_list, tenants

D = dt.date(2026, 11, 26)
NO_OPTIONS = RunOptions()
LIMITS = GateConfig(
    max_added=10, max_lifted=10, max_added_share=0.10, max_lifted_share=0.10, max_lifted_share_of_list=1.0
)


def listing(n: int, start: int = 0) -> pd.DataFrame:
    return pd.DataFrame([aws_row(f"{i:012d}") for i in range(start, start + n)], columns=list(AWS.columns))


def one(
    current: pd.DataFrame, active: int, options: RunOptions = NO_OPTIONS, limits: GateConfig = LIMITS
) -> GateResult:
    item = GateInput(partner="aws", list_format=AWS, current=current, previous=None, active_tenants=active)
    return evaluate([item], limits, options, logical_date=D, run_id="r1")


def test_within_limits_passes() -> None:
    result = one(listing(10), active=1000)
    assert result.status is GateStatus.PASSED
    assert result.partners[0].added == 10 and result.partners[0].breaches == ()
    raise_if_blocked(result, "file:///gate.json", "approve it")  # does not raise


def test_absolute_limit_blocks() -> None:
    result = one(listing(11), active=100_000)
    assert result.status is GateStatus.BLOCKED
    assert result.partners[0].breaches == ("11 added exceeds the limit of 10",)


def test_share_of_active_tenants_blocks() -> None:
    result = one(listing(5), active=40)
    assert result.status is GateStatus.BLOCKED
    assert result.partners[0].breaches == ("5 added is 12.5% of 40 active tenants, above 10.0%",)


def test_no_active_tenants_makes_any_change_a_full_share() -> None:
    assert one(listing(1), active=0, limits=GateConfig(max_added=100, max_added_share=0.5)).status is GateStatus.BLOCKED
    assert one(listing(0), active=0).status is GateStatus.PASSED


def test_lifted_rows_count_against_their_own_limit() -> None:
    previous = published_list(listing(20), AWS, D - dt.timedelta(days=1))
    item = GateInput(partner="aws", list_format=AWS, current=listing(5), previous=previous, active_tenants=1000)
    result = evaluate([item], LIMITS, RunOptions(), logical_date=D, run_id="r1")
    p = result.partners[0]
    assert (p.added, p.lifted, p.unchanged) == (0, 15, 5)
    assert p.breaches == ("15 lifted exceeds the limit of 10",)
    assert p.lifted_rows[0]["decision"] == "allow"
    assert p.compared_with is not None and p.compared_with.uri.endswith("manifest.json")


def test_approval_needs_a_name_and_the_diff() -> None:
    diff = one(listing(50), active=1000).diff_sha256

    def approving(by: str | None, approve_diff: str | None = diff) -> RunOptions:
        return RunOptions(approve_gate=True, approved_by=by, approve_diff=approve_diff)

    assert one(listing(50), active=1000, options=approving(None)).status is GateStatus.BLOCKED
    assert one(listing(50), active=1000, options=approving("  ")).status is GateStatus.BLOCKED
    approved = one(listing(50), active=1000, options=approving("R. Roe (Ops)"))
    assert approved.status is GateStatus.APPROVED and approved.approved_by == "R. Roe (Ops)"
    assert approved.approved_diff == approved.diff_sha256 == diff
    # The sha256 is compared without regard to case or surrounding blanks (copied from a terminal).
    assert one(listing(50), active=1000, options=approving("R. Roe", f" {diff.upper()} ")).status is GateStatus.APPROVED
    # A name without the approval flag approves nothing; neither does an approval that names no diff.
    assert one(listing(50), active=1000, options=RunOptions(approved_by="R. Roe")).status is GateStatus.BLOCKED
    assert one(listing(50), active=1000, options=approving("R. Roe", None)).status is GateStatus.BLOCKED


def test_an_approval_of_another_diff_publishes_nothing() -> None:
    reviewed = one(listing(50), active=1000)
    # Overnight the list grew: the recomputed diff is not the one the person approved.
    grown = one(listing(51), active=1000, options=RunOptions(True, "R. Roe", reviewed.diff_sha256))
    assert grown.status is GateStatus.BLOCKED and grown.approval_mismatch
    with pytest.raises(GateBlocked) as err:
        raise_if_blocked(grown, "file:///gate.json", "approve it")
    assert f"names diff {reviewed.diff_sha256}, but this run's diff is {grown.diff_sha256}" in str(err.value)


def test_the_run_diff_covers_every_partner() -> None:
    def run(gcp_rows: int) -> GateResult:
        items = [
            GateInput(partner="aws", list_format=AWS, current=listing(50), previous=None, active_tenants=1000),
            GateInput(partner="gcp", list_format=AWS, current=listing(gcp_rows), previous=None, active_tenants=1000),
        ]
        return evaluate(items, LIMITS, RunOptions(), logical_date=D, run_id="r1")

    # gcp is within its limits either way, but an approval covers the whole run's change.
    assert run(1).diff_sha256 != run(2).diff_sha256
    assert run(1).diff_sha256 == run(1).diff_sha256


def test_blocked_message_names_the_limits_the_reviewable_diff_and_the_tools_flags() -> None:
    result = one(listing(50), active=1000)
    how = approval_instructions(result, ApprovalChannel.RUN_COMMAND, "file:///w/config.yaml")
    with pytest.raises(GateBlocked) as err:
        raise_if_blocked(result, "s3://ws/dt=2026-11-26/run=r1/gate.json", how)
    message = str(err.value)
    assert "nothing was published" in message
    assert "aws: +50 added" in message and "50 added exceeds the limit of 10" in message
    assert "s3://ws/dt=2026-11-26/run=r1/gate.json" in message
    assert (
        "recon run --config file:///w/config.yaml --date 2026-11-26 --approve-gate --approved-by <your name> "
        f"--approve-diff {result.diff_sha256}"
    ) in message
    dag_run = approval_instructions(result, ApprovalChannel.DAG_RUN_COMMAND, "file:///w/config.yaml")
    assert dag_run.startswith("approve exactly this change") and "recon dag-run --config" in dag_run
    in_airflow = approval_instructions(result, ApprovalChannel.AIRFLOW_APPROVAL, "file:///w/config.yaml")
    assert "Required Actions" in in_airflow and "--approve" not in in_airflow
    # Under Airflow, an approval param naming another diff is answered in the params' words.
    wrong = one(listing(50), active=1000, options=RunOptions(True, "R. Roe", "0" * 64))
    params = approval_instructions(wrong, ApprovalChannel.AIRFLOW_APPROVAL, "file:///w/config.yaml")
    assert f"approve_diff={wrong.diff_sha256}" in params
    assert (
        result.messages()
        == (
            "aws: 50 added exceeds the limit of 10",
            "aws: 50 added is 5.0% of 1000 active tenants, above 10.0%",
        )[:1]
    )


def test_result_is_a_reviewable_json_document() -> None:
    result = one(listing(3), active=1000)
    again = GateResult.model_validate_json(result.model_dump_json())
    assert again == result
    rows = result.partners[0].added_rows
    assert [r["aws_account_id"] for r in rows] == ["000000000000", "000000000001", "000000000002"]
    assert set(rows[0]) == set(AWS.columns)
    assert len(result.partners[0].diff_sha256) == 64


def test_every_partner_is_evaluated_and_one_breach_blocks_all() -> None:
    items = [
        GateInput(partner="gcp", list_format=AWS, current=listing(1), previous=None, active_tenants=1000),
        GateInput(partner="aws", list_format=AWS, current=listing(30), previous=None, active_tenants=1000),
    ]
    result = evaluate(items, LIMITS, RunOptions(), logical_date=D, run_id="r1")
    assert [p.partner for p in result.partners] == ["aws", "gcp"]
    assert result.status is GateStatus.BLOCKED
    assert result.partner("gcp").breaches == ()
    with pytest.raises(ValueError, match="more than once"):
        evaluate([items[0], items[0]], LIMITS, RunOptions(), logical_date=D, run_id="r1")


def test_active_tenants_are_counted_by_partner_state() -> None:
    frame = tenants(
        [
            {"tenant_id": "1", "status": "ACTIVE"},
            {"tenant_id": "2", "status": "account_active"},
            {"tenant_id": "3", "status": "ACCOUNT_SUSPENDED"},
            {"tenant_id": "4", "status": None},
        ]
    )
    assert active_tenant_count(frame) == 2


def _lifting(previous_rows: int, kept: int, active: int, history: PublishHistory | None = None) -> GateResult:
    previous = published_list(listing(previous_rows), AWS, D - dt.timedelta(days=1))
    item = GateInput(
        partner="aws", list_format=AWS, current=listing(kept), previous=previous, active_tenants=active, history=history
    )
    return evaluate([item], GateConfig(), NO_OPTIONS, logical_date=D, run_id="r1")


def test_a_wiped_list_is_blocked_although_it_is_a_small_share_of_the_tenants() -> None:
    # 11 of 12 revocations lifted among 1,000 active tenants: 1.1% of them, under every tenant limit.
    result = _lifting(12, kept=1, active=1000)
    assert result.status is GateStatus.BLOCKED
    [gate] = result.partners
    assert gate.reasons == (BreachReason.LIFTED_SHARE_OF_LIST,)
    assert gate.breaches == ("11 lifted is 91.7% of the 12 rows of the last published list, above 25.0%",)
    assert gate.previous_listed == 12


def test_a_few_lifts_of_a_long_list_pass() -> None:
    assert _lifting(100, kept=80, active=10_000).status is GateStatus.PASSED


def test_a_list_whose_history_the_outbox_lost_is_not_a_first_list() -> None:
    recorded = PublishHistory(logical_date=D - dt.timedelta(days=1), manifests=frozenset({"0" * 64}), runs=("r0",))
    item = GateInput(partner="aws", list_format=AWS, current=listing(1), previous=None, active_tenants=1000,
                     history=recorded)  # fmt: skip
    result = evaluate([item], GateConfig(), NO_OPTIONS, logical_date=D, run_id="r1")
    assert result.status is GateStatus.BLOCKED
    assert result.partners[0].reasons == (BreachReason.HISTORY_MISSING,)
    assert "not a first list" in result.partners[0].breaches[0]
    # An older list left in the outbox, or a manifest the trail never recorded, is no better.
    older = PublishHistory(logical_date=D - dt.timedelta(days=1), manifests=frozenset({"0" * 64}), runs=("r0",))
    two_days = published_list(listing(3), AWS, D - dt.timedelta(days=2))
    stale = GateInput(partner="aws", list_format=AWS, current=listing(3), previous=two_days, active_tenants=1000,
                      history=older)  # fmt: skip
    assert evaluate([stale], GateConfig(), NO_OPTIONS, logical_date=D, run_id="r1").partners[0].reasons == (
        BreachReason.HISTORY_MISSING,
    )
    same_day = published_list(listing(3), AWS, D - dt.timedelta(days=1))
    unknown = GateInput(partner="aws", list_format=AWS, current=listing(3), previous=same_day, active_tenants=1000,
                        history=older)  # fmt: skip
    assert (
        "is not the one recorded"
        in evaluate([unknown], GateConfig(), NO_OPTIONS, logical_date=D, run_id="r1").partners[0].breaches[0]
    )
    known = PublishHistory(same_day.manifest.logical_date, frozenset({same_day.manifest_sha256}), ("earlier",))
    fine = GateInput(partner="aws", list_format=AWS, current=listing(3), previous=same_day, active_tenants=1000,
                     history=known)  # fmt: skip
    assert evaluate([fine], GateConfig(), NO_OPTIONS, logical_date=D, run_id="r1").status is GateStatus.PASSED


def test_the_list_share_is_judged_from_a_few_lifts_on() -> None:
    assert _lifting(3, kept=1, active=1000).status is GateStatus.PASSED  # 2 of 3: two ordinary lifts
    assert _lifting(4, kept=1, active=1000).status is GateStatus.BLOCKED  # 3 of 4
