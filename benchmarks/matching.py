"""Benchmark: quality and speed of `pipeline.matching.link` against a generated world with known truth.

Invariant: the world is a pure function of (seed, sizes); the figures are measured on it, never assumed.
Prints precision and recall of the links that may revoke and of all links, per-variant recall, and the
wall time of `link` alone (generation is not timed); the last line is one JSON object with the figures.
`--engine spark` also links the world on Spark (`pipeline.spark.matching`) and reports its wall time and
whether every link is the local engine's.

Two worlds. `demo` (the default) is the demo-world population (`demo_world.population`), whose truth
labels each tenant by name variant and by what in its record identifies the entity (link key).
`stress` is this file's own, harsher world:
- entities in ~30 countries with legal forms of their country; about a fifth Chinese, half of those
  named in Chinese script (有限公司), half in pinyin (Co., Ltd. / Youxian Gongsi);
- decoys: the same name registered in another country; siblings: a name one letter away in the same
  country (the hard case for fuzzy matching);
- identifiers: a national number for most entities (CN-SAMR USCC, GB-COH, <CC>-VAT, ...), LEIs for some;
- aliases: about a tenth of the entities carry an alternate name (BODS alternateNames): a Chinese
  entity its name in the other writing, others a trading name;
- clear companies named after a Chinese city abroad ("Shanghai Rose Bakery Ltd" in GB);
- tenants: most are an entity written as a variant (exact, another or no legal form, case and
  punctuation, one or two typos, a typo inside a crowded last word, swapped words, look-alike Cyrillic or
  Greek letters, the Chinese-script name for a pinyin one (simplified or traditional), the pinyin for a
  Chinese-script one (spaced or not, with or without tone marks, run together in lower case), the
  English rendering of a Chinese name, an alternate name, a tax number with its own formatting, a wrong
  tax number); some are the decoys themselves (a same-name company abroad, a sibling, a city-named
  company); the rest belong to no entity.
  Groups are reported with their precision and recall (`groups`): each must reach 0.97 recall, and
  decoys must never be revoked as someone else. A register refuses a second identical name in a
  country, so decoys and siblings never repeat a name of their country, and a customer's typo never
  spells another registered name of its country exactly (that customer could not be told from the other
  company's by any matcher).

Usage: python benchmarks/matching.py [--world demo|stress] [--tenants 1000000] [--entities 5000000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import string
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from anyascii import anyascii
from pypinyin import Style, lazy_pinyin

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from peak_memory import peak_rss_mb, reset_peak, rss_mb  # benchmarks/, beside this script

from demo_world.identifiers import lei as valid_lei
from demo_world.identifiers import uscc
from pipeline.config import MatchingConfig
from pipeline.datasets import ENTITIES, IDENTIFIERS, TENANTS
from pipeline.matching import link

FORMS: dict[str, tuple[str, ...]] = {
    "GB": ("Ltd", "Limited", "PLC", "Ltd."),
    "US": ("Inc.", "LLC", "Corp.", "Corporation", "Inc"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG", "SE"),
    "FR": ("SAS", "S.A.", "SARL"),
    "NL": ("B.V.", "N.V."),
    "BE": ("BV", "SA", "NV"),
    "ES": ("S.L.", "S.A."),
    "IT": ("S.p.A.", "S.r.l."),
    "JP": ("K.K.", "Co., Ltd.", "Kabushiki Kaisha"),
    "KR": ("Co., Ltd.", "Corporation"),
    "SG": ("Pte. Ltd.", "Pte Ltd"),
    "HK": ("Limited", "Co., Limited", "Company Limited"),
    "TW": ("Co., Ltd.", "Corporation"),
    "IN": ("Pvt. Ltd.", "Private Limited", "Limited"),
    "BR": ("Ltda.", "S.A."),
    "MX": ("S.A. de C.V.", "S. de R.L."),
    "AU": ("Pty Ltd", "Pty. Ltd."),
    "CA": ("Inc.", "Ltd.", "Corp."),
    "SE": ("AB", "AB (publ)"),
    "NO": ("AS", "ASA"),
    "DK": ("ApS", "A/S"),
    "FI": ("Oy", "Oyj"),
    "PL": ("Sp. z o.o.", "S.A."),
    "CH": ("AG", "GmbH", "SA"),
    "AT": ("GmbH", "AG"),
    "IE": ("Limited", "DAC", "Ltd"),
    "AE": ("LLC", "FZE", "FZ-LLC"),
    "ID": ("Tbk",),
    "RU": ("LLC", "JSC"),
    "CN": ("Co., Ltd.", "Youxian Gongsi", "Co., Limited", "Company Limited"),
}
COUNTRIES = tuple(FORMS)
# Country weights: about a fifth Chinese, the US and the UK large, a long tail.
WEIGHTS = np.array([8, 14, 6, 4, 3, 2, 3, 3, 5, 3, 3, 3, 2, 4, 3, 2, 2, 2, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 20.0])
INDUSTRIES = (
    "Technology",
    "Trading",
    "Holdings",
    "Logistics",
    "Software",
    "Consulting",
    "Foods",
    "Energy",
    "Capital",
    "Systems",
    "Pharma",
    "Media",
    "Industries",
    "Solutions",
    "Partners",
    "Group",
    "Manufacturing",
    "Electronics",
    "Services",
    "Ventures",
    "Networks",
    "Analytics",
    "Robotics",
    "Biotech",
    "Materials",
)
CN_CITIES = ("北京", "上海", "深圳", "广州", "杭州", "成都", "武汉", "南京", "天津", "重庆")
CN_CITIES += ("苏州", "西安", "长沙", "青岛", "厦门", "合肥", "郑州", "济南", "大连", "宁波")
CN_CHARS = (
    "华中国科技电子信息网络通达盛泰恒鑫源海天宇星光明新创智能云数据安康福瑞祥和美佳金银龙凤鹏飞腾远航"
    "博雅思维正德诚信联合众汇丰隆昌兴旺发展东南西北嘉禾宏图伟业永川力行合成精工艺达晨曦阳春晓峰岭"
)
CN_INDUSTRIES = ("科技", "贸易", "电子", "网络", "信息技术", "实业", "投资", "物流", "软件", "医药", "传媒", "能源")
# How the industries are usually rendered in an English name.
CN_ENGLISH = dict(
    zip(
        CN_INDUSTRIES,
        ("Technology", "Trading", "Electronics", "Network", "Information Technology", "Industrial",
         "Investment", "Logistics", "Software", "Pharmaceutical", "Media", "Energy"),
        strict=True,
    )
)  # fmt: skip
# Simplified characters of CN_CHARS with a different traditional form, for the traditional-script variant.
TRADITIONAL = str.maketrans(
    "华国电达盛鑫云数据龙凤鹏飞腾远航维诚联众汇丰隆昌兴发展东图伟业阳晓岭术网络贸易实软传医药门庆长",
    "華國電達盛鑫雲數據龍鳳鵬飛騰遠航維誠聯眾匯豐隆昌興發展東圖偉業陽曉嶺術網絡貿易實軟傳醫藥門慶長",
)
LOOKALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "A": "Α", "B": "Β",
              "E": "Ε", "H": "Η", "K": "Κ", "M": "Μ", "N": "Ν", "O": "Ο", "P": "Ρ", "T": "Τ", "X": "Χ"}  # fmt: skip
# Clear companies abroad named after a Chinese city: decoys for the city's companies.
CITY_DECOYS = ("Rose Bakery", "Garden Restaurant", "Tailors", "Dragon Imports", "Tea House", "Noodle Bar")
CN_FORMS = ("有限公司", "股份有限公司", "有限责任公司")
SCHEME = {"CN": "CN-SAMR", "GB": "GB-COH", "US": "US-EIN", "IN": "IN-PAN", "JP": "JP-JCN", "SG": "SG-ACRA"}


@dataclass(frozen=True)
class World:
    entities: pd.DataFrame
    identifiers: pd.DataFrame
    tenants: pd.DataFrame
    truth: pd.Series  # tenant position -> true entity id (NaN: none)
    variant: pd.Series  # tenant position -> variant name


def _words(rng: random.Random, count: int) -> list[str]:
    onsets = [*"bcdfghjklmnprstvwz", "br", "ch", "cl", "dr", "fl", "gr", "kr", "pl", "sh", "st", "th", "tr"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y"]
    codas = ["", "", "n", "r", "s", "l", "x", "m", "nd", "rt", "ck", "ll"]
    seen: set[str] = set()
    while len(seen) < count:
        word = "".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(rng.choice((1, 2, 2, 3))))
        seen.add((word + rng.choice(codas)).capitalize())
    return sorted(seen)


def _typo(rng: random.Random, text: str) -> str:
    positions = [i for i, c in enumerate(text) if c.isalpha()]
    if len(positions) < 4:
        return text
    i = rng.choice(positions[1:-1])
    kind = rng.randrange(4)
    if kind == 0:  # substitution
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i + 1 :]
    if kind == 1:  # deletion
        return text[:i] + text[i + 1 :]
    if kind == 2:  # insertion
        return text[:i] + rng.choice(string.ascii_lowercase) + text[i:]
    return text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]  # transposition


def _number(rng: random.Random, country: str, serial: int) -> str:
    if country == "CN":
        return uscc(serial, rng.choice(("110000", "310000", "440300", "330100")))  # with its check character
    if country == "GB":
        return f"{rng.randrange(10**7):08d}"
    return "".join(rng.choices(string.digits, k=9))


def _formatted(rng: random.Random, number: str, country: str) -> str:
    """How a customer might type its tax number: spaces, dashes, a VAT prefix, lower case."""
    style = rng.randrange(4)
    if style == 0:
        return number
    if style == 1:
        return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    if style == 2 and country not in SCHEME:
        return country + number
    return number.lower().replace("", "-")[1:-1] if len(number) < 10 else number.lower()


@dataclass
class _Registry:
    """The generated entities, column by column, plus what the tenant generator needs to vary them."""

    ids: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)  # name without legal form, Latin script (pinyin for CN)
    han: list[str] = field(default_factory=list)  # Chinese-script name without form ("" outside CN)
    english: list[str] = field(default_factory=list)  # English rendering without form ("" outside CN)
    aliases: list[str] = field(default_factory=list)  # an alternate name, or ""
    script_cn: list[bool] = field(default_factory=list)  # registered under its Chinese-script name
    country: list[str] = field(default_factory=list)
    taken: set[tuple[str, str]] = field(default_factory=set)  # registers refuse a second identical name
    numbers: dict[int, str] = field(default_factory=dict)

    def add(
        self, prefix: str, name: str, base: str, *, han: str, script: bool, country: str, english: str = ""
    ) -> None:
        self.ids.append(f"{prefix}{len(self.ids):08d}")
        self.names.append(name)
        self.bases.append(base)
        self.han.append(han)
        self.english.append(english)
        self.aliases.append("")
        self.script_cn.append(script)
        self.country.append(country)


_PLACES: dict[str, str] = {}


def _place(city: str) -> str:
    """A city as it is romanised (pypinyin reads 重庆 as Chongqing, where character by character is Zhongqing)."""
    if city not in _PLACES:
        _PLACES[city] = "".join(lazy_pinyin(city)).capitalize()
    return _PLACES[city]


def _fresh_name(
    rng: random.Random, words: list[str], country: str, taken: set[tuple[str, str]]
) -> tuple[str, str, str]:
    """(base, han, english) of a name no entity of the country has yet."""
    while True:
        if country == "CN":
            city = rng.choice(CN_CITIES) if rng.random() < 0.6 else ""
            brand = "".join(rng.choice(CN_CHARS) for _ in range(rng.choice((2, 3, 3, 4))))
            industry = rng.choice(CN_INDUSTRIES)
            han = city + brand + industry
            head = [_place(city)] if city else []
            head.append(anyascii(brand).capitalize())
            # Pinyin word by word: each two-character word of the industry is one word (Xinxi Jishu).
            pinyin = " ".join(anyascii(industry[i : i + 2]).capitalize() for i in range(0, len(industry), 2))
            base, english = " ".join([*head, pinyin]), " ".join([*head, CN_ENGLISH[industry]])
            unique = han
        else:
            parts = rng.sample(words, rng.choice((1, 2, 2, 3)))
            if rng.random() < 0.7:
                parts.append(rng.choice(INDUSTRIES))
            base, han, english = " ".join(parts), "", ""
            unique = base.lower()
        if (country, unique) not in taken:
            return base, han, english


def _registry(rng: random.Random, nprng: np.random.Generator, words: list[str], n_entities: int) -> _Registry:
    reg = _Registry()
    countries = nprng.choice(len(COUNTRIES), size=n_entities, p=WEIGHTS / WEIGHTS.sum())
    for i in range(n_entities):
        country = COUNTRIES[countries[i]]
        base, han, english = _fresh_name(rng, words, country, reg.taken)
        reg.taken.add((country, han or base.lower()))
        script = country == "CN" and rng.random() < 0.5
        name = han + rng.choice(CN_FORMS) if script else f"{base} {rng.choice(FORMS[country])}"
        reg.add("e", name, base, han=han, script=script, country=country, english=english)
        # Alternate names: a Chinese entity's name in its other writing; elsewhere a trading name.
        if country == "CN" and rng.random() < 0.3:
            reg.aliases[-1] = f"{english} Co., Ltd." if script else han + rng.choice(CN_FORMS)
        elif country != "CN" and rng.random() < 0.06:
            trading, _, _ = _fresh_name(rng, words, country, reg.taken)
            reg.taken.add((country, trading.lower()))
            reg.aliases[-1] = trading
    # Decoys: the same name registered in another country.
    for _ in range(int(n_entities * 0.03)):
        j = rng.randrange(n_entities)
        other = rng.choice([c for c in COUNTRIES if c != reg.country[j]])
        if (other, reg.han[j] or reg.bases[j].lower()) in reg.taken:
            continue
        reg.taken.add((other, reg.han[j] or reg.bases[j].lower()))
        reg.add("d", reg.names[j], reg.bases[j], han=reg.han[j], script=reg.script_cn[j], country=other)
    # Siblings: a name one letter away in the same country (registers allow those).
    for _ in range(int(n_entities * 0.02)):
        j = rng.randrange(n_entities)
        sibling = _typo(rng, reg.bases[j])
        if (reg.country[j], sibling.lower()) in reg.taken:
            continue
        reg.taken.add((reg.country[j], sibling.lower()))
        name = f"{sibling} {rng.choice(FORMS[reg.country[j]])}"
        reg.add("s", name, sibling, han="", script=False, country=reg.country[j])
    # Clear companies abroad named after a Chinese city ("Shanghai Rose Bakery Ltd").
    for _ in range(max(1, int(n_entities * 0.005))):
        country = rng.choice([c for c in COUNTRIES if c != "CN"])
        base = f"{_place(rng.choice(CN_CITIES))} {rng.choice(CITY_DECOYS)} {rng.choice(words)}"
        if (country, base.lower()) in reg.taken:
            continue
        reg.taken.add((country, base.lower()))
        reg.add("c", f"{base} {rng.choice(FORMS[country])}", base, han="", script=False, country=country)
    return reg


def _entities_frame(rng: random.Random, reg: _Registry) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "entity_id": reg.ids,
            "statement_id": reg.ids,
            "record_type": "entity",
            "entity_type": "registeredEntity",
            "name": reg.names,
            "alternate_names": [json.dumps([a], ensure_ascii=False) if a else "[]" for a in reg.aliases],
            "jurisdiction": [f"CN-{rng.choice(['BJ', 'SH', 'GD', 'ZJ'])}" if c == "CN" else c for c in reg.country],
            "registered_country": [c if rng.random() < 0.5 else None for c in reg.country],
            "business_country": [c if rng.random() < 0.3 else None for c in reg.country],
            "nationalities": None,
            "residences": None,
            "tax_residencies": None,
            "datasets": None,
            "source": "bods",
            "source_uri": "bench://world",
        }
    ).astype("str")[list(ENTITIES.columns)]


def _identifiers_frame(rng: random.Random, reg: _Registry) -> pd.DataFrame:
    rows: list[tuple[str, str, str, str]] = []
    for i, (entity_id, country) in enumerate(zip(reg.ids, reg.country, strict=True)):
        if rng.random() < 0.7:
            number = _number(rng, country, i)
            reg.numbers[i] = number
            scheme = SCHEME.get(country, f"{country}-VAT")
            rows.append((entity_id, scheme, scheme, number if scheme in SCHEME.values() else country + number))
        if rng.random() < 0.1:
            lei = valid_lei(i)
            rows.append((entity_id, "XI-LEI", "LEI", lei))
    return pd.DataFrame(rows, columns=list(IDENTIFIERS.columns)).astype("str")


VARIANTS = (
    ("exact", 0.17),
    ("case_punct", 0.05),
    ("other_form", 0.08),
    ("no_form", 0.05),
    ("typo1", 0.09),
    ("typo2", 0.03),
    ("typo_crowded", 0.05),
    ("swapped", 0.05),
    ("confusable", 0.04),
    ("chinese_script", 0.05),
    ("pinyin", 0.05),
    ("english", 0.05),
    ("alias", 0.04),
    ("decoy", 0.04),
    ("tax_id", 0.08),
    ("wrong_tax_id", 0.02),
    ("none", 0.08),
)
# The groups the issue names: each must reach 0.97 recall of links that may revoke.
GROUPS = {
    "chinese_script": ("chinese_script",),
    "pinyin": ("pinyin",),
    "english_rendering": ("english",),
    "alias": ("alias",),
    "misspelt_crowded": ("typo_crowded",),
    "swapped_words": ("swapped",),
    "other_legal_form": ("other_form", "no_form"),
    "confusables": ("confusable",),
}


def _confusable(rng: random.Random, text: str) -> str:
    spots = [i for i, c in enumerate(text) if c in LOOKALIKES]
    for i in rng.sample(spots, min(len(spots), rng.choice((1, 2)))):
        text = text[:i] + LOOKALIKES[text[i]] + text[i + 1 :]
    return text


def _pinyin_words(han: str) -> list[str]:
    """The pinyin of a generated Chinese name, word by word: city, brand, two-character industry words."""
    cities = sorted((c for c in CN_CITIES if han.startswith(c)), key=len)
    city = cities[-1] if cities else ""
    rest = han[len(city) :]
    industry = next(i for i in sorted(CN_INDUSTRIES, key=len, reverse=True) if rest.endswith(i))
    brand = rest[: len(rest) - len(industry)]
    words = [city, brand] + [industry[i : i + 2] for i in range(0, len(industry), 2)]
    return ["".join(lazy_pinyin(w)) for w in words if w]


def _pinyin(rng: random.Random, han: str) -> str:
    """How a customer romanises a Chinese name: word by word, syllable by syllable, with tone marks, or
    run together in lower case."""
    style = rng.randrange(4)
    if style == 3:
        return "".join(lazy_pinyin(han))
    if style == 0:
        return " ".join(p.capitalize() for p in lazy_pinyin(han))
    if style == 1:
        return " ".join(p.capitalize() for p in lazy_pinyin(han, style=Style.TONE))
    return "".join(w.capitalize() for w in _pinyin_words(han))


def _variant_name(  # noqa: PLR0911, PLR0912 - one return per variant reads as the list of variants
    rng: random.Random, reg: _Registry, j: int, kind: str, words: list[str]
) -> tuple[str, str | None]:
    """(company name, tax number or None) under which entity j's customer appears."""
    country, base, name = reg.country[j], reg.bases[j], reg.names[j]
    form = rng.choice(FORMS[country])
    number = reg.numbers.get(j)
    if kind == "case_punct":
        return (name.upper().replace(",", "").replace(".", "") if rng.random() < 0.5 else name.lower()), None
    if kind == "other_form":
        return f"{base} {form}", None
    if kind == "no_form":
        return base, None
    if kind in ("typo1", "typo2", "typo_crowded"):
        # A typo that happens to spell another registered name of the country is that company's name: no
        # matcher could tell, so the customer makes another typo.
        for _ in range(5):
            if kind == "typo_crowded":
                # A typo inside the last word, one of the crowded industry words.
                head, _, last = base.rpartition(" ")
                typo = f"{head} {_typo(rng, last)}"
            else:
                typo = _typo(rng, base)
                typo = _typo(rng, typo) if kind == "typo2" else typo
            if (country, typo.lower()) not in reg.taken:
                break
        return f"{typo} {form}", None
    if kind == "swapped":
        parts = base.split()
        return (" ".join(parts[1:] + parts[:1]) + " " + form if len(parts) > 1 else base), None
    if kind == "confusable":
        return _confusable(rng, name), None
    if kind == "chinese_script":
        han = reg.han[j] + rng.choice(CN_FORMS)
        return (han.translate(TRADITIONAL) if rng.random() < 0.5 else han), None
    if kind == "pinyin":
        return f"{_pinyin(rng, reg.han[j])} {rng.choice(('Co., Ltd.', 'Youxian Gongsi', 'Co Ltd'))}", None
    if kind == "english":
        return f"{reg.english[j]} {rng.choice(('Co., Ltd.', 'Company Limited', 'Co., Limited'))}", None
    if kind == "alias":
        return reg.aliases[j], None
    if kind == "tax_id" and number:
        # The number is decisive: the name may be a trading name that matches nothing.
        return rng.choice((base, name, "Trading name " + rng.choice(words))), _formatted(rng, number, country)
    if kind == "wrong_tax_id" and number:
        # A mistyped number matches nothing (or nothing of this entity): the name must carry the link.
        return rng.choice((base, name)), _formatted(rng, _typo(rng, number + "x"), country)
    return name, None


def _targets(reg: _Registry, n_entities: int) -> dict[str, np.ndarray]:
    """Per variant that needs one, the entities it can be written of; the others take any registered one."""
    country = np.array(reg.country[:n_entities])
    script = np.array(reg.script_cn[:n_entities])
    chinese = country == "CN"
    words = np.array([len(b.split()) for b in reg.bases[:n_entities]])
    return {
        "chinese_script": np.flatnonzero(chinese & ~script),
        "pinyin": np.flatnonzero(chinese & script),
        "english": np.flatnonzero(chinese),
        "alias": np.flatnonzero(np.array([bool(a) for a in reg.aliases[:n_entities]])),
        "typo_crowded": np.flatnonzero(words >= 2),
        "decoy": np.arange(n_entities, len(reg.ids)),
    }


def build_world(n_entities: int, n_tenants: int, seed: int) -> World:
    rng = random.Random(seed)
    nprng = np.random.default_rng(seed)
    words = _words(rng, 30000)
    reg = _registry(rng, nprng, words, n_entities)
    entities = _entities_frame(rng, reg)
    identifiers = _identifiers_frame(rng, reg)

    labels = [k for k, _ in VARIANTS]
    probs = np.array([p for _, p in VARIANTS])
    chosen = nprng.choice(len(labels), size=n_tenants, p=probs / probs.sum())
    # Tenants are customers of registered entities (the first n_entities), or for `decoy` the decoys
    # themselves; variants that need a kind of entity pick among those.
    targets = nprng.integers(0, n_entities, size=n_tenants)
    pools = _targets(reg, n_entities)
    rows: list[dict[str, object]] = []
    truth: list[str | None] = []
    for t in range(n_tenants):
        kind = labels[chosen[t]]
        pool = pools.get(kind)
        j = int(pool[targets[t] % len(pool)]) if pool is not None and len(pool) else int(targets[t])
        if pool is not None and not len(pool):
            kind = "exact"
        country = reg.country[j]
        row: dict[str, object] = {"partner": "aws", "tenant_id": f"{t:012d}", "country": country}
        if kind == "none":
            # A company the register does not hold: a name no entity of that country has (a near one may).
            other = rng.choice([c for c in COUNTRIES if c != "CN"])
            base, _, _ = _fresh_name(rng, words, other, reg.taken)
            row |= {"company_name": f"{base} {rng.choice(FORMS[other])}", "country": other}
            truth.append(None)
        else:
            name, number = _variant_name(rng, reg, j, kind, words)
            row["company_name"] = name
            if rng.random() < 0.5 or number:
                row["tax_country"] = country
            if number:
                row["tax_registration_number"] = number
            if rng.random() < 0.08:  # a mailing address abroad; the tax country stays the entity's
                row |= {"tax_country": country, "country": rng.choice(COUNTRIES)}
            truth.append(reg.ids[j])
        labels_t = kind
        rows.append(row | {"_variant": labels_t})
    tenants = pd.DataFrame(rows, columns=[*TENANTS.columns, "_variant"]).astype("str")
    variant = tenants.pop("_variant").reset_index(drop=True)
    return World(entities, identifiers, tenants, pd.Series(truth, dtype="str"), variant)


def measure(world: World, links: pd.DataFrame) -> dict[str, object]:
    truth = world.truth.to_numpy()
    got = links["entity_id"].to_numpy()
    has_truth = pd.notna(truth)
    linked = pd.notna(got)
    correct = linked & has_truth & (got == truth)
    revoking = links["may_revoke"].to_numpy(dtype=bool)

    def ratio(a: int, b: int) -> float:
        return round(a / b, 5) if b else 1.0

    per_variant = {}
    for kind in sorted(set(world.variant)):
        mask = (world.variant == kind).to_numpy()
        per_variant[kind] = {
            "tenants": int(mask.sum()),
            "linked_correct": ratio(int((correct & mask).sum()), int((mask & has_truth).sum())),
            "revoking_correct": ratio(int((correct & revoking & mask).sum()), int((mask & has_truth).sum())),
            "wrong_links": int((linked & ~correct & mask).sum()),
            "wrong_revoking": int((revoking & ~correct & mask).sum()),
        }
    # Tenants whose name, as normalised, is the registered name of their company and of another one in the
    # same country (mostly two Chinese companies with one romanisation, 信众 and 新众 both Xinzhong): an
    # exact-name tie that includes the true entity. No name alone can revoke those; they go to review.
    tied = np.zeros(len(truth), dtype=bool)
    exact_tie = np.flatnonzero((links["method"].to_numpy() == "exact_name") & ~revoking & has_truth)
    for i in exact_tie:
        candidates = links["candidates"].iloc[i]
        top = [c["entity_id"] for c in candidates if c["confidence"] >= candidates[0]["confidence"] - 1e-9]
        tied[i] = len(top) > 1 and truth[i] in top
    groups = {}
    variant = world.variant.to_numpy()
    for group, kinds in GROUPS.items():
        mask = np.isin(variant, kinds)
        if not mask.any():
            continue
        groups[group] = {
            "tenants": int(mask.sum()),
            "precision": ratio(int((correct & revoking & mask).sum()), int((revoking & mask).sum())),
            "recall": ratio(int((correct & revoking & mask).sum()), int((mask & has_truth).sum())),
            "name_ties": int((tied & mask).sum()),
            "recall_without_ties": ratio(int((correct & revoking & mask).sum()), int((mask & has_truth & ~tied).sum())),
        }
    # Decoys (a same-name company abroad, a sibling, a city-named company): revoked as another company, or
    # another company's tenant revoked as a decoy.
    decoy_entity = pd.Series(got).str.match(r"^[dsc]\d").fillna(False).to_numpy(dtype=bool)
    decoys_revoked = int((revoking & ~correct & (decoy_entity | (variant == "decoy"))).sum())
    # What other revoke thresholds would give, for tuning `min_revoke_confidence` (ties stay excluded).
    confidence = links["confidence"].to_numpy()
    thresholds = {}
    for threshold in (0.90, 0.92, 0.94, 0.95):
        at = revoking & (confidence >= threshold - 1e-9)
        thresholds[f"{threshold:.2f}"] = {
            "precision": ratio(int((correct & at).sum()), int(at.sum())),
            "recall": ratio(int((correct & at).sum()), int(has_truth.sum())),
        }
    return {
        "revoke_thresholds": thresholds,
        "precision_revoking": ratio(int((correct & revoking).sum()), int(revoking.sum())),
        "recall_revoking": ratio(int((correct & revoking).sum()), int(has_truth.sum())),
        "name_ties": int(tied.sum()),
        "recall_revoking_without_ties": ratio(int((correct & revoking).sum()), int((has_truth & ~tied).sum())),
        "precision_all": ratio(int(correct.sum()), int(linked.sum())),
        "recall_all": ratio(int(correct.sum()), int(has_truth.sum())),
        "revoking_links": int(revoking.sum()),
        "links": int(linked.sum()),
        "per_variant": per_variant,
        "groups": groups,
        "decoys_revoked": decoys_revoked,
    }


def demo_world(n_entities: int, n_tenants: int, seed: int) -> World:
    """The demo-world population (demo_world.population) with its truth, as a `World`."""
    from demo_world.population import make_population

    pop = make_population(n_tenants, n_entities=n_entities, seed=seed)
    entities, identifiers, tenants = pop.canonical()
    truth = pop.truth
    true_entity = truth["true_entity_id"].astype("str").replace("", np.nan)
    variant = truth["name_variant"].astype("str") + "/" + truth["link_key"].astype("str")
    return World(entities, identifiers, tenants, true_entity.reset_index(drop=True), variant.reset_index(drop=True))


def _on_spark(world: World, links: pd.DataFrame, config: MatchingConfig, master: str) -> dict[str, object]:
    """`link` on Spark (`pipeline.spark.matching`) on the same world: its wall time, and whether every link
    is the local engine's."""
    import pyarrow as pa

    from pipeline.config import SparkConfig
    from pipeline.spark.matching import link_on_spark
    from pipeline.spark.session import spark_session

    with spark_session(SparkConfig(master=master, conf={"spark.driver.memory": "4g"})) as spark:
        started = time.perf_counter()
        remote = link_on_spark(spark, world.tenants, world.entities, world.identifiers, config)
        seconds = time.perf_counter() - started
        partitions = spark.sparkContext.defaultParallelism
    same = pa.Table.from_pandas(remote, preserve_index=False).equals(pa.Table.from_pandas(links, preserve_index=False))
    return {"master": master, "partitions": partitions, "link_seconds": round(seconds, 2), "identical": same}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenants", type=int, default=1_000_000)
    parser.add_argument("--entities", type=int, default=5_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--world",
        choices=("demo", "stress"),
        default="demo",
        help="demo: the demo-world population (variants by name and link key); "
        "stress: this file's harsher world (10%% unregistered, more typos, siblings one letter away)",
    )
    parser.add_argument(
        "--engine",
        choices=("local", "spark"),
        default="local",
        help="spark: also link on Spark (--spark-master) and check every link is the local one",
    )
    parser.add_argument("--spark-master", default="local[2]")
    args = parser.parse_args()
    started = time.perf_counter()
    build = demo_world if args.world == "demo" else build_world
    world = build(args.entities, args.tenants, args.seed)
    generated = time.perf_counter() - started
    print(
        f"world ({args.world}): {len(world.entities):,} entities, {len(world.identifiers):,} identifiers, "
        f"{len(world.tenants):,} tenants (generated in {generated:.1f} s)"
    )
    config = MatchingConfig()
    # The peak of `link` itself: the world's frames stay resident, generation's own peak does not count.
    resident_before, peak_reset = rss_mb(), reset_peak()
    started, cpu = time.perf_counter(), time.process_time()
    links = link(world.tenants, world.entities, world.identifiers, config)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mb()
    load = os.getloadavg()[0]
    figures = measure(world, links)
    print(f"link: {seconds:.1f} s wall, {cpu_seconds:.1f} s CPU (load average {load:.1f} on {os.cpu_count()} cores)")
    print(
        f"memory: {resident_before:,.0f} MiB resident before link (the world's frames), peak {peak:,.0f} MiB "
        f"during link{'' if peak_reset else ' (peak since the process started: no clear_refs here)'}"
    )
    print(
        f"revoking links: precision {figures['precision_revoking']:.4f}, recall {figures['recall_revoking']:.4f} "
        f"({figures['revoking_links']:,} links)"
    )
    print(
        f"all links:      precision {figures['precision_all']:.4f}, recall {figures['recall_all']:.4f} "
        f"({figures['links']:,} links)"
    )
    for kind, row in figures["per_variant"].items():  # type: ignore[attr-defined]
        print(f"  {kind:<32} {row}")
    for group, row in figures["groups"].items():  # type: ignore[attr-defined]
        print(f"  group {group:<26} {row}")
    print(f"  decoys revoked as another company: {figures['decoys_revoked']}")
    print(
        f"  exact-name ties that include the true entity (one name, two companies): {figures['name_ties']:,}; "
        f"recall of revoking links without them {figures['recall_revoking_without_ties']:.4f}"
    )
    for threshold, row in figures["revoke_thresholds"].items():  # type: ignore[attr-defined]
        print(f"  min_revoke_confidence {threshold}: {row}")
    spark = _on_spark(world, links, config, args.spark_master) if args.engine == "spark" else None
    if spark is not None:
        print(f"spark: {spark}")
    result = {
        "spark": spark,
        "benchmark": "matching",
        "world": args.world,
        "tenants": len(world.tenants),
        "entities": len(world.entities),
        "seed": args.seed,
        "link_seconds": round(seconds, 2),
        "link_cpu_seconds": round(cpu_seconds, 2),
        "rss_before_link_mb": resident_before,
        "peak_rss_mb": peak,
        "peak_is_link_only": peak_reset,
        "load_average": round(load, 2),
        **figures,
    }
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main()
