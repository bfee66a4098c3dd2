"""Jurisdiction and country codes as the policy compares them.

Invariant: `country_of(code)` maps any ISO 3166-1 alpha-2 code or ISO 3166-2 subdivision code to the
alpha-2 country the policy names, with Hong Kong, Macao and Taiwan (listed by ISO also as CN-HK, CN-MO,
CN-TW) kept as HK, MO and TW, so that restricting CN never restricts them unless the policy says so.
`is_iso_code(code)` says whether ISO knows the code at all (a code such as `XX` has the shape of one
but names no place, so no policy can match it: the reader reports it).
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

# ISO 3166-2:CN lists these, but they are separate ISO 3166-1 countries and the policy names them apart.
_SEPARATE_SUBDIVISIONS = {"CN-HK": "HK", "CN-MO": "MO", "CN-TW": "TW"}


@lru_cache(maxsize=4096)
def country_of(code: str | None) -> str | None:
    """The alpha-2 country of a country or subdivision code (upper-cased), or None if it has none."""
    if not code or not isinstance(code, str):
        return None
    c = code.strip().upper()
    if c in _SEPARATE_SUBDIVISIONS:
        return _SEPARATE_SUBDIVISIONS[c]
    head = c.split("-", 1)[0]
    if len(head) == 2 and head.isalpha():
        return head
    return None


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
