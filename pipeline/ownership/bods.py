"""Read BODS statements (0.4, and 0.3) into the ENTITIES, IDENTIFIERS and INTERESTS frames.

Invariants:
- Every statement read ends up in exactly one place: a row of the frames (when it is the latest live
  statement of its record), superseded by a later statement of the same record, ended by a `closed`
  record, dated after the as-of date, or in `quarantine` with the rule and error that rejected it. Nothing
  is dropped silently, and bad input never raises: it is quarantined with its source and statementId.
- Input format is detected from the bytes, never from the name: gzip by its magic number, then a JSON
  array (`[`), JSON Lines, or one pretty-printed 0.3 statement (a bare 0.4 object is quarantined: the
  standard publishes statements as an array, and its own schema tests say so).
- BODS 0.4 statements are valid against the official schema shipped in `bods_schema/0.4`; 0.3 statements
  (`statementID`/`statementType`) are checked for the structure this reader relies on and normalised to
  the same rows (0.3 records are identified by the first statement of their `replacesStatements` chain).
- Shares become fractions of 1 with their bounds' openness kept: 0.4 `exclusiveMinimum: 50` becomes
  share_min 0.5 with exclusive_min True; 0.3 `exclusiveMinimum: true` marks its `minimum` exclusive.
"""

from __future__ import annotations

import array
import datetime as dt
import gzip
import io
import itertools
import math
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS, QUARANTINE, conform
from pipeline.ownership import schema
from pipeline.ownership.findings import Check, Finding, Severity, findings_frame
from pipeline.ownership.gcpause import paused_gc
from pipeline.ownership.jurisdiction import code_for_country_name, is_iso_code

DATASET = "ownership"
RULE_JSON = "json_syntax"
RULE_SCHEMA_04 = "bods_0.4_schema"
RULE_STRUCTURE_03 = "bods_0.3_structure"
# Quarantined records keep their text for the reviewer, within reason.
MAX_RECORD_CHARS = 20_000

NO_ID = "(no statement id)"
_WHITESPACE = b" \t\r\n\xef\xbb\xbf"
_V03_TYPES = {
    "entityStatement": "entity",
    "personStatement": "person",
    "ownershipOrControlStatement": "relationship",
}


@dataclass(frozen=True)
class BodsFrames:
    """What a set of BODS files says, as of a date: the live records and everything set aside."""

    entities: pd.DataFrame  # ENTITIES columns
    identifiers: pd.DataFrame  # IDENTIFIERS columns
    interests: pd.DataFrame  # INTERESTS columns
    quarantine: pd.DataFrame  # QUARANTINE columns
    findings: pd.DataFrame  # FINDING_COLUMNS (pipeline.ownership.findings)
    stats: dict[str, int] = field(default_factory=dict)  # statements read, valid, superseded, closed, ...


class _At(NamedTuple):
    """Where rows come from: the statement's position in the index, its record, statement id and file."""

    seq: int
    rid: str
    sid: str
    uri: str


class _Collector:
    """Column-wise accumulation (lists are far cheaper than per-row frames at millions of statements)."""

    def __init__(self) -> None:
        # statement index: one entry per accepted statement, `seq` is its position here
        self.st_record: list[str] = []
        self.st_type: list[str] = []
        self.st_date: list[str] = []
        self.st_closed: list[bool] = []
        self.st_v03: list[bool] = []
        self.st_sid: list[str] = []
        self.st_uri: list[str] = []
        self.st_pos = array.array("q")
        self.st_digest = array.array("q")  # crc32 of the statement's text: tells exact repeats from edits
        self.digest = 0  # of the statement being taken, and its position in its file
        self.pos = 0
        self.replaces: dict[str, str] = {}  # 0.3: replaced statementID -> replacing statementID
        self.entities: list[tuple[Any, ...]] = []
        self.identifiers: list[tuple[Any, ...]] = []
        self.interests: list[tuple[Any, ...]] = []
        self.quarantine: list[tuple[Any, ...]] = []
        self.read = 0

    def statement(self, record_id: str, rtype: str, *, sid: str, date: str, closed: bool, uri: str, v03: bool) -> _At:
        self.st_record.append(record_id)
        self.st_type.append(rtype)
        self.st_date.append(date)
        self.st_closed.append(closed)
        self.st_v03.append(v03)
        self.st_sid.append(sid)
        self.st_uri.append(uri)
        self.st_digest.append(self.digest)
        self.st_pos.append(self.pos)
        return tuple.__new__(_At, (len(self.st_record) - 1, record_id, sid, uri))  # skips NamedTuple's __new__

    def row_lists(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """Entity, identifier and interest rows; each starts with its statement's seq, in seq order."""
        return self.entities, self.identifiers, self.interests

    def reject(self, rule: str, message: str, uri: str, position: int, record: object) -> None:
        text = record if isinstance(record, str) else _dumps(record)
        if len(text) > MAX_RECORD_CHARS:
            text = _shortened(record, text)
        self.quarantine.append((DATASET, rule, str(Severity.ERROR), message, uri, str(position), text))


# What a reviewer (and `unread.unread_statements`) needs of a statement too long to keep whole.
_KEPT_KEYS = ("statementId", "statementID", "statementType", "statementDate", "recordId", "recordType", "recordStatus")
_KEPT_DETAILS = ("subject", "interestedParty")


def _shortened(record: object, text: str) -> str:
    """A quarantined record over MAX_RECORD_CHARS: still JSON, with the fields that say what it is about."""
    if not isinstance(record, dict):
        return text[:MAX_RECORD_CHARS]
    kept: dict[str, Any] = {k: record[k] for k in _KEPT_KEYS if k in record}
    details = record.get("recordDetails")
    if isinstance(details, dict):
        kept["recordDetails"] = {k: details[k] for k in _KEPT_DETAILS if k in details}
    for key in _KEPT_DETAILS:  # 0.3 keeps them at the top level
        if key in record:
            kept[key] = record[key]
    kept["truncated"] = f"the statement had {len(text)} characters; only these fields are kept"
    short = _dumps(kept)
    return short if len(short) <= MAX_RECORD_CHARS else text[:MAX_RECORD_CHARS]


def _dumps(obj: object) -> str:
    try:
        return orjson.dumps(obj).decode()
    except TypeError:
        return repr(obj)


# --- input framing ------------------------------------------------------------------------------------


class _Prefixed(io.RawIOBase):
    """A raw stream that replays bytes already read before continuing with the underlying stream."""

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
        n = len(data)
        view[:n] = data
        return n


def _open(stream: IO[bytes]) -> io.BufferedReader[Any]:
    head = stream.read(2)
    reader = io.BufferedReader(_Prefixed(head, stream), buffer_size=1 << 20)
    if head == b"\x1f\x8b":
        inner = gzip.GzipFile(fileobj=reader, mode="rb")
        return io.BufferedReader(inner, buffer_size=1 << 20)
    return reader


def _first_byte(reader: io.BufferedReader[Any]) -> bytes:
    while True:
        chunk = reader.peek(64)
        if not chunk:
            return b""
        stripped = chunk.lstrip(_WHITESPACE)
        if stripped:
            reader.read(len(chunk) - len(stripped))
            return stripped[:1]
        reader.read(len(chunk))


Document = tuple[int, Any, bytes | None, bool, int]


def _documents(reader: io.BufferedReader[Any]) -> Iterator[Document]:
    """(position, parsed statement or None, raw bytes when it did not parse, whole document, digest) per
    statement.

    Position is the 1-based line for JSON Lines, the 1-based index for a JSON array. `whole document`
    marks a file that is one pretty-printed object rather than an array or JSON Lines. The digest is the
    crc32 of the statement's text (its line, or its canonical JSON inside an array).
    """
    first = _first_byte(reader)
    if first == b"":
        return
    if first == b"[":
        yield from _whole(reader.read())
        return
    lines = iter(reader)
    first_line = next(lines, b"")
    try:
        yield 1, orjson.loads(first_line), None, False, zlib.crc32(first_line.rstrip())
    except orjson.JSONDecodeError:
        # Either one pretty-printed statement, or JSON Lines whose first line is broken.
        rest = reader.read()
        try:
            orjson.loads(first_line + rest)
        except orjson.JSONDecodeError:
            yield from _lines(itertools.chain([first_line], rest.splitlines(keepends=True)), start=1)
            return
        yield from _whole(first_line + rest)
        return
    yield from _lines(lines, start=2)


def _whole(data: bytes) -> Iterator[Document]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield 0, None, f"not valid JSON: {exc}".encode(), False, 0
        return
    for i, item in enumerate(doc if isinstance(doc, list) else [doc], start=1):
        yield i, item, None, not isinstance(doc, list), zlib.crc32(_canonical(item))


def _canonical(item: Any) -> bytes:
    try:
        return orjson.dumps(item, option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return repr(item).encode()


def _lines(lines: Iterable[bytes], start: int) -> Iterator[Document]:
    for n, line in enumerate(lines, start=start):
        try:
            yield n, orjson.loads(line), None, False, zlib.crc32(line.rstrip())
        except orjson.JSONDecodeError:
            if line.strip():
                yield n, None, line, False, 0


# --- statement normalisation ---------------------------------------------------------------------------


def _country(value: Any) -> str | None:
    """Code of a BODS Country (0.4 object {name, code}; 0.3 addresses give a bare code string)."""
    if isinstance(value, dict):
        code = value.get("code")
        if isinstance(code, str) and code:
            return code.upper()
        return code_for_country_name(value.get("name"))
    if isinstance(value, str) and value:
        return value.upper() if len(value) <= 6 else code_for_country_name(value)
    return None


def _countries(values: Any) -> list[str]:
    out: list[str] = []
    for v in values or ():
        c = _country(v)
        if c and c not in out:
            out.append(c)
    return out


def _json_list(values: list[str]) -> str:
    return orjson.dumps(values).decode() if values else "[]"


def _address_countries(addresses: Any) -> dict[str, list[str]]:
    by_type: dict[str, list[str]] = {}
    for a in addresses or ():
        if isinstance(a, dict):
            c = _country(a.get("country"))
            if c:
                by_type.setdefault(str(a.get("type")), []).append(c)
    return by_type


def _person_name(names: Any) -> str | None:
    candidates = [n for n in names or () if isinstance(n, dict)]
    if not candidates:
        return None
    chosen = next((n for n in candidates if n.get("type") in ("legal", "individual")), candidates[0])
    full = chosen.get("fullName")
    if full:
        return str(full)
    parts = [chosen.get(k) for k in ("givenName", "patronymicName", "familyName")]
    joined = " ".join(str(p) for p in parts if p)
    return joined or None


def _num(value: Any) -> float:
    return float(value) / 100.0 if isinstance(value, int | float) and not isinstance(value, bool) else np.nan


_NO_SHARE = (math.nan, math.nan, math.nan, False, False)
_NUMBER = (int, float)


def _share(share: Any, v03: bool) -> tuple[float, float, float, bool, bool]:
    """(exact, min, max, min exclusive, max exclusive) as fractions; NaN where the statement says nothing."""
    if not share or not isinstance(share, dict):
        return _NO_SHARE
    if len(share) == 1:  # the common case: just `exact`
        value: Any = share.get("exact")
        if type(value) in _NUMBER:  # exact types: bool is an int subclass and must not pass
            return value / 100.0, math.nan, math.nan, False, False
    exact = _num(share.get("exact"))
    lo, hi = _num(share.get("minimum")), _num(share.get("maximum"))
    lo_open = hi_open = False
    if v03:
        lo_open = bool(share.get("exclusiveMinimum")) and not np.isnan(lo)
        hi_open = bool(share.get("exclusiveMaximum")) and not np.isnan(hi)
    else:
        xlo, xhi = _num(share.get("exclusiveMinimum")), _num(share.get("exclusiveMaximum"))
        # Both given: the tighter bound holds; at equal values the exclusive one is the tighter.
        if not np.isnan(xlo) and (np.isnan(lo) or xlo >= lo):
            lo, lo_open = xlo, True
        if not np.isnan(xhi) and (np.isnan(hi) or xhi <= hi):
            hi, hi_open = xhi, True
    return exact, lo, hi, lo_open, hi_open


def _identifier_rows(c: _Collector, at: _At, identifiers: Any) -> None:
    for ident in identifiers or ():
        if isinstance(ident, dict):
            c.identifiers.append((at.seq, at.rid, ident.get("scheme"), ident.get("schemeName"), ident.get("id")))


def _entity_row(c: _Collector, at: _At, rd: dict[str, Any], *, v03: bool) -> None:
    if v03:
        etype = rd.get("entityType")
        jur = rd.get("incorporatedInJurisdiction")
    else:
        et = rd.get("entityType")
        etype = et.get("type") if isinstance(et, dict) else None
        jur = rd.get("jurisdiction")
    jurisdiction = None
    if isinstance(jur, dict):
        code = jur.get("code")
        jurisdiction = code.upper() if isinstance(code, str) and code else code_for_country_name(jur.get("name"))
    addr = _address_countries(rd.get("addresses"))
    registered = addr.get("registered", [None])[0]
    business = addr.get("business", [None])[0]
    c.entities.append(
        (
            at.seq,
            at.rid,
            at.sid,
            "entity",
            etype,
            rd.get("name"),
            jurisdiction,
            registered,
            business,
            "[]",
            "[]",
            "[]",
            at.uri,
        )
    )
    _identifier_rows(c, at, rd.get("identifiers"))


def _person_row(c: _Collector, at: _At, rd: dict[str, Any]) -> None:
    addr = _address_countries(rd.get("addresses"))
    c.entities.append(
        (
            at.seq,
            at.rid,
            at.sid,
            "person",
            rd.get("personType"),
            _person_name(rd.get("names")),
            None,
            None,
            None,
            _json_list(_countries(rd.get("nationalities"))),
            _json_list(addr.get("residence", [])),
            _json_list(_countries(rd.get("taxResidencies"))),
            at.uri,
        )
    )
    _identifier_rows(c, at, rd.get("identifiers"))


def _interest_rows(c: _Collector, at: _At, subject: Any, party: Any, interests: Any, *, v03: bool) -> None:
    subject_id = subject if isinstance(subject, str) else None
    party_id = party if isinstance(party, str) else None
    items = [i for i in interests or () if isinstance(i, dict)]
    if not items:
        # The relationship is kept visible even when it declares no interest (it then counts for nothing).
        c.interests.append((*at[:3], 0, subject_id, party_id, None, None, *_share(None, v03), None, None, at.uri))
        return
    for k, item in enumerate(items):
        c.interests.append(
            (
                *at[:3],
                k,
                subject_id,
                party_id,
                item.get("type"),
                item.get("directOrIndirect"),
                *_share(item.get("share"), v03),
                item.get("startDate"),
                item.get("endDate"),
                at.uri,
            )
        )


def _statement_id(obj: dict[str, Any], key: str) -> str:
    sid = obj.get(key)
    return sid if isinstance(sid, str) and sid else NO_ID


def _take_04(c: _Collector, obj: Any, uri: str, pos: int) -> None:
    if not schema.is_valid(obj):
        sid = _statement_id(obj, "statementId") if isinstance(obj, dict) else "(not an object)"
        errors = "; ".join(schema.schema_errors(obj))
        c.reject(RULE_SCHEMA_04, f"{uri} statement {sid} (#{pos}): {errors}", uri, pos, obj)
        return
    rid, rtype, sid = obj["recordId"], obj["recordType"], obj["statementId"]
    rd = obj["recordDetails"]
    closed = obj.get("recordStatus") == "closed"
    at = c.statement(rid, rtype, sid=sid, date=obj["statementDate"][:10], closed=closed, uri=uri, v03=False)
    if rtype == "entity":
        _entity_row(c, at, rd, v03=False)
    elif rtype == "person":
        _person_row(c, at, rd)
    else:
        _interest_rows(c, at, rd.get("subject"), rd.get("interestedParty"), rd.get("interests"), v03=False)


def _ref_03(ref: Any) -> Any:
    """A 0.3 subject/interestedParty reference: the statementID it names, or the unspecified object."""
    if not isinstance(ref, dict):
        return None
    for key in ("describedByEntityStatement", "describedByPersonStatement"):
        value = ref.get(key)
        if isinstance(value, str) and value:
            return value
    return ref if "unspecified" in ref else None


def _problems_03(obj: dict[str, Any], sid: str, rtype: str | None) -> list[str]:
    """What a 0.3 statement lacks of the structure this reader relies on (0.3 has no shipped schema)."""
    problems = []
    if sid == NO_ID:
        problems.append("statementID: missing or not a string")
    if rtype is None:
        problems.append(f"statementType: {obj.get('statementType')!r} is not one of {sorted(_V03_TYPES)}")
    date = obj.get("statementDate")
    if date is not None and not (isinstance(date, str) and _is_date(date[:10])):
        problems.append(f"statementDate: {date!r} is not a date")
    if rtype == "relationship":
        if not isinstance(_ref_03(obj.get("subject")), str):
            problems.append("subject: no describedByEntityStatement")
        if _ref_03(obj.get("interestedParty")) is None:
            problems.append("interestedParty: neither a statement reference nor unspecified")
        if not isinstance(obj.get("interests", []), list):
            problems.append("interests: not an array")
    problems.extend(
        f"{key}: not an array"
        for key in ("replacesStatements", "identifiers", "addresses", "names", "nationalities")
        if key in obj and not isinstance(obj[key], list)
    )
    return problems


def _take_03(c: _Collector, obj: dict[str, Any], uri: str, pos: int) -> None:
    sid = _statement_id(obj, "statementID")
    rtype = _V03_TYPES.get(str(obj.get("statementType")))
    problems = _problems_03(obj, sid, rtype)
    if problems or rtype is None:
        c.reject(RULE_STRUCTURE_03, f"{uri} statement {sid} (#{pos}): {'; '.join(problems)}", uri, pos, obj)
        return
    for replaced in obj.get("replacesStatements") or ():
        if isinstance(replaced, str):
            c.replaces[replaced] = sid
    date = str(obj.get("statementDate") or "")[:10]
    at = c.statement(sid, rtype, sid=sid, date=date, closed=False, uri=uri, v03=True)
    if rtype == "entity":
        _entity_row(c, at, obj, v03=True)
    elif rtype == "person":
        _person_row(c, at, obj)
    else:
        subject, party = _ref_03(obj.get("subject")), _ref_03(obj.get("interestedParty"))
        _interest_rows(c, at, subject, party, obj.get("interests"), v03=True)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_03(obj: Any) -> bool:
    return isinstance(obj, dict) and ("statementID" in obj or "statementType" in obj)


def _take(c: _Collector, obj: Any, uri: str, pos: int) -> None:
    c.read += 1
    if _is_03(obj):
        _take_03(c, obj, uri, pos)
    else:
        # Anything else is judged by the 0.4 schema (which also rejects non-objects, with its message).
        _take_04(c, obj, uri, pos)


# --- assembling the frames -----------------------------------------------------------------------------


def _record_roots(c: _Collector) -> dict[str, str]:
    """0.3: each statementID -> the first statementID of its replacement chain (the record's identity)."""
    replaced_by = c.replaces
    if not replaced_by:
        return {}
    # Invert: replacing -> replaced, then walk back to the oldest.
    previous: dict[str, str] = {}
    for old, new in replaced_by.items():
        previous.setdefault(new, old)
    roots: dict[str, str] = {}
    for sid in set(previous) | set(replaced_by):
        cur, seen = sid, {sid}
        while cur in previous and previous[cur] not in seen:
            cur = previous[cur]
            seen.add(cur)
        roots[sid] = cur
    return roots


_FLOAT_COLUMNS = frozenset({"share_exact", "share_min", "share_max"})
_BOOL_COLUMNS = frozenset({"exclusive_min", "exclusive_max"})
_INT_COLUMNS = frozenset({"seq", "interest_index"})


def _frame(rows: list[tuple[Any, ...]], columns: list[str], keep: npt.NDArray[np.bool_] | None = None) -> pd.DataFrame:
    """Rows (tuples) to typed columns: strings go straight to Arrow, never through object columns."""
    values = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    mask = pa.array(keep) if keep is not None else None
    data: dict[str, Any] = {}
    for name, column in zip(columns, values, strict=True):
        if name in _FLOAT_COLUMNS:
            arr: Any = np.array(column, dtype=np.float64)
        elif name in _BOOL_COLUMNS:
            arr = np.array(column, dtype=bool)
        elif name in _INT_COLUMNS:
            arr = np.array(column, dtype=np.int64)
        else:
            text = pa.array(column, type=pa.large_string())
            data[name] = pd.array(text.filter(mask) if mask is not None else text, dtype="str")
            continue
        data[name] = arr[keep] if keep is not None else arr
    return pd.DataFrame(data, columns=columns)


def read_bods(sources: Iterable[tuple[str, IO[bytes]]], as_of: dt.date | None = None) -> BodsFrames:
    """Read BODS statements from (uri, binary stream) pairs; latest statement per record, as of a date.

    `as_of`: statements dated after it are not yet known and are set aside (counted in stats). Interests
    keep their start and end dates; which are active is decided by `resolve` for its own date.
    """
    c = _Collector()
    with paused_gc():
        _read_all(c, sources)
    return _assemble(c, as_of)


def _read_all(c: _Collector, sources: Iterable[tuple[str, IO[bytes]]]) -> None:
    for uri, stream in sources:
        try:
            reader = _open(stream)
            for pos, obj, raw, whole, digest in _documents(reader):
                if raw is not None:
                    c.read += 1
                    text = raw.decode("utf-8", errors="replace")
                    msg = text if pos == 0 else f"{uri} line {pos}: not valid JSON"
                    c.reject(RULE_JSON, f"{uri}: {msg}" if pos == 0 else msg, uri, pos, text)
                    continue
                if whole and not _is_03(obj):
                    # BODS 0.4 publishes statements as an array (or one per line), never a bare object.
                    c.read += 1
                    sid = _statement_id(obj, "statementId") if isinstance(obj, dict) else "(not an object)"
                    message = f"{uri} statement {sid}: a BODS 0.4 file must be a JSON array of statements or JSON Lines"
                    c.reject(RULE_SCHEMA_04, message, uri, pos, obj)
                    continue
                c.digest, c.pos = digest, pos
                _take(c, obj, uri, pos)
        except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
            c.reject(RULE_JSON, f"{uri}: cannot read: {exc}", uri, 0, "")


def _live_statements(c: _Collector, record: npt.NDArray[np.object_], as_of: dt.date | None) -> tuple[
    npt.NDArray[np.bool_], dict[str, int], list[Finding]
]:  # fmt: skip
    """Which statements are the latest, live statement of their record (by seq), with counts and findings."""
    n = len(record)
    stats: dict[str, int] = {"statements_read": c.read, "quarantined": len(c.quarantine), "valid": n}
    considered = np.ones(n, dtype=bool)
    dates = np.array(c.st_date, dtype=object)
    if as_of is not None and n:
        considered = dates <= as_of.isoformat()
        stats["after_as_of"] = int((~considered).sum())
    rec_codes, _ = pd.factorize(record)
    date_codes, _ = pd.factorize(dates, sort=True)  # ISO dates: code order is date order
    seq = np.arange(n)
    # Latest statement per record: by statementDate, ties by reading order (later wins).
    order = np.lexsort((seq, date_codes, rec_codes))
    order = order[considered[order]]
    r = rec_codes[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = r[1:] != r[:-1]
    winners = order[last]
    stats["superseded"] = int(considered.sum()) - len(winners)
    findings = []
    kinds = pd.factorize(np.array(c.st_type, dtype=object))[0][order]
    changed = np.zeros(len(order), dtype=bool)
    changed[1:] = (r[1:] == r[:-1]) & (kinds[1:] != kinds[:-1])
    for rid in dict.fromkeys(record[order[changed]].tolist()):
        findings.append(
            Finding(
                Check.RECORD_TYPE_CHANGED,
                Severity.WARN,
                str(rid),
                f"record {rid} changes recordType between statements",
            )
        )
    closed = np.array(c.st_closed, dtype=bool)
    stats["closed"] = int(closed[winners].sum())
    live = np.zeros(n, dtype=bool)
    live[winners[~closed[winners]]] = True
    return live, stats, findings


def _assemble(c: _Collector, as_of: dt.date | None) -> BodsFrames:
    roots = _record_roots(c)
    record = np.array(c.st_record, dtype=object)
    if roots:
        v03 = np.array(c.st_v03, dtype=bool)
        record = np.array([roots.get(r, r) if v else r for r, v in zip(record, v03, strict=True)], dtype=object)
    live, stats, findings = _live_statements(c, record, as_of)
    seqs = [np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows)) for rows in c.row_lists()]
    repeated, duplicate_findings = _duplicates(c, record, seqs)
    stats["duplicate_statement_ids"] = repeated
    findings.extend(duplicate_findings)

    ent_seq, id_seq, int_seq = seqs
    ent = _frame(c.entities, ["seq", *ENTITIES.columns], live[ent_seq])
    ent["entity_id"] = pd.array(record[ent["seq"].to_numpy()], dtype="str")
    entities = conform(ent, ENTITIES).sort_values("entity_id", kind="stable").reset_index(drop=True)

    idf = _frame(c.identifiers, ["seq", *IDENTIFIERS.columns], live[id_seq])
    idf["entity_id"] = pd.array(record[idf["seq"].to_numpy()], dtype="str")
    identifiers = conform(idf, IDENTIFIERS)

    inter = _frame(c.interests, ["seq", *INTERESTS.columns], live[int_seq])
    inter["relationship_id"] = pd.array(record[inter["seq"].to_numpy()], dtype="str")
    if roots:
        for col in ("subject_id", "interested_party_id"):
            refs = inter[col].to_numpy(dtype=object)
            inter[col] = pd.array([roots.get(r, r) if isinstance(r, str) else None for r in refs], dtype="str")
    interests = conform(inter.sort_values(["relationship_id", "interest_index"], kind="stable"), INTERESTS)
    interests = interests.reset_index(drop=True)
    findings.extend(_reference_findings(entities, interests))
    findings.extend(_jurisdiction_findings(entities))
    quarantine = _frame(c.quarantine, list(QUARANTINE.columns))
    kinds = entities["record_type"]
    stats["entities"] = int((kinds == "entity").sum())
    stats["persons"] = int((kinds == "person").sum())
    stats["interests"] = len(interests)
    return BodsFrames(entities, identifiers, interests, quarantine, findings_frame(findings), stats)


def _empty_str(columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({col: pd.Series([], dtype="str") for col in columns})


# --- repeated statement ids, unknown codes ---------------------------------------------------------------

# The parts of a row that are what a statement says (not where it was read): entity rows without seq,
# record id, statement id and file; identifier rows without seq and record id; interest rows likewise.
_ROW_PARTS = (slice(3, -1), slice(2, None), slice(3, -1))
_PART_NAMES = ("recordId", "recordType", "statementDate", "recordStatus", "recordDetails", "identifiers", "interests")


def _plain(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(None if isinstance(v, float) and math.isnan(v) else v for v in values)


def _duplicates(
    c: _Collector, record: npt.NDArray[np.object_], seqs: list[npt.NDArray[np.int64]]
) -> tuple[int, list[Finding]]:
    """Statement ids read more than once, and a finding for each whose versions differ.

    `conflicting_statement_id` (error) when the versions differ in anything this reader takes from
    them (record, type, date, status, and every field of the rows it builds: what resolution and
    matching decide on), since which one is right cannot be known; `duplicate_statement_id` (warn) when
    they differ only in what it does not read (source, annotations, publication details, formatting);
    the exact same text twice is only counted. Two checks, so the contract can declare each severity.
    """
    n = len(c.st_sid)
    if n < 2:
        return 0, []
    encoded = pa.array(c.st_sid, pa.large_string()).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    counts = np.bincount(codes, minlength=len(encoded.dictionary))
    dup = np.flatnonzero(counts[codes] > 1)
    if not len(dup):
        return 0, []
    order = dup[np.argsort(codes[dup], kind="stable")]
    groups = np.split(order, np.flatnonzero(np.diff(codes[order])) + 1)
    row_lists = c.row_lists()
    findings = []
    for group in groups:
        versions = []
        for seq in group.tolist():
            parts: list[Any] = [record[seq], c.st_type[seq], c.st_date[seq], c.st_closed[seq]]
            for rows, at, part in zip(row_lists, seqs, _ROW_PARTS, strict=True):
                lo, hi = np.searchsorted(at, [seq, seq + 1])
                parts.append(tuple(_plain(row[part]) for row in rows[lo:hi]))
            versions.append(parts)
        differ = [name for k, name in enumerate(_PART_NAMES) if any(v[k] != versions[0][k] for v in versions)]
        digests = {c.st_digest[seq] for seq in group.tolist()}
        if not differ and len(digests) == 1:
            continue
        sid = c.st_sid[int(group[0])]
        where = ", ".join(f"{c.st_uri[seq]} #{c.st_pos[seq]}" for seq in group.tolist())
        if differ:
            check, severity = Check.CONFLICTING_STATEMENT, Severity.ERROR
            what = f"they differ in {', '.join(differ)}, which decisions depend on; it cannot be known which is right"
        else:
            check, severity = Check.DUPLICATE_STATEMENT, Severity.WARN
            what = "they differ only in fields this reader does not use"
        message = f"statement {sid} is read {len(group)} times ({where}) with different content: {what}"
        findings.append(Finding(check, severity, str(record[int(group[0])]), message))
    return len(groups), findings


_CODE_COLUMNS = ("jurisdiction", "registered_country", "business_country")
_CODE_LIST_COLUMNS = ("nationalities", "residences", "tax_residencies")


def _jurisdiction_findings(entities: pd.DataFrame) -> list[Finding]:
    """Codes that have the shape of ISO 3166 codes but name no country or subdivision (`XX`): no
    policy can match them, so a record placed there must not pass unnoticed."""
    out: list[Finding] = []
    ids = pa.array(entities["entity_id"].array)
    for col in _CODE_COLUMNS + _CODE_LIST_COLUMNS:
        values = pa.array(entities[col].array, pa.large_string())
        bad: dict[str, list[str]] = {}
        for text in pc.unique(values).drop_null().to_pylist():
            codes = orjson.loads(text) if col in _CODE_LIST_COLUMNS else [text]
            unknown = [str(code) for code in codes if not is_iso_code(str(code))]
            if unknown:
                bad[text] = unknown
        if not bad:
            continue
        hit = pc.is_in(values, value_set=pa.array(sorted(bad), pa.large_string())).fill_null(False)
        for rid, text in zip(ids.filter(hit).to_pylist(), values.filter(hit).to_pylist(), strict=True):
            listed = ", ".join(bad[text])
            message = f"record {rid}: {col} code {listed} is not an ISO 3166-1 country or ISO 3166-2 subdivision code"
            out.append(Finding(Check.UNKNOWN_JURISDICTION, Severity.WARN, str(rid), message))
    return out


def _reference_findings(entities: pd.DataFrame, interests: pd.DataFrame) -> list[Finding]:
    """Relationships naming a record that is not live, or a person as subject (Arrow set lookups)."""
    out: list[Finding] = []
    if not len(interests):
        return out
    first = np.flatnonzero(interests["interest_index"].to_numpy() == interests["interest_index"].min())
    rels = interests.iloc[first]
    ids = pa.array(entities["entity_id"].array)
    persons = ids.filter(pc.equal(pa.array(entities["record_type"].array), "person").fill_null(False))
    rel_ids = pa.array(rels["relationship_id"].array)
    for col, role in (("subject_id", "subject"), ("interested_party_id", "interested party")):
        refs = pa.array(rels[col].array)
        unknown = pc.and_(pc.is_valid(refs), pc.invert(pc.is_in(refs, value_set=ids)))
        for rel, ref in zip(rel_ids.filter(unknown).to_pylist(), refs.filter(unknown).to_pylist(), strict=True):
            message = f"relationship {rel}: {role} {ref} is not a live entity or person record"
            out.append(Finding(Check.UNKNOWN_REFERENCE, Severity.WARN, str(ref), message))
    subjects = pa.array(rels["subject_id"].array)
    is_person = pc.is_in(subjects, value_set=persons).fill_null(False)
    for rel, ref in zip(rel_ids.filter(is_person).to_pylist(), subjects.filter(is_person).to_pylist(), strict=True):
        message = f"relationship {rel}: subject {ref} is a person record (BODS requires an entity)"
        out.append(Finding(Check.SUBJECT_NOT_ENTITY, Severity.WARN, str(ref), message))
    return out
