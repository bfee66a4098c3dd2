"""Normalised company names: the keys that names are compared by.

Invariant: two spellings of one legal name that differ only in case, punctuation, spacing, script or
legal-form words get the same `key`; if they also differ in word order they get the same `sorted_key`.
Normalising is a pure function of the name alone, so tenants and entities (and each entity's alternate
names) are normalised the same way and in any order.

What counts as the same spelling:
- Full-width and other compatibility forms (ＡＢＣ, ﬁ) by NFKC; Cyrillic and Greek look-alike letters
  inside a Latin name (Nоrdwerk with a Cyrillic о) as the Latin letters they imitate. A name written
  wholly in Cyrillic or Greek is transliterated instead.
- Chinese: traditional characters folded to simplified (OpenCC t2s); the generic words of company names
  replaced by their usual English rendering (科技 technology, 网络 network, 智能 intelligent, 集团 group,
  ...), and their pinyin the same way (Keji, Wangluo, Zhineng, Jituan), so that 深圳市云帆智能科技有限公司,
  "Shenzhen Yunfan Zhineng Keji Youxian Gongsi" and "Shenzhen Yunfan Intelligent Technology Co., Ltd."
  share one key; cities and provinces read by pypinyin (重庆 Chongqing, 厦门 Xiamen, where a character by
  character reading gives Zhongqing, Shamen) and set apart as a word of their own, so that a city moved
  behind the brand is a swapped word; the rest read character by character (`anyascii`), tone marks
  dropped, spaces removed in the key (Yun Fan, Yunfan and 云帆 meet). A name wholly in pinyin run
  together ("shenzhenyunfankejiyouxiangongsi") has its generic words and legal form set apart first.
- Legal forms: the hand list below (forms of the countries we see most, romanised Asian forms) plus
  every organisation type of rigour's database (OpenSanctions; ISO 20275 and more) found at the end of
  a name. Forms in CJK script are cut before folding, because folding reads them as syllables.

Why these steps, in this order:
- Folding runs only on the non-ASCII names (most are ASCII) since it is per-string Python.
- Everything else runs in Arrow's vectorised string kernels: the matcher normalises millions of names.
- Legal forms are only cut at the ends of a name and never leave it empty, so "Limited" alone stays.

What still cannot be matched by keys: pinyin with tone numbers (Shen1zhen4), Wade-Giles or Cantonese
romanisations (Peking, Shum Chun), an English name chosen freely rather than rendered word by word, and
a polyphonic character outside the city list read the other way (the fuzzy stage may still catch it).
"""

from __future__ import annotations

import functools
import re
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii
from rigour.names.org_types import extract_org_types

from pipeline.arrays import LargeStrings, filled, list_joined, strings, text_series, utf8_normalized

if TYPE_CHECKING:
    import opencc  # imported where it is used, in _simplifier

# Legal forms written in their own script, cut before folding (longest first so the whole form goes).
NATIVE_FORMS: tuple[str, ...] = (
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "有限公司",
    "股份公司",
    "株式会社",
    "有限会社",
    "合同会社",
    "合資会社",
    "合名会社",
    "주식회사",
    "유한회사",
    "(주)",
    "㈜",
)

# Legal forms after folding, lower case, dots and apostrophes removed, other punctuation as spaces.
# Cut repeatedly from the end of a name ("co ltd", "gmbh co kg", "sa de cv"). Both sides of a match are
# normalised alike, so a form that is also an ordinary word costs at most a tie (which goes to review).
TRAILING_FORMS: tuple[str, ...] = (
    # English and common-law
    "limited",
    "ltd",
    "l t d",
    "llc",
    "l l c",
    "llp",
    "lp",
    "plc",
    "public limited company",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "and co",
    "pty",
    "pte",
    "pvt",
    "private",
    "unlimited",
    "ulc",
    # German-speaking
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "kgaa",
    "ohg",
    "ug",
    "ug haftungsbeschrankt",
    "haftungsbeschrankt",
    "se",
    "ev",
    # French, Benelux, Southern Europe, Latin America
    "sa",
    "s a",
    "sas",
    "sasu",
    "sarl",
    "s a r l",
    "eurl",
    "sca",
    "snc",
    "bv",
    "b v",
    "nv",
    "n v",
    "bvba",
    "vof",
    "spa",
    "s p a",
    "srl",
    "s r l",
    "sl",
    "slu",
    "ltda",
    "lda",
    "eireli",
    "sa de cv",
    "de cv",
    "s de rl",
    "de rl",
    "sac",
    "saa",
    "eirl",
    # Nordic, Central and Eastern Europe
    "ab",
    "publ",
    "as",
    "asa",
    "aps",
    "oy",
    "oyj",
    "ehf",
    "hf",
    "sp z oo",
    "spzoo",
    "sp k",
    "spolka z oo",
    "sro",
    "s r o",
    "kft",
    "zrt",
    "nyrt",
    "doo",
    "d o o",
    "dd",
    "ad",
    "ood",
    "eood",
    "uab",
    "sia",
    "ou",
    "as",
    "ltd sti",
    "sti",
    "anonim sirketi",
    "limited sirketi",
    # Asia
    "kk",
    "k k",
    "kabushiki kaisha",
    "kabushikigaisha",
    "kabushiki gaisha",
    "gk",
    "godo kaisha",
    "yugen kaisha",
    "jusikhoesa",
    "jusik hoesa",
    "youxian gongsi",
    "youxiangongsi",
    "youxian zeren gongsi",
    "you xian gong si",
    "you xian ze ren gong si",
    "gu fen you xian gong si",
    "gufen youxian gongsi",
    "gufen gongsi",
    "gongsi",
    "sdn bhd",
    "bhd",
    "berhad",
    "tbk",
    # Gulf free zones, CIS joint-stock companies, Irish and Danish forms
    "fze",
    "fzco",
    "fzc",
    "fz llc",
    "fzllc",
    "jsc",
    "pjsc",
    "ojsc",
    "cjsc",
    "dac",
    "a s",
    "i s",
    "k s",
    # Greek (Α.Ε., Ε.Π.Ε., Ι.Κ.Ε. folded)
    "ae",
    "epe",
    "ike",
    # Forms written out in full
    "aktiengesellschaft",
    "gesellschaft mit beschrankter haftung",
    "aktiebolag",
    "aktieselskab",
    "aksjeselskap",
    "anpartsselskab",
    "osakeyhtio",
    "limitada",
    "sociedad anonima",
    "sociedad limitada",
    "societe anonyme",
    "societe par actions simplifiee",
    "societe a responsabilite limitee",
    "besloten vennootschap",
    "naamloze vennootschap",
    "societa per azioni",
    "societa a responsabilita limitata",
    "spolka akcyjna",
    "spolka z ograniczona odpowiedzialnoscia",
    "limited liability company",
    "joint stock company",
    "public joint stock company",
    "yugen gaisha",
    "godo gaisha",
)

# Words customers abbreviate, written out in one form on both sides (Tech, Technologies -> technology).
# Written out rather than abbreviated: a typo weighs less against a longer key.
ABBREVIATIONS: dict[str, str] = {
    "tech": "technology",
    "technologies": "technology",
    "tec": "tecnologia",
    "intl": "international",
    "mfg": "manufacturing",
    "eng": "engineering",
    "sys": "systems",
    "pharma": "pharmaceuticals",
    "pharmaceutical": "pharmaceuticals",
    "elec": "electronics",
    "ind": "industries",
    "svcs": "services",
    "mgmt": "management",
    "dev": "development",
    "assoc": "associates",
    "bros": "brothers",
    "labs": "laboratories",
    "lab": "laboratory",
    "comms": "communications",
    "dept": "department",
    "natl": "national",
    "semi": "semiconductor",
    "semiconductors": "semiconductor",
    "mach": "machinery",
    "opto": "optoelectronics",
}

# The generic words of Chinese company names, in Chinese script (simplified: traditional is folded to it
# first) and in pinyin, each with its usual English rendering. Both spellings become the English word, so
# a name written in any of the three meets the others. Longest first when cut from a Chinese-script name.
CHINESE_WORDS: dict[str, tuple[str, str]] = {
    "科技": ("keji", "technology"),
    "技术": ("jishu", "technology"),
    "信息": ("xinxi", "information"),
    "网络": ("wangluo", "network"),
    "电子": ("dianzi", "electronics"),
    "智能": ("zhineng", "intelligent"),
    "贸易": ("maoyi", "trading"),
    "实业": ("shiye", "industrial"),
    "工业": ("gongye", "industrial"),
    "投资": ("touzi", "investment"),
    "物流": ("wuliu", "logistics"),
    "软件": ("ruanjian", "software"),
    "医药": ("yiyao", "pharmaceuticals"),
    "传媒": ("chuanmei", "media"),
    "能源": ("nengyuan", "energy"),
    "新能源": ("xinnengyuan", "new energy"),
    "集团": ("jituan", "group"),
    "控股": ("konggu", "holdings"),
    "数据": ("shuju", "data"),
    "云计算": ("yunjisuan", "cloud computing"),
    "计算": ("jisuan", "computing"),
    "通信": ("tongxin", "communications"),
    "通讯": ("tongxun", "communications"),
    "半导体": ("bandaoti", "semiconductor"),
    "机械": ("jixie", "machinery"),
    "制造": ("zhizao", "manufacturing"),
    "材料": ("cailiao", "materials"),
    "咨询": ("zixun", "consulting"),
    "服务": ("fuwu", "services"),
    "管理": ("guanli", "management"),
    "发展": ("fazhan", "development"),
    "国际": ("guoji", "international"),
    "工程": ("gongcheng", "engineering"),
    "设备": ("shebei", "equipment"),
    "汽车": ("qiche", "automotive"),
    "光电": ("guangdian", "optoelectronics"),
    "建设": ("jianshe", "construction"),
    "文化": ("wenhua", "culture"),
    "教育": ("jiaoyu", "education"),
    "银行": ("yinhang", "bank"),
    "保险": ("baoxian", "insurance"),
    "证券": ("zhengquan", "securities"),
    "电气": ("dianqi", "electric"),
    "化工": ("huagong", "chemical"),
    "食品": ("shipin", "foods"),
    "生物": ("shengwu", "bio"),
    "进出口": ("jinchukou", "import export"),
}

# Cities and provinces: read by pypinyin (which knows 重庆 is Chongqing) and made a word of their own.
# The administrative suffix that follows them (市 city, 省 province) is dropped, as English renderings do.
CHINESE_PLACES: tuple[str, ...] = (
    "北京", "上海", "天津", "重庆", "深圳", "广州", "杭州", "成都", "武汉", "南京", "苏州", "西安", "长沙",
    "青岛", "厦门", "合肥", "郑州", "济南", "大连", "宁波", "沈阳", "长春", "哈尔滨", "福州", "昆明", "南宁",
    "贵阳", "南昌", "太原", "石家庄", "兰州", "乌鲁木齐", "呼和浩特", "银川", "西宁", "拉萨", "海口", "三亚",
    "珠海", "东莞", "佛山", "无锡", "常州", "温州", "绍兴", "嘉兴", "台州", "金华", "烟台", "潍坊", "徐州",
    "泉州", "惠州", "中山", "江门", "汕头", "香港", "澳门", "台北", "广东", "浙江", "江苏", "山东", "福建",
    "四川", "湖北", "湖南", "河南", "河北", "安徽", "江西", "辽宁", "吉林", "黑龙江", "陕西", "山西", "云南",
    "贵州", "广西", "甘肃", "新疆", "内蒙古", "海南", "宁夏", "青海", "西藏",
)  # fmt: skip

# Cyrillic and Greek letters that look like Latin ones, for names that mix them into Latin script (a
# spoofed or mistyped name); a name wholly in Cyrillic or Greek is transliterated, not read by looks.
CONFUSABLES: dict[str, str] = dict(
    zip(
        "АВЕКМНОРСТУХЅІЈаеорсуухіјѕһԁԛԝΑΒΕΖΗΙΚΜΝΟΡΤΥΧαβεικνορτυχ",
        "ABEKMHOPCTYXSIJaeopcyyxijshdqwABEZHIKMNOPTYXabeiknoptux",
        strict=True,
    )
)

# Forms (and articles) that stand before the name: Indonesian PT/CV, Russian/Ukrainian ООО, АО, ТОВ, ...
LEADING_FORMS: tuple[str, ...] = (
    "the",
    "pt",
    "cv",
    "llc",
    "jsc",
    "pjsc",
    "ojsc",
    "cjsc",
    "ooo",
    "oao",
    "zao",
    "pao",
    "ao",
    "tov",
    "pat",
    "kabushiki kaisha",
    "kabushikigaisha",
)


def _alternation(forms: tuple[str, ...]) -> str:
    ordered = sorted(set(forms), key=lambda f: (-len(f), f))
    return "|".join(re.escape(f) for f in ordered)


# Whole words written out in one form: abbreviations, and pinyin generic words as their English rendering.
_WORDS = ABBREVIATIONS | dict(CHINESE_WORDS.values())
_ABBREVIATED_FROM = pa.array(list(_WORDS), type=pa.large_string())
_ABBREVIATED_TO = pa.array(list(_WORDS.values()), type=pa.large_string())
_NATIVE_TRAILING = rf"\s*(?:{_alternation(NATIVE_FORMS)})\s*$"
_NATIVE_LEADING = rf"^\s*(?:{_alternation(NATIVE_FORMS)})\s*"
# Organisation types of rigour's database that are also ordinary last words of names: not cut.
_NOT_FORMS = frozenset({"group", "holding", "holdings", "bank", "trust", "foundation", "partners", "company"})
_LEADING = rf"^(?:(?:{_alternation(LEADING_FORMS)}) )+"


_HAN = r"[\x{3400}-\x{9fff}\x{f900}-\x{faff}]"
_NOT_HAN = r"[^\x{3400}-\x{9fff}\x{f900}-\x{faff}]+"
_HAN_PY = re.compile("[\u3400-\u9fff\uf900-\ufaff]")
_LATIN_PY = re.compile("[A-Za-z]")
_LOOKALIKE_PY = re.compile("[\u0370-\u03ff\u0400-\u04ff\u0500-\u052f]")
_CONFUSABLE_TABLE = str.maketrans(CONFUSABLES)


@functools.cache
def _simplifier() -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC("t2s")


@functools.cache
def _han_words() -> tuple[re.Pattern[str], dict[str, str]]:
    """One pattern for the Chinese generic words and places, and what each is written as (with spaces)."""
    from pypinyin import lazy_pinyin

    readings = {han: f" {english} " for han, (_, english) in CHINESE_WORDS.items()}
    for place in CHINESE_PLACES:
        reading = f" {''.join(lazy_pinyin(place))} "
        readings |= {place: reading, place + "市": reading, place + "省": reading}
    ordered = sorted(readings, key=lambda w: (-len(w), w))
    return re.compile("|".join(map(re.escape, ordered))), readings


def _simplified(values: LargeStrings) -> LargeStrings:
    """Traditional Chinese characters folded to simplified, in the names that have Chinese characters."""
    han = filled(pc.match_substring_regex(values, _HAN), False)
    if not pc.any(han).as_py():
        return values
    found = pc.replace_substring_regex(values.filter(han), r"[\r\n]", " ").to_pylist()
    texts = [t for t in found if t is not None]  # matched a pattern, so never null; the stubs cannot tell
    converted = _simplifier().convert("\n".join(texts)).split("\n")
    # replace_with_mask is declared without types; it gives the kind of array it replaces in.
    replaced: LargeStrings = pc.replace_with_mask(values, han, pa.array(converted, type=values.type))
    return replaced


def _fold_one(text: str) -> str:
    if _LOOKALIKE_PY.search(text) and _LATIN_PY.search(text):
        text = text.translate(_CONFUSABLE_TABLE)
    if _HAN_PY.search(text):
        pattern, readings = _han_words()
        text = pattern.sub(lambda m: readings[m.group()], text)
    return anyascii(text)


def _fold(values: LargeStrings) -> LargeStrings:
    """Fold the non-ASCII strings to ASCII; ASCII strings pass through untouched."""
    non_ascii = pc.invert(filled(pc.string_is_ascii(values), True))
    if not pc.any(non_ascii).as_py():
        return values
    positions = pc.indices_nonzero(non_ascii)
    taken = values.take(positions).to_pylist()
    folded = pa.array([None if v is None else _fold_one(v) for v in taken], type=values.type)
    replaced: LargeStrings = pc.replace_with_mask(values, non_ascii, folded)
    return replaced


def _tails(words: LargeStrings, count: int) -> LargeStrings:
    """The last `count` words of each name (the whole name when shorter), distinct."""
    parts = pc.split_pattern(pc.utf8_reverse(words), " ", max_splits=count)
    tails = pc.utf8_reverse(list_joined(pc.list_slice(parts, 0, count), " "))
    return pc.unique(tails).drop_null()


def rigour_forms(words: LargeStrings) -> frozenset[str]:
    """The organisation types of rigour's database that end some of these (normalised) names.

    rigour matches its forms anywhere in a text; we cut them only at the end of a name, so it is shown
    each name's last words (a form has at most four), all in one text: one call, not one per name.
    """
    tails = _tails(words, 4)
    if not len(tails):
        return frozenset()
    texts = [t for t in tails.to_pylist() if t is not None]  # nulls dropped in _tails; the stubs cannot tell
    found = extract_org_types("\n".join(texts))
    return frozenset(alias for alias, _ in found if alias not in _NOT_FORMS and re.fullmatch(r"[a-z0-9 ]+", alias))


_PINYIN_WORDS = pa.array(sorted(pinyin for pinyin, _ in CHINESE_WORDS.values()), type=pa.large_string())


def _joined_syllables(words: Any) -> Any:  # Arrow arrays of either string width: the stubs' overloads split on it
    """Two neighbouring words that spell a pinyin generic word together ("Ke Ji") joined into it ("keji"),
    so that pinyin written syllable by syllable meets the same name written word by word."""
    tokens = pc.split_pattern(words, " ")
    flat = tokens.flatten()
    if len(flat) < 2:
        return words
    parents = pc.list_parent_indices(tokens).to_numpy()
    nothing = pa.scalar("", type=flat.type)
    pairs = pc.binary_join_element_wise(flat.slice(0, len(flat) - 1), flat.slice(1), nothing)
    hit = pc.is_in(pairs, value_set=_PINYIN_WORDS).to_numpy(zero_copy_only=False) & (parents[1:] == parents[:-1])
    if not hit.any():
        return words
    hit[1:] &= ~hit[:-1]  # of two overlapping pairs, the first
    first = np.append(hit, False)
    second = np.insert(hit, 0, False)
    joined = pc.if_else(pa.array(first), pc.binary_join_element_wise(flat, flat.take(pa.array(np.minimum(
        np.arange(len(flat)) + 1, len(flat) - 1))), nothing), flat)  # fmt: skip
    kept = pa.array(~second)
    counts = np.bincount(parents[~second], minlength=len(words))
    offsets: Any = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))
    merged = pa.LargeListArray.from_arrays(offsets, joined.filter(kept)) if pa.types.is_large_string(
        flat.type) else pa.ListArray.from_arrays(offsets.cast(pa.int32()), joined.filter(kept))  # fmt: skip
    out = pc.binary_join(merged, pa.scalar(" ", type=words.type))
    return pc.if_else(pc.is_valid(words), out, words)


# One pinyin syllable: an initial (or none) and a final. A name made only of these is romanised Chinese.
_SYLLABLE = (
    "(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    "(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|er|ia|ie|iu|in|ua|uo|ui|un|ve|ue"
    "|a|o|e|i|u|v)"
)
_ALL_PINYIN = f"^(?:{_SYLLABLE})+(?: (?:{_SYLLABLE})+)*$"
_GLUED_FORM = r"([a-z])(gufenyouxiangongsi|youxianzerengongsi|youxiangongsi)$"
_GLUED_WORD = rf"([a-z])({_alternation(tuple(p for p, _ in CHINESE_WORDS.values()))})((?: [a-z]+)*)$"


def _run_together(arr: Any) -> Any:  # Arrow strings of either width, lower case, words apart by one space
    """In a name written wholly in pinyin, a legal form and generic words run onto the brand are words
    apart ("shenzhenyunfankejiyouxiangongsi" -> "shenzhenyunfan keji youxiangongsi"): the key has no
    spaces, so the brand needs none, but the legal form must be cut and the generic words rendered."""
    pinyin = filled(pc.match_substring_regex(arr, _ALL_PINYIN), False)
    if not pc.any(pinyin).as_py():
        return arr
    split = pc.replace_substring_regex(arr, _GLUED_FORM, r"\1 \2")
    # From the end, one generic word at a time (xinxijishu is two).
    for _ in range(3):
        split = pc.replace_substring_regex(split, _GLUED_WORD, r"\1 \2\3")
    return pc.if_else(pinyin, split, arr)


# A word at least this similar (0-100) to a word written out in one form (a pinyin generic word, an
# abbreviation) and at least this long is that word misspelt: "Ruanjian" misspelt as "Ranjian" would
# otherwise keep the pinyin while its entity's name reads "software".
_CORRECTION_SCORE = 85.0
_LAST_WORD_SCORE = 80.0
_CORRECTION_MIN_LENGTH = 5
_CORRECTABLE = [w for w in _WORDS if len(w) >= _CORRECTION_MIN_LENGTH]
# A short last word (three to five letters: Kji, Wliu, Tozi, Kjei, Keiji) one edit from a pinyin generic
# word of at least four letters (a letter added, dropped, changed, or two swapped) is that word misspelt:
# the similarity ratio weighs one edit in four letters as too much, an edit distance does not. Pinyin only:
# the English abbreviations are short words of every language (Bach is no "mach").
_SHORT_PINYIN = sorted(pinyin for pinyin, _ in CHINESE_WORDS.values() if len(pinyin) >= 4)


def _corrected(tokens: Any) -> Any:  # a list array of either string width, its flattened words
    """The words of `tokens` (a list array), flattened, those one typo from a word of `_WORDS` replaced by
    it (each distinct word compared once). A name's last word, where the generic words stand, may be
    one edit in five letters away (`_LAST_WORD_SCORE`: Diunzi for Dianzi), or, three to five letters
    long, one edit from a pinyin generic word (Kji, Wliu, Keiji: `_short_pinyin_typos`); other words, brands
    among them, need `_CORRECTION_SCORE`. Either way at most one edit away (two in nine letters or more):
    "Global Shipping" is no misspelt "Global Shipin" (foods)."""
    from rapidfuzz import fuzz, process
    from rapidfuzz.distance import OSA

    flat = tokens.flatten()
    long_enough = pc.greater_equal(pc.utf8_length(flat), pa.scalar(_CORRECTION_MIN_LENGTH))
    candidates = pc.unique(flat.filter(long_enough))
    candidates = candidates.filter(pc.invert(pc.is_in(candidates, value_set=_ABBREVIATED_FROM)))
    values = candidates.to_numpy(zero_copy_only=False)
    best = np.full(len(values), -1, dtype=np.int64)
    score = np.zeros(len(values), dtype=np.uint8)
    for start in range(0, len(values), 50_000):
        scores = process.cdist(
            values[start : start + 50_000], _CORRECTABLE, scorer=fuzz.ratio, score_cutoff=_LAST_WORD_SCORE,
            dtype=np.uint8, workers=-1,
        )  # fmt: skip
        score[start : start + 50_000] = scores.max(axis=1)
        best[start : start + 50_000] = scores.argmax(axis=1)
    hit = score > 0
    if hit.any():
        # And few edits: the ratio lets a long word differ by two letters from a short one ("Shipping" is
        # 86% "Shipin"), a misspelling is one slip, two in a word of nine letters or more.
        rows = np.flatnonzero(hit)
        edits = process.cpdist(
            values[rows], [_CORRECTABLE[i] for i in best[rows]], scorer=OSA.distance, dtype=np.int64, workers=-1
        )
        allowed = np.where(np.char.str_len(values[rows].astype(str)) >= 9, 2, 1)
        hit[rows[edits > allowed]] = False
        score[~hit] = 0
    offsets = tokens.offsets.to_numpy()
    last = np.zeros(len(flat), dtype=bool)
    ends = offsets[1:][offsets[1:] > offsets[:-1]] - 1
    last[ends] = True
    strong = pc.is_in(flat, value_set=candidates.filter(pa.array(score >= _CORRECTION_SCORE))).to_numpy(
        zero_copy_only=False
    )
    out, use = flat, np.zeros(len(flat), dtype=bool)
    if hit.any():
        meant = pa.array([_CORRECTABLE[i] for i in best[hit]], type=flat.type)
        where = pc.index_in(flat, value_set=candidates.filter(pa.array(hit)))
        use = (last | strong) & pc.is_valid(where).to_numpy(zero_copy_only=False)
        out = pc.if_else(pa.array(use), meant.take(pc.fill_null(where, 0)), flat)
    short, short_meant = _short_pinyin_typos(flat.filter(pa.array(last & ~use)))
    if not len(short):
        return out
    at = pc.index_in(flat, value_set=short)
    fix = last & ~use & pc.is_valid(at).to_numpy(zero_copy_only=False)
    return pc.if_else(pa.array(fix), short_meant.take(pc.fill_null(at, 0)), out)


def _short_pinyin_typos(words: Any) -> tuple[Any, Any]:
    """(typos, meant): the distinct three- to five-letter `words` one edit from a pinyin generic word,
    and that word (`_SHORT_PINYIN`)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    length = pc.utf8_length(words)
    distinct = pc.unique(
        words.filter(pc.and_(pc.greater_equal(length, pa.scalar(3)), pc.less_equal(length, pa.scalar(5))))
    )
    distinct = distinct.filter(pc.invert(pc.is_in(distinct, value_set=_ABBREVIATED_FROM)))
    if not len(distinct):
        return distinct, distinct
    distance = process.cdist(
        distinct.to_numpy(zero_copy_only=False), _SHORT_PINYIN, scorer=OSA.distance, score_cutoff=1,
        dtype=np.int32, workers=-1,
    )  # fmt: skip
    one = distance.min(axis=1) <= 1
    meant = [_SHORT_PINYIN[i] for i in distance.argmin(axis=1)[one]]
    return distinct.filter(pa.array(one)), pa.array(meant, type=words.type)


@functools.cache
def _trailing(extra: frozenset[str]) -> str:
    return rf"(?: (?:{_alternation(TRAILING_FORMS + tuple(extra))}))+$"


def _normalise_distinct(values: LargeStrings) -> tuple[LargeStrings, ...]:
    """(words, key, sorted_key, han, literal) for an array of distinct names."""
    arr = utf8_normalized(values, "NFKC")
    arr = pc.utf8_trim_whitespace(arr)
    # Words run together in camel case ("ShenzhenYunfan", pinyin written without spaces) are words apart:
    # two lower-case letters, a capital and two lower-case letters, so GmbH, KGaA and SpA stay whole and
    # a capital second in a word is a slip, not a word (iJshu, McKee). Twice, since one match consumes the
    # letters the next one needs (ShenZhenYunFan). Before folding: a folded Chinese run ("BeiJingZiJie")
    # is one word, as its romanised brand is.
    for _ in range(2):
        arr = pc.replace_substring_regex(arr, r"([a-z]{2})([A-Z])([a-z]{2})", r"\1 \2\3")
    arr = _simplified(arr)
    arr = pc.replace_substring_regex(arr, _NATIVE_TRAILING, "")
    arr = pc.replace_substring_regex(arr, _NATIVE_LEADING, "")
    # The characters themselves, before they are read as pinyin: 信众 and 新众 are both Xinzhong.
    han = pc.replace_substring_regex(pc.replace_substring_regex(arr, _NOT_HAN, ""), "[市省]", "")
    arr = _fold(arr)
    arr = pc.ascii_lower(arr)
    arr = pc.replace_substring(arr, "&", " and ")
    # Dots and apostrophes join what they separate: S.A. -> sa, Co. -> co, O'Brien -> obrien.
    arr = pc.replace_substring_regex(arr, r"[.'`]", "")
    arr = pc.replace_substring_regex(arr, r"[^a-z0-9]+", " ")
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.replace_substring_regex(arr, _LEADING, "")
    trailing = _trailing(rigour_forms(arr))
    # Cut twice: "co ltd" before the pinyin run is read, "youxiangongsi" once it is a word of its own.
    arr = _run_together(pc.replace_substring_regex(arr, trailing, ""))
    words = _joined_syllables(pc.replace_substring_regex(arr, trailing, ""))

    tokens = pc.split_pattern(words, " ")
    as_written = tokens.flatten()
    written = pc.index_in(as_written, value_set=_ABBREVIATED_FROM)
    as_written = pc.if_else(pc.is_valid(written), _ABBREVIATED_TO.take(filled(written, 0)), as_written)
    flat = _corrected(tokens)
    where = pc.index_in(flat, value_set=_ABBREVIATED_FROM)
    flat = pc.if_else(pc.is_valid(where), _ABBREVIATED_TO.take(filled(where, 0)), flat)
    literal = list_joined(type(tokens).from_arrays(tokens.offsets, as_written), "")
    tokens = type(tokens).from_arrays(tokens.offsets, flat)
    parents = pc.list_parent_indices(tokens)
    order = pc.sort_indices(pa.table({"p": parents, "t": flat}), sort_keys=[("p", "ascending"), ("t", "ascending")])
    sorted_tokens = type(tokens).from_arrays(tokens.offsets, flat.take(order))
    return list_joined(tokens, " "), list_joined(tokens, ""), list_joined(sorted_tokens, ""), han, literal


# Below this many distinct names one thread is quicker than splitting the work.
_PARALLEL_FROM = 200_000


def normalise_names(names: pd.Series, threads: int = 1) -> pd.DataFrame:
    """`words`, `key`, `sorted_key`, `han` and `literal` for each name, indexed like `names`; "" when
    nothing is left.

    `key` is the normalised words joined without spaces; `sorted_key` the same words sorted first;
    `words` keeps the spaces; `han` the name's Chinese characters (simplified, legal forms and the 市/省
    of places dropped), "" for a name without any: two names in Chinese script whose characters differ
    are two names even when they read alike; `literal` the key with no misspelt word corrected (a
    registered "Wtngluo" is that company's spelling, not a typo of another's "Wangluo"). Each distinct
    name is normalised once; with `threads` > 1 large inputs are split between threads (Arrow's kernels
    release the GIL).
    """
    arr = strings(names)
    encoded = arr.dictionary_encode()
    distinct: LargeStrings = encoded.dictionary
    if threads > 1 and len(distinct) >= _PARALLEL_FROM:
        step = -(-len(distinct) // threads)
        slices = [distinct.slice(i, step) for i in range(0, len(distinct), step)]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(_normalise_distinct, slices))
        columns = [pa.concat_arrays([part[i] for part in parts]) for i in range(5)]
    else:
        columns = list(_normalise_distinct(distinct))
    indices = encoded.indices
    return pd.DataFrame(
        {
            name: text_series(filled(column.take(indices), ""), names.index)
            for name, column in zip(("words", "key", "sorted_key", "han", "literal"), columns, strict=True)
        },
        index=names.index,
    )
