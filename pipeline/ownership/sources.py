"""Ownership sources: the formats a source can be in, and the frames every reader returns.

Invariants:
- Every reader (BODS, GLEIF Level 1 / Level 2 / reporting exceptions, FollowTheMoney) returns a
  `SourceFrames`: the canonical ENTITIES, IDENTIFIERS and INTERESTS frames with `source` set to its
  format and `statement_id` to the source's own record id, plus QUARANTINE rows for what it could not
  use (with the file, row and rule) and findings. Readers are pure: (uri, stream) pairs in, frames out.
- A quarantined row's `record` is JSON naming, where it can, `recordId`, `recordType`, `statementId`
  and (relationships) `recordDetails.subject`, as BODS statements do, so `ownership.unread` ties it to
  the record whose decision it could change, whatever the source.
- The formats and how a source is named are in `source_format` (light: the configuration imports it).
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import jsonio
from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS, QUARANTINE, conform, empty
from pipeline.ownership.findings import Finding, findings_frame


@dataclass(frozen=True)
class SourceFrames:
    """What a set of source files says, as of a date: the live records and everything set aside."""

    entities: pd.DataFrame  # ENTITIES columns
    identifiers: pd.DataFrame  # IDENTIFIERS columns
    interests: pd.DataFrame  # INTERESTS columns
    quarantine: pd.DataFrame  # QUARANTINE columns
    findings: pd.DataFrame  # FINDING_COLUMNS (pipeline.ownership.findings)
    stats: dict[str, int] = field(default_factory=dict)  # rows read, quarantined, set aside, ...
    # file -> the day of its latest record (ISO date): how old the source is, as far as its records tell;
    # a file whose records carry no date (GLEIF's reporting exceptions) is absent.
    published: dict[str, str] = field(default_factory=dict)


# --- building the frames -------------------------------------------------------------------------------

_NUMERIC = {"interest_index": "int64", "share_exact": "float64", "share_min": "float64", "share_max": "float64"}
_FLAGS = ("exclusive_min", "exclusive_max")


def text_column(values: Any) -> pd.api.extensions.ExtensionArray:
    """A `str` column, straight from Arrow when given Arrow (an array, a chunked array or a list)."""
    column: pd.api.extensions.ExtensionArray = pd.array(values, dtype="str")
    return column


def constant(value: str, n: int) -> pd.api.extensions.ExtensionArray:
    return text_column(pa.repeat(pa.scalar(value, pa.large_string()), n))


def frame_of(columns: Mapping[str, Any], dataset: Any, n: int) -> pd.DataFrame:
    """A dataset frame from column values (Arrow arrays, lists or scalars), in the dataset's dtypes:
    text columns `str`, shares float64, bounds' openness bool, interest_index int64."""
    if n == 0:
        return empty_frame(dataset)
    data: dict[str, Any] = {}
    for name in dataset.columns:
        value = columns.get(name)
        if name in _NUMERIC:
            missing = np.zeros(n, dtype=np.int64) if name == "interest_index" else np.full(n, np.nan)
            data[name] = missing if value is None else np.asarray(value, dtype=_NUMERIC[name])
        elif name in _FLAGS:
            data[name] = np.zeros(n, dtype=bool) if value is None else np.asarray(value, dtype=bool)
        elif value is None or isinstance(value, str):
            data[name] = constant(value, n) if isinstance(value, str) else text_column(pa.nulls(n, pa.large_string()))
        else:
            data[name] = text_column(value)
    return conform(pd.DataFrame(data), dataset)


def empty_frame(dataset: Any) -> pd.DataFrame:
    out = empty(dataset)
    for name, dtype in _NUMERIC.items():
        if name in out.columns:
            out[name] = np.zeros(0, dtype=dtype)
    for name in _FLAGS:
        if name in out.columns:
            out[name] = out[name].astype(bool)
    return out


@dataclass
class Quarantine:
    """QUARANTINE rows a reader sets aside, each with the rule, the file and the row."""

    dataset: str = "ownership"
    rows: list[tuple[str, ...]] = field(default_factory=list)

    def add(self, rule: str, message: str, uri: str, line: int, record: Mapping[str, Any]) -> None:
        self.rows.append((self.dataset, rule, "error", message, uri, str(line), jsonio.compact(dict(record))))

    def frame(self) -> pd.DataFrame:
        if not self.rows:
            return empty(QUARANTINE)
        columns = list(zip(*self.rows, strict=True))
        return pd.DataFrame({c: text_column(list(v)) for c, v in zip(QUARANTINE.columns, columns, strict=True)})

    def __len__(self) -> int:
        return len(self.rows)


def unread_record(
    record_id: str | None,
    record_type: str,
    statement_id: str | None,
    row: Mapping[str, Any],
    subject: str | None = None,
) -> dict[str, Any]:
    """The `record` of a quarantined row, in the shape `ownership.unread` reads (see the invariant)."""
    out: dict[str, Any] = {"statementId": statement_id, "recordId": record_id, "recordType": record_type}
    if subject:
        out["recordDetails"] = {"subject": subject}
    out["row"] = dict(row)
    return out


def assembled(
    entities: list[pd.DataFrame],
    identifiers: list[pd.DataFrame],
    interests: list[pd.DataFrame],
    *,
    quarantine: Quarantine,
    findings: list[Finding],
    stats: dict[str, int],
    published: dict[str, str] | None = None,
) -> SourceFrames:
    """One reader's frames from its files' parts: entities in id order, interests by relationship."""
    ent = _concat(entities, ENTITIES).sort_values("entity_id", kind="stable").reset_index(drop=True)
    ids = _concat(identifiers, IDENTIFIERS)
    inter = _concat(interests, INTERESTS).sort_values(["relationship_id", "interest_index"], kind="stable")
    stats = {**stats, "quarantined": len(quarantine), "entities": int((ent["record_type"] == "entity").sum()),
             "persons": int((ent["record_type"] == "person").sum()), "interests": len(inter)}  # fmt: skip
    frames = (ent, ids, inter.reset_index(drop=True), quarantine.frame(), findings_frame(findings))
    return SourceFrames(*frames, stats, dict(published or {}))


def note_published(published: dict[str, str], uri: str, day: str | None) -> None:
    """Keep the later of `day` (an ISO date) and what `published` already holds for `uri`."""
    if day and (uri not in published or day > published[uri]):
        published[uri] = day


def _concat(parts: list[pd.DataFrame], dataset: Any) -> pd.DataFrame:
    present = [p for p in parts if len(p)]
    if not present:
        return empty_frame(dataset)
    return conform(pd.concat(present, ignore_index=True), dataset)


# --- opening files ---------------------------------------------------------------------------------------


def opened(stream: IO[bytes], suffix: str = ".csv") -> IO[bytes]:
    """The file's content: a zip archive's member ending in `suffix` (GLEIF publishes its golden copy
    zipped), gzip decompressed, or the bytes as they are; told apart by their magic numbers."""
    head = stream.read(4)
    rest = io.BufferedReader(Replayed(head, stream), buffer_size=1 << 20)
    if head.startswith(b"PK\x03\x04"):
        # A zip's directory is at its end: the archive is read whole, its member streamed out of it.
        archive = zipfile.ZipFile(io.BytesIO(rest.read()))
        names = [n for n in archive.namelist() if n.lower().endswith(suffix)] or archive.namelist()
        if len(names) != 1:
            raise OSError(f"the zip archive holds {len(names)} {suffix} files; expected one")
        return archive.open(names[0])
    if head.startswith(b"\x1f\x8b"):
        return cast("IO[bytes]", gzip.GzipFile(fileobj=rest, mode="rb"))
    return rest


class Replayed(io.RawIOBase):
    """The bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, rest: IO[bytes]) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            n = min(len(view), len(self._prefix))
            view[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._rest.read(len(view))
        view[: len(data)] = data
        return len(data)


def iso_date(text: object) -> str | None:
    """The date part of an ISO 8601 date or timestamp (`2012-06-06T15:51:00.000+02:00` -> 2012-06-06)."""
    if not isinstance(text, str) or len(text) < 4:
        return None
    day = text[:10]
    try:
        dt.date.fromisoformat(day)
    except ValueError:
        return day if re.fullmatch(r"[0-9]{4}(-[0-9]{2})?", day) else None
    return day
