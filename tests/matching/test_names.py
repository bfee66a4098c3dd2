"""Name normalisation: legal forms, punctuation, case and scripts fold away; distinguishing words stay."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.matching.names import normalise_names


def keys(*names: str | None) -> list[str]:
    return normalise_names(pd.Series(list(names), dtype="str"))["key"].tolist()


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Trading Limited", "ACME TRADING LTD."),
        ("Acme Trading", "Acme Trading Co., Ltd."),
        ("Müller GmbH & Co. KG", "MULLER"),
        ("Société Générale S.A.", "Societe Generale SA"),
        ("Société Générale S. A.", "Societe Generale"),
        ("Sony K.K.", "Sony Kabushiki Kaisha"),
        ("Kabushiki Kaisha Sony", "SONY"),
        ("Flextronics Pte. Ltd.", "Flextronics"),
        ("Grupo Bimbo, S.A. de C.V.", "Grupo Bimbo"),
        ("ООО «Ромашка»", "Romashka"),
        ("PT Bank Central Asia Tbk", "Bank Central Asia"),
        ("北京字节跳动科技有限公司", "Beijing Zijie Tiaodong Keji Youxian Gongsi"),
        ("华为技术有限公司", "Huawei Jishu Co., Ltd."),
        ("O'Brien Holdings plc", "OBrien Holdings"),
        ("The Acme Company", "Acme"),
        ("Acme Sp. z o.o.", "Acme"),
    ],
)
def test_spellings_of_one_name_share_a_key(a: str, b: str) -> None:
    ka, kb = keys(a, b)
    assert ka == kb
    assert ka


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Trading", "Acme Holdings"),
        ("Acme Group", "Acme"),
        ("Acme International", "Acme"),
        ("Alpha Beta", "Alpha Gamma"),
    ],
)
def test_distinguishing_words_stay(a: str, b: str) -> None:
    ka, kb = keys(a, b)
    assert ka != kb


def test_a_name_made_only_of_a_legal_form_is_not_emptied() -> None:
    assert keys("Limited", "The Company") == ["limited", "company"]


def test_missing_and_native_form_only_names_give_empty_keys() -> None:
    assert keys(None, "有限公司", "  ") == ["", "", ""]


def test_sorted_key_ignores_word_order_and_index_is_kept() -> None:
    names = pd.Series(["Trading Acme Ltd", "Acme Trading"], index=[10, 20], dtype="str")
    out = normalise_names(names)
    assert out.index.tolist() == [10, 20]
    assert out.loc[10, "sorted_key"] == out.loc[20, "sorted_key"]
    assert out.loc[10, "key"] != out.loc[20, "key"]


@settings(deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
def test_normalising_is_per_name_and_ascii(names: list[str]) -> None:
    together = normalise_names(pd.Series(names, dtype="str"))
    for i, name in enumerate(names):
        alone = normalise_names(pd.Series([name], dtype="str"))
        assert alone.iloc[0].tolist() == together.iloc[i].tolist()
        assert together.iloc[i]["key"].isascii()
        assert " " not in together.iloc[i]["key"]


@pytest.mark.parametrize("name", ["Nord A/S", "Nord FZ-LLC", "Nord FZE", "Nord JSC", "Nord DAC", "Nord ApS"])
def test_more_legal_forms(name: str) -> None:
    assert keys(name) == ["nord"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Elyx Harbor Intl LLC", "Elyx Harbor International LLC"),
        ("Tejas Gate Mfg Limited", "Tejas Gate Manufacturing Limited"),
        ("Grün Crest Informatik Aktiengesellschaft", "Grün Crest Informatik AG"),
        ("Helica Blue Sistemas Limitada", "Helica Blue Sistemas Ltda."),
        ("LLC Taysoft", "ООО «Тайсофт»"),
    ],
)
def test_abbreviations_and_forms_written_out(a: str, b: str) -> None:
    ka, kb = keys(a, b)
    assert ka == kb


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # One Chinese name in script (simplified and traditional), pinyin and its English rendering.
        ("深圳市云帆智能科技有限公司", "Shenzhen Yunfan Zhineng Keji Youxian Gongsi"),
        ("深圳市云帆智能科技有限公司", "Shenzhen Yunfan Intelligent Technology Co., Ltd."),
        ("深圳市雲帆智能科技有限公司", "深圳市云帆智能科技有限公司"),
        ("Shēnzhèn Yúnfān Zhìnéng Kējì", "Shenzhen Yunfan Intelligent Tech"),
        ("Shenzhen Yun Fan Intelligent Technology", "Shenzhen Yunfan Intelligent Technology"),
        # Pinyin syllable by syllable, run together in camel case, and a generic word misspelt.
        ("Shen Zhen Yun Fan Zhi Neng Ke Ji You Xian Gong Si", "深圳市云帆智能科技有限公司"),
        ("ShenzhenYunfanZhinengKeji Co Ltd", "深圳市云帆智能科技有限公司"),
        ("shenzhenyunfanzhinengkejiyouxiangongsi", "深圳市云帆智能科技有限公司"),
        ("shenzhenyunfanzhinengkeji co ltd", "Shenzhen Yunfan Intelligent Technology Co., Ltd."),
        ("Nanjing Xiyunchen Ranjian Youxian Gongsi", "南京西云晨软件有限公司"),
        # A short pinyin generic word one edit away (a letter dropped, two swapped), a capital slipped.
        ("Longyi Kji Youxian Gongsi", "Longyi Keji Co., Ltd."),
        ("Wangchengfeng Kjei Co Ltd", "旺诚峰科技有限公司"),
        ("Suzhou Dazheng Keiji Company Limited", "苏州达正科技有限责任公司"),
        ("Linggongxinsi Wliu Company Limited", "Linggongxinsi Logistics Co., Ltd."),
        ("Yuzhi iYyao Company Limited", "宇智医药股份有限公司"),
        # A city read as a place (重庆 Chongqing, not Zhongqing), its 市 dropped.
        ("重庆市云帆网络科技有限公司", "Chongqing Yunfan Network Technology Co., Ltd."),
        ("厦门云帆集团有限公司", "Xiamen Yunfan Jituan"),
        # Full-width forms and look-alike letters.
        ("ＮＯＲＤＷＥＲＫ Antriebstechnik GmbH", "Nordwerk Antriebstechnik GmbH"),
        ("Nоrdwеrk Antriebstechnik GmbH", "Nordwerk Antriebstechnik GmbH"),  # Cyrillic о and е
        ("ΑCME Ρrecision Ltd", "ACME Precision Ltd"),  # Greek Alpha and Rho
        # Legal forms from rigour's database that the hand list lacks.
        ("Acme sp. k.", "Acme"),
        ("Acme e.K.", "Acme"),
        ("Acme EOOD", "Acme"),
    ],
)
def test_scripts_renderings_and_forms_share_a_key(a: str, b: str) -> None:
    ka, kb = keys(a, b)
    assert ka == kb
    assert ka


def test_a_city_moved_behind_the_brand_is_a_swapped_word() -> None:
    names = pd.Series(["深圳云帆智能科技有限公司", "云帆深圳智能科技有限公司"], dtype="str")
    out = normalise_names(names)
    assert out["key"][0] != out["key"][1]
    assert out["sorted_key"][0] == out["sorted_key"][1]


def test_a_name_wholly_in_cyrillic_is_transliterated_not_read_by_looks() -> None:
    # Read by looks, Р would be P and Н would be H: "POMAWKA", "HOBA".
    assert keys("ООО Ромашка", "Нова") == ["romashka", "nova"]


def test_a_chinese_place_inside_a_clear_name_stays_a_word() -> None:
    # A company named after a city is not that city's company: the rest of the name still counts.
    ka, kb = keys("Shanghai Rose Bakery Ltd", "上海科技有限公司")
    assert ka != kb


def test_camel_case_splits_words_but_keeps_legal_forms_whole() -> None:
    names = ["ZhengzhouXijiakangTouzi", "ShenZhenYunFan", "Acme KGaA", "Acme GmbH", "McKee Foods"]
    out = normalise_names(pd.Series(names, dtype="str"))
    assert out["words"].tolist() == [
        "zhengzhou xijiakang investment",
        "shen zhen yun fan",
        "acme",
        "acme",
        "mckee foods",
    ]


def test_an_english_word_two_letters_from_a_pinyin_word_is_not_corrected_to_it() -> None:
    # Shipping is 86% similar to Shipin (foods), but two letters away: a word, not a slip.
    ka, kb = keys("Global Shipping Ltd", "Global Foods Ltd")
    assert (ka, kb) == ("globalshipping", "globalfoods")


def test_a_short_last_word_near_pinyin_is_corrected_only_at_the_end_and_only_to_pinyin() -> None:
    # Kji ends the name: Keji misspelt. Kji inside a name is a brand; Bach is no misspelt "mach".
    out = normalise_names(pd.Series(["Longyi Kji", "Kji Longyi", "Acme Bach"], dtype="str"))
    assert out["words"].tolist() == ["longyi technology", "kji longyi", "acme bach"]
