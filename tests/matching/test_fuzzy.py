"""Fuzzy candidates: blocking finds typos anywhere, never pairs across countries, scores are honest."""

from __future__ import annotations

import pandas as pd
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from pipeline.config import MatchingConfig
from pipeline.matching.fuzzy import fuzzy_candidates, generic_endings, head_keys
from pipeline.matching.names import normalise_names


def side(names: list[str], countries: list[str]) -> pd.DataFrame:
    normal = normalise_names(pd.Series(names, dtype="str"))
    return normal.assign(country=pd.Series(countries, dtype="str"))


def test_generic_endings_are_the_common_last_words() -> None:
    words = pd.Series(["alpha technology", "beta technology", "gamma technology", "delta trading", "x"], dtype="str")
    config = MatchingConfig(generic_word_share=0.4)
    assert generic_endings(words, config) == ["technology"]


def test_head_keys_cut_a_generic_ending_only_when_enough_is_left() -> None:
    keys = pd.Series(["zhongqingsilianpengwangluo", "abcwangluo", "wangluo"], dtype="str")
    assert head_keys(keys, ["wangluo"], 8).to_pylist() == ["zhongqingsilianpeng", "abcwangluo", "wangluo"]


def test_a_typo_at_the_start_is_found_through_the_head_even_when_starts_are_crowded() -> None:
    crowd = [f"Zhongqing Venture {i:03d} Wangluo" for i in range(80)]
    pool = side([*crowd, "中庆思联鹏网络有限公司"], ["CN"] * 81)  # folds to "zhongqingsilianpengwangluo"
    queries = side(["Hzongqing Silianpeng Wangluo Co., Ltd."], ["CN"])
    config = MatchingConfig(block_max_size=10, block_lengths=(4, 8), generic_word_share=0.5)
    found = fuzzy_candidates(queries, pool, config)
    assert 80 in found["p"].tolist()


def test_no_pair_crosses_countries() -> None:
    pool = side(["Acme Trading", "Acme Trading"], ["GB", "DE"])
    found = fuzzy_candidates(side(["Acme Tradnig"], ["GB"]), pool, MatchingConfig())
    assert found["p"].tolist() == [0]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefgh ", min_size=4, max_size=14), min_size=1, max_size=8),
    st.lists(st.text(alphabet="abcdefgh ", min_size=4, max_size=14), min_size=1, max_size=30),
)
@example(queries=["aaaa"], pool=["aaaaa"])  # a score that float32 cannot hold exactly (CI found it)
def test_scores_are_the_ratio_of_the_keys_and_at_least_the_minimum(queries: list[str], pool: list[str]) -> None:
    config = MatchingConfig(fuzzy_min_score=70.0)
    q, p = side(queries, ["FR"] * len(queries)), side(pool, ["FR"] * len(pool))
    found = fuzzy_candidates(q, p, config)
    for qi, pi, score in zip(found["q"], found["p"], found["score"], strict=True):
        direct = fuzz.ratio(q["key"].iloc[qi], p["key"].iloc[pi])
        reordered = fuzz.ratio(q["sorted_key"].iloc[qi], p["sorted_key"].iloc[pi])
        assert score >= config.fuzzy_min_score
        # rapidfuzz's cpdist returns float32 (resolution about 8e-6 near 100): 88.888885 is 800/9.
        assert abs(score - max(direct, reordered)) < 1e-4
    assert not found.duplicated(["q", "p"]).any()


def test_a_shared_generic_ending_does_not_carry_a_match() -> None:
    pool = side([f"{w} Technologies" for w in ("Huawei", "Lenovo", "Xiaomi", "Tencent")], ["CN"] * 4)
    config = MatchingConfig(generic_word_share=0.5)
    short = fuzzy_candidates(side(["Hua Tech"], ["CN"]), pool, config)  # 90 on the keys, 67 on the heads
    typo = fuzzy_candidates(side(["Huawie Technology"], ["CN"]), pool, config)
    assert short.empty
    assert typo["p"].tolist() == [0]


def test_a_typo_inside_a_crowded_ending_still_meets_its_entity() -> None:
    # About as in the demo world at 100,000 tenants: hundreds of German names end in "antriebstechnik",
    # so it is a generic ending; the tenant misspelt exactly that word.
    crowd = [f"{w}{i} Antriebstechnik" for i in range(300) for w in ("Sud", "Ost", "West")]
    pool = side(["Nordwerk Antriebstechnik", *crowd], ["DE"] * (len(crowd) + 1))
    config = MatchingConfig(generic_word_share=0.05)
    assert "antriebstechnik" in generic_endings(pool["words"], config)
    found = fuzzy_candidates(side(["Nordwerk Antriebstechnick"], ["DE"]), pool, config)
    assert found["p"].tolist() == [0]
    # A different head with the same crowded ending is still another company.
    other = fuzzy_candidates(side(["Sudwerk Antriebstechnick"], ["DE"]), pool, config)
    assert 0 not in other["p"].tolist()
