"""Normalised company names: the keys that names are compared by.

Invariant: two spellings of one legal name that differ only in case, punctuation, spacing, script
(Chinese, Japanese, Korean, Cyrillic, accented Latin are folded to ASCII with `anyascii`) or legal-form
words (Ltd, GmbH, S.A., Co., Ltd., 有限公司, Youxian Gongsi, K.K., Pte. Ltd., ООО, ...) get the same
`key`; if they also differ in word order they get the same `sorted_key`. Normalising is a pure function
of the name alone, so tenants and entities are normalised the same way and in any order.

Why these steps, in this order:
- Legal forms written in CJK script are cut before folding, because folding reads them as syllables
  (株式会社 would become "ZhuShiHuiShe", not "Kabushiki Kaisha") that no romanised list would know.
- Folding runs only on the non-ASCII names (most are ASCII) since `anyascii` is per-string Python.
- Everything else runs in Arrow's vectorised string kernels: the matcher normalises millions of names.
- Keys drop spaces: a folded CJK run comes out as one word ("BeiJingZiJie") where a romanised
  spelling separates words ("Beijing Zijie"); without spaces both read "beijingzijie".
- Legal forms are only cut at the ends of a name and never leave it empty, so "Limited" alone stays.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii

from pipeline.arrays import strings

# Legal forms written in their own script, cut before folding (longest first so the whole form goes).
NATIVE_FORMS: tuple[str, ...] = (
    "股份有限公司",
    "有限责任公司",
    "有限責任公司",
    "集团有限公司",
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


_ABBREVIATED_FROM = pa.array(list(ABBREVIATIONS), type=pa.large_string())
_ABBREVIATED_TO = pa.array(list(ABBREVIATIONS.values()), type=pa.large_string())
_NATIVE_TRAILING = rf"\s*(?:{_alternation(NATIVE_FORMS)})\s*$"
_NATIVE_LEADING = rf"^\s*(?:{_alternation(NATIVE_FORMS)})\s*"
_TRAILING = rf"(?: (?:{_alternation(TRAILING_FORMS)}))+$"
_LEADING = rf"^(?:(?:{_alternation(LEADING_FORMS)}) )+"


def _fold(values: pa.Array) -> pa.Array:
    """Fold the non-ASCII strings to ASCII; ASCII strings pass through untouched."""
    non_ascii = pc.invert(pc.fill_null(pc.string_is_ascii(values), True))
    if not pc.any(non_ascii).as_py():
        return values
    positions = pc.indices_nonzero(non_ascii)
    folded = pa.array([anyascii(v) for v in values.take(positions).to_pylist()], type=values.type)
    return pc.replace_with_mask(values, non_ascii, folded)


def _normalise_distinct(values: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(words, key, sorted_key) for an array of distinct names."""
    arr = pc.utf8_normalize(values, "NFKC")
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.replace_substring_regex(arr, _NATIVE_TRAILING, "")
    arr = pc.replace_substring_regex(arr, _NATIVE_LEADING, "")
    arr = _fold(arr)
    arr = pc.ascii_lower(arr)
    arr = pc.replace_substring(arr, "&", " and ")
    # Dots and apostrophes join what they separate: S.A. -> sa, Co. -> co, O'Brien -> obrien.
    arr = pc.replace_substring_regex(arr, r"[.'`]", "")
    arr = pc.replace_substring_regex(arr, r"[^a-z0-9]+", " ")
    arr = pc.utf8_trim_whitespace(arr)
    arr = pc.replace_substring_regex(arr, _LEADING, "")
    words = pc.replace_substring_regex(arr, _TRAILING, "")

    tokens = pc.split_pattern(words, " ")
    flat = tokens.flatten()
    where = pc.index_in(flat, value_set=_ABBREVIATED_FROM)
    flat = pc.if_else(pc.is_valid(where), _ABBREVIATED_TO.take(pc.fill_null(where, 0)), flat)
    tokens = type(tokens).from_arrays(tokens.offsets, flat)
    words = pc.binary_join(tokens, pa.scalar(" ", type=values.type))
    parents = pc.list_parent_indices(tokens)
    order = pc.sort_indices(pa.table({"p": parents, "t": flat}), sort_keys=[("p", "ascending"), ("t", "ascending")])
    sorted_tokens = type(tokens).from_arrays(tokens.offsets, flat.take(order))
    empty = pa.scalar("", type=values.type)
    return words, pc.binary_join(tokens, empty), pc.binary_join(sorted_tokens, empty)


# Below this many distinct names one thread is quicker than splitting the work.
_PARALLEL_FROM = 200_000


def normalise_names(names: pd.Series, threads: int = 1) -> pd.DataFrame:
    """`words`, `key` and `sorted_key` for each name, indexed like `names`; "" when nothing is left.

    `key` is the normalised words joined without spaces; `sorted_key` the same words sorted first;
    `words` keeps the spaces. Each distinct name is normalised once; with `threads` > 1 large inputs
    are split between threads (Arrow's kernels release the GIL).
    """
    arr = strings(names)
    encoded = pc.dictionary_encode(arr)
    distinct = encoded.dictionary
    if threads > 1 and len(distinct) >= _PARALLEL_FROM:
        step = -(-len(distinct) // threads)
        slices = [distinct.slice(i, step) for i in range(0, len(distinct), step)]
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(_normalise_distinct, slices))
        columns = [pa.concat_arrays([part[i] for part in parts]) for i in range(3)]
    else:
        columns = list(_normalise_distinct(distinct))
    indices = encoded.indices
    return pd.DataFrame(
        {
            name: pd.Series(pc.fill_null(column.take(indices), ""), dtype="str", index=names.index)
            for name, column in zip(("words", "key", "sorted_key"), columns, strict=True)
        },
        index=names.index,
    )
