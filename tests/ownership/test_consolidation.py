"""The policy on GLEIF and FtM facts: consolidation is control (its own rule and key), designation lists are roots."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd

from pipeline.jurisdictions import JurisdictionRule
from pipeline.ownership.ftm.reader import read_ftm
from pipeline.ownership.gleif.reader import read_gleif_lei, read_gleif_repex, read_gleif_rr
from pipeline.ownership.merge import merge_sources
from pipeline.ownership.resolve import resolve
from pipeline.policy.definition import load_policy_text

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2025, 6, 30)
CN_RULE = JurisdictionRule(False, frozenset({"CN"}))
CN = "5299001CNPARENTHOL14"
SG = "5493001SGSUBSIDIAR97"
JP = "353800JPULTIMATE0067"
HK = "5299001HKBRANCH00046"
DE = "529900DENONPUBLIC093"
FR = "969500FRPERSONS00071"
BASE = "id: p\nversion: '1'\nrestricted_jurisdictions: [CN]\n"


def _gleif_resolved(extra: str = "") -> pd.DataFrame:
    folder = FIXTURES / "gleif"
    read = [
        reader([(name, io.BytesIO((folder / name).read_bytes()))], AS_OF)
        for reader, name in ((read_gleif_lei, "lei2-golden-copy.csv"), (read_gleif_rr, "rr-golden-copy.csv"),
                             (read_gleif_repex, "repex-golden-copy.csv"))
    ]  # fmt: skip
    frames = merge_sources(read, CN_RULE).frames
    policy = load_policy_text(BASE + extra, "test-policy")
    result = resolve(frames.entities, frames.interests, policy, AS_OF)
    return result.ownership.set_index("entity_id")


def test_a_consolidation_parent_restricts_by_default_with_its_own_rule() -> None:
    out = _gleif_resolved()
    for child in (SG, JP, HK):
        assert out.loc[child, "decision"] == "restricted", child
        assert list(out.loc[child, "rules"]) == ["control.consolidation"], child
    assert out.loc[SG, "explanation"].startswith("restricted: consolidated by a restricted parent (accounting control)")
    assert [r["id"] for r in out.loc[SG, "evidence"]["roots"]] == [CN]
    assert [list(p["ids"]) for p in out.loc[JP, "evidence"]["paths"]] == [[CN, SG, JP]]
    assert out.loc[FR, "decision"] == "clear"  # owned by natural persons: nothing to hold it


def test_consolidation_review_makes_it_a_review() -> None:
    out = _gleif_resolved("consolidation: review\n")
    assert out.loc[SG, "decision"] == "review" and list(out.loc[SG, "rules"]) == ["control.consolidation"]
    assert out.loc[SG, "explanation"].startswith("review: consolidated by a restricted or possibly restricted parent")


def test_a_withheld_parent_is_a_review_not_a_clear() -> None:
    out = _gleif_resolved()
    assert out.loc[DE, "decision"] == "review"
    assert list(out.loc[DE, "rules"]) == ["control.consolidation", "data.unknown_holder"]
    holders = [h["id"] for h in out.loc[DE, "evidence"]["unknown_holders"]]
    assert holders == [f"withheld:{DE}:DIRECT_ACCOUNTING_CONSOLIDATION_PARENT"]


def test_a_designated_companys_majority_subsidiary_is_restricted_with_it() -> None:
    path = FIXTURES / "ftm" / "entities.ftm.json"
    frames = read_ftm([(path.name, io.BytesIO(path.read_bytes()))], AS_OF)
    policy = load_policy_text(BASE + "roots: {designated: [us_dod_chinese_milcorp]}\n", "test-policy")
    out = resolve(frames.entities, frames.interests, policy, AS_OF).ownership.set_index("entity_id")
    assert out.loc["NK-hkdesignated", "root_basis"] == "designated:us_dod_chinese_milcorp"
    assert list(out.loc["NK-hkdesignated", "rules"]) == ["root.designated"]
    assert out.loc["NK-hkdesignated", "explanation"] == "restricted: designated on us_dod_chinese_milcorp"
    assert out.loc["NK-sgsubsidiary", "decision"] == "restricted"
    assert list(out.loc["NK-sgsubsidiary", "rules"]) == ["ownership.restricted_share"]
    unlisted = resolve(frames.entities, frames.interests, load_policy_text(BASE, "p"), AS_OF).ownership
    assert unlisted.set_index("entity_id").loc["NK-sgsubsidiary", "decision"] == "clear"


def test_consolidation_parents_are_the_ultimate_parent_chain() -> None:
    out = _gleif_resolved()
    assert out.loc[JP, "ultimate_parent_id"] == CN
    assert list(out.loc[JP, "chain"]) == [JP, SG, CN]
    assert out.loc[HK, "ultimate_parent_id"] == CN  # a branch's head office
    assert out.loc[FR, "ultimate_parent_id"] == FR  # no parent: its own
