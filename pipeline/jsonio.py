"""JSON for the whole package: one encoder and one decoder (orjson), in the few shapes the pipeline writes.

Invariant: every JSON text the package reads or writes goes through here (ruff bans the standard `json`
module in pipeline/), so there is one set of rules: UTF-8 kept readable (never `\\uXXXX` for a
printable character), NaN written as null, a value JSON has no type for written through `default`
(`str` unless a caller says otherwise), and keys sorted wherever the bytes must be reproducible.

- `document`: a file people and programs read (manifests, validation results, gate records): sorted
  keys, two-space indent, one trailing newline; the same value always gives the same bytes.
- `compact`: one line, no spaces (a cell, a quarantined record, a log field); `sort_keys` when the text is
  compared or hashed.
- `loads`: bytes or text to Python values; a malformed text raises `JSONDecodeError` (a `ValueError`) with
  `msg`, `lineno` and `colno`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

JSONDecodeError = orjson.JSONDecodeError


def _options(*, sort_keys: bool, indent: bool = False, newline: bool = False) -> int:
    option = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS
    if sort_keys:
        option |= orjson.OPT_SORT_KEYS
    if indent:
        option |= orjson.OPT_INDENT_2
    if newline:
        option |= orjson.OPT_APPEND_NEWLINE
    return option


def document(value: Any, *, default: Callable[[Any], Any] = str) -> str:
    """Sorted keys, two-space indent, trailing newline."""
    return orjson.dumps(value, default=default, option=_options(sort_keys=True, indent=True, newline=True)).decode()


def compact(value: Any, *, sort_keys: bool = False, default: Callable[[Any], Any] = str) -> str:
    """One line, no spaces after separators."""
    return orjson.dumps(value, default=default, option=_options(sort_keys=sort_keys)).decode()


def compact_bytes(value: Any, *, sort_keys: bool = False, default: Callable[[Any], Any] = str) -> bytes:
    """`compact` as UTF-8 bytes, for hashing and writing without a decode."""
    return orjson.dumps(value, default=default, option=_options(sort_keys=sort_keys))


# orjson's own function, not a wrapper: the BODS reader decodes millions of lines, and a Python call
# around each one cost about 150 ns, some 3% of reading a statement.
loads = orjson.loads
