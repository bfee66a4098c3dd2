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
