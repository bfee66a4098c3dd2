"""Judgements: content ids, tamper checks, which one stands on a date, and when one lapses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pipeline.review.apply import standing, verdict
from pipeline.review.evidence import fingerprint
from pipeline.review.judgements import DecisionJudgement, JudgementError, JudgementKind, build, parse, to_bytes

D = dt.date(2026, 11, 25)
TENANT = {"company_name": "Harbour Ltd", "country": "IE", "tax_registration_number": "IE1"}
LINK = {
    "entity_id": "E1",
    "method": "tax_id",
    "candidates": [{"entity_id": "E1", "method": "tax_id", "confidence": 0.99}],
}
OWNED = {"decision": "review", "rho_low": 0.4, "rho_high": 0.6, "chain": ["E1"], "rules": ["x"], "evidence": {}}


def evidence(**changes: Any) -> dict[str, Any]:
    parts = fingerprint(
        JudgementKind.DECISION,
        tenant=changes.get("tenant", TENANT),
        link=LINK,
        entity_id="E1",
        ownership=changes.get("ownership", OWNED),
        policy=("p", changes.get("version", "1")),
    )
    return {k: v.model_dump() for k, v in parts.items()}


def decision(at: str = "2026-11-25T09:00:00Z", judged_on: dt.date = D, **fields: Any) -> Any:
    return build(
        {
            "kind": "decision",
            "partner": "aws",
            "tenant_id": "004455667788",
            "decision": "revoke",
            "reason": "register shows 55%",
            "by": "A. Reviewer",
            "judged_on": judged_on.isoformat(),
            "recorded_at": at,
            "evidence": evidence(),
            **fields,
        }
    )


def test_the_id_is_the_content_and_a_changed_record_is_not_trusted() -> None:
    j = decision()
    assert j.id == decision().id and j.id.startswith("J-")
    assert parse(to_bytes(j), "store/x.json") == j
    tampered = to_bytes(j).replace(b"revoke", b"allow")
    with pytest.raises(JudgementError, match="changed after it was recorded"):
        parse(tampered, "store/x.json")


def test_a_decision_outside_the_list_is_rejected() -> None:
    with pytest.raises(JudgementError, match="decision"):
        decision(decision="review")


def test_the_latest_judgement_stands_and_a_withdrawal_revives_nothing() -> None:
    first = decision()
    second = decision(at="2026-11-25T10:00:00Z", decision="allow")
    assert standing([second, first], D) == {("decision", "aws", "004455667788"): second}
    withdrawal = build(
        {
            "kind": "withdrawal",
            "withdraws": second.id,
            "reason": "wrong tenant",
            "by": "B",
            "judged_on": D.isoformat(),
            "recorded_at": "2026-11-25T11:00:00Z",
        }
    )
    assert standing([first, second, withdrawal], D) == {}


def test_a_judgement_made_after_the_date_does_not_apply_to_a_rerun_of_it() -> None:
    later = decision(judged_on=D + dt.timedelta(days=2))
    assert standing([later], D) == {}
    assert standing([later], D + dt.timedelta(days=2)) != {}


def test_it_applies_while_the_evidence_is_the_same() -> None:
    j = decision()
    assert isinstance(j, DecisionJudgement)
    now = dict(j.evidence)
    assert verdict(j, D + dt.timedelta(days=5), now).applies


def test_changed_evidence_says_what_changed() -> None:
    j = decision()
    assert isinstance(j, DecisionJudgement)
    moved = evidence(ownership=OWNED | {"rho_low": 0.3, "rho_high": 0.3, "decision": "clear"})
    from pipeline.review.judgements import EvidencePart

    v = verdict(j, D, {k: EvidencePart.model_validate(p) for k, p in moved.items()})
    assert not v.applies
    assert v.lapsed.startswith("evidence changed: ownership (was E1 review, restricted share 40%-60%; now E1 clear")
    assert "judged on 2026-11-25 by A. Reviewer" in v.note()


def test_float_noise_is_not_a_change() -> None:
    assert evidence() == evidence(ownership=OWNED | {"rho_low": 0.4000000000001})


def test_an_expired_judgement_lapses_the_day_after() -> None:
    j = decision(expires="2026-11-30")
    assert isinstance(j, DecisionJudgement)
    assert verdict(j, dt.date(2026, 11, 30), j.evidence).applies
    assert verdict(j, dt.date(2026, 12, 1), j.evidence).lapsed == "expired on 2026-11-30"
