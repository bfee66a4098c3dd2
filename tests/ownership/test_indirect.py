"""Declared indirect interests against the graph's paths: which paths count, and how far they reach."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from pipeline.ownership.resolve import resolve
from pipeline.ownership.structure import MAX_INDIRECT_DEPTH
from pipeline.policy.definition import Policy
from tests.ownership.builders import entities, interests

POLICY = Policy.model_validate({"id": "p", "version": "1", "restricted_jurisdictions": ["CN"]})


def mismatches(*declared: tuple[str, str, float]) -> list[str]:
    """A chain n00 -> n01 -> ... (each holds 100% of the next) beside a separate pair x -> y, with the
    declared indirect interests given; the mismatch messages, sorted."""
    ids = [f"n{i:02d}" for i in range(MAX_INDIRECT_DEPTH + 2)]
    chain = [{"owner": a, "owned": b, "exact": 100} for a, b in pairwise(ids)]
    rows = [*chain, {"owner": "x", "owned": "y", "exact": 40}]
    rows += [{"owner": a, "owned": b, "exact": pct, "doi": "indirect"} for a, b, pct in declared]
    ents = entities(*({"id": i} for i in [*ids, "x", "y"]))
    findings = resolve(ents, interests(*rows), POLICY, dt.date(2025, 6, 30)).findings
    found = findings[findings["check"] == "declared_indirect_mismatch"]
    return sorted(found["message"])


def test_paths_of_up_to_the_depth_limit_count_and_longer_ones_do_not() -> None:
    last = f"n{MAX_INDIRECT_DEPTH:02d}"
    beyond = f"n{MAX_INDIRECT_DEPTH + 1:02d}"
    out = mismatches(("n00", "n02", 100), ("n00", last, 100), ("n00", beyond, 100), ("n01", beyond, 100))
    assert out == [f"n00 declares an indirect 100% of {beyond}; the graph's paths give 0%"]


def test_a_single_edge_is_not_an_indirect_path_and_unrelated_records_give_nothing() -> None:
    assert mismatches(("x", "y", 40), ("n03", "y", 10), ("y", "n05", 10)) == [
        "n03 declares an indirect 10% of y; the graph's paths give 0%",
        "x declares an indirect 40% of y; the graph's paths give 0%",
        "y declares an indirect 10% of n05; the graph's paths give 0%",
    ]


def _decided(rows: list[dict[str, object]], policy: Policy = POLICY) -> dict[str, tuple[str, list[str], str]]:
    ids = sorted({str(r["owner"]) for r in rows} | {str(r["owned"]) for r in rows})
    ents = entities(*({"id": i, "jurisdiction": "CN" if i.startswith("cn") else "GB"} for i in ids))
    out = resolve(ents, interests(*rows), policy, dt.date(2025, 6, 30)).ownership.set_index("entity_id")
    return {i: (str(r["decision"]), list(r["rules"]), str(r["explanation"])) for i, r in out.iterrows()}


def test_a_declared_indirect_interest_that_alone_restricts_makes_the_entity_at_least_review() -> None:
    # A Chinese company declared to hold 80% of a UK company indirectly, with no direct chain in the data.
    decided = _decided([{"owner": "cn-parent", "owned": "uk-co", "exact": 80, "doi": "indirect"}])
    decision, rules, line = decided["uk-co"]
    assert decision == "review"
    assert rules == ["ownership.declared_indirect"]
    assert line.startswith("review: a restricted or possibly restricted party declares an indirect interest")


def test_a_group_still_declared_70pct_chinese_owned_is_not_cleared_by_one_closed_link() -> None:
    # cn-parent -> hold -> uk-co, with the link hold -> uk-co closed; the 70% indirect is still declared.
    rows = [
        {"owner": "cn-parent", "owned": "hold", "exact": 100},
        {"owner": "hold", "owned": "uk-co", "exact": 70, "end": "2025-01-01"},
        {"owner": "cn-parent", "owned": "uk-co", "exact": 70, "doi": "indirect"},
    ]
    assert _decided(rows)["uk-co"][0] == "review"
    # Small declared interests, or declared by parties nobody restricts, change nothing.
    assert _decided([{"owner": "cn-parent", "owned": "uk-co", "exact": 30, "doi": "indirect"}])["uk-co"][0] == "clear"
    assert _decided([{"owner": "gb-parent", "owned": "uk-co", "exact": 80, "doi": "indirect"}])["uk-co"][0] == "clear"
    # Explained by the direct chain: restricted as before, no second opinion.
    explained = [
        {"owner": "cn-parent", "owned": "hold", "exact": 100},
        {"owner": "hold", "owned": "uk-co", "exact": 80},
        {"owner": "cn-parent", "owned": "uk-co", "exact": 80, "doi": "indirect"},
    ]
    assert _decided(explained)["uk-co"][:2] == ("restricted", ["ownership.restricted_share"])


def test_cross_holdings_where_cascade_and_look_through_disagree_are_review() -> None:
    # A Chinese 40% holder plus a 60/60 loop: 40% under the cascade's least fixed point, 62.5% looked through.
    rows = [
        {"owner": "cn-holder", "owned": "a", "exact": 40},
        {"owner": "b", "owned": "a", "exact": 60},
        {"owner": "a", "owned": "b", "exact": 60},
    ]
    decision, rules, line = _decided(rows)["a"]
    assert decision == "review"
    assert rules == ["ownership.methods_disagree"]
    assert "read by look_through is > 50%, 40% read by cascade is not" in line
    look_through = Policy.model_validate(
        {"id": "p", "version": "1", "restricted_jurisdictions": ["CN"], "ownership": {"method": "look_through"}}
    )
    assert _decided(rows, look_through)["a"][0] == "restricted"
