"""Jurisdiction and country codes as the policy and the matcher compare them: the one home of that rule.

Invariant: `country_of(code)` (one value) and `country_parts(column)` (a column, vectorised) map any ISO
3166-1 alpha-2 code or ISO 3166-2 subdivision code to the upper-case alpha-2 country it belongs to
(`CN-GD` is CN), or to missing when it has none, with the same rule: Hong Kong, Macao and Taiwan (listed
by ISO also as CN-HK, CN-MO, CN-TW) are HK, MO and TW, so that restricting CN never restricts them unless
the policy says so. `is_iso_code(code)` says whether ISO knows the code at all (a code such as `XX` has
the shape of one but names no place, so no policy can match it: the reader reports it).

`JurisdictionRule` is the one test of whether a code is restricted, for both policy modes: a denylist
restricts the listed countries (with their subdivisions) and listed subdivisions; an allowlist restricts
every ISO 3166-1 country that is not listed, and, within a listed country, the subdivisions it excludes.
A subdivision listed on its own follows its own entry, whatever its country's (the list exactly as
written): an allowlist naming `ES-CN` but not `ES` supports the Canary Islands and no other part of Spain. The
label of a restriction is the most specific entry that decided it: the subdivision when one was listed
or excluded, else the country.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from pipeline.arrays import filled, strings

# ISO 3166-2:CN lists these, but they are separate ISO 3166-1 countries and the policy names them apart.
SEPARATE_SUBDIVISIONS = {"CN-HK": "HK", "CN-MO": "MO", "CN-TW": "TW"}


@lru_cache(maxsize=4096)
def country_of(code: object) -> str | None:
    """The alpha-2 country of a country or subdivision code (upper-cased), or None if it has none."""
    if not isinstance(code, str):
        return None
    text = code.strip().upper()
    if text in SEPARATE_SUBDIVISIONS:
        return SEPARATE_SUBDIVISIONS[text]
    head = text.split("-", 1)[0]
    return head if len(head) == 2 and head.isalpha() else None


def country_parts(codes: pd.Series) -> pd.Series:
    """`country_of` over a column, vectorised (Arrow kernels: columns have millions of rows)."""
    text = pc.utf8_upper(pc.utf8_trim_whitespace(strings(codes)))
    separate = pa.array(list(SEPARATE_SUBDIVISIONS), type=pa.large_string())
    named = pa.array(list(SEPARATE_SUBDIVISIONS.values()), type=pa.large_string())
    position = pc.index_in(text, value_set=separate)
    head = pc.utf8_slice_codeunits(text, 0, 2)
    valid = pc.match_substring_regex(text, r"^[A-Z]{2}(-|$)")
    plain = pc.if_else(filled(valid, False), head, pa.scalar(None, type=pa.large_string()))
    result = pc.if_else(pc.is_null(position), plain, named.take(filled(position, 0)))
    return pd.Series(result, dtype="str", index=codes.index)


@lru_cache(maxsize=4096)
def code_for_country_name(name: str | None) -> str | None:
    """The alpha-2 code of a country name when ISO knows the name exactly (BODS requires a name, not a code)."""
    if not name or not isinstance(name, str):
        return None
    try:
        country = pycountry.countries.lookup(name.strip())
    except LookupError:
        return None
    code: str = country.alpha_2
    return code


@lru_cache(maxsize=1)
def _iso_codes() -> frozenset[str]:
    countries = {str(c.alpha_2) for c in pycountry.countries}
    return frozenset(countries | {str(s.code) for s in pycountry.subdivisions})


def is_iso_code(code: str) -> bool:
    """An ISO 3166-1 alpha-2 country code or an ISO 3166-2 subdivision code (upper case, as stored)."""
    return code in _iso_codes()


def jurisdiction_code(code: str) -> str:
    """A policy list entry as stored: upper case, `CN-HK`/`CN-MO`/`CN-TW` as the countries HK/MO/TW.
    Raises ValueError for a code ISO 3166-1 alpha-2 / ISO 3166-2 does not know."""
    text = code.strip().upper()
    text = SEPARATE_SUBDIVISIONS.get(text, text)
    if not is_iso_code(text):
        raise ValueError(f"{text!r} is not an ISO 3166-1 alpha-2 or ISO 3166-2 code")
    return text


@lru_cache(maxsize=1)
def iso_countries() -> frozenset[str]:
    return frozenset(str(c.alpha_2) for c in pycountry.countries)


@dataclass(frozen=True)
class JurisdictionRule:
    """Which jurisdictions a policy restricts (see the module docstring). Entries are stored codes
    (`jurisdiction_code`); `allowlist` says whether they are the supported or the restricted ones."""

    allowlist: bool
    entries: frozenset[str]
    excluded: frozenset[str] = frozenset()  # allowlist only: subdivisions of listed countries not supported

    def restricted(self, code: object) -> str | None:
        """The restricted jurisdiction (label) a country or subdivision code falls in, or None."""
        return _restricted(self, code)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label `restricted` can return, sorted."""
        if not self.allowlist:
            return tuple(sorted(self.entries))
        return tuple(sorted((iso_countries() - self.entries) | self.excluded))


@lru_cache(maxsize=65536)
def _restricted(rule: JurisdictionRule, code: object) -> str | None:
    country = country_of(code)
    if country is None:
        return None
    text = SEPARATE_SUBDIVISIONS.get(str(code).strip().upper(), str(code).strip().upper())
    if not rule.allowlist:
        if text in rule.entries:
            return text
        return country if country in rule.entries else None
    if text in rule.excluded:
        return text
    if text in rule.entries or country in rule.entries:
        return None
    return country if country in iso_countries() else None
