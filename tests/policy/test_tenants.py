"""`decide`: direct decisions from links and ownership, own addresses, and indirect access."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest

from pipeline.config import MatchingConfig
from pipeline.datasets import BILLING, DECISIONS, ENTITLEMENTS, LINKS, OWNERSHIP, TENANTS
from pipeline.policy.definition import IndirectAction, Policy, TenantBasis, Tenants
from pipeline.policy.tenants import TenantRule, decide
from tests.frames import frame

CONFIG = MatchingConfig()
POLICY = Policy(id="unsupported-regions", version="2025-09-05", restricted_jurisdictions=("CN",))

STAKE_60 = {"low": 0.6, "low_open": False, "high": 0.6, "high_open": False, "control": False}
OWNERSHIP_ROWS = frame(
    OWNERSHIP,
    [
        {
            "entity_id": "red",
            "name": "Red Dragon Holdings",
            "record_type": "entity",
            "decision": "restricted",
            "rho_low": 1.0,
            "rho_high": 1.0,
            "ultimate_parent_id": "red-parent",
            "chain": ["red", "red-parent"],
            "rules": ["cascade_majority"],
            "explanation": "60% owned by Red Parent (incorporated in CN)",
            "evidence": {
                "roots": [{"id": "red-parent", "basis": "incorporation:CN"}],
                "paths": [{"ids": ["red-parent", "red"], "stakes": [STAKE_60]}],
            },
        },
        {
            "entity_id": "amber",
            "name": "Amber Ventures",
            "record_type": "entity",
            "decision": "review",
            "rho_low": 0.3,
            "rho_high": 0.7,
            "ultimate_parent_id": "amber",
            "chain": ["amber"],
            "rules": ["share_interval_straddles_threshold"],
            "explanation": "30%-70% owned by CN parties",
            "evidence": {},
        },
        {
            "entity_id": "green",
            "name": "Green Fields Ltd",
            "record_type": "entity",
            "decision": "clear",
            "rho_low": 0.0,
            "rho_high": 0.0,
            "ultimate_parent_id": "green",
            "chain": ["green"],
            "rules": [],
            "explanation": "no restricted owner",
            "evidence": {},
        },
    ],
    numeric=("rho_low", "rho_high"),
)


def tenant(tenant_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "partner": fields.pop("partner", "aws"),
        "tenant_id": tenant_id,
        "company_name": f"Co {tenant_id}",
        **fields,
    }


def linked(
    tenant_id: str, entity_id: str | None, confidence: float = 0.95, may_revoke: bool = True, **fields: Any
) -> dict[str, Any]:
    candidates = fields.pop("candidates", [{"entity_id": entity_id, "confidence": confidence}] if entity_id else [])
    return {
        "partner": fields.pop("partner", "aws"),
        "tenant_id": tenant_id,
        "entity_id": entity_id,
        "method": "exact_name" if entity_id else "none",
        "confidence": confidence if entity_id else 0.0,
        "may_revoke": may_revoke and entity_id is not None,
        "candidates": [{"method": "exact_name", **c} for c in candidates],
    }


def run(
    tenants: list[dict[str, Any]],
    links: list[dict[str, Any]],
    entitlements: list[dict[str, Any]] = (),  # type: ignore[assignment]
    billing: list[dict[str, Any]] = (),  # type: ignore[assignment]
    policy: Policy = POLICY,
) -> pd.DataFrame:
    return decide(
        frame(TENANTS, tenants),
        frame(LINKS, links, numeric=("confidence",), flags=("may_revoke",)),
        OWNERSHIP_ROWS,
        frame(ENTITLEMENTS, entitlements),
        frame(BILLING, billing),
        policy,
        CONFIG,
    )


def by_tenant(out: pd.DataFrame) -> dict[str, dict[str, Any]]:
    rows = {}
    for row in out.to_dict(orient="records"):
        row["rules"] = json.loads(row["rules"])
        row["evidence"] = json.loads(row["evidence"])
        rows[row["tenant_id"]] = row
    return rows


def test_confident_link_to_a_restricted_entity_revokes_with_its_evidence() -> None:
    out = run([tenant("1")], [linked("1", "red")])
    assert list(out.columns) == list(DECISIONS.columns)
    row = by_tenant(out)["1"]
    assert row["decision"] == "revoke"
    assert row["rules"] == [TenantRule.ENTITY_RESTRICTED]
    assert "Red Dragon Holdings [red]" in row["explanation"]
    assert "60% owned by Red Parent" in row["explanation"]
    assert [r["id"] for r in row["evidence"]["ownership"]["evidence"]["roots"]] == ["red-parent"]
    assert row["evidence"]["link"]["method"] == "exact_name"
    assert (row["ultimate_parent_id"], row["rho_low"], row["rho_high"]) == ("red-parent", 1.0, 1.0)
    assert (row["policy_id"], row["policy_version"]) == ("unsupported-regions", "2025-09-05")
    assert pd.isna(row["exemption_id"])


def test_a_link_that_may_not_revoke_only_reviews() -> None:
    out = by_tenant(run([tenant("1")], [linked("1", "red", confidence=0.87, may_revoke=False)]))
    assert out["1"]["decision"] == "review"
    assert out["1"]["rules"] == [TenantRule.RESTRICTED_ENTITY_UNCERTAIN_LINK]
    assert "below 0.90" in out["1"]["explanation"]


def test_a_tie_with_a_restricted_candidate_reviews_even_if_the_chosen_one_is_clear() -> None:
    candidates = [{"entity_id": "green", "confidence": 0.95}, {"entity_id": "red", "confidence": 0.95}]
    out = by_tenant(run([tenant("1")], [linked("1", "green", may_revoke=False, candidates=candidates)]))
    assert out["1"]["decision"] == "review"
    assert "Red Dragon Holdings" in out["1"]["explanation"]
    assert "tied" in out["1"]["explanation"]


def test_entity_review_reviews_and_clear_allows() -> None:
    out = by_tenant(run([tenant("1"), tenant("2")], [linked("1", "amber"), linked("2", "green")]))
    assert (out["1"]["decision"], out["1"]["rules"]) == ("review", [TenantRule.ENTITY_REVIEW])
    assert (out["2"]["decision"], out["2"]["rules"]) == ("allow", [TenantRule.ENTITY_CLEAR])


def test_a_tenant_located_in_a_restricted_jurisdiction_is_revoked_whatever_its_link() -> None:
    tenants = [tenant("1", tax_country="CN"), tenant("2", company_country="CN-GD"), tenant("3", tax_country="CN")]
    links = [linked("1", "green"), linked("2", "amber"), linked("3", "red", confidence=0.8, may_revoke=False)]
    out = by_tenant(run(tenants, links))
    assert (out["1"]["decision"], out["1"]["rules"]) == (
        "revoke",
        [TenantRule.TAX_ADDRESS_RESTRICTED, TenantRule.ENTITY_CLEAR],
    )
    assert "whatever its entity link" in out["1"]["explanation"]
    assert out["2"]["decision"] == "revoke"
    assert out["2"]["rules"] == [TenantRule.COMPANY_COUNTRY_RESTRICTED, TenantRule.ENTITY_REVIEW]
    assert out["2"]["evidence"]["own_address"]["company_country"] == "CN-GD"
    assert out["3"]["decision"] == "revoke"


def test_a_mailing_address_alone_reviews_and_conflicts_with_a_clear_entity() -> None:
    tenants = [tenant("1", country="CN", tax_country="HK"), tenant("2", country="CN", tax_country="US")]
    out = by_tenant(run(tenants, [linked("1", None), linked("2", "green")]))
    assert (out["1"]["decision"], out["1"]["rules"]) == ("review", [TenantRule.ADDRESS_RESTRICTED])
    assert (out["2"]["decision"], out["2"]["rules"]) == (
        "review",
        [TenantRule.OWN_ADDRESS_CONFLICT, TenantRule.ENTITY_CLEAR],
    )


def test_a_mailing_address_gives_nothing_beside_a_stronger_location_basis() -> None:
    out = by_tenant(run([tenant("1", country="CN", company_country="CN")], [linked("1", None)]))
    assert (out["1"]["decision"], out["1"]["rules"]) == ("revoke", [TenantRule.COMPANY_COUNTRY_RESTRICTED])


@pytest.mark.parametrize(
    ("fields", "decision", "rules"),
    [
        ({"tax_country": "CN", "country": "US"}, "revoke", [TenantRule.TAX_ADDRESS_RESTRICTED]),
        ({"country": "CN-GD"}, "review", [TenantRule.ADDRESS_RESTRICTED]),
        ({"country": "CN-HK", "tax_country": "HK"}, "allow", [TenantRule.UNMATCHED]),
        ({"company_country": "CN", "country": "CN"}, "revoke", [TenantRule.COMPANY_COUNTRY_RESTRICTED]),
        ({"country": "US"}, "allow", [TenantRule.UNMATCHED]),
        ({}, "allow", [TenantRule.UNMATCHED]),
    ],
)
def test_unmatched_tenants_are_judged_on_their_own_addresses(
    fields: dict[str, Any], decision: str, rules: list[str]
) -> None:
    out = by_tenant(run([tenant("1", **fields)], [linked("1", None)]))
    assert (out["1"]["decision"], out["1"]["rules"]) == (decision, rules)
    assert pd.isna(out["1"]["entity_id"])


def test_the_policy_chooses_the_bases_and_their_actions() -> None:
    policy = POLICY.model_copy(
        update={
            "tenants": Tenants(
                location_bases=(TenantBasis.ADDRESS,),
                basis_actions={TenantBasis.ADDRESS: IndirectAction.REVOKE},
            )
        }
    )
    out = by_tenant(
        run(
            [tenant("1", tax_country="CN"), tenant("2", country="CN")],
            [linked("1", None), linked("2", None)],
            policy=policy,
        )
    )
    assert out["1"]["decision"] == "allow"
    assert out["2"]["decision"] == "revoke"


def test_an_entity_unknown_to_the_ownership_data_falls_back_to_own_addresses() -> None:
    out = by_tenant(run([tenant("1", tax_country="CN")], [linked("1", "ghost")]))
    assert out["1"]["decision"] == "revoke"
    assert out["1"]["rules"] == [TenantRule.TAX_ADDRESS_RESTRICTED, TenantRule.ENTITY_NOT_RESOLVED]


def test_a_restricted_payer_revokes_the_accounts_it_pays_for_and_evidence_runs_through_billing() -> None:
    tenants = [tenant("payer"), tenant("user"), tenant("other")]
    links = [linked("payer", "red"), linked("user", "green"), linked("other", "green")]
    billing = [
        {"partner": "aws", "line_id": f"b{i}", "tenant_id": "user", "payer_account_id": "payer"} for i in range(7)
    ]
    out = by_tenant(run(tenants, links, billing=billing))
    assert out["payer"]["decision"] == "revoke"
    user = out["user"]
    assert user["decision"] == "revoke"
    assert user["rules"] == [TenantRule.RESTRICTED_PAYER, TenantRule.ENTITY_CLEAR]
    assert user["explanation"].startswith("Paid for by account payer, which is restricted")
    signal = user["evidence"]["signals"][0]["evidence"]
    assert signal["via"]["billing_line_count"] == 7
    assert signal["via"]["billing_lines"] == ["b0", "b1", "b2", "b3", "b4"]
    assert signal["related"]["ownership"]["entity_id"] == "red"
    assert out["other"]["decision"] == "allow"


def test_a_payer_of_a_restricted_end_user_is_reviewed_and_indirect_access_does_not_chain() -> None:
    tenants = [tenant("top"), tenant("payer", payer_account_id="top"), tenant("user", payer_account_id="payer")]
    links = [linked("top", "green"), linked("payer", "green"), linked("user", "red")]
    out = by_tenant(run(tenants, links))
    assert out["user"]["decision"] == "revoke"
    assert (out["payer"]["decision"], out["payer"]["rules"][0]) == ("review", TenantRule.PAYER_FOR_RESTRICTED)
    # `payer` is only indirectly flagged: that does not pass on to the account paying for it.
    assert out["top"]["decision"] == "allow"


def test_a_billing_account_shared_with_a_restricted_tenant_is_decided_by_its_own_rule() -> None:
    tenants = [
        tenant("a", partner="gcp", payer_account_id="billingAccounts/01-AB"),
        tenant("b", partner="gcp", payer_account_id="billingAccounts/01-AB"),
        tenant("c", partner="gcp", payer_account_id="billingAccounts/02-CD"),
    ]
    links = [
        linked("a", "red", partner="gcp"),
        linked("b", "green", partner="gcp"),
        linked("c", "green", partner="gcp"),
    ]
    out = by_tenant(run(tenants, links))
    assert out["a"]["decision"] == "revoke"
    assert (out["b"]["decision"], out["b"]["rules"][0]) == ("review", TenantRule.SHARED_BILLING_WITH_RESTRICTED)
    assert "billingAccounts/01-AB" in out["b"]["explanation"]
    assert out["b"]["evidence"]["signals"][0]["evidence"]["related"]["tenant_id"] == "a"
    assert out["c"]["decision"] == "allow"
    stricter = POLICY.model_copy(update={"tenants": Tenants(shared_billing_with_restricted=IndirectAction.REVOKE)})
    assert by_tenant(run(tenants, links, policy=stricter))["b"]["decision"] == "revoke"


def test_a_reseller_for_a_restricted_customer_on_a_live_entitlement() -> None:
    tenants = [tenant("reseller"), tenant("customer"), tenant("old-reseller")]
    links = [linked("reseller", "green"), linked("customer", "red"), linked("old-reseller", "green")]
    entitlements = [
        {
            "partner": "aws",
            "entitlement_id": "agmt-1",
            "tenant_id": "customer",
            "reseller_tenant_id": "reseller",
            "status": "ACTIVE",
        },
        {
            "partner": "aws",
            "entitlement_id": "agmt-0",
            "tenant_id": "customer",
            "reseller_tenant_id": "old-reseller",
            "status": "TERMINATED",
        },
    ]
    out = by_tenant(run(tenants, links, entitlements=entitlements))
    assert (out["reseller"]["decision"], out["reseller"]["rules"][0]) == ("review", TenantRule.RESELLER_FOR_RESTRICTED)
    assert out["reseller"]["evidence"]["signals"][0]["evidence"]["via"]["entitlement_ids"] == ["agmt-1"]
    assert out["old-reseller"]["decision"] == "allow"


def test_a_customer_buying_through_a_restricted_reseller() -> None:
    tenants = [tenant("reseller"), tenant("customer"), tenant("former-customer")]
    links = [linked("reseller", "red"), linked("customer", "green"), linked("former-customer", "green")]
    entitlements = [
        {"partner": "aws", "entitlement_id": "agmt-2", "tenant_id": "customer", "reseller_tenant_id": "reseller",
         "status": "ACTIVE"},
        {"partner": "aws", "entitlement_id": "agmt-1", "tenant_id": "former-customer",
         "reseller_tenant_id": "reseller", "status": "EXPIRED"},
    ]  # fmt: skip
    out = by_tenant(run(tenants, links, entitlements=entitlements))
    assert out["reseller"]["decision"] == "revoke"
    assert (out["customer"]["decision"], out["customer"]["rules"][0]) == ("review", TenantRule.RESTRICTED_RESELLER)
    assert "Buys through reseller account reseller" in out["customer"]["explanation"]
    via = out["customer"]["evidence"]["signals"][0]["evidence"]["via"]
    assert (via["reseller_tenant_id"], via["entitlement_ids"]) == ("reseller", ["agmt-2"])
    assert out["former-customer"]["decision"] == "allow"
    for action, decision in ((IndirectAction.REVOKE, "revoke"), (IndirectAction.IGNORE, "allow")):
        policy = POLICY.model_copy(update={"tenants": Tenants(restricted_reseller=action)})
        assert by_tenant(run(tenants, links, entitlements=entitlements, policy=policy))["customer"]["decision"] == (
            decision
        )


def test_indirect_rules_follow_the_policy() -> None:
    policy = POLICY.model_copy(
        update={
            "tenants": Tenants(restricted_payer=IndirectAction.IGNORE, reseller_for_restricted=IndirectAction.REVOKE)
        }
    )
    tenants = [tenant("payer"), tenant("user", payer_account_id="payer"), tenant("reseller")]
    links = [linked("payer", "red"), linked("user", "green"), linked("reseller", "green")]
    entitlements = [
        {
            "partner": "aws",
            "entitlement_id": "e1",
            "tenant_id": "payer",
            "reseller_tenant_id": "reseller",
            "status": "ACTIVE",
        }
    ]
    out = by_tenant(run(tenants, links, entitlements=entitlements, policy=policy))
    assert out["user"]["decision"] == "allow"
    assert out["reseller"]["decision"] == "revoke"


def test_a_related_account_under_review_passes_at_most_review() -> None:
    out = by_tenant(
        run(
            [tenant("payer"), tenant("user", payer_account_id="payer")],
            [linked("payer", "amber"), linked("user", "green")],
        )
    )
    assert (out["user"]["decision"], out["user"]["rules"][0]) == ("review", TenantRule.RESTRICTED_PAYER)


def test_one_row_per_tenant_in_order_and_duplicates_are_errors() -> None:
    tenants = [tenant("2"), tenant("1")]
    out = run(tenants, [linked("1", "green"), linked("2", "red")])
    assert out["tenant_id"].tolist() == ["2", "1"]
    with pytest.raises(ValueError, match="more than one row"):
        run([tenant("1"), tenant("1")], [linked("1", "green")])


def test_a_near_miss_names_its_restricted_candidate_with_that_candidate_s_score() -> None:
    # The best candidate is clear; the restricted one is within the tie margin: review, naming the
    # restricted candidate with its own score and the name it matched (never a silent allow).
    candidates = [
        {"entity_id": "green", "confidence": 0.89},
        {"entity_id": "red", "confidence": 0.87, "matched_name": "红龙控股"},
    ]
    out = by_tenant(
        run([tenant("1")], [linked("1", "green", confidence=0.89, may_revoke=False, candidates=candidates)])
    )
    row = out["1"]
    assert row["decision"] == "review"
    assert row["rules"] == [TenantRule.RESTRICTED_ENTITY_UNCERTAIN_LINK]
    assert "Red Dragon Holdings" in row["explanation"]
    assert "candidate score 0.87" in row["explanation"] and "红龙控股" in row["explanation"]
    assert row["evidence"]["signals"][0]["evidence"]["candidate_confidence"] == 0.87
