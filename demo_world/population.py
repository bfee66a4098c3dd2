"""The ordinary population of a demo world: many companies worldwide and the tenants that buy through
the marketplaces, with the true entity of every tenant. Reusable at benchmark scale.

Invariant: `make_population(...)` is a pure function of its arguments: the same arguments give equal
frames, row for row. Within one country no two registered names (or unregistered tenant names) share a
normalised form, so a tenant's true entity is the only one of its country with that name; a name may
repeat across countries (decoys), which is the point of those rows. `truth` records for every tenant the
entity it belongs to (empty when the company is not in the register), how its name was written, what its
identifiers allow a matcher to use, and the decision the policy should reach on the tenant's own merits
(companies of mainland China are restricted; every other company here is clear).

Benchmarks (matching precision/recall and speed) use it directly::

    from demo_world.population import make_population
    pop = make_population(1_000_000, n_entities=5_000_000, seed=1)
    entities, identifiers, tenants = pop.canonical()   # frames shaped as pipeline.datasets says
    truth = pop.truth                                  # partner, tenant_id, true_entity_id, ...
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from demo_world import identifiers as ids
from demo_world import vocab
from demo_world.names import STYLE_BY_COUNTRY, NameParts, NameVariant, Style
from pipeline import datasets, jsonio
from pipeline.arrays import utf8_normalized

ObjArray = npt.NDArray[np.object_]

# Relative weights of the countries of ordinary companies (mainland China is added by `restricted_share`).
COUNTRY_WEIGHTS: dict[str, float] = {
    "US": 26, "GB": 9, "DE": 8, "FR": 5, "NL": 3, "JP": 6, "IN": 6, "SG": 3, "AU": 3, "CA": 4, "BR": 3,
    "KR": 3, "SE": 2, "CH": 2, "ES": 2, "IT": 2, "IE": 2, "PL": 1.5, "MX": 1, "AE": 1, "IL": 1, "RU": 0.8,
    "GR": 0.7, "TW": 1.5, "HK": 1.5, "NZ": 1, "AT": 1,
}  # fmt: skip

US_JURISDICTIONS = ("US-DE", "US-DE", "US-DE", "US-CA", "US-NY", "US-TX", "US-WA", "US-MA")

# Serials below this are reserved for the hand-written scenario entities of a world.
FIRST_SERIAL = 1000

# How tenants write their names, for tenants whose true entity is registered.
DEFAULT_VARIANT_WEIGHTS: dict[NameVariant, float] = {
    NameVariant.EXACT: 0.48,
    NameVariant.CONFUSABLE: 0.02,
    NameVariant.CASE_PUNCT: 0.08,
    NameVariant.MISSING_SUFFIX: 0.10,
    NameVariant.SUFFIX_VARIANT: 0.06,
    NameVariant.ABBREVIATED: 0.04,
    NameVariant.MISSPELLED: 0.08,
    NameVariant.SWAPPED_ORDER: 0.04,
    NameVariant.ROMANISED: 0.06,
    NameVariant.ASCII_FOLDED: 0.04,
}


class LinkKey(enum.StrEnum):
    """What in the tenant's own record identifies its entity (the strongest thing a matcher can use)."""

    TAX_ID = "tax_id"  # the tax number exactly as one of the entity's identifiers
    TAX_ID_FORMATTED = "tax_id_formatted"  # the same number, formatted differently (spaces, prefix, case)
    COMPANY_NUMBER = "company_number"
    LEI = "lei"
    NAME = "name"  # nothing but the name and country
    NONE = "none"  # no registered entity


TRUTH_COLUMNS = (
    "partner",
    "tenant_id",
    "true_entity_id",
    "expected_decision",
    "scenario",
    "name_variant",
    "link_key",
    "exemption_id",
)


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent, reproducible random stream per purpose, so adding one never shifts another."""
    return np.random.default_rng([seed, *stream.encode("utf-8")])


_UUID_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def uuid_strings(rng: np.random.Generator, n: int) -> list[str]:
    """`n` random version-4-shaped UUID strings."""
    hx = rng.bytes(16 * n).hex()
    return [
        f"{hx[k : k + 8]}-{hx[k + 8 : k + 12]}-4{hx[k + 13 : k + 16]}-{_UUID_VARIANT[hx[k + 16]]}"
        f"{hx[k + 17 : k + 20]}-{hx[k + 20 : k + 32]}"
        for k in range(0, 32 * n, 32)
    ]


def aws_account_ids(rng: np.random.Generator, n: int, exclude: frozenset[str] = frozenset()) -> list[str]:
    """`n` distinct 12-digit AWS account ids (about one in ten starts with a zero)."""
    out: list[str] = []
    seen = set(exclude)
    while len(out) < n:
        for v in rng.choice(10**12, size=n - len(out) + 8, replace=False).tolist():
            s = f"{v:012d}"
            if s not in seen and len(out) < n:
                seen.add(s)
                out.append(s)
    return out


@dataclass(frozen=True)
class Population:
    """Registered entities, their identifiers, and tenants with their truth.

    `entities`: entity_id, serial, country, jurisdiction, style, name, alternate_name, restricted,
    lei, plus the name parts. `identifiers`: entity_id, scheme, scheme_name, identifier.
    `tenants`: partner, tenant_id, company_name, country, tax_registration_number, company_number, lei,
    email_domain, entity_row (row of `entities`, -1 if unregistered), and the truth columns.
    """

    entities: pd.DataFrame
    identifiers: pd.DataFrame
    tenants: pd.DataFrame

    @property
    def truth(self) -> pd.DataFrame:
        return self.tenants.loc[:, list(TRUTH_COLUMNS)].reset_index(drop=True)

    def canonical(self, source_uri: str = "demo://population") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
        """(entities, identifiers, tenants) with exactly the columns of pipeline.datasets."""
        e = self.entities
        empty_list = "[]"
        entities = pd.DataFrame(
            {
                "entity_id": e["entity_id"],
                "statement_id": e["entity_id"],
                "record_type": "entity",
                "entity_type": "registeredEntity",
                "name": e["name"],
                "alternate_names": [jsonio.compact([a]) if a else empty_list for a in e["alternate_name"]],
                "jurisdiction": e["jurisdiction"],
                "registered_country": e["country"],
                "business_country": e["country"],
                "nationalities": empty_list,
                "residences": empty_list,
                "tax_residencies": empty_list,
                "datasets": empty_list,
                "source": "bods",
                "source_uri": source_uri,
            }
        )
        idents = self.identifiers
        t = self.tenants
        tenants = pd.DataFrame(
            {
                "partner": t["partner"],
                "tenant_id": t["tenant_id"],
                "account_ref": t["tenant_id"],
                "company_name": t["company_name"],
                "country": t["country"],
                "tax_country": t["country"].where(t["tax_registration_number"] != "", ""),
                "company_country": t["country"].where(t["partner"] == "gcp", ""),
                "tax_registration_number": t["tax_registration_number"],
                "company_number": t["company_number"],
                "lei": t["lei"],
                "email_domain": t["email_domain"],
                "payer_account_id": "",
                "status": "ACTIVE",
                "source_uri": source_uri,
                "source_line": np.arange(1, len(t) + 1).astype(str),
            }
        )
        out = []
        for frame, ds in ((entities, datasets.ENTITIES), (idents, datasets.IDENTIFIERS), (tenants, datasets.TENANTS)):
            conformed = datasets.conform(frame, ds).astype("str")
            out.append(conformed.replace("", np.nan))
        return out[0], out[1], out[2]


# --- names -------------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, table: tuple[str, ...] | list[str], size: int) -> ObjArray:
    return np.array(table, dtype=object)[rng.integers(0, len(table), size=size)]


def _suffixes(rng: np.random.Generator, country: str, size: int) -> tuple[ObjArray, ObjArray]:
    table = vocab.SUFFIXES[country]
    weights = np.array([0.6, 0.3, 0.1][: len(table)])
    idx = rng.choice(len(table), size=size, p=weights / weights.sum())
    return (np.array([s for s, _ in table], dtype=object)[idx], np.array([a for _, a in table], dtype=object)[idx])


def _cat(*parts: ObjArray | str) -> ObjArray:
    out: ObjArray | str = parts[0]
    for p in parts[1:]:
        out = out + p
    return np.asarray(out, dtype=object)


def _maybe(rng: np.random.Generator, prob: float, values: ObjArray, prefix: str = " ") -> ObjArray:
    """`prefix + value` with probability `prob`, else ""."""
    take = rng.random(len(values)) < prob
    return np.where(take, prefix + values, "").astype(object)


_CN_PAIRS = [(a, b) for a in range(len(vocab.CN_SYLLABLES)) for b in range(len(vocab.CN_SYLLABLES)) if a != b]


def _name_columns(rng: np.random.Generator, country: str, n: int) -> dict[str, ObjArray]:
    """Name parts for `n` companies of `country`; every column has length `n`."""
    style = STYLE_BY_COUNTRY.get(country, Style.LATIN)
    cols: dict[str, ObjArray] = {
        key: np.full(n, "", dtype=object)
        for key in ("city", "brand_alt", "industry_alt", "industry_abbr", "alternate_name", "region")
    }
    cols["jurisdiction"] = np.full(n, country, dtype=object)
    cols["suffix"], cols["suffix_alt"] = _suffixes(rng, country, n)
    cols.update(_STYLE_BUILDERS[style](rng, country, n, cols["suffix"]))
    return cols


def _cn_pairs(rng: np.random.Generator, n: int) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in np.array(_CN_PAIRS)[rng.integers(0, len(_CN_PAIRS), size=n)].tolist()]


def _pinyin(pairs: list[tuple[int, int]]) -> ObjArray:
    syll = vocab.CN_SYLLABLES
    return np.array([(syll[a][0] + syll[b][0]).capitalize() for a, b in pairs], dtype=object)


def _cn_names(rng: np.random.Generator, country: str, n: int, suffix: ObjArray) -> dict[str, ObjArray]:
    """Mainland names: "<City> <Brand> <Industry> Co., Ltd." in pinyin, hanzi as the alternate name,
    a Wade-Giles or syllable-spaced spelling as the other romanisation, jurisdiction by province."""
    syll, cities, industries = vocab.CN_SYLLABLES, vocab.CN_CITIES, vocab.CN_INDUSTRIES
    pairs = _cn_pairs(rng, n)
    city_idx = rng.integers(0, len(cities), size=n).tolist()
    has_city = (rng.random(n) < 0.8).tolist()
    ind_idx = rng.integers(0, len(industries), size=n).tolist()
    wade_giles = (rng.random(n) < 0.5).tolist()
    by_province = (rng.random(n) < 0.85).tolist()
    hanzi = []
    for c, hc, (a, b), i, g in zip(city_idx, has_city, pairs, ind_idx, suffix.tolist(), strict=True):
        form = "集团有限公司" if str(g).startswith("Group") else "有限公司"
        hanzi.append((cities[c][1] if hc else "") + syll[a][1] + syll[b][1] + industries[i][1] + form)
    alt = [
        f"{syll[a][2].capitalize()}-{syll[b][2]}" if w else f"{syll[a][0].capitalize()} {syll[b][0].capitalize()}"
        for (a, b), w in zip(pairs, wade_giles, strict=True)
    ]
    return {
        "brand": _pinyin(pairs),
        "brand_alt": np.array(alt, dtype=object),
        "city": np.array([cities[c][0] if hc else "" for c, hc in zip(city_idx, has_city, strict=True)], dtype=object),
        "industry": np.array([industries[i][0] for i in ind_idx], dtype=object),
        "industry_abbr": np.array([industries[i][2] for i in ind_idx], dtype=object),
        "alternate_name": np.array(hanzi, dtype=object),
        "jurisdiction": np.array(
            [cities[c][3] if p else "CN" for c, p in zip(city_idx, by_province, strict=True)], dtype=object
        ),
        "region": np.array([cities[c][4] for c in city_idx], dtype=object),
    }


def _hk_names(rng: np.random.Generator, country: str, n: int, suffix: ObjArray) -> dict[str, ObjArray]:
    """Hong Kong / Macao names in Cantonese romanisation; pinyin is the other spelling."""
    syll = vocab.CN_SYLLABLES
    pairs = _cn_pairs(rng, n)
    industry, abbr = _industries(rng, "en", n)
    brand = [f"{syll[a][3].capitalize()} {syll[b][3].capitalize()}" for a, b in pairs]
    return {"brand": np.array(brand, dtype=object), "brand_alt": _pinyin(pairs), "industry": industry,
            "industry_abbr": abbr}  # fmt: skip


def _tw_names(rng: np.random.Generator, country: str, n: int, suffix: ObjArray) -> dict[str, ObjArray]:
    """Taiwanese names in Wade-Giles; pinyin is the other spelling."""
    syll = vocab.CN_SYLLABLES
    pairs = _cn_pairs(rng, n)
    industry, abbr = _industries(rng, "en", n)
    brand = [f"{syll[a][2].capitalize()}-{syll[b][2]}" for a, b in pairs]
    return {"brand": np.array(brand, dtype=object), "brand_alt": _pinyin(pairs), "industry": industry,
            "industry_abbr": abbr}  # fmt: skip


def _jp_names(rng: np.random.Generator, country: str, n: int, suffix: ObjArray) -> dict[str, ObjArray]:
    """Hepburn with macrons as registered; plain ASCII (mostly) or wāpuro spelling as the other."""
    a, b, ind = vocab.JP_PARTS_A, vocab.JP_PARTS_B, vocab.JP_INDUSTRIES
    a_idx = rng.integers(0, len(a), size=n).tolist()
    b_idx = rng.integers(0, len(b), size=n).tolist()
    i_idx = rng.integers(0, len(ind), size=n).tolist()
    system = [1 if x < 0.7 else 2 for x in rng.random(n).tolist()]
    rows = list(zip(a_idx, b_idx, i_idx, system, strict=True))
    return {
        "brand": np.array([a[i][0] + b[j][0] for i, j, _, _ in rows], dtype=object),
        "brand_alt": np.array([a[i][s] + b[j][s] for i, j, _, s in rows], dtype=object),
        "industry": np.array([ind[k][0] for _, _, k, _ in rows], dtype=object),
        "industry_alt": np.array([ind[k][s] for _, _, k, s in rows], dtype=object),
    }


def _kr_names(rng: np.random.Generator, country: str, n: int, suffix: ObjArray) -> dict[str, ObjArray]:
    """Revised Romanisation as registered; McCune-Reischauer as the other spelling."""
    s = vocab.KR_SYLLABLES
    pairs = list(zip(rng.integers(0, len(s), size=n).tolist(), rng.integers(0, len(s), size=n).tolist(), strict=True))
    return {
        "brand": np.array([(s[i][0] + s[j][0]).capitalize() for i, j in pairs], dtype=object),
        "brand_alt": np.array([(s[i][1] + s[j][1]).capitalize() for i, j in pairs], dtype=object),
        "industry": _pick(rng, vocab.KR_INDUSTRIES, n),
    }


def _ru_names(rng: np.random.Generator, country: str, n: int, suffix: ObjArray) -> dict[str, ObjArray]:
    """Cyrillic "ООО «Brand»" as registered; one of two Latin transliterations as the other spelling."""
    a, b = vocab.RU_PARTS_A, vocab.RU_PARTS_B
    rows = list(
        zip(
            rng.integers(0, len(a), size=n).tolist(),
            rng.integers(0, len(b), size=n).tolist(),
            [2 if x < 0.3 else 1 for x in rng.random(n).tolist()],
            strict=True,
        )
    )
    return {
        "brand": np.array([a[i][0] + b[j][0] for i, j, _ in rows], dtype=object),
        "brand_alt": np.array([(a[i][s] + b[j][s]).capitalize() for i, j, s in rows], dtype=object),
        "industry": np.full(n, "", dtype=object),
    }


def _gr_names(rng: np.random.Generator, country: str, n: int, suffix: ObjArray) -> dict[str, ObjArray]:
    """Greek as registered; ELOT or a looser transliteration as the other spelling."""
    c, ind = vocab.GR_CORES, vocab.GR_INDUSTRIES
    rows = list(
        zip(
            rng.integers(0, len(c), size=n).tolist(),
            rng.integers(0, len(ind), size=n).tolist(),
            [2 if x < 0.3 else 1 for x in rng.random(n).tolist()],
            strict=True,
        )
    )
    return {
        "brand": np.array([c[i][0] for i, _, _ in rows], dtype=object),
        "brand_alt": np.array([c[i][s] for i, _, s in rows], dtype=object),
        "industry": np.array([ind[k][0] for _, k, _ in rows], dtype=object),
        "industry_alt": np.array([ind[k][s] for _, k, s in rows], dtype=object),
    }


def _latin_names(rng: np.random.Generator, country: str, n: int, suffix: ObjArray) -> dict[str, ObjArray]:
    """Invented brand words, local words with diacritics, optional second word and descriptor."""
    lang = vocab.LANGUAGE.get(country, "en")
    brand = _cat(_pick(rng, vocab.LATIN_STARTS, n), _pick(rng, vocab.LATIN_ENDS, n))
    if lang == "in":
        brand = np.where(rng.random(n) < 0.5, _pick(rng, vocab.IN_CORES, n), brand).astype(object)
    if lang in vocab.DIACRITIC_WORDS:
        brand = np.where(rng.random(n) < 0.3, _pick(rng, vocab.DIACRITIC_WORDS[lang], n), brand).astype(object)
    brand = _cat(brand, _maybe(rng, 0.35, _pick(rng, vocab.LATIN_SECOND, n)))
    if lang in ("en", "in"):
        brand = _cat(brand, _maybe(rng, 0.25, _pick(rng, vocab.DESCRIPTORS, n)))
    industry, abbr = _industries(rng, lang if lang in vocab.INDUSTRIES else "en", n)
    cols = {"brand": brand, "industry": industry, "industry_abbr": abbr}
    if country == "US":
        cols["jurisdiction"] = _pick(rng, US_JURISDICTIONS, n)
    return cols


_STYLE_BUILDERS = {
    Style.CN: _cn_names,
    Style.HK: _hk_names,
    Style.TW: _tw_names,
    Style.JP: _jp_names,
    Style.KR: _kr_names,
    Style.RU: _ru_names,
    Style.GR: _gr_names,
    Style.LATIN: _latin_names,
}


def _industries(rng: np.random.Generator, lang: str, n: int) -> tuple[ObjArray, ObjArray]:
    table = vocab.INDUSTRIES[lang]
    idx = rng.integers(0, len(table), size=n)
    return (np.array([w for w, _ in table], dtype=object)[idx], np.array([a for _, a in table], dtype=object)[idx])


_NAME_COLUMNS = (
    "style", "city", "brand", "industry", "suffix", "suffix_alt", "brand_alt", "industry_alt",
    "industry_abbr", "alternate_name", "jurisdiction", "region",
)  # fmt: skip


def _generate_names(rng: np.random.Generator, countries: ObjArray) -> dict[str, ObjArray]:
    """Name parts (one object array per column, `country` included) for companies of `countries`."""
    n = len(countries)
    out = {c: np.full(n, "", dtype=object) for c in _NAME_COLUMNS}
    for country in sorted(set(countries.tolist())):
        rows = np.flatnonzero(countries == country)
        cols = _name_columns(rng, country, len(rows))
        out["style"][rows] = str(STYLE_BY_COUNTRY.get(country, Style.LATIN))
        for key, values in cols.items():
            out[key][rows] = values
    out["country"] = np.asarray(countries, dtype=object)
    return out


def registered_names(parts: pd.DataFrame | dict[str, ObjArray]) -> ObjArray:
    """The registered name of each row of name parts (vectorised `NameParts.registered`)."""
    col = {c: np.asarray(parts[c], dtype=object) for c in ("city", "industry", "brand", "suffix", "style")}
    head = np.where(col["city"] != "", col["city"] + " ", "")
    industry = np.where(col["industry"] != "", " " + col["industry"], "")
    latin = head + col["brand"] + industry + " " + col["suffix"]
    ru = col["suffix"] + " «" + col["brand"] + "»"
    return np.asarray(np.where(col["style"] == Style.RU.value, ru, latin), dtype=object)


def core_keys(parts: pd.DataFrame | dict[str, ObjArray], rows: np.ndarray | None = None) -> list[str]:
    """Normalised name without legal form (case, spaces and punctuation dropped): what "the same name"
    means for uniqueness within a country and for decoys across countries."""
    col = {c: np.asarray(parts[c], dtype=object) for c in ("city", "industry", "brand")}
    if rows is not None:
        col = {c: v[rows] for c, v in col.items()}
    head = np.where(col["city"] != "", col["city"] + " ", "")
    industry = np.where(col["industry"] != "", " " + col["industry"], "")
    core = pa.array((head + col["brand"] + industry).tolist(), type=pa.string())
    key = pc.replace_substring_regex(pc.utf8_lower(core), pattern=r"[\s.,&'()«»\-]+", replacement="")
    return [str(k) for k in key.to_pylist()]


def _admit(
    rows: list[int], new_keys: list[str], keys: list[str], countries: list[str], seen: set[tuple[str, str]]
) -> list[int]:
    """Record the new keys of `rows`; the rows whose name is already taken in their country."""
    still = []
    for i, k in zip(rows, new_keys, strict=True):
        keys[i] = k
        if (countries[i], k) in seen:
            still.append(i)
        else:
            seen.add((countries[i], k))
    return still


def _deduplicate(
    rng: np.random.Generator, parts: dict[str, ObjArray], reserved: frozenset[tuple[str, str]] = frozenset()
) -> list[str]:
    """Redraw names that repeat within a country (or take a `reserved` (country, core key) of the
    world's scenarios), number the few that still repeat; the core keys."""
    keys = core_keys(parts)
    countries = parts["country"].tolist()
    seen: set[tuple[str, str]] = set(reserved)
    dup = _admit(list(range(len(keys))), list(keys), keys, countries, seen)
    for _ in range(4):
        if not dup:
            return keys
        idx = np.array(dup)
        for col, values in _generate_names(rng, parts["country"][idx]).items():
            parts[col][idx] = values
        dup = _admit(dup, core_keys(parts, idx), keys, countries, seen)
    # What still repeats gets a number, as registers do ("Sibsoft-2"): the n-th repeat of a name is
    # numbered n, so the numbered names differ from each other and (having digits) from all others.
    while dup:
        repeat: dict[tuple[str, str], int] = {}
        for i in dup:
            number = repeat[(countries[i], keys[i])] = repeat.get((countries[i], keys[i]), 1) + 1
            sep = "-" if parts["style"][i] == Style.RU.value else " "
            for col in ("brand", "brand_alt"):
                if parts[col][i]:
                    parts[col][i] = f"{parts[col][i]}{sep}{number}"
        dup = _admit(dup, core_keys(parts, np.array(dup)), keys, countries, seen)
    return keys


# --- the population ------------------------------------------------------------------------------


def _country_draw(rng: np.random.Generator, n: int, restricted_share: float) -> ObjArray:
    names = [*COUNTRY_WEIGHTS, "CN"]
    weights = np.array(list(COUNTRY_WEIGHTS.values()), dtype=float)
    weights = weights / weights.sum() * (1 - restricted_share)
    p = np.append(weights, restricted_share)
    return np.array(names, dtype=object)[rng.choice(len(names), size=n, p=p)]


def _make_twins(parts: dict[str, ObjArray], keys: list[str], targets: list[int], sources: list[int]) -> None:
    """Give each target row the brand and industry of a source row of another country: a decoy pair.

    Asian sources lend their romanised brand only when their name has no city, so that
    "Huaxin Technology Inc." stands beside "Huaxin Technology Co., Ltd.". A twin that would repeat a
    name of its own country keeps its own name."""
    style, country, city = parts["style"], parts["country"], parts["city"]
    taken = set(zip(country.tolist(), keys, strict=True))
    asian = (Style.CN.value, Style.HK.value)
    for t, s in zip(targets, sources, strict=True):
        if country[t] == country[s] or (style[s] != Style.LATIN.value and (style[s] not in asian or city[s])):
            continue
        if (country[t], keys[s]) in taken or city[t]:
            continue
        taken.discard((country[t], keys[t]))
        taken.add((country[t], keys[s]))
        keys[t] = keys[s]
        for col in ("brand", "industry", "industry_abbr"):
            parts[col][t] = parts[col][s]


def make_population(
    n_tenants: int,
    *,
    n_entities: int | None = None,
    seed: int = 0,
    restricted_share: float = 0.02,
    unregistered_share: float = 0.04,
    decoy_share: float = 0.03,
    aws_share: float = 0.65,
    lei_share: float = 0.15,
    variant_weights: dict[NameVariant, float] | None = None,
    exclude_aws_ids: frozenset[str] = frozenset(),
    reserved_names: frozenset[tuple[str, str]] = frozenset(),
) -> Population:
    """Registered companies worldwide and `n_tenants` marketplace tenants with their true entities.

    `n_entities` (default 1.25 x tenants) companies are registered; `restricted_share` of them are in
    mainland China. `unregistered_share` of the tenants are companies the register does not know.
    About `decoy_share` of the companies share their name with a company of another country, and so do
    some unregistered tenants. `variant_weights` says how often each `NameVariant` is used for tenants
    of registered companies (a variant that cannot apply to a name falls back to `exact`).
    `reserved_names` are (country, core key) pairs no company of the population may take: the names of
    a world's scenario companies, whose tenants would otherwise meet two companies of one name.
    """
    if n_tenants < 0:
        raise ValueError("n_tenants must be >= 0")
    n_unregistered = round(n_tenants * unregistered_share)
    n_registered_tenants = n_tenants - n_unregistered
    n_entities = max(n_entities if n_entities is not None else (n_tenants * 5 + 3) // 4, n_registered_tenants)
    rng = rng_for(seed, "population")

    # Registered companies and unregistered tenants' companies are drawn together, so that no
    # unregistered name equals a registered one of the same country.
    countries = _country_draw(rng, n_entities + n_unregistered, restricted_share)
    cols = _generate_names(rng, countries)
    keys = _deduplicate(rng, cols, reserved_names)
    latin = np.flatnonzero(cols["style"] == Style.LATIN.value)
    n_twins = int(decoy_share * (n_entities + n_unregistered))
    if n_twins and len(latin):
        targets = rng.choice(latin, size=min(n_twins, len(latin)), replace=False)
        sources = rng.integers(0, n_entities, size=len(targets))
        _make_twins(cols, keys, targets.tolist(), sources.tolist())
    cols["name"] = registered_names(cols)
    cols["core_key"] = np.array(keys, dtype=object)
    del keys
    # Two frames straight from the arrays (no full-size intermediate frame: this is the memory peak).
    entities = pd.DataFrame({k: v[:n_entities] for k, v in cols.items()})
    unregistered = pd.DataFrame({k: v[n_entities:] for k, v in cols.items()})
    del cols
    entities.insert(0, "entity_id", uuid_strings(rng_for(seed, "entity-ids"), n_entities))
    entities["serial"] = entities.groupby("country").cumcount().to_numpy() + FIRST_SERIAL
    entities["restricted"] = (entities["country"] == "CN").to_numpy()
    has_lei = rng.random(n_entities) < lei_share
    entities["lei"] = [ids.lei(i + 10_000_000 * (seed % 97)) if h else "" for i, h in enumerate(has_lei.tolist())]
    identifiers = _identifier_frame(entities)

    tenants = _tenants(
        seed,
        entities,
        unregistered,
        n_registered_tenants,
        aws_share=aws_share,
        weights=variant_weights or DEFAULT_VARIANT_WEIGHTS,
        exclude_aws_ids=exclude_aws_ids,
    )
    return Population(entities=entities, identifiers=identifiers, tenants=tenants)


def _identifier_frame(entities: pd.DataFrame) -> pd.DataFrame:
    """entity_id, scheme, scheme_name, identifier: each entity's identifiers in scheme order, built
    column-wise per country (millions of entities would not fit as per-entity objects)."""
    countries = entities["country"].to_numpy(dtype=object)
    serials = entities["serial"].to_numpy()
    entity_ids = entities["entity_id"].to_numpy(dtype=object)
    blocks: list[tuple[np.ndarray, int, str, str, list[str]]] = []
    for country in sorted(set(countries.tolist())):
        rows = np.flatnonzero(countries == country)
        if country == "CN":
            cn = ids.COUNTRY_IDS["CN"].company
            regions = entities["region"].to_numpy(dtype=object)[rows].tolist()
            codes = [ids.uscc(n, r) for n, r in zip(serials[rows].tolist(), regions, strict=True)]
            columns = [(cn.scheme, cn.scheme_name, codes)]
        else:
            columns = ids.identifier_columns(country, serials[rows].tolist())
        for rank, (scheme_code, scheme_name, values) in enumerate(columns):
            blocks.append((rows, rank, scheme_code, scheme_name, values))
    leis = entities["lei"].to_numpy(dtype=object)
    with_lei = np.flatnonzero(leis != "")
    blocks.append((with_lei, 9, *ids.LEI_SCHEME, leis[with_lei].tolist()))
    row = np.concatenate([b[0] for b in blocks])
    rank_of = np.concatenate([np.full(len(b[0]), b[1]) for b in blocks])
    frame = pd.DataFrame(
        {
            "entity_id": entity_ids[row],
            "scheme": np.concatenate([np.full(len(b[0]), b[2], dtype=object) for b in blocks]),
            "scheme_name": np.concatenate([np.full(len(b[0]), b[3], dtype=object) for b in blocks]),
            "identifier": np.concatenate([np.array(b[4], dtype=object) for b in blocks]),
        }
    )
    # Entity by entity, in scheme order (company number, tax number, LEI), as a register lists them.
    return frame.iloc[np.lexsort((rank_of, row))].reset_index(drop=True)


def entity_tax_field(country: str, serial: int, region: str) -> str:
    """The tax registration number the customer of a registered entity quotes."""
    return ids.uscc(serial, region) if country == "CN" else ids.tax_field(country, serial)


def format_tax_number(value: str, country: str, draw: int) -> str:
    """The same tax number as customers mistype its format: spaces, lower case, prefix dropped."""
    if not value:
        return value
    choice = draw % 3
    if choice == 0:
        return " ".join(value[i : i + 3] for i in range(0, len(value), 3))
    if choice == 1 and value[:2].isalpha() and value[:2].upper() == value[:2] and country not in ("CN", "IN", "MX"):
        return value[2:]
    return (
        value.lower() if any(c.isalpha() for c in value) else value.replace("-", "").replace(".", "").replace("/", "")
    )


def _domains(style: list[str], country: list[str], brand: list[str], brand_alt: list[str]) -> list[str]:
    """E-mail domains from the brand (its Latin form for Cyrillic and Greek names): ASCII letters and
    digits, at most 20, and the country's top-level domain."""
    latin = [
        alt if st in (Style.RU.value, Style.GR.value) else b for st, b, alt in zip(style, brand, brand_alt, strict=True)
    ]
    arr = pc.utf8_lower(pa.array(latin, type=pa.string()))
    for src, dst in _SLUG_LETTERS.items():
        arr = pc.replace_substring(arr, src, dst)
    arr = pc.replace_substring_regex(utf8_normalized(arr, "NFKD"), pattern="[^a-z0-9]", replacement="")
    slugs = pc.utf8_slice_codeunits(arr, 0, 20).to_pylist()
    return [f"{slug or 'company'}.{vocab.TLD.get(c, 'com')}" for slug, c in zip(slugs, country, strict=True)]


# Letters that do not decompose into an ASCII base letter and a mark (lower case: the slug is lowered first).
_SLUG_LETTERS = {"ß": "ss", "ł": "l", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d"}


_PART_COLUMNS = (
    "style", "country", "brand", "industry", "suffix", "suffix_alt", "city", "brand_alt", "industry_alt",
    "industry_abbr",
)  # fmt: skip
_TENANT_COLUMNS = (
    "partner", "company_name", "country", "tax_registration_number", "company_number", "lei", "email_domain",
    "entity_row", "true_entity_id", "expected_decision", "scenario", "name_variant", "link_key",
)  # fmt: skip


@dataclass(frozen=True)
class _Draw:
    """The random choices made for one tenant."""

    partner: str
    variant: NameVariant
    number: int
    tax_roll: float
    format_roll: float
    extra_roll: float


def _draws(rng: np.random.Generator, n: int, aws_share: float, weights: dict[NameVariant, float]) -> list[_Draw]:
    partner = np.where(rng.random(n) < aws_share, "aws", "gcp").tolist()
    variants = list(weights)
    p = np.array([weights[v] for v in variants], dtype=float)
    chosen = rng.choice(len(variants), size=n, p=p / p.sum()).tolist()
    numbers = rng.integers(0, 10**6, size=n).tolist()
    rolls = rng.random((n, 3)).tolist()
    return [_Draw(partner[k], variants[chosen[k]], numbers[k], rolls[k][0], rolls[k][1], rolls[k][2]) for k in range(n)]


def _parts(cols: dict[str, list[Any]], j: int) -> NameParts:
    return NameParts(
        style=Style(cols["style"][j]),
        country=cols["country"][j],
        brand=cols["brand"][j],
        industry=cols["industry"][j],
        suffix=cols["suffix"][j],
        suffix_alt=cols["suffix_alt"][j],
        city=cols["city"][j],
        brand_alt=cols["brand_alt"][j],
        industry_alt=cols["industry_alt"][j],
        industry_abbr=cols["industry_abbr"][j],
    )


def _written_name(parts: NameParts, d: _Draw, *, registered: bool, decoy: bool) -> tuple[str, NameVariant]:
    """The name as the tenant wrote it, and the truthful label of how."""
    if not registered:
        latin_script = parts.style not in (Style.RU, Style.GR)
        name = parts.registered if latin_script else parts.variant(NameVariant.ROMANISED, d.number)
        return name, NameVariant.DECOY_OTHER_COUNTRY if decoy else NameVariant.UNREGISTERED
    variant = d.variant
    if parts.style in (Style.RU, Style.GR):
        variant = NameVariant.ROMANISED if d.number % 100 < 85 else NameVariant.EXACT
    if not parts.can(variant):
        variant = NameVariant.EXACT
    name = parts.variant(variant, d.number)
    if variant is NameVariant.EXACT and decoy:
        variant = NameVariant.DECOY_OTHER_COUNTRY
    return name, variant


def _identity(
    parts: NameParts, d: _Draw, *, registered: bool, serial: int, region: str, lei: str
) -> tuple[str, str, str, LinkKey]:
    """(tax number, company number, LEI) the tenant gave, and the strongest key among them."""
    country = parts.country
    is_aws = d.partner == "aws"
    tax, company_number, given_lei = "", "", ""
    link = LinkKey.NAME if registered else LinkKey.NONE
    # AWS asks non-US accounts for a tax registration; GCP's sign-up form makes it optional.
    if (country != "US" and d.tax_roll < 0.8) if is_aws else d.tax_roll < 0.6:
        tax = entity_tax_field(country, serial, region or "440300")
        if tax and registered:
            # Japan's invoice number and Greece's VAT number differ from the registered identifier by a
            # prefix: only a country-aware matcher links them.
            link = LinkKey.TAX_ID_FORMATTED if country in ("JP", "GR") else LinkKey.TAX_ID
            formatted = format_tax_number(tax, country, d.number) if d.format_roll < 0.15 else tax
            if formatted != tax:
                tax, link = formatted, LinkKey.TAX_ID_FORMATTED
    if not is_aws and registered and d.extra_roll < 0.2:
        company_number = ids.company_number(country, serial)
        link = LinkKey.COMPANY_NUMBER if link is LinkKey.NAME else link
    if not is_aws and registered and lei and d.extra_roll > 0.6:
        given_lei = lei
        link = LinkKey.LEI if link in (LinkKey.NAME, LinkKey.COMPANY_NUMBER) else link
    return tax, company_number, given_lei, link


def _tenants(
    seed: int,
    entities: pd.DataFrame,
    unregistered: pd.DataFrame,
    n_registered: int,
    *,
    aws_share: float,
    weights: dict[NameVariant, float],
    exclude_aws_ids: frozenset[str],
) -> pd.DataFrame:
    rng = rng_for(seed, "tenants")
    rows = np.sort(rng.choice(len(entities), size=n_registered, replace=False)) if n_registered else np.array([], int)
    n = n_registered + len(unregistered)
    draws = _draws(rng, n, aws_share, weights)

    # A name is a decoy when a registered company of another country has the same normalised name.
    reg_keys = entities["core_key"].tolist()
    countries_of: dict[str, set[str]] = {}
    for key, c in zip(reg_keys, entities["country"].tolist(), strict=True):
        countries_of.setdefault(key, set()).add(c)
    twinned = {k for k, cs in countries_of.items() if len(cs) > 1}
    registered_keys = set(reg_keys)

    # Unregistered companies get serials after the registered ones of their country, so that their
    # (invented) tax numbers never equal a registered company's.
    next_serial = (entities.groupby("country")["serial"].max() + 1).to_dict()
    unreg_serial = (
        unregistered.groupby("country").cumcount().to_numpy()
        + np.array([next_serial.get(c, FIRST_SERIAL) for c in unregistered["country"]], dtype=int)
    ).tolist()

    sel = entities.iloc[rows]
    reg = {c: sel[c].tolist() for c in (*_PART_COLUMNS, "region", "serial", "entity_id", "restricted", "lei")}
    reg_key_list = [reg_keys[r] for r in rows.tolist()]
    unreg = {c: unregistered[c].tolist() for c in (*_PART_COLUMNS, "region")}
    unreg_key_list = unregistered["core_key"].tolist()

    records = []
    for k, d in enumerate(draws):
        registered = k < n_registered
        j = k if registered else k - n_registered
        cols = reg if registered else unreg
        parts = _parts(cols, j)
        key = reg_key_list[j] if registered else unreg_key_list[j]
        name, variant = _written_name(
            parts, d, registered=registered, decoy=key in (twinned if registered else registered_keys)
        )
        tax, company_number, lei, link = _identity(
            parts,
            d,
            registered=registered,
            serial=int(cols["serial"][j]) if registered else unreg_serial[j],
            region=cols["region"][j],
            lei=str(cols["lei"][j]) if registered else "",
        )
        restricted = bool(cols["restricted"][j]) if registered else parts.country == "CN"
        scenario = ("ordinary" if registered else "ordinary_unregistered") + ("_cn" if restricted else "")
        # An unregistered mainland company is judged on its own location: AWS has its tax address there,
        # GCP its sign-up (company) country; both revoke (policy tenants.basis_actions).
        expected = "revoke" if restricted else "allow"
        records.append(
            (
                d.partner,
                name,
                parts.country,
                tax,
                company_number,
                lei,
                "",
                int(rows[k]) if registered else -1,
                str(cols["entity_id"][j]) if registered else "",
                expected,
                scenario,
                str(variant),
                str(link),
            )
        )
    frame = pd.DataFrame(records, columns=list(_TENANT_COLUMNS))
    picked = {c: [*reg[c], *unreg[c]] for c in ("style", "country", "brand", "brand_alt")}
    frame["email_domain"] = _domains(picked["style"], picked["country"], picked["brand"], picked["brand_alt"])
    is_aws = (frame["partner"] == "aws").to_numpy()
    tenant_ids = np.empty(n, dtype=object)
    tenant_ids[is_aws] = aws_account_ids(rng_for(seed, "aws-ids"), int(is_aws.sum()), exclude_aws_ids)
    tenant_ids[~is_aws] = uuid_strings(rng_for(seed, "gcp-ids"), int((~is_aws).sum()))
    frame.insert(1, "tenant_id", tenant_ids)
    frame["exemption_id"] = ""
    return frame


__all__ = [
    "DEFAULT_VARIANT_WEIGHTS",
    "TRUTH_COLUMNS",
    "LinkKey",
    "Population",
    "make_population",
]
