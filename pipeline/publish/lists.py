"""Revocation lists as published: their shape, and their deterministic, spreadsheet-safe CSV form.

Invariant: `to_csv_bytes` is a pure function of the frame's cells and the given column order: cells are
neutralised (`pipeline.lists_vocabulary.neutralise`), then rows are sorted by every column (key first);
`\\n` line ends, UTF-8 without BOM, RFC 4180 minimal quoting, and no cell a spreadsheet would evaluate.
Neutralising is part of every cell's canonical text (`records`), so a list read back from its CSV
compares equal to the list written, and written again gives the same bytes.

Every partner's list shares the columns in `COMMON_COLUMNS` (pipeline/lists_vocabulary.py); each
partner's module (pipeline/partners/<kind>/revocations.py) declares its own `ListFormat` with its key and
extra columns, and its contract in data_contracts/ describes the same columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import io
import math
from dataclasses import dataclass

import pandas as pd

from pipeline import jsonio
from pipeline.errors import RunStopped
from pipeline.lists_vocabulary import (
    CHANGE,
    COMMON_COLUMNS,
    DECISION,
    EFFECTIVE_DATE,
    LISTED_SINCE,
    MULTI_VALUE_SEPARATOR,
    neutralise,
)


class ListFormatError(RunStopped, ValueError):
    """A revocation list does not have the shape its format requires; the message names the row."""


class ListDecision(enum.StrEnum):
    """What a row tells the partner: revoke access, or (in a delta, for a lifted row) allow it again."""

    REVOKE = "revoke"
    ALLOW = "allow"


class Change(enum.StrEnum):
    """A delta row's relation to the previous snapshot."""

    ADDED = "added"
    CHANGED = "changed"
    LIFTED = "lifted"


@dataclass(frozen=True)
class ListFormat:
    """One partner's revocation list: the contract it follows, its key, and its columns in order."""

    contract: str
    key: str
    columns: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.columns or self.columns[0] != self.key:
            raise ValueError(f"{self.contract}: the key {self.key!r} must be the first column")
        missing = [c for c in COMMON_COLUMNS if c not in self.columns]
        if missing:
            raise ValueError(f"{self.contract}: lacks the common columns {missing}")
        if len(set(self.columns)) != len(self.columns) or CHANGE in self.columns:
            raise ValueError(f"{self.contract}: columns must be unique and must not include {CHANGE!r}")

    @property
    def delta_columns(self) -> tuple[str, ...]:
        return (CHANGE, *self.columns)


def join_values(values: object) -> str:
    """Distinct non-empty values, sorted, joined with the multi-value separator."""
    if not isinstance(values, list | tuple | set | frozenset | pd.Series):
        raise TypeError(f"expected a collection of values, got {type(values).__name__}")
    cleaned = {str(v).strip() for v in values if isinstance(v, str) and v.strip()}
    return MULTI_VALUE_SEPARATOR.join(sorted(cleaned))


Record = tuple[str, ...]


def _cell(value: object) -> str:
    # Missing cells are written empty; a list is text, so every value is compared and written as text,
    # neutralised: a list read back from its CSV then compares equal to the list that was written.
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return neutralise(str(value))


def records(df: pd.DataFrame, columns: tuple[str, ...]) -> list[Record]:
    """The rows as tuples of neutralised text in column order (missing cells empty), in the frame's order."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ListFormatError(f"list lacks columns {missing}")
    values = [[_cell(v) for v in df[c].tolist()] for c in columns]
    return list(zip(*values, strict=True)) if values else []


def frame(rows: list[Record], columns: tuple[str, ...]) -> pd.DataFrame:
    """Text rows as a frame of str columns, in their canonical order (sorted by every column, key first)."""
    ordered = sorted(rows)
    return pd.DataFrame({c: pd.Series([r[i] for r in ordered], dtype="str") for i, c in enumerate(columns)})


def sort_rows(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The frame's rows as text, in their canonical order."""
    return frame(records(df, columns), columns)


def to_csv_bytes(df: pd.DataFrame, columns: tuple[str, ...]) -> bytes:
    """The deterministic, neutralised CSV form of a list (see the module docstring)."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(sorted(records(df, columns)))
    return buf.getvalue().encode("utf-8")


def to_jsonl_bytes(df: pd.DataFrame, columns: tuple[str, ...]) -> bytes:
    """The list as JSON Lines: one object per row, keys in column order, every value the same text as the
    CSV cell, rows in the CSV's order; a pure function of the cells like `to_csv_bytes`."""
    lines = (jsonio.compact_bytes(dict(zip(columns, row, strict=True))) + b"\n" for row in sorted(records(df, columns)))
    return b"".join(lines)


def from_csv_bytes(data: bytes, source: str) -> pd.DataFrame:
    """A published CSV read back: every column text, empty cells as empty strings (never NaN)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ListFormatError(f"{source}: not UTF-8 (byte {exc.start})") from exc
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        raise ListFormatError(f"{source}: empty file, expected at least a header row")
    header, body = records[0], records[1:]
    for line, record in enumerate(body, start=2):
        if len(record) != len(header):
            raise ListFormatError(f"{source}: line {line} has {len(record)} cells, the header has {len(header)}")
    return pd.DataFrame({c: pd.Series([r[i] for r in body], dtype="str") for i, c in enumerate(header)})


def tenant_view(df: pd.DataFrame, fmt: ListFormat) -> pd.DataFrame:
    """The list (snapshot or delta) with its key column named `tenant_id`, for partner-neutral readers
    (reconcile, the run report); every other column is kept as it is."""
    return df.rename(columns={fmt.key: "tenant_id"})


def _is_iso_date(value: str) -> bool:
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def validate_list(df: pd.DataFrame, fmt: ListFormat, source: str) -> pd.DataFrame:
    """The list as text in canonical order; raises `ListFormatError` on any breach.

    A full snapshot lists revocations only: every row has a unique non-empty key, decision `revoke`,
    and ISO dates with `listed_since <= effective_date`.
    """
    if tuple(df.columns) != fmt.columns:
        raise ListFormatError(f"{source}: columns {list(df.columns)} differ from {fmt.contract}'s {list(fmt.columns)}")
    rows = records(df, fmt.columns)
    at = {c: i for i, c in enumerate(fmt.columns)}
    problems: list[str] = []
    seen: set[str] = set()
    repeated: set[str] = set()
    for n, row in enumerate(rows, start=1):
        key, decision = row[0], row[at[DECISION]]
        effective, since = row[at[EFFECTIVE_DATE]], row[at[LISTED_SINCE]]
        where = f"row {n} ({fmt.key} {key!r})"
        if not key:
            problems.append(f"row {n}: empty {fmt.key}")
        elif key in seen:
            repeated.add(key)
        seen.add(key)
        if decision != ListDecision.REVOKE:
            problems.append(f"{where}: decision {decision!r}, a snapshot lists only 'revoke'")
        for col, value in ((EFFECTIVE_DATE, effective), (LISTED_SINCE, since)):
            if not _is_iso_date(value):
                problems.append(f"{where}: {col} {value!r} is not a YYYY-MM-DD date")
        if _is_iso_date(effective) and _is_iso_date(since) and since > effective:
            problems.append(f"{where}: listed_since {since} is after effective_date")
    problems.extend(f"{fmt.key} {key!r} is listed more than once" for key in sorted(repeated))
    if problems:
        shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise ListFormatError(f"{source}: not a valid {fmt.contract}: {shown}")
    return frame(rows, fmt.columns)
