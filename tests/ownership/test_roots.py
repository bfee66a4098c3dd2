"""Root bases as text: every basis that holds, in the policy's order, each with the country it names."""

from __future__ import annotations

import numpy as np

from pipeline.ownership.roots import root_basis
from pipeline.policy.definition import Policy, load_policy_text
from tests.ownership.builders import entities


def test_each_basis_names_its_own_country_and_rows_share_nothing_else() -> None:
    ents = entities(
        {"id": "inc_hq", "jurisdiction": "HK", "business": "CN"},
        {"id": "state_by_registration", "entity_type": "stateBody", "jurisdiction": "US", "registered": "CN"},
        {"id": "all_three", "entity_type": "stateBody", "registered": "CN-HK", "business": "CN"},
        {"id": "person", "kind": "person", "residences": ["GB", "HK"], "nationalities": ["CN"]},
        {"id": "clear", "jurisdiction": "US", "business": "GB"},
        {"id": "same_as_first", "jurisdiction": "HK", "business": "CN"},
    )
    policy = Policy.model_validate(
        {
            "id": "p",
            "version": "1",
            "restricted_jurisdictions": ["HK", "CN", "HK"],
            "roots": {"entity_bases": ["incorporation", "headquarters"], "person_bases": ["residence", "nationality"]},
        }
    )
    bases = root_basis(ents, policy)
    assert bases.is_root.tolist() == [True, True, True, True, False, True]
    assert bases.text(np.arange(len(ents))) == [
        "incorporation:HK;headquarters:CN",
        "state:CN",
        "incorporation:HK;headquarters:CN;state:HK",
        "residence:HK;nationality:CN",
        "",
        "incorporation:HK;headquarters:CN",
    ]


def test_designated_records_are_roots_whatever_their_jurisdiction() -> None:
    text = "id: p\nversion: '1'\nrestricted_jurisdictions: [CN]\nroots: {designated: [us_dod_chinese_milcorp]}\n"
    policy = load_policy_text(text, "test")
    frame = entities(
        {"id": "hk", "jurisdiction": "HK", "datasets": ["us_trade_csl", "us_dod_chinese_milcorp"]},
        {"id": "cn", "jurisdiction": "CN", "datasets": ["us_dod_chinese_milcorp"]},
        {"id": "other-list", "jurisdiction": "SG", "datasets": ["us_trade_csl"]},
        {"id": "plain", "jurisdiction": "SG"},
    )
    bases = root_basis(frame, policy)
    assert bases.text(np.arange(4)) == [
        "designated:us_dod_chinese_milcorp",
        "incorporation:CN;designated:us_dod_chinese_milcorp",
        "",
        "",
    ]
    # Without designation lists in the policy, the column is not read at all.
    unlisted = load_policy_text("id: p\nversion: '1'\nrestricted_jurisdictions: [CN]\n", "test")
    assert list(root_basis(frame.drop(columns=["datasets"]), unlisted).is_root) == [False, True, False, False]
