"""Carrying over published revocations of tenants this run could not decide (missing data never lifts)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from pipeline.datasets import DECISIONS, ENTITLEMENTS, QUARANTINE, TENANTS
from pipeline.partners.aws.revocations import LIST_FORMAT, revocation_list
from pipeline.policy.carry import PublishedRevocations, carry_over
from pipeline.policy.definition import Policy
from pipeline.publish.diff import diff_lists
from pipeline.publish.lists import tenant_view
from tests.frames import frame

POLICY = Policy(id="unsupported-regions", version="2025-09-05", restricted_jurisdictions=("CN",))
DAY1, DAY2 = dt.date(2026, 11, 25), dt.date(2026, 11, 26)
NUMERIC = ("link_confidence", "rho_low", "rho_high")


def decisions(*rows: tuple[str, str]) -> pd.DataFrame:
    return frame(
        DECISIONS,
        [
            {
                "partner": "aws",
                "tenant_id": t,
                "decision": d,
                "rules": json.dumps(["entity_restricted"] if d == "revoke" else ["entity_clear"]),
                "explanation": "x",
                "policy_id": POLICY.id,
                "policy_version": POLICY.version,
            }
            for t, d in rows
        ],
        numeric=NUMERIC,
    )


def tenants(*ids: str) -> pd.DataFrame:
    return frame(
        TENANTS, [{"partner": "aws", "tenant_id": t, "account_ref": f"guid-{t}", "status": "ACTIVE"} for t in ids]
    )


ENTITLEMENTS_NONE = frame(ENTITLEMENTS, [])
A, B, C = "000000000001", "000000000002", "000000000003"


def day1_list() -> pd.DataFrame:
    return revocation_list(
        decisions((A, "revoke"), (B, "revoke"), (C, "allow")), ENTITLEMENTS_NONE, tenants(A, B, C), POLICY, DAY1
    )


def published(listing: pd.DataFrame) -> list[PublishedRevocations]:
    return [
        PublishedRevocations(
            "aws", "file:///outbox/aws/revocations/dt=2026-11-25/manifest.json", tenant_view(listing, LIST_FORMAT)
        )
    ]


def test_a_listed_tenant_missing_from_the_run_stays_revoked_and_says_why() -> None:
    quarantine = frame(
        QUARANTINE,
        [{"dataset": "aws_address_feed", "rule": "country.pattern", "record": json.dumps({"aws_account_id": B})}],
    )
    # B's rows were quarantined today: no decision for B.
    today = carry_over(decisions((A, "revoke"), (C, "allow")), published(day1_list()), quarantine, POLICY)
    row = today.set_index("tenant_id").loc[B]
    assert row["decision"] == "revoke"
    assert json.loads(row["rules"]) == ["carried_over"]
    assert "1 of its rows were quarantined" in row["explanation"]
    evidence = json.loads(row["evidence"])
    assert evidence["listed_since"] == "2026-11-25" and evidence["previous_reason_codes"] == ["entity_restricted"]
    assert list(today.columns) == list(DECISIONS.columns)


def test_a_tenant_decided_today_is_never_carried_over() -> None:
    # A is present and now allowed: that is a decision from today's data, so A is lifted.
    today = carry_over(decisions((A, "allow"), (B, "revoke")), published(day1_list()), frame(QUARANTINE, []), POLICY)
    assert today.set_index("tenant_id").loc[A, "decision"] == "allow"
    assert len(today) == 2


def test_the_carried_row_is_republished_unchanged_so_the_partner_sees_no_change() -> None:
    before = day1_list()
    today = carry_over(decisions((A, "revoke"), (C, "allow")), published(before), frame(QUARANTINE, []), POLICY)
    # B is not in today's tenant export either.
    after = revocation_list(today, ENTITLEMENTS_NONE, tenants(A, C), POLICY, DAY2, previous=before)
    assert after.to_dict("records") == before.to_dict("records")
    diff = diff_lists(before, after, LIST_FORMAT, DAY2)
    assert (len(diff.added), len(diff.lifted), len(diff.changed)) == (0, 0, 0)


def _review(tenant: str, entity_rules: list[str]) -> pd.DataFrame:
    evidence = {"ownership": {"entity_id": "e1", "decision": "review", "rules": entity_rules}, "signals": []}
    return frame(
        DECISIONS,
        [
            {
                "partner": "aws",
                "tenant_id": tenant,
                "entity_id": "e1",
                "decision": "review",
                "rules": json.dumps(["entity_review"]),
                "explanation": "Linked to e1, whose ownership needs review",
                "evidence": json.dumps(evidence),
                "policy_id": POLICY.id,
                "policy_version": POLICY.version,
            }
        ],
        numeric=NUMERIC,
    )


def test_a_listed_tenant_under_review_only_for_unreadable_data_keeps_its_revocation() -> None:
    # A's Chinese holder's statement had a NaN share: quarantined, so A's entity is review, not restricted.
    today = pd.concat([_review(A, ["data.unread_statement"]), decisions((B, "revoke"), (C, "allow"))])
    held = carry_over(today.reset_index(drop=True), published(day1_list()), frame(QUARANTINE, []), POLICY)
    row = held.set_index("tenant_id").loc[A]
    assert row["decision"] == "revoke"
    assert json.loads(row["rules"]) == ["held_for_data_quality", "entity_review"]
    evidence = json.loads(row["evidence"])["held_for_data_quality"]
    assert evidence["decision_without_hold"] == "review"
    assert evidence["data_quality_rules"] == ["data.unread_statement"]
    # On the list: not lifted, same dates, and a reason code that says why.
    day2 = revocation_list(held, ENTITLEMENTS_NONE, tenants(A, B, C), POLICY, DAY2, previous=day1_list())
    diff = diff_lists(day1_list(), day2, LIST_FORMAT, DAY2)
    assert diff.lifted.empty
    kept = day2.set_index("aws_account_id").loc[A]
    assert "held_for_data_quality" in kept["reason_codes"] and kept["listed_since"] == "2026-11-25"


def test_a_review_on_the_ownership_itself_is_not_held() -> None:
    # A genuine review (only the greatest share may pass the threshold) is a person's call: not held.
    today = pd.concat([_review(A, ["ownership.possible_restricted_share"]), decisions((B, "revoke"))])
    held = carry_over(today.reset_index(drop=True), published(day1_list()), frame(QUARANTINE, []), POLICY)
    assert held.set_index("tenant_id").loc[A, "decision"] == "review"
    # And an unlisted tenant under review for data quality stays review (nothing to hold).
    fresh = carry_over(_review(C, ["data.unknown_holder"]), published(day1_list()), frame(QUARANTINE, []), POLICY)
    assert fresh.set_index("tenant_id").loc[C, "decision"] == "review"
