"""Why a listed row changed: each reason read from the two runs' decisions and declared interests."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from pipeline.datasets import INTERESTS
from pipeline.report.why import statement_changes, why_changed
from tests.frames import frame

BEFORE: dict[str, Any] = {
    "decision": "review",
    "rules": '["entity_review"]',
    "entity_id": "E1",
    "link_method": "tax_id",
    "rho_low": 0.4,
    "rho_high": 0.6,
    "ultimate_parent_id": "E1",
    "policy_id": "p",
    "policy_version": "1",
    "evidence": "{}",
}


def interests(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return frame(
        INTERESTS,
        [
            {"relationship_id": "R1", "interest_index": "0", "subject_id": "E1", "statement_id": sid,
             "interested_party_id": party, "interest_type": "shareholding", "share_exact": share}
            for sid, party, share in rows
        ],
        numeric=("share_exact", "share_min", "share_max"),
    )  # fmt: skip


def test_a_restated_stake_names_both_statements_and_the_stake_before_and_after() -> None:
    after = BEFORE | {"decision": "revoke", "rules": '["entity_restricted"]', "rho_low": 0.55, "rho_high": 0.55}
    why = why_changed(BEFORE, after, interests(("S1", "P", 0.4)), interests(("S2", "P", 0.55)))
    assert why == [
        "ownership of E1: restricted share 40%-60% -> 55%",
        "statement S2 replaces S1: P holds shareholding 55% in E1 (was 40%)",
    ]


def test_new_and_ended_statements() -> None:
    assert statement_changes(interests(), interests(("S9", "Q", 0.6)), "E1") == [
        "new statement S9: Q holds shareholding 60% in E1"
    ]
    assert statement_changes(interests(("S9", "Q", 0.6)), interests(), "E1") == [
        "statement S9: Q no longer holds 60% in E1"
    ]


def test_judgements_links_policy_and_exemptions() -> None:
    judged = BEFORE | {"decision": "revoke", "rules": '["judgement"]', "judgement_id": "J-0123456789ab"}
    assert why_changed(BEFORE, judged) == ["judgement J-0123456789ab applied"]
    change = "evidence changed: policy (was p version 1; now p version 2)"
    lapsed_doc = {
        "judgements": [{"id": "J-1", "judged_on": "2026-11-25", "by": "A", "applies": False, "lapsed": change}]
    }
    lapsed = BEFORE | {"rules": '["entity_review", "judgement_lapsed"]', "policy_version": "2",
                       "evidence": json.dumps(lapsed_doc)}  # fmt: skip
    assert why_changed(judged, lapsed) == [
        "policy p version 1 -> 2",
        "judgement J-1 (judged on 2026-11-25 by A) no longer applies: evidence changed: policy (was p version 1; "
        "now p version 2)",
    ]
    assert why_changed(judged, BEFORE) == ["judgement J-0123456789ab withdrawn or superseded"]
    relinked = BEFORE | {"entity_id": "E2", "link_method": "judgement"}
    assert why_changed(BEFORE, relinked) == ["link: E1 (tax_id) -> E2 (judgement)"]
    assert why_changed(BEFORE | {"exemption_id": "EX-1"}, BEFORE) == ["exemption EX-1 expired or withdrawn"]


def test_gone_new_and_nothing_changed() -> None:
    assert why_changed(BEFORE, None) == ["gone from the partner's export: no decision this run"]
    assert why_changed(None, BEFORE) == ["not in the previous run: a new account, or the first run compared"]
    assert why_changed(BEFORE, dict(BEFORE)) == [
        "nothing in the decision's own data changed (the list's own cells did)"
    ]
