"""`link`: identifiers first, then exact names, then fuzzy names, all within the tenant's countries."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import MatchingConfig
from pipeline.datasets import ENTITIES, IDENTIFIERS, LINKS, TENANTS
from pipeline.matching import LinkMethod, link
from tests.frames import frame

CONFIG = MatchingConfig()


def entities(*rows: dict[str, Any]) -> pd.DataFrame:
    return frame(ENTITIES, [{"record_type": "entity", **r} for r in rows])


def tenants(*rows: dict[str, Any]) -> pd.DataFrame:
    return frame(TENANTS, [{"partner": "aws", "tenant_id": f"{i:012d}", **r} for i, r in enumerate(rows)])


def no_ids() -> pd.DataFrame:
    return frame(IDENTIFIERS, [])


def one(links: pd.DataFrame, i: int = 0) -> dict[str, Any]:
    row: dict[str, Any] = links.iloc[i].to_dict()
    return row


WORLD = entities(
    {"entity_id": "bytedance", "name": "北京字节跳动科技有限公司", "jurisdiction": "CN-BJ"},
    {"entity_id": "acme-gb", "name": "Acme Trading Limited", "jurisdiction": "GB"},
    {"entity_id": "acme-de", "name": "Acme Trading GmbH", "jurisdiction": "DE"},
    {"entity_id": "huawei", "name": "Huawei Technologies Co., Ltd.", "jurisdiction": "CN-GD"},
    {"entity_id": "hk-co", "name": "Pearl River Holdings Limited", "jurisdiction": "CN-HK"},
    {"entity_id": "globex-ltd", "name": "Globex Holdings Ltd", "registered_country": "SG"},
    {"entity_id": "globex-inc", "name": "Globex Holdings Inc", "business_country": "SG"},
    {"entity_id": "person", "record_type": "person", "name": "Acme Trading", "residences": '["FR"]'},
)


def test_one_row_per_tenant_in_order_with_the_links_columns() -> None:
    ts = tenants({"company_name": "Nobody Ltd", "country": "FR"}, {"company_name": "Acme Trading", "country": "GB"})
    out = link(ts, WORLD, no_ids(), CONFIG)
    assert list(out.columns) == list(LINKS.columns)
    assert out["tenant_id"].tolist() == ts["tenant_id"].tolist()
    nobody = one(out)
    assert nobody["method"] == LinkMethod.NONE
    assert pd.isna(nobody["entity_id"])
    assert nobody["confidence"] == 0.0
    assert not nobody["may_revoke"]
    assert nobody["candidates"] == []


def test_exact_name_in_the_same_country_decoy_elsewhere_ignored() -> None:
    out = link(tenants({"company_name": "ACME TRADING LTD.", "country": "GB"}), WORLD, no_ids(), CONFIG)
    row = one(out)
    assert (row["entity_id"], row["method"], row["confidence"], row["may_revoke"]) == (
        "acme-gb",
        "exact_name",
        CONFIG.exact_name_confidence,
        True,
    )
    assert [c["entity_id"] for c in row["candidates"]] == ["acme-gb"]


def test_no_name_link_across_countries_and_persons_are_not_linked() -> None:
    out = link(tenants({"company_name": "Acme Trading", "country": "FR"}), WORLD, no_ids(), CONFIG)
    assert one(out)["method"] == LinkMethod.NONE


def test_tax_country_also_counts_and_hk_subdivision_is_hk() -> None:
    out = link(
        tenants(
            {"company_name": "Acme Trading", "country": "US", "tax_country": "DE"},
            {"company_name": "Pearl River Holdings", "country": "HK"},
            {"company_name": "Pearl River Holdings", "country": "CN"},
        ),
        WORLD,
        no_ids(),
        CONFIG,
    )
    assert out["entity_id"].tolist()[:2] == ["acme-de", "hk-co"]
    assert pd.isna(out["entity_id"].iloc[2])


def test_romanised_chinese_name_meets_the_chinese_script_name() -> None:
    out = link(
        tenants({"company_name": "Beijing Zijie Tiaodong Keji Youxian Gongsi", "country": "CN"}),
        WORLD,
        no_ids(),
        CONFIG,
    )
    assert one(out)["entity_id"] == "bytedance"


def test_two_entities_with_one_normalised_name_are_a_tie_that_cannot_revoke() -> None:
    out = link(tenants({"company_name": "Globex Holdings", "country": "SG"}), WORLD, no_ids(), CONFIG)
    row = one(out)
    assert row["entity_id"] == "globex-inc"  # ties rank by entity id: deterministic
    assert not row["may_revoke"]
    assert sorted(c["entity_id"] for c in row["candidates"]) == ["globex-inc", "globex-ltd"]


def test_fuzzy_misspelling_within_the_country() -> None:
    out = link(tenants({"company_name": "Huawie Technologies", "country": "CN"}), WORLD, no_ids(), CONFIG)
    row = one(out)
    assert (row["entity_id"], row["method"]) == ("huawei", "fuzzy_name")
    assert CONFIG.min_revoke_confidence <= row["confidence"] <= CONFIG.fuzzy_max_confidence
    assert row["may_revoke"]


def test_of_two_names_at_the_cap_the_one_a_typo_away_revokes_the_one_two_away_does_not_tie() -> None:
    # A sibling registered one letter from the company: the tenant's name is one typo from the company's
    # and two from the sibling's. Both fuzzy scores reach the cap; their similarities do not tie.
    world = entities(
        {"entity_id": "company", "name": "Brightwater Kaleidoscope Analytics Ltd", "jurisdiction": "GB"},
        {"entity_id": "sibling", "name": "Brightwater Kaleidoscape Analytics Ltd", "jurisdiction": "GB"},
    )
    tenant = tenants({"company_name": "Brightwater Kaleidoscope Analytcs Ltd", "country": "GB"})
    row = one(link(tenant, world, no_ids(), CONFIG))
    assert [c["confidence"] for c in row["candidates"]] == [CONFIG.fuzzy_max_confidence] * 2
    assert (row["entity_id"], row["may_revoke"]) == ("company", True)


def test_a_runner_up_as_few_edits_away_is_a_tie_though_less_similar() -> None:
    # Conuslting is one transposition from Consulting and one letter from the sibling's Conslting: the
    # similarity prefers the sibling (a transposition weighs two), the edits cannot tell them apart.
    world = entities(
        {"entity_id": "company", "name": "Fem Consulting LLC", "jurisdiction": "US"},
        {"entity_id": "sibling", "name": "Fem Conslting Inc", "jurisdiction": "US"},
    )
    row = one(link(tenants({"company_name": "Fem Conuslting Corporation", "country": "US"}), world, no_ids(), CONFIG))
    assert sorted(c["entity_id"] for c in row["candidates"]) == ["company", "sibling"]
    assert not row["may_revoke"]


def test_homophones_in_chinese_script_are_two_companies_a_romanised_name_stays_a_tie() -> None:
    # 信众 and 新众 both read Xinzhong: the characters tell them apart, the pinyin cannot.
    world = entities(
        {"entity_id": "romanised", "name": "Xinzhong Keji Co., Ltd.", "jurisdiction": "CN-BJ"},
        {"entity_id": "script", "name": "新众科技有限公司", "jurisdiction": "CN-BJ"},
    )
    names = ("信众科技有限公司", "新众科技有限公司", "Xinzhong Keji")
    out = link(tenants(*({"company_name": n, "country": "CN"} for n in names)), world, no_ids(), CONFIG)
    assert [c["entity_id"] for c in one(out, 0)["candidates"]] == ["romanised"]
    assert one(out, 0)["may_revoke"]
    assert not one(out, 1)["may_revoke"]  # the romanised entity may be written 新众 too
    assert not one(out, 2)["may_revoke"]


def test_a_registered_misspelling_is_that_companys_name_not_a_typo_of_another() -> None:
    # Both keys read "xinyizizi network" once Wtngluo is corrected; as written, each tenant names one.
    world = entities(
        {"entity_id": "company", "name": "新艺子子网络股份有限公司", "jurisdiction": "CN-BJ"},
        {"entity_id": "sibling", "name": "Xinyizizi Wtngluo Company Limited", "jurisdiction": "CN-BJ"},
    )
    names = ("Xinyizizi Network Co., Limited", "Xinyizizi Wtngluo", "Xinyizizi Wangluo")
    out = link(tenants(*({"company_name": n, "country": "CN"} for n in names)), world, no_ids(), CONFIG)
    assert [(one(out, i)["entity_id"], one(out, i)["may_revoke"]) for i in range(3)] == [
        ("company", True),
        ("sibling", True),
        ("company", True),
    ]


def test_swapped_word_order_links_as_fuzzy_at_the_cap() -> None:
    out = link(tenants({"company_name": "Trading Acme Ltd", "country": "GB"}), WORLD, no_ids(), CONFIG)
    row = one(out)
    assert (row["entity_id"], row["method"], row["confidence"]) == (
        "acme-gb",
        "fuzzy_name",
        CONFIG.fuzzy_max_confidence,
    )


def test_weak_fuzzy_link_cannot_revoke_and_dissimilar_names_do_not_link() -> None:
    out = link(
        tenants(
            {"company_name": "Huawai Tecnolgy", "country": "CN"},  # three edits: 87, below min_revoke
            {"company_name": "Zhongxing Telecom", "country": "CN"},
        ),
        WORLD,
        no_ids(),
        CONFIG,
    )
    weak = one(out)
    assert weak["entity_id"] == "huawei"
    assert weak["confidence"] < CONFIG.min_revoke_confidence
    assert not weak["may_revoke"]
    assert one(out, 1)["method"] == LinkMethod.NONE


def test_identifiers_win_over_names() -> None:
    ids = frame(IDENTIFIERS, [{"entity_id": "huawei", "scheme": "CN-SAMR", "identifier": "914403001922038216"}])
    out = link(
        tenants(
            {
                "company_name": "Acme Trading",  # a name that would link elsewhere
                "country": "GB",
                "tax_country": "CN",
                "tax_registration_number": "9144 0300 1922 0382 16",
            }
        ),
        WORLD,
        ids,
        CONFIG,
    )
    row = one(out)
    assert (row["entity_id"], row["method"], row["confidence"], row["may_revoke"]) == (
        "huawei",
        "tax_id",
        CONFIG.tax_id_confidence,
        True,
    )
    assert row["candidates"][0]["via"] == "CN-SAMR 914403001922038216"


def test_conflicting_identifiers_are_a_tie() -> None:
    ids = frame(
        IDENTIFIERS,
        [
            {"entity_id": "acme-gb", "scheme": "GB-VAT", "identifier": "GB123456789"},
            {"entity_id": "globex-ltd", "scheme": "XI-LEI", "identifier": "5493001KJTIIGC8Y1R12"},
        ],
    )
    ts = tenants(
        {
            "company_name": "Acme",
            "country": "GB",
            "tax_registration_number": "GB123456789",
            "lei": "5493001KJTIIGC8Y1R12",
        }
    )
    row = one(link(ts, WORLD, ids, CONFIG))
    assert not row["may_revoke"]
    assert {c["method"] for c in row["candidates"]} == {"tax_id", "lei"}


def test_identifier_of_unknown_kind_links_but_cannot_revoke() -> None:
    ids = frame(IDENTIFIERS, [{"entity_id": "acme-gb", "scheme": "GB-XYZ", "identifier": "77-1234"}])
    row = one(link(tenants({"company_name": "Other", "country": "GB", "company_number": "771234"}), WORLD, ids, CONFIG))
    assert (row["entity_id"], row["method"], row["confidence"]) == (
        "acme-gb",
        "company_number",
        CONFIG.unknown_scheme_confidence,
    )
    assert not row["may_revoke"]


def test_blocking_refines_large_blocks_and_still_finds_a_typo() -> None:
    crowd = [
        {"entity_id": f"s{i:03d}", "name": f"Shanghai Pudong Venture {i:03d}", "jurisdiction": "CN"} for i in range(60)
    ]
    world = entities(*crowd, {"entity_id": "target", "name": "Shanghai Pudong Xinhua Bookstore", "jurisdiction": "CN"})
    config = MatchingConfig(block_max_size=10, block_lengths=(4, 8))
    row = one(
        link(tenants({"company_name": "Shanghai Pudong Xinhua Bookstores", "country": "CN"}), world, no_ids(), config)
    )
    assert row["entity_id"] == "target"


def test_missing_columns_are_a_clear_error() -> None:
    with pytest.raises(KeyError, match="tenants frame lacks columns"):
        link(pd.DataFrame({"tenant_id": ["1"]}), WORLD, no_ids(), CONFIG)


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_result_does_not_depend_on_entity_or_identifier_order(rnd: Any) -> None:
    ids = frame(
        IDENTIFIERS,
        [
            {"entity_id": "huawei", "scheme": "CN-SAMR", "identifier": "914403001922038216"},
            {"entity_id": "acme-gb", "scheme": "GB-COH", "identifier": "01234567"},
        ],
    )
    ts = tenants(
        {"company_name": "Globex Holdings", "country": "SG"},
        {"company_name": "Huawie Technologies", "country": "CN"},
        {"company_name": "x", "country": "GB", "company_number": "1234567"},
        {"company_name": "Acme Tradng", "country": "DE"},
    )
    expected = link(ts, WORLD, ids, CONFIG)
    shuffled_world = WORLD.sample(frac=1.0, random_state=rnd.randint(0, 10_000))
    shuffled_ids = ids.sample(frac=1.0, random_state=rnd.randint(0, 10_000))
    pd.testing.assert_frame_equal(link(ts, shuffled_world, shuffled_ids, CONFIG), expected)


def test_a_near_name_made_of_known_words_is_another_name_not_a_typo() -> None:
    world = entities(
        {"entity_id": "brel", "name": "Brelton Technology Ltd", "jurisdiction": "GB"},
        {"entity_id": "bral", "name": "Bralton Foods Ltd", "jurisdiction": "GB"},
    )
    out = link(
        tenants(
            {"company_name": "Bralton Technology", "country": "GB"},  # both words are words of registered names
            {"company_name": "Brqlton Technology", "country": "GB"},  # a typo: "brqlton" is nobody's word
        ),
        world,
        no_ids(),
        CONFIG,
    )
    known, typo = one(out, 0), one(out, 1)
    assert known["entity_id"] == typo["entity_id"] == "brel"
    assert known["confidence"] == CONFIG.known_words_max_confidence
    assert not known["may_revoke"]
    assert "known word" in known["candidates"][0]["via"]
    assert typo["may_revoke"]


def _chunked(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a Parquet read gives it: Arrow-backed columns in several chunks."""
    import pyarrow as pa

    half = len(frame) // 2
    tables = [pa.Table.from_pandas(part, preserve_index=False) for part in (frame.iloc[:half], frame.iloc[half:])]
    out: pd.DataFrame = pa.concat_tables(tables).to_pandas()
    return out


def test_frames_in_several_arrow_chunks_link_as_in_one() -> None:
    ids = frame(IDENTIFIERS, [{"entity_id": "huawei", "scheme": "CN-SAMR", "identifier": "914403001922038216"}])
    ts = tenants(
        {"company_name": "Globex Holdings", "country": "SG"},
        {"company_name": "Huawie Technologies", "country": "CN"},
        {"company_name": "x", "country": "CN", "tax_registration_number": "914403001922038216"},
        {"company_name": "Acme Trading Ltd", "country": "GB"},
    )
    expected = link(ts, WORLD, ids, CONFIG)
    pd.testing.assert_frame_equal(link(_chunked(ts), _chunked(WORLD), _chunked(ids), CONFIG), expected)


def test_an_alternate_name_links_and_the_link_names_it() -> None:
    world = entities(
        {
            "entity_id": "yunfan",
            "name": "Shenzhen Yunfan Intelligent Technology Co., Ltd.",
            "alternate_names": '["深圳市云帆智能科技有限公司", "Cloudsail Robotics"]',
            "jurisdiction": "CN-GD",
        },
        {"entity_id": "other", "name": "Cloudsail Robotics Ltd", "alternate_names": "[]", "jurisdiction": "GB"},
    )
    out = link(tenants({"company_name": "Cloudsail Robotics", "country": "CN"}), world, no_ids(), CONFIG)
    row = one(out)
    assert row["entity_id"] == "yunfan"
    assert row["method"] == LinkMethod.EXACT_NAME.value
    assert row["candidates"][0]["matched_name"] == "Cloudsail Robotics"
    script = link(tenants({"company_name": "深圳市雲帆智能科技有限公司", "country": "CN"}), world, no_ids(), CONFIG)
    # Traditional script against the simplified alternate name, and the English legal name too: one entity.
    assert one(script)["entity_id"] == "yunfan"
    assert one(script)["may_revoke"]


def test_a_number_failing_its_check_falls_back_to_the_name_and_cannot_revoke_alone() -> None:
    world = entities(
        {"entity_id": "good", "name": "Shenzhen Yunfan Intelligent Technology Co., Ltd.", "jurisdiction": "CN-GD"},
        {"entity_id": "other", "name": "Hangzhou Other Trading Co., Ltd.", "jurisdiction": "CN-ZJ"},
    )
    # The register holds the number as printed, check character and all; the tenant's copy of another
    # company's number differs in its check character, so it fails and cannot settle the link.
    ids = frame(
        IDENTIFIERS,
        [
            {"entity_id": "good", "scheme": "CN-SAMR", "identifier": "914403001922038216"},
            {"entity_id": "other", "scheme": "CN-SAMR", "identifier": "91330100MA2B3C4D5E"},
        ],
    )
    rows = tenants(
        # A failing number and a name: the name decides.
        {"company_name": "Shenzhen Yunfan Intelligent Technology", "country": "CN",
         "tax_country": "CN", "tax_registration_number": "9133 0100 MA2B 3C4D 5E"},
        # A failing number alone: a link for review, never revoke.
        {"company_name": "Unrelated Name", "country": "CN", "tax_country": "CN",
         "tax_registration_number": "91330100MA2B3C4D5E"},
        # A valid number with spaces and lower case settles the link at once.
        {"company_name": "Unrelated Name", "country": "CN", "tax_country": "CN",
         "tax_registration_number": "9144 0300 1922 0382 16"},
    )  # fmt: skip
    out = link(rows, world, ids, CONFIG)
    assert one(out, 0)["entity_id"] == "good"
    assert one(out, 0)["method"] == LinkMethod.EXACT_NAME.value
    assert one(out, 1)["entity_id"] == "other"
    assert not one(out, 1)["may_revoke"]
    assert "fails its check digits" in one(out, 1)["candidates"][0]["via"]
    assert one(out, 2)["entity_id"] == "good"
    assert one(out, 2)["method"] == LinkMethod.TAX_ID.value
    assert one(out, 2)["may_revoke"]


def test_a_typo_in_a_crowded_word_is_not_capped_as_a_known_word() -> None:
    # Somebody registered the same typo ("Partnes"): a known word, yet a typo of a crowded ending, not a
    # whole other word; a differing whole word (Bral for Brel) stays capped.
    crowd = [{"entity_id": f"c{i}", "name": f"Crowd{i} Partners LLC", "jurisdiction": "US"} for i in range(60)]
    world = entities(
        {"entity_id": "clyhen", "name": "Clyhen Partners LLC", "jurisdiction": "US"},
        {"entity_id": "typo", "name": "Zorvex Partnes LLC", "jurisdiction": "US"},
        {"entity_id": "brel", "name": "Brel Trading Partners LLC", "jurisdiction": "US"},
        {"entity_id": "bral", "name": "Bral Foods LLC", "jurisdiction": "US"},
        *crowd,
    )
    config = MatchingConfig(generic_word_share=0.05)
    out = link(
        tenants(
            {"company_name": "Clyhen Partnes LLC", "country": "US"},
            {"company_name": "Bral Trading Partners LLC", "country": "US"},
        ),
        world,
        no_ids(),
        config,
    )
    assert one(out, 0)["entity_id"] == "clyhen"
    assert one(out, 0)["may_revoke"]
    assert one(out, 1)["entity_id"] == "brel"
    assert one(out, 1)["confidence"] <= config.known_words_max_confidence


def test_a_tenant_whose_block_is_too_large_is_unscored_not_unmatched() -> None:
    # Every registered name starts and ends alike: no block of at most two names exists for the tenant.
    crowd = [
        {"entity_id": f"c{i}", "name": f"Samename Holdings {i:03d} Samename Holdings", "jurisdiction": "US"}
        for i in range(20)
    ]
    config = MatchingConfig(block_max_size=2, block_lengths=(4,), generic_words=0)
    out = link(tenants({"company_name": "Samename Holdings Samename Holdings", "country": "US"}), entities(*crowd),
               no_ids(), config)  # fmt: skip
    assert one(out)["method"] == LinkMethod.UNSCORED.value
    assert pd.isna(one(out)["entity_id"]) or one(out)["entity_id"] == ""
