"""Country codes as the matcher compares them.

Invariant: every code that leaves `country_part` is an upper-case ISO 3166-1 alpha-2 code or missing.
ISO 3166-2 subdivisions compare by their country part (`CN-GD` is CN), except the three that ISO files
under CN although the policy names them on their own (`CN-HK`, `CN-MO`, `CN-TW` are HK, MO, TW), as
DESIGN.md §4 requires.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.matching.arrow import strings

# ISO 3166-2 lists these as subdivisions of CN; the policy treats them as jurisdictions of their own.
SEPARATE_SUBDIVISIONS = {"CN-HK": "HK", "CN-MO": "MO", "CN-TW": "TW"}


def country_part(code: object) -> str | None:
    """The alpha-2 country a jurisdiction or address code belongs to, or None when there is none."""
    if not isinstance(code, str):
        return None
    text = code.strip().upper()
    if not text:
        return None
    if text in SEPARATE_SUBDIVISIONS:
        return SEPARATE_SUBDIVISIONS[text]
    head = text.split("-", 1)[0]
    return head if len(head) == 2 and head.isalpha() else None


def country_parts(codes: pd.Series) -> pd.Series:
    """`country_part` over a column, vectorised (Arrow kernels: columns have millions of rows)."""
    text = pc.utf8_upper(pc.utf8_trim_whitespace(strings(codes)))
    separate = pa.array(list(SEPARATE_SUBDIVISIONS), type=pa.large_string())
    named = pa.array(list(SEPARATE_SUBDIVISIONS.values()), type=pa.large_string())
    position = pc.index_in(text, value_set=separate)
    head = pc.utf8_slice_codeunits(text, 0, 2)
    valid = pc.match_substring_regex(text, r"^[A-Z]{2}(-|$)")
    plain = pc.if_else(pc.fill_null(valid, False), head, pa.scalar(None, type=pa.large_string()))
    result = pc.if_else(pc.is_null(position), plain, named.take(pc.fill_null(position, 0)))
    return pd.Series(result, dtype="str", index=codes.index)
