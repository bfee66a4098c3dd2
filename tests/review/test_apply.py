"""What standing judgements do to links, ownership and decisions, and how long a case may stay open."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from pipeline.datasets import DECISIONS, LINKS, OWNERSHIP, TENANTS
from pipeline.policy.definition import AfterMaxNights, Policy, Review
from pipeline.review.apply import (
    age_reviews,
    apply_decisions,
    apply_entities,
    apply_links,
    entity_verdicts,
    link_verdicts,
    standing,
)
from pipeline.review.evidence import fingerprint
from pipeline.review.judgements import JudgementKind, build
from tests.frames import frame

D = dt.date(2026, 11, 25)
POLICY = Policy(id="p", version="1", restricted_jurisdictions=("CN",))
TENANTS_ = frame(
    TENANTS,
    [
        {"partner": "aws", "tenant_id": "111111111111", "company_name": "Harbour Ltd", "country": "IE"},
        {"partner": "aws", "tenant_id": "222222222222", "company_name": "Huaxin EU", "country": "DE"},
    ],
)
CANDIDATES = [{"entity_id": "E1", "method": "tax_id", "confidence": 0.99, "name": "Harbour", "via": "IE"}]
LINKS_ = frame(
    LINKS,
    [
        {
            "partner": "aws",
            "tenant_id": "111111111111",
            "entity_id": "E1",
            "method": "tax_id",
            "confidence": 0.99,
            "may_revoke": True,
            "candidates": CANDIDATES,
        },
        {
            "partner": "aws",
            "tenant_id": "222222222222",
            "entity_id": "E2",
            "method": "fuzzy_name",
            "confidence": 0.86,
            "may_revoke": False,
            "candidates": [
                {"entity_id": "E2", "method": "fuzzy_name", "confidence": 0.86, "name": "Huaxin", "via": "DE"}
            ],
        },
    ],
    numeric=("confidence",),
    flags=("may_revoke",),
)
OWNERSHIP_ = frame(
    OWNERSHIP,
    [
        {"entity_id": "E1", "name": "Harbour", "decision": "review", "rho_low": 0.4, "rho_high": 0.6, "chain": ["E1"]},
        {
            "entity_id": "E2",
            "name": "Huaxin",
            "decision": "restricted",
            "rho_low": 0.7,
            "rho_high": 0.7,
            "chain": ["E2"],
        },
    ],
    numeric=("rho_low", "rho_high"),
)


def decisions(*rows: dict[str, Any]) -> pd.DataFrame:
    base = {"policy_id": "p", "policy_version": "1", "evidence": "{}"}
    return frame(DECISIONS, [base | r for r in rows], numeric=("link_confidence", "rho_low", "rho_high"))


def record(kind: JudgementKind, tenant: str = "111111111111", at: str = "T09:00:00Z", **fields: Any) -> Any:
    tenant_row = TENANTS_[TENANTS_["tenant_id"] == tenant].iloc[0].to_dict()
    link_row = LINKS_[LINKS_["tenant_id"] == tenant].iloc[0].to_dict()
    entity = fields.get("entity_id", link_row["entity_id"]) or ""
    owned = OWNERSHIP_[OWNERSHIP_["entity_id"] == entity]
    parts = fingerprint(
        kind,
        tenant=tenant_row,
        link=link_row,
        entity_id=entity,
        ownership=owned.iloc[0].to_dict() if len(owned) else None,
        policy=("p", "1"),
    )
    target = {"entity_id": entity} if kind is JudgementKind.ENTITY else {"partner": "aws", "tenant_id": tenant}
    return build(
        {
            "kind": kind.value,
            "reason": "looked at the register",
            "by": "A. Reviewer",
            "judged_on": D.isoformat(),
            "recorded_at": D.isoformat() + at,
            "evidence": {k: v.model_dump() for k, v in parts.items()},
            **target,
            **fields,
        }
    )


def judged(judgements: list[Any], rows: pd.DataFrame, ownership: pd.DataFrame = OWNERSHIP_) -> dict[str, Any]:
    stand = standing(judgements, D)
    out = apply_decisions(
        rows,
        TENANTS_,
        LINKS_,
        ownership,
        stand,
        link_verdicts(stand, TENANTS_, LINKS_, D),
        entity_verdicts(stand, ownership, POLICY, D),
        POLICY,
        D,
    )
    return {r["tenant_id"]: r | {"rules": json.loads(r["rules"])} for r in out.to_dict("records")}


REVIEW_ROW = {
    "partner": "aws",
    "tenant_id": "111111111111",
    "entity_id": "E1",
    "decision": "review",
    "rules": '["entity_review"]',
    "explanation": "E1 needs review",
}


def test_a_decision_judgement_decides_and_is_cited() -> None:
    j = record(JudgementKind.DECISION, decision="revoke")
    row = judged([j], decisions(REVIEW_ROW))["111111111111"]
    assert (row["decision"], row["rules"], row["judgement_id"]) == ("revoke", ["judgement"], j.id)
    assert row["explanation"].startswith(f"Judged revoke by A. Reviewer on 2026-11-25 (judgement {j.id})")
    evidence = json.loads(row["evidence"])
    assert evidence["computed"]["decision"] == "review"
    assert evidence["judgements"][0]["applies"] is True


def test_changed_ownership_brings_the_case_back_saying_what_changed() -> None:
    j = record(JudgementKind.DECISION, decision="allow")
    moved = OWNERSHIP_.assign(rho_low=[0.55, 0.7], rho_high=[0.55, 0.7])
    row = judged([j], decisions(REVIEW_ROW), moved)["111111111111"]
    assert row["decision"] == "review" and pd.isna(row["judgement_id"])
    assert row["rules"] == ["entity_review", "judgement_lapsed"]
    assert f"judgement {j.id} (judged on 2026-11-25 by A. Reviewer), evidence changed: ownership" in row["explanation"]


def test_a_lapsed_judgement_never_keeps_access_the_facts_would_end() -> None:
    j = record(JudgementKind.DECISION, decision="allow")
    revoke = REVIEW_ROW | {"decision": "revoke", "rules": '["entity_restricted"]'}
    moved = OWNERSHIP_.assign(decision=["restricted", "restricted"])
    row = judged([j], decisions(revoke), moved)["111111111111"]
    assert row["decision"] == "revoke"
    assert row["rules"] == ["entity_restricted", "judgement_lapsed"]


def test_a_link_judgement_replaces_the_automatic_link_and_keeps_the_candidates() -> None:
    j = record(JudgementKind.LINK, tenant="222222222222", entity_id="E2")
    stand = standing([j], D)
    links = apply_links(LINKS_, link_verdicts(stand, TENANTS_, LINKS_, D)).set_index("tenant_id")
    assert (links.loc["222222222222", "method"], links.loc["222222222222", "may_revoke"]) == ("judgement", True)
    assert links.loc["111111111111", "method"] == "tax_id"
    assert [c["entity_id"] for c in links.loc["222222222222", "candidates"]] == ["E2"]
    # Applied again on the judged links (what decide sees), the verdict is the same: the candidates stay.
    again = link_verdicts(stand, TENANTS_, links.reset_index()[list(LINKS.columns)], D)
    assert again[("aws", "222222222222")].applies


def test_an_entity_judgement_sets_the_entity_decision_for_linked_tenants_only() -> None:
    j = record(JudgementKind.ENTITY, verdict="clear", entity_id="E2")
    verdicts = entity_verdicts(standing([j], D), OWNERSHIP_, POLICY, D)
    out = apply_entities(OWNERSHIP_, verdicts).set_index("entity_id")
    assert out.loc["E2", "decision"] == "clear"
    assert out.loc["E2", "explanation"].startswith(f"judged clear by A. Reviewer on 2026-11-25 (judgement {j.id})")
    assert out.loc["E1", "decision"] == "review"


def test_a_carried_over_revocation_takes_no_judgement() -> None:
    j = record(JudgementKind.DECISION, decision="allow")
    carried = REVIEW_ROW | {"decision": "revoke", "rules": '["carried_over"]'}
    assert judged([j], decisions(carried))["111111111111"]["decision"] == "revoke"


def test_a_case_keeps_its_first_night_and_is_revoked_after_max_nights() -> None:
    rows = decisions(REVIEW_ROW)
    first = age_reviews(rows, None, POLICY, D)
    assert first.loc[0, "review_since"] == D.isoformat()
    previous = first[["partner", "tenant_id", "decision", "review_since"]]
    seventh = age_reviews(rows, previous, POLICY, D + dt.timedelta(days=6))
    assert (seventh.loc[0, "decision"], seventh.loc[0, "review_since"]) == ("review", D.isoformat())
    eighth = age_reviews(rows, previous, POLICY, D + dt.timedelta(days=7))
    assert eighth.loc[0, "decision"] == "revoke"
    assert json.loads(eighth.loc[0, "rules"]) == ["review_overdue"]
    assert eighth.loc[0, "explanation"].startswith("In review for 8 nights since 2026-11-25, more than the policy's 7")
    # The next night the revoked case keeps its stay: it does not flip back to review.
    ninth = age_reviews(rows, eighth[["partner", "tenant_id", "decision", "review_since"]], POLICY, D + dt.timedelta(8))
    assert ninth.loc[0, "decision"] == "revoke"


def test_after_max_nights_keep_escalates_without_revoking() -> None:
    keep = POLICY.model_copy(update={"review": Review(max_nights=2, after_max_nights=AfterMaxNights.KEEP)})
    rows = decisions(REVIEW_ROW | {"review_since": "2026-11-20"})
    out = age_reviews(rows, rows, keep, D)
    assert out.loc[0, "decision"] == "review"
    assert json.loads(out.loc[0, "rules"]) == ["entity_review", "review_overdue"]


def test_entity_judgements_flow_through_ownership_to_the_tenants_below_and_are_cited() -> None:
    from pipeline.config import MatchingConfig
    from pipeline.datasets import BILLING, ENTITLEMENTS
    from pipeline.ownership.resolve import resolve
    from pipeline.policy.tenants import decide
    from pipeline.review.apply import inherited_judgements, judged_roots
    from tests.ownership.builders import entities, interests, stake

    # P (CN) holds 80% of E1, which Harbour's tenant is linked to; H (GB) holds 60% of E2 (Huaxin's).
    ents = entities({"id": "P", "jurisdiction": "CN"}, {"id": "E1", "jurisdiction": "IE"},
                    {"id": "H", "jurisdiction": "GB"}, {"id": "E2", "jurisdiction": "DE"})  # fmt: skip
    ints = interests(stake("P", "E1", 80), stake("H", "E2", 60))
    computed = resolve(ents, ints, POLICY, D).ownership
    links = LINKS_.assign(may_revoke=True)
    no_rows = (frame(ENTITLEMENTS, []), frame(BILLING, []))
    before = decide(TENANTS_, links, computed, *no_rows, POLICY, MatchingConfig()).set_index("tenant_id")
    assert before["decision"].to_dict() == {"111111111111": "revoke", "222222222222": "allow"}

    def entity_judgement(entity: str, verdict: str) -> Any:
        owned = computed[computed["entity_id"] == entity].iloc[0].to_dict()
        parts = fingerprint(JudgementKind.ENTITY, entity_id=entity, ownership=owned, policy=("p", "1"))
        return build(
            {
                "kind": "entity",
                "entity_id": entity,
                "verdict": verdict,
                "reason": "register error",
                "by": "A. Reviewer",
                "judged_on": D.isoformat(),
                "recorded_at": f"{D.isoformat()}T09:00:00Z",
                "evidence": {k: v.model_dump() for k, v in parts.items()},
            }
        )

    clear_p, restrict_h = entity_judgement("P", "clear"), entity_judgement("H", "restricted")
    stand = standing([clear_p, restrict_h], D)
    verdicts = entity_verdicts(stand, computed, POLICY, D)
    judged = resolve(ents, ints, POLICY, D, judged=judged_roots(verdicts)).ownership
    inherited = inherited_judgements(computed, judged, ints, verdicts)
    assert {e: [v.judgement.id for v in vs] for e, vs in inherited.items()} == {
        "E1": [clear_p.id],
        "E2": [restrict_h.id],
    }
    rows = decide(
        TENANTS_, links, apply_entities(judged, verdicts, computed=computed), *no_rows, POLICY, MatchingConfig()
    )
    out = apply_decisions(rows, TENANTS_, links, computed, stand, {}, verdicts, POLICY, D, inherited)
    after = {r["tenant_id"]: r | {"rules": json.loads(r["rules"])} for r in out.to_dict("records")}
    # The policy's own decisions on the judged ownership, each citing the judgement above the entity.
    assert after["111111111111"]["decision"] == "allow"
    assert after["222222222222"]["decision"] == "revoke"
    for tenant, j in (("111111111111", clear_p), ("222222222222", restrict_h)):
        assert "judgement" in after[tenant]["rules"] and after[tenant]["judgement_id"] == j.id
        assert f"[entity judgement {j.id} by A. Reviewer on 2026-11-25]" in after[tenant]["explanation"]
        assert [c["id"] for c in json.loads(after[tenant]["evidence"])["judgements"]] == [j.id]
