"""Worked cases for resolve: the rule texts' examples (adapted to "more than 50%"), bands, roots, control,
ultimate parents, evidence and findings."""

from __future__ import annotations

import ast
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline import formatting, ownership
from pipeline.datasets import OWNERSHIP
from pipeline.ownership.evidence import MAX_PATHS
from pipeline.ownership.resolve import ENTITY_INPUT_COLUMNS, INTEREST_INPUT_COLUMNS, OwnershipResult, resolve
from pipeline.policy.definition import Policy
from tests.ownership.builders import entities, interests, quarantined, stake

AS_OF = dt.date(2025, 6, 30)


def policy(**overrides: Any) -> Policy:
    raw: dict[str, Any] = {"id": "unsupported-regions", "version": "2025-09-05", "restricted_jurisdictions": ["CN"]}
    ownership = {k: overrides.pop(k) for k in ("method", "threshold", "comparator", "interests") if k in overrides}
    if ownership:
        raw["ownership"] = ownership
    raw.update(overrides)
    return Policy.model_validate(raw)


def run(ents: pd.DataFrame, ints: pd.DataFrame, pol: Policy | None = None) -> OwnershipResult:
    return resolve(ents, ints, pol or policy(), AS_OF)


def rows(result: OwnershipResult) -> dict[str, dict[str, Any]]:
    return {r["entity_id"]: r for r in result.ownership.to_dict("records")}


def decisions(result: OwnershipResult) -> dict[str, str]:
    return dict(zip(result.ownership["entity_id"], result.ownership["decision"], strict=True))


CN = {"jurisdiction": "CN"}


# --- OFAC's examples, with the policy's strict "more than 50%" -------------------------------------------


def test_ofac_50_percent_via_a_50_percent_owned_company() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "B"})
    exactly_half = interests(stake("X", "A", 50), stake("A", "B", 50))
    assert decisions(run(ents, exactly_half)) == {"X": "restricted", "A": "clear", "B": "clear"}
    # OFAC's own rule is "50 percent or more": the comparator says which reading applies.
    assert decisions(run(ents, exactly_half, policy(comparator=">="))) == {
        "X": "restricted",
        "A": "restricted",
        "B": "restricted",
    }
    majority = interests(stake("X", "A", 51), stake("A", "B", 51))
    assert decisions(run(ents, majority)) == {"X": "restricted", "A": "restricted", "B": "restricted"}
    # look_through multiplies along the chain: 51% x 51% is about 26%.
    lt = rows(run(ents, majority, policy(method="look_through")))
    assert lt["B"]["rho_low"] == pytest.approx(0.2601)
    assert lt["B"]["decision"] == "clear" and lt["A"]["decision"] == "restricted"


def test_ofac_two_25_percent_stakes_through_two_restricted_companies() -> None:
    ents = entities({"id": "X", **CN}, {"id": "Y", **CN}, {"id": "A"}, {"id": "B"}, {"id": "C"})
    base = [stake("X", "A", 60), stake("Y", "B", 60)]
    quarter = interests(*base, stake("A", "C", 25), stake("B", "C", 25))
    assert decisions(run(ents, quarter))["C"] == "clear"  # 25% + 25% is exactly 50%, not more
    assert decisions(run(ents, quarter, policy(comparator=">=")))["C"] == "restricted"
    more = interests(*base, stake("A", "C", 25), stake("B", "C", 26))
    result = rows(run(ents, more))
    assert result["C"]["decision"] == "restricted"
    assert result["C"]["rho_low"] == pytest.approx(0.51)
    # Float sums land on the threshold exactly: 10% + 20% + 20% is 50% (not 0.5000000000000001).
    fine = interests(*base, stake("A", "C", 10), stake("B", "C", 20), stake("X", "C", 20))
    assert rows(run(ents, fine))["C"]["decision"] == "clear"


def test_ofac_40_percent_indirect_plus_10_percent_direct() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "C"})
    ints = interests(stake("X", "C", 10), stake("X", "A", 51), stake("A", "C", 41))
    result = rows(run(ents, ints))
    assert result["A"]["decision"] == "restricted"
    assert result["C"]["decision"] == "restricted" and result["C"]["rho_low"] == pytest.approx(0.51)
    ev = result["C"]["evidence"]
    assert {tuple(p["ids"]) for p in ev["paths"]} == {("X", "C"), ("X", "A", "C")}
    assert ev["roots"] == [{"id": "X", "basis": "incorporation:CN"}]
    exactly = interests(stake("X", "C", 10), stake("X", "A", 51), stake("A", "C", 40))
    assert rows(run(ents, exactly))["C"]["decision"] == "clear"
    lt = rows(run(ents, ints, policy(method="look_through")))
    assert lt["C"]["rho_low"] == pytest.approx(0.10 + 0.51 * 0.41)
    assert lt["C"]["decision"] == "clear"


# --- bands, missing shares, interest types ------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "decision"),
    [
        ({"min": 50, "xmin": True, "max": 75}, "restricted"),  # "more than 50% but at most 75%"
        ({"min": 50, "max": 75}, "review"),  # could be exactly 50%
        ({"max": 50}, "clear"),  # at most 50% can never be more than 50%
        ({"min": 25, "max": 50, "xmax": True}, "clear"),
        ({"min": 25, "max": 75}, "review"),
        ({}, "review"),  # no share at all: anything in [0%, 100%]
        ({"exact": 50.0001}, "restricted"),
    ],
)
def test_bands_keep_their_open_and_closed_bounds(share: dict[str, Any], decision: str) -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"})
    result = rows(run(ents, interests(stake("X", "A", **share))))
    assert result["A"]["decision"] == decision
    assert result["A"]["rho_low"] <= result["A"]["rho_high"]


def test_at_least_comparator_and_closed_band() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "B"})
    ints = interests(stake("X", "A", max=50), stake("X", "B", min=40, max=50, xmax=True))
    result = decisions(run(ents, ints, policy(comparator=">=")))
    assert result["A"] == "review"  # at most 50% may be exactly 50%, which is >= 50%
    assert result["B"] == "clear"  # below 50% strictly


def test_only_the_policys_interest_types_count_and_the_edge_takes_the_largest() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "B"})
    ints = interests(
        stake("X", "A", 30, type="shareholding"),
        stake("X", "A", 60, type="votingRights"),
        stake("X", "B", 90, type="rightsToProfitOrIncome"),
    )
    result = rows(run(ents, ints))
    assert result["A"]["decision"] == "restricted" and result["A"]["rho_low"] == pytest.approx(0.6)
    assert result["B"]["decision"] == "clear"
    shares_only = rows(run(ents, ints, policy(interests=["shareholding"])))
    assert shares_only["A"]["decision"] == "clear"


def test_only_interests_active_on_the_date_count() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "B"}, {"id": "C"})
    ints = interests(
        stake("X", "A", 60, end="2025-06-30"),  # ended on the day: no longer held
        stake("X", "B", 60, start="2025-07-01"),  # not yet
        stake("X", "C", 60, start="2025-06-30", end="2025-07-01"),
    )
    assert decisions(run(ents, ints)) == {"X": "restricted", "A": "clear", "B": "clear", "C": "restricted"}


def test_declared_indirect_interests_are_not_edges_but_are_checked() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "B"})
    ints = interests(stake("X", "A", 60), stake("A", "B", 40), stake("X", "B", 90, doi="indirect"))
    result = run(ents, ints)
    # 40% from restricted A; the declared 90% is not counted as an edge, but a restricted party declaring
    # 90% indirectly makes B a review case (issue 17: registers often declare only the indirect interest).
    assert decisions(result)["B"] == "review"
    assert rows(result)["B"]["rho_low"] == pytest.approx(0.4)
    mismatch = result.findings[result.findings["check"] == "declared_indirect_mismatch"]
    assert mismatch["entity_id"].tolist() == ["B"]
    assert "24%" in mismatch["message"].iloc[0]  # 60% x 40% along the only path
    agreeing = interests(stake("X", "A", 60), stake("A", "B", 40), stake("X", "B", 24, doi="indirect"))
    assert not (run(ents, agreeing).findings["check"] == "declared_indirect_mismatch").any()


# --- roots -------------------------------------------------------------------------------------------


def test_roots_by_incorporation_headquarters_state_and_persons() -> None:
    ents = entities(
        {"id": "gd", "jurisdiction": "CN-GD"},
        {"id": "hk", "jurisdiction": "CN-HK"},
        {"id": "tw", "registered": "CN-TW"},
        {"id": "reg", "registered": "CN"},
        {"id": "juris_wins", "jurisdiction": "US", "registered": "CN"},
        {"id": "hq", "jurisdiction": "US", "business": "CN"},
        {"id": "ministry", "entity_type": "stateBody", "business": "CN"},
        {"id": "resident", "kind": "person", "residences": ["CN"]},
        {"id": "national", "kind": "person", "residences": ["GB"], "nationalities": ["CN"]},
        {"id": "taxed", "kind": "person", "tax_residencies": ["CN"]},
    )
    result = rows(run(ents, interests()))
    roots = {k for k, r in result.items() if r["is_root"]}
    assert roots == {"gd", "reg", "hq", "ministry", "resident"}
    assert result["gd"]["root_basis"] == "incorporation:CN"
    assert result["ministry"]["root_basis"] == "headquarters:CN;state:CN"
    assert result["hq"]["rules"] == ["root.headquarters"]
    wider = policy(
        roots={"entity_bases": ["incorporation"], "person_bases": ["residence", "nationality", "taxResidency"]}
    )
    roots2 = {k for k, r in rows(run(ents, interests(), wider)).items() if r["is_root"]}
    # Without the headquarters basis a state body still counts (it is a state body of a restricted state).
    assert roots2 == {"gd", "reg", "ministry", "resident", "national", "taxed"}
    hk_too = policy(restricted_jurisdictions=["CN", "HK"])
    assert rows(run(ents, interests(), hk_too))["hk"]["is_root"]


# --- control without shares ---------------------------------------------------------------------------


def test_control_without_shares_follows_the_policy() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "B"})
    ints = interests(stake("X", "A", type="appointmentOfBoard"), stake("A", "B", 100))
    assert decisions(run(ents, ints)) == {"X": "restricted", "A": "review", "B": "review"}
    restrict = rows(run(ents, ints, policy(control_without_shares="restrict")))
    assert restrict["A"]["decision"] == "restricted" and restrict["B"]["decision"] == "restricted"
    assert restrict["A"]["rules"] == ["control_without_shares"]
    assert restrict["B"]["rules"] == ["ownership.restricted_share"]
    assert restrict["A"]["ultimate_parent_id"] == "A"  # control never makes an ultimate parent
    assert restrict["B"]["ultimate_parent_id"] == "A"
    assert decisions(run(ents, ints, policy(control_without_shares="ignore")))["A"] == "clear"


# --- cycles ------------------------------------------------------------------------------------------


def test_cross_holdings_terminate_and_look_through_sums_the_series() -> None:
    ents = entities({"id": "R", **CN}, {"id": "B"}, {"id": "C"})
    ints = interests(stake("R", "B", 30), stake("B", "C", 40), stake("C", "B", 40))
    cascade = run(ents, ints)
    assert decisions(cascade) == {"R": "restricted", "B": "clear", "C": "clear"}
    assert (cascade.findings["check"] == "ownership_cycle").sum() == 1
    lt = rows(run(ents, ints, policy(method="look_through")))
    assert lt["B"]["rho_low"] == pytest.approx(0.3 / (1 - 0.16))
    assert lt["C"]["rho_low"] == pytest.approx(0.4 * 0.3 / (1 - 0.16))
    feeding = interests(stake("R", "B", 60), stake("B", "C", 60), stake("C", "B", 30))
    assert decisions(run(ents, feeding)) == {"R": "restricted", "B": "restricted", "C": "restricted"}


# --- ultimate parents ---------------------------------------------------------------------------------


def test_ultimate_parent_chain_person_and_cycle() -> None:
    ents = entities(
        {"id": "p", "kind": "person"}, {"id": "h"}, {"id": "s"}, {"id": "c1"}, {"id": "c2"}, {"id": "c3"}, {"id": "t"}
    )
    ints = interests(
        stake("p", "h", 100),
        stake("h", "s", min=50, xmin=True),
        stake("c2", "c1", 60),
        stake("c3", "c2", 60),
        stake("c1", "c3", 60),
        stake("c2", "t", 80),
        stake("h", "t", 70),  # two majority owners: the larger least stake (c2, 80%) wins
    )
    result = run(ents, ints)
    r = rows(result)
    assert r["s"]["ultimate_parent_id"] == "p" and r["s"]["chain"] == ["s", "h", "p"]
    assert not r["s"]["cycle"]
    assert r["t"]["ultimate_parent_id"] == "c1" and r["t"]["chain"] == ["t", "c2", "c3", "c1"]
    assert r["t"]["cycle"] and r["c3"]["cycle"]
    assert r["c1"]["chain"] == ["c1", "c2", "c3", "c1"]
    checks = result.findings["check"].tolist()
    assert "majority_chain_cycle" in checks and "multiple_majority_owners" in checks


# --- evidence and output shape ------------------------------------------------------------------------


def test_output_has_one_row_per_record_and_the_contract_columns() -> None:
    ents = entities({"id": "b"}, {"id": "a", **CN}, {"id": "p", "kind": "person"})
    result = run(ents, interests(stake("a", "b", 20)))
    assert list(result.ownership.columns) == list(OWNERSHIP.columns)
    assert result.ownership["entity_id"].tolist() == ["a", "b", "p"]
    assert set(result.ownership["policy_version"]) == {"2025-09-05"}
    clear = rows(result)["b"]
    assert clear["explanation"].startswith("clear: restricted share at most 20%")
    assert clear["decision"] == "clear" and formatting.evidence(clear["evidence"]) == {}
    assert (clear["policy_id"], clear["policy_version"]) == ("unsupported-regions", "2025-09-05")


def test_review_evidence_uses_the_greatest_stakes() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "B"})
    ints = interests(stake("X", "A", min=25, max=75), stake("A", "B", 100))
    r = rows(run(ents, ints))
    assert r["A"]["decision"] == "review" and r["B"]["decision"] == "review"
    ev = r["B"]["evidence"]
    assert r["B"]["decision"] == "review" and r["B"]["rules"] == ["ownership.possible_restricted_share"]
    assert formatting.readable(ev["paths"]) == [{"ids": ["X", "A", "B"], "stakes": ["[25%, 75%]", "100%"]}]
    assert r["B"]["explanation"].startswith("review: restricted share [0%, 100%]")


def test_flagged_evidence_is_one_shape_whatever_the_ids_hold() -> None:
    # Ids and names that JSON would escape, and text beyond ASCII: the evidence is built column-wise,
    # so it must give every value back, and have the fields of a root's evidence in order.
    root, mid, leaf = 'R"1', "M\\2", "L\t3"
    ents = entities({"id": root, **CN}, {"id": mid, "name": 'Zhōng "M"'}, {"id": leaf, "name": None})
    r = rows(run(ents, interests(stake(root, mid, 60), stake(mid, leaf, 75))))
    ev = r[leaf]["evidence"]
    root_ev = r[root]["evidence"]
    assert list(ev) == list(root_ev)
    assert formatting.readable(ev["paths"]) == [{"ids": [root, mid, leaf], "stakes": ["60%", "75%"]}]
    assert formatting.readable(ev["owners"]) == [{"id": mid, "name": 'Zhōng "M"', "stake": "75%"}]
    assert ev["roots"] == [{"id": root, "basis": "incorporation:CN"}]
    assert r[leaf]["explanation"].endswith('; largest: Zhōng "M" (75%)')


def test_path_enumeration_is_capped_and_says_so() -> None:
    roots = [{"id": f"R{i}", **CN} for i in range(MAX_PATHS + 3)]
    ents = entities(*roots, {"id": "T"})
    ints = interests(*[stake(f"R{i}", "T", 10) for i in range(MAX_PATHS + 3)])
    ev = rows(run(ents, ints))["T"]["evidence"]
    assert len(ev["paths"]) == MAX_PATHS and ev["paths_truncated"] is True
    assert ev["owners_total"] == MAX_PATHS + 3


# --- findings -----------------------------------------------------------------------------------------


def test_data_problems_become_findings() -> None:
    ents = entities({"id": "A"}, {"id": "B"})
    ints = interests(
        stake("A", "B", 60),
        stake("ghost", "B", 50),
        stake("B", "B", 10),
        stake("A", "B", min=70, max=20),
    )
    found = run(ents, ints).findings
    by_check = dict(zip(found["check"], found["severity"], strict=True))
    # A + ghost hold 110% of B: the validate stage's stakes check says so, before resolution (holdings).
    assert by_check == {
        "edge_to_unknown_record": "warn",
        "self_ownership": "warn",
        "invalid_share": "warn",
    }


def test_look_through_evidence_lists_every_path_that_carries_share() -> None:
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "C"})
    ints = interests(stake("X", "C", 30), stake("X", "A", 100), stake("A", "C", 30))
    r = rows(run(ents, ints, policy(method="look_through")))
    assert r["C"]["decision"] == "restricted" and r["C"]["rho_low"] == pytest.approx(0.6)
    ev = r["C"]["evidence"]
    assert {tuple(p["ids"]) for p in ev["paths"]} == {("X", "C"), ("X", "A", "C")}
    # The method is the policy's (its id and version are on the row); the share is the row's interval.
    share = formatting.band(r["C"]["rho_low"], r["C"]["rho_low_open"], r["C"]["rho_high"], r["C"]["rho_high_open"])
    assert "> 50% (look_through)" in r["C"]["explanation"] and share == "60%"


def test_root_evidence_is_its_basis() -> None:
    r = rows(run(entities({"id": "X", "jurisdiction": "CN", "business": "CN"}), interests()))
    assert r["X"]["root_basis"] == "incorporation:CN;headquarters:CN" and r["X"]["decision"] == "restricted"
    assert r["X"]["rules"] == ["root.incorporation", "root.headquarters"]
    assert formatting.evidence(r["X"]["evidence"]) == {}  # its basis is its whole evidence
    assert r["X"]["explanation"] == "restricted: incorporated in CN, headquartered in CN"


def test_look_through_that_cannot_settle_is_an_error_finding() -> None:
    # A and B own all of each other and a root feeds in a sliver: the high run creeps towards 100% by a
    # sliver per round, so it cannot settle within the engine's round limit and must say so.
    ents = entities({"id": "R", **CN}, {"id": "A"}, {"id": "B"})
    ints = interests(stake("R", "A", min=0, max=0.00001), stake("A", "B", 100), stake("B", "A", 100))
    found = run(ents, ints, policy(method="look_through")).findings
    assert found[found["check"] == "not_converged"]["severity"].tolist() == ["error"]


def test_resolve_needs_only_its_declared_columns() -> None:
    """The resolve stage loads only ENTITY_INPUT_COLUMNS / INTEREST_INPUT_COLUMNS: the result must not change."""
    ents = entities(
        {"id": "X", **CN},
        {"id": "ministry", "entity_type": "stateBody", "business": "CN"},
        {"id": "p", "kind": "person", "nationalities": ["CN"]},
        {"id": "A"}, {"id": "B"}, {"id": "C"}, {"id": "D"}, {"id": "E"},
    )  # fmt: skip
    ints = interests(
        stake("X", "A", 30), stake("p", "A", 25), stake("A", "B", min=50, max=75, xmin=True),
        stake("ministry", "C", type="appointmentOfBoard"), stake("outsider", "D", 60), stake("B", "C", 10),
        stake("A", "E", 20),
    )  # fmt: skip
    pol = policy(roots={"entity_bases": ["incorporation", "headquarters"], "person_bases": ["nationality"]})
    quarantine = quarantined("D")
    full = resolve(ents, ints, pol, AS_OF, quarantine=quarantine)
    narrow_ents, narrow_ints = ents[list(ENTITY_INPUT_COLUMNS)], ints[list(INTEREST_INPUT_COLUMNS)]
    narrow = resolve(narrow_ents, narrow_ints, pol, AS_OF, quarantine=quarantine)
    pd.testing.assert_frame_equal(narrow.ownership, full.ownership)
    pd.testing.assert_frame_equal(narrow.findings, full.findings)
    assert set(full.ownership["decision"]) == {"restricted", "review", "clear"}


def test_an_executor_changes_where_parts_run_not_the_result() -> None:
    """Without an executor everything runs on the caller's thread; with one, the independent parts run
    beside it. Both give the same frames, bit for bit."""
    ents = entities({"id": "X", **CN}, {"id": "A"}, {"id": "B", "name": 'Zhōng "B"'}, {"id": "C"}, {"id": "D"})
    ints = interests(
        stake("X", "A", 60), stake("A", "B", min=40, max=70), stake("B", "C", 100), stake("ghost", "D", 60),
        stake("X", "D", type="appointmentOfBoard"),
    )  # fmt: skip
    alone = resolve(ents, ints, policy(), AS_OF, quarantine=quarantined("C"))
    with ThreadPoolExecutor(max_workers=1) as beside:
        shared = resolve(ents, ints, policy(), AS_OF, quarantine=quarantined("C"), executor=beside)
    pd.testing.assert_frame_equal(shared.ownership, alone.ownership)
    pd.testing.assert_frame_equal(shared.findings, alone.findings)
    assert set(alone.ownership["decision"]) == {"restricted", "review"}


def test_the_engine_sets_no_process_wide_switch() -> None:
    """The GC pause, Arrow's pool and worker threads are the caller's to set (pipeline.run.switches, at the
    stage edge): no module of the engine imports them, the collector or a thread pool. (The BODS reader,
    ownership/bods, runs worker processes of its own.)"""
    banned = {"gc", "threading", "concurrent.futures.thread", "pipeline.run", "pipeline.run.switches"}
    found = []
    for path in sorted(Path(ownership.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            found += [f"{path.name}: {n}" for n in names if n in banned or n.endswith("ThreadPoolExecutor")]
    assert found == []


# --- reviewers' entity judgements, as the decide stage resolves with them ---------------------------------


def test_a_parent_judged_clear_clears_what_it_alone_restricted() -> None:
    from pipeline.ownership.roots import JudgedRoots

    ents = entities({"id": "P", **CN}, {"id": "S", "jurisdiction": "GB"}, {"id": "T", "jurisdiction": "DE"},
                    {"id": "Q", **CN}, {"id": "U", "jurisdiction": "FR"})  # fmt: skip
    ints = interests(stake("P", "S", 80), stake("S", "T", 60), stake("Q", "U", 30), stake("P", "U", 30))
    computed = decisions(run(ents, ints))
    assert computed == {"P": "restricted", "S": "restricted", "T": "restricted", "Q": "restricted", "U": "restricted"}
    judged = resolve(ents, ints, policy(), AS_OF, judged=JudgedRoots(cleared=frozenset({"P"})))
    # P is no root; S and T below it clear; U keeps Q's 30%, not enough alone.
    assert decisions(judged) == {"P": "clear", "S": "clear", "T": "clear", "Q": "restricted", "U": "clear"}


def test_an_entity_judged_clear_ignores_its_own_owners_and_a_holder_judged_restricted_is_a_root() -> None:
    from pipeline.ownership.roots import JudgedRoots

    ents = entities({"id": "C", **CN}, {"id": "H", "jurisdiction": "GB"}, {"id": "S", "jurisdiction": "GB"},
                    {"id": "M", "jurisdiction": "GB"}, {"id": "N", "jurisdiction": "GB"})  # fmt: skip
    # C holds 90% of M (register error, says the reviewer: M is clear), M holds 70% of N; H holds 60% of S.
    ints = interests(stake("C", "M", 90), stake("M", "N", 70), stake("H", "S", 60))
    assert decisions(run(ents, ints))["N"] == "restricted"
    assert decisions(run(ents, ints))["S"] == "clear"
    judged = resolve(
        ents, ints, policy(), AS_OF, judged=JudgedRoots(restricted={"H": "J-0123456789ab"}, cleared=frozenset({"M"}))
    )
    out = rows(judged)
    assert (out["M"]["decision"], out["N"]["decision"]) == ("clear", "clear")
    assert (out["H"]["decision"], out["H"]["root_basis"]) == ("restricted", "judgement:J-0123456789ab")
    assert list(out["H"]["rules"]) == ["root.judgement"]
    assert out["H"]["explanation"] == "restricted: judged restricted in judgement J-0123456789ab"
    assert out["S"]["decision"] == "restricted" and "60%" in out["S"]["explanation"]
