"""The truth knows every tenant, covers every required scenario, and its expected decisions are what an
independent reading of the policy gives (tests/demo_world/reference.py)."""

from __future__ import annotations

import json
from collections import Counter

from demo_world import scenarios
from demo_world.world import TRUTH_FILE_COLUMNS
from tests.demo_world import reference
from tests.demo_world.world import DATE, WrittenWorld, current_rows

REQUIRED_SCENARIOS = {
    # restricted structures
    "cn_incorporated_subdivision", "state_body_direct", "sg_subsidiary_of_cn", "de_grandchild_name_only",
    "hq_in_cn_incorporated_ky", "us_subsidiary_of_cn_hq_parent", "aggregation_two_cn_owners", "band_more_than_50",
    "voting_rights_majority", "cross_holding_restricted", "person_resident_cn", "hong_kong_subsidiary_of_cn",
    "stake_increased_by_update", "exemption_expired",
    # known through GLEIF or OpenSanctions
    "gleif_consolidated_by_cn", "designated_parent_60pct_sg",
    # close to restricted, must stay allowed
    "minority_49_9", "aggregation_exactly_50", "band_at_most_50", "taiwan_cn_tw_code", "taiwan_tw_code",
    "hong_kong_no_mainland_owner", "chinese_sounding_name_no_cn_owner", "person_cn_national_resident_abroad",
    "macau_company", "bvi_hq_hong_kong", "cross_holding_clear", "majority_cycle_clear", "closed_relationship",
    "interest_ended", "interest_starts_after_date", "stake_decreased_by_update", "exemption_active",
    "decoy_other_country", "decoy_unregistered_same_name",
    # review
    "band_straddles_50", "band_min_50_inclusive", "unknown_share", "control_without_shares",
    "low_confidence_fuzzy", "reseller_for_restricted", "jurisdiction_conflict_register_gleif",
    # account relations and the tenant's own attributes
    "paid_by_restricted_payer", "gcp_shared_billing_with_restricted", "unmatched_cn_company_country",
    "unmatched_mailing_address_cn", "payer_for_restricted_member", "restricted_reseller",
    "customer_of_restricted_reseller",
    "unmatched_tax_address_cn", "unmatched_clear", "account_moved_to_cn", "account_moved_from_cn",
    "tax_number_corrected",
}  # fmt: skip
REQUIRED_VARIANTS = {
    "exact", "misspelled", "romanised", "missing_suffix", "swapped_order", "decoy_other_country", "suffix_variant",
    "case_punct", "heavy", "unregistered",
}  # fmt: skip


def test_truth_has_its_columns_and_one_row_per_tenant(written: WrittenWorld) -> None:
    header = written.path("truth/tenants.csv").read_text(encoding="utf-8").split("\n", 1)[0]
    assert header.split(",") == list(TRUTH_FILE_COLUMNS)
    truth = written.truth()
    keys = [(t["partner"], t["tenant_id"]) for t in truth]
    assert len(keys) == len(set(keys)) == 160
    assert {t["expected_decision"] for t in truth} == {"revoke", "review", "allow"}


def test_every_required_scenario_and_name_variant_is_present(written: WrittenWorld) -> None:
    truth = written.truth()
    assert {t["scenario"] for t in truth} >= REQUIRED_SCENARIOS
    assert {t["name_variant"] for t in truth} >= REQUIRED_VARIANTS
    links = Counter(t["link_key"] for t in truth)
    assert links["tax_id"] and links["name"] and links["none"] and links["lei"] and links["company_number"]
    assert links["tax_id_formatted"]


def test_each_partner_has_revocations_reviews_and_allowed_tenants(written: WrittenWorld) -> None:
    decisions = Counter((t["partner"], t["expected_decision"]) for t in written.truth())
    for partner in ("aws", "gcp", "azure"):
        for decision in ("revoke", "review", "allow"):
            assert decisions[(partner, decision)] > 0, (partner, decision)


def test_expected_decisions_agree_with_an_independent_reading_of_the_policy() -> None:
    cat = scenarios.build(DATE)
    decided = reference.tenant_decisions(cat, DATE)
    wrong = {t.key: (str(t.expected), decided[t.key]) for t in cat.tenants if decided[t.key] != t.expected}
    assert wrong == {}


def test_true_entities_exist_in_the_register_and_tenants_exist_in_the_drops(written: WrittenWorld) -> None:
    truth = written.truth()
    entity_ids = {s["recordId"] for s in written.statements() if s["recordType"] == "entity"}
    assert {t["true_entity_id"] for t in truth if t["true_entity_id"]} <= entity_ids
    unmatched = [t for t in truth if not t["true_entity_id"]]
    assert unmatched and all(t["link_key"] == "none" for t in unmatched)
    accounts = current_rows(written.feed_rows("AccountFeed_V1"), "account_id", DATE)
    assert {t["tenant_id"] for t in truth if t["partner"] == "aws"} == {a["aws_account_id"] for a in accounts.values()}
    gcp = written.path(f"inbox/gcp/accounts/dt={DATE.isoformat()}/accounts.jsonl").read_text(encoding="utf-8")
    gcp_ids = {json.loads(line)["name"].rsplit("/", 1)[1] for line in gcp.splitlines()}
    assert {t["tenant_id"] for t in truth if t["partner"] == "gcp"} == gcp_ids


def test_tenants_that_link_by_tax_number_quote_one_of_their_entitys_identifiers(written: WrittenWorld) -> None:
    identifiers: dict[str, set[str]] = {}
    for s in written.statements():
        if s["recordType"] == "entity":
            identifiers[s["recordId"]] = {i["id"] for i in s["recordDetails"].get("identifiers", [])}
    accounts = current_rows(written.feed_rows("AccountFeed_V1"), "account_id", DATE)
    tax_of = {a["aws_account_id"]: a["tax_registration_number"] for a in accounts.values()}
    checked = 0
    for t in written.truth():
        if t["partner"] == "aws" and t["link_key"] == "tax_id":
            assert tax_of[t["tenant_id"]] in identifiers[t["true_entity_id"]], t
            checked += 1
    assert checked > 10
