"""One BODS statement at a time: check it, and turn it into rows of the ownership frames, column-wise.

Invariants:
- Every statement handed to `take` is counted and ends up either in the statement index (with its rows)
  or in quarantine with the rule, the error, its statementId, source file and line. Nothing raises on bad
  data and nothing is dropped.
- `read_lines(data, uri, first_line)` gives the same `Columns` for a run of JSON Lines wherever it runs:
  in the reading process or in a worker (`pipeline.ownership.bods.workers`); `Columns` are the buffers of
  Arrow columns, so a worker ships columns back, not Python objects.
- This module imports neither pandas nor pyarrow (nor anything that does): worker processes import it,
  and their start-up time is part of every large read.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
import struct
import zlib
from collections.abc import Sequence
from typing import Any, NamedTuple

from pipeline import jsonio
from pipeline.jurisdictions import code_for_country_name
from pipeline.ownership.bods import schema

DATASET = "ownership"
RULE_JSON = "json_syntax"
RULE_SCHEMA_04 = "bods_0.4_schema"
RULE_STRUCTURE_03 = "bods_0.3_structure"
# Severity.ERROR of pipeline.ownership.findings, which imports pandas (a test keeps them equal).
SEVERITY_ERROR = "error"
# Quarantined records keep their text for the reviewer, within reason.
MAX_RECORD_CHARS = 20_000

NO_ID = "(no statement id)"
_V03_TYPES = {
    "entityStatement": "entity",
    "personStatement": "person",
    "ownershipOrControlStatement": "relationship",
}

# Columns of the tables. Row tables start with `seq` (the statement's position in the statement index),
# then what the statement says; what its index entry already holds (record id, statement id, record type,
# file) is added to the rows when the frames are assembled, rather than repeated in every row here.
STATEMENT_COLUMNS = ("record", "type", "date", "closed", "v03", "sid", "uri", "pos", "digest", "sid_crc")
ENTITY_COLUMNS = ("seq", "entity_type", "name", "alternate_names", "jurisdiction", "registered_country",
                  "business_country", "nationalities", "residences", "tax_residencies")  # fmt: skip
IDENTIFIER_COLUMNS = ("seq", "scheme", "scheme_name", "identifier")
INTEREST_COLUMNS = ("seq", "interest_index", "subject_id", "interested_party_id", "interest_type", "direct_or_indirect",
                    "share_exact", "share_min", "share_max", "exclusive_min", "exclusive_max", "start_date",
                    "end_date")  # fmt: skip
QUARANTINE_COLUMNS = ("dataset", "rule", "severity", "message", "source_uri", "source_line", "record")
REPLACES_COLUMNS = ("replaced", "by")
_FLOAT_COLUMNS = frozenset({"share_exact", "share_min", "share_max"})
_BOOL_COLUMNS = frozenset({"exclusive_min", "exclusive_max", "closed", "v03"})
_INT_COLUMNS = frozenset({"seq", "interest_index", "pos", "digest", "sid_crc"})


TABLES = (STATEMENT_COLUMNS, ENTITY_COLUMNS, IDENTIFIER_COLUMNS, INTEREST_COLUMNS, QUARANTINE_COLUMNS, REPLACES_COLUMNS)


def kind(column: str) -> str:
    """How a column is laid out: `i` int64, `f` float64, `b` bool (a byte each), `s` UTF-8 text or null."""
    return (
        "f" if column in _FLOAT_COLUMNS else "b" if column in _BOOL_COLUMNS else "i" if column in _INT_COLUMNS else "s"
    )


class Columns(NamedTuple):
    """What a run of statements says, as the buffers of Arrow columns (built without pyarrow, whose import
    would be most of a worker's start-up). Tables are those of TABLES, `seq` counting from 0 here.

    `buffers` holds, table after table and column after column, one buffer for a number or bool column
    and three for a text column: validity (a byte per value, empty when there is no null), the int64
    length in bytes of each value, UTF-8 data.
    """

    read: int  # statements read, including those quarantined
    rows: tuple[int, ...]  # per table
    buffers: list[bytes | memoryview]


class Collector:
    """Column-wise accumulation (lists are far cheaper than per-row frames at millions of statements)."""

    def __init__(self) -> None:
        # Statement index: one STATEMENT_COLUMNS tuple per accepted statement, `seq` is its position here.
        # The digest is the crc32 of the statement's text: it tells exact repeats from edits. sid_crc, the
        # crc32 of its statement id, lets the reading process look for repeated ids among integers.
        self.index: list[tuple[Any, ...]] = []
        self.digest = 0  # of the statement being taken, and its position in its file
        self.pos = 0
        self.replaces: list[tuple[str, str]] = []  # 0.3: (replaced statementID, replacing statementID)
        self.entities: list[tuple[Any, ...]] = []
        self.identifiers: list[tuple[Any, ...]] = []
        self.interests: list[tuple[Any, ...]] = []
        self.quarantine: list[tuple[Any, ...]] = []
        self.read = 0
        self.is_valid = schema.validity_check()

    def statement(self, record_id: str, rtype: str, *, sid: str, date: str, closed: bool, uri: str, v03: bool) -> int:
        """Index a statement; its `seq`."""
        self.index.append((record_id, rtype, date, closed, v03, sid, uri, self.pos, self.digest, _crc(sid)))
        return len(self.index) - 1

    def reject(self, rule: str, message: str, uri: str, position: int, record: object) -> None:
        text = record if isinstance(record, str) else _dumps(record)
        if len(text) > MAX_RECORD_CHARS:
            text = _shortened(record, text)
        self.quarantine.append((DATASET, rule, SEVERITY_ERROR, message, uri, str(position), text))

    def columns(self) -> Columns:
        tables = (self.index, self.entities, self.identifiers, self.interests, self.quarantine, self.replaces)
        buffers: list[bytes | memoryview] = []
        for rows, columns in zip(tables, TABLES, strict=True):
            values = zip(*rows, strict=True) if rows else [() for _ in columns]
            for name, column in zip(columns, values, strict=True):
                buffers.extend(_buffers(kind(name), column))
        return Columns(self.read, tuple(len(rows) for rows in tables), buffers)


def _buffers(layout: str, values: Sequence[Any]) -> list[bytes | memoryview]:
    # struct.pack over an iterator is the quickest way from Python values to a buffer (array.array
    # appends them one by one).
    n = len(values)
    if layout == "i":
        return [struct.pack(f"<{n}q", *values)]
    if layout == "f":
        return [struct.pack(f"<{n}d", *values)]
    if layout == "b":
        return [bytes(values)]
    nulls = None in values
    texts = ["" if v is None else v for v in values] if nulls else values
    joined = "".join(texts)  # like pyarrow, refuses anything that is not a string
    data = joined.encode()
    # ASCII (nearly always): a character is a byte, and the lengths come without encoding each value.
    # Lengths, not offsets: the running sum is one numpy call in the reading process, a Python step
    # per value here.
    lengths = map(len, texts) if len(data) == len(joined) else (len(t.encode()) for t in texts)
    validity = bytes(map(operator.is_not, values, itertools.repeat(None))) if nulls else b""
    return [validity, struct.pack(f"<{n}q", *lengths), data]


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
        return jsonio.compact(obj)
    except TypeError:
        return repr(obj)


def read_lines(data: bytes, uri: str, first_line: int) -> Columns:
    """The statements of a run of JSON Lines (`data` ends at a line end, or at the end of the file)."""
    c = Collector()
    lines = data.split(b"\n")
    last = first_line + len(lines) - 1
    for n, line in enumerate(lines, start=first_line):
        try:
            obj = jsonio.loads(line)
        except jsonio.JSONDecodeError:
            if line.strip():
                c.read += 1
                # The reviewer sees the line as it was, with its line end.
                text = (line if n == last else line + b"\n").decode("utf-8", errors="replace")
                c.reject(RULE_JSON, f"{uri} line {n}: not valid JSON", uri, n, text)
            continue
        c.digest, c.pos = zlib.crc32(line.rstrip()), n
        take(c, obj, uri, n)
    return c.columns()


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
    return jsonio.compact(values) if values else "[]"


def _alternate_names(values: Any, name: Any) -> str:
    """The other names an entity carries (0.4 and 0.3 `alternateNames`), as a JSON list: distinct, non-empty,
    the legal name left out."""
    out: list[str] = []
    for v in values if isinstance(values, list) else ():
        if isinstance(v, str) and v.strip() and v != name and v not in out:
            out.append(v)
    return _json_list(out)


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
    return float(value) / 100.0 if isinstance(value, int | float) and not isinstance(value, bool) else math.nan


_NO_SHARE = (math.nan, math.nan, math.nan, False, False)
_NUMBER = (int, float)


def _share(share: Any, v03: bool) -> tuple[float, float, float, bool, bool]:
    """(exact, min, max, min exclusive, max exclusive) as fractions; NaN where the statement says nothing."""
    if not share or not isinstance(share, dict):
        return _NO_SHARE
    exact = _num(share.get("exact"))
    lo, hi = _num(share.get("minimum")), _num(share.get("maximum"))
    lo_open = hi_open = False
    if v03:
        lo_open = bool(share.get("exclusiveMinimum")) and not math.isnan(lo)
        hi_open = bool(share.get("exclusiveMaximum")) and not math.isnan(hi)
    else:
        xlo, xhi = _num(share.get("exclusiveMinimum")), _num(share.get("exclusiveMaximum"))
        # Both given: the tighter bound holds; at equal values the exclusive one is the tighter.
        if not math.isnan(xlo) and (math.isnan(lo) or xlo >= lo):
            lo, lo_open = xlo, True
        if not math.isnan(xhi) and (math.isnan(hi) or xhi <= hi):
            hi, hi_open = xhi, True
    return exact, lo, hi, lo_open, hi_open


def _identifier_rows(c: Collector, seq: int, identifiers: Any) -> None:
    for ident in identifiers:
        if isinstance(ident, dict):
            c.identifiers.append((seq, ident.get("scheme"), ident.get("schemeName"), ident.get("id")))


def _entity_row(c: Collector, seq: int, rd: dict[str, Any], *, v03: bool) -> None:
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
    registered = business = None
    if addresses := rd.get("addresses"):
        addr = _address_countries(addresses)
        registered = addr.get("registered", [None])[0]
        business = addr.get("business", [None])[0]
    aliases = _alternate_names(rd.get("alternateNames"), rd.get("name"))
    c.entities.append((seq, etype, rd.get("name"), aliases, jurisdiction, registered, business, "[]", "[]", "[]"))
    if identifiers := rd.get("identifiers"):
        _identifier_rows(c, seq, identifiers)


def _person_row(c: Collector, seq: int, rd: dict[str, Any]) -> None:
    addr = _address_countries(rd.get("addresses"))
    c.entities.append(
        (
            seq,
            rd.get("personType"),
            _person_name(rd.get("names")),
            "[]",
            None,
            None,
            None,
            _json_list(_countries(rd.get("nationalities"))),
            _json_list(addr.get("residence", [])),
            _json_list(_countries(rd.get("taxResidencies"))),
        )
    )
    if identifiers := rd.get("identifiers"):
        _identifier_rows(c, seq, identifiers)


def _interest_rows(c: Collector, seq: int, subject: Any, party: Any, interests: Any, *, v03: bool) -> None:
    subject_id = subject if isinstance(subject, str) else None
    party_id = party if isinstance(party, str) else None
    k = 0
    for item in interests or ():
        if not isinstance(item, dict):
            continue
        share = item.get("share")
        exact: Any = share.get("exact") if type(share) is dict and len(share) == 1 else None
        # The common case (just `exact`, a number) without a call; exact types, as bool is an int.
        bounds = (exact / 100.0, math.nan, math.nan, False, False) if type(exact) in _NUMBER else _share(share, v03)
        c.interests.append((seq, k, subject_id, party_id, item.get("type"), item.get("directOrIndirect"), *bounds,
                            item.get("startDate"), item.get("endDate")))  # fmt: skip
        k += 1
    if not k:
        # The relationship is kept visible even when it declares no interest (it then counts for nothing).
        c.interests.append((seq, 0, subject_id, party_id, None, None, *_NO_SHARE, None, None))


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def statement_id(obj: dict[str, Any], key: str) -> str:
    sid = obj.get(key)
    return sid if isinstance(sid, str) and sid else NO_ID


def _take_04(c: Collector, obj: Any, uri: str, pos: int) -> None:
    if not c.is_valid(obj):
        sid = statement_id(obj, "statementId") if isinstance(obj, dict) else "(not an object)"
        errors = "; ".join(schema.schema_errors(obj))
        c.reject(RULE_SCHEMA_04, f"{uri} statement {sid} (#{pos}): {errors}", uri, pos, obj)
        return
    rtype, rd = obj["recordType"], obj["recordDetails"]
    closed = obj.get("recordStatus") == "closed"
    seq = c.statement(obj["recordId"], rtype, sid=obj["statementId"], date=obj["statementDate"][:10], closed=closed,
                      uri=uri, v03=False)  # fmt: skip
    if rtype == "relationship":
        _interest_rows(c, seq, rd.get("subject"), rd.get("interestedParty"), rd.get("interests"), v03=False)
    elif rtype == "entity":
        _entity_row(c, seq, rd, v03=False)
    else:
        _person_row(c, seq, rd)


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
    problems.extend(schema.structure_errors_03(obj))
    return problems


def _take_03(c: Collector, obj: dict[str, Any], uri: str, pos: int) -> None:
    sid = statement_id(obj, "statementID")
    rtype = _V03_TYPES.get(str(obj.get("statementType")))
    problems = _problems_03(obj, sid, rtype)
    if problems or rtype is None:
        c.reject(RULE_STRUCTURE_03, f"{uri} statement {sid} (#{pos}): {'; '.join(problems)}", uri, pos, obj)
        return
    for replaced in obj.get("replacesStatements") or ():
        if isinstance(replaced, str):
            c.replaces.append((replaced, sid))
    date = str(obj.get("statementDate") or "")[:10]
    seq = c.statement(sid, rtype, sid=sid, date=date, closed=False, uri=uri, v03=True)
    if rtype == "entity":
        _entity_row(c, seq, obj, v03=True)
    elif rtype == "person":
        _person_row(c, seq, obj)
    else:
        subject, party = _ref_03(obj.get("subject")), _ref_03(obj.get("interestedParty"))
        _interest_rows(c, seq, subject, party, obj.get("interests"), v03=True)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True


def is_03(obj: Any) -> bool:
    return isinstance(obj, dict) and ("statementID" in obj or "statementType" in obj)


def take(c: Collector, obj: Any, uri: str, pos: int) -> None:
    c.read += 1
    if is_03(obj):
        _take_03(c, obj, uri, pos)
    else:
        # Anything else is judged by the 0.4 schema (which also rejects non-objects, with its message).
        _take_04(c, obj, uri, pos)
