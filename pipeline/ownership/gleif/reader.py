"""Read GLEIF golden copy files (Level 1 LEI records, Level 2 relationships and reporting exceptions)
into the canonical ENTITIES, IDENTIFIERS and INTERESTS frames.

Invariants:
- Every row read ends up in exactly one place: a row of the frames, set aside as not live (counted in
  `stats`: an annulled or duplicate registration, a record registered after the as-of date, an inactive
  relationship without an end date, a relationship type or exception reason that says nothing about
  control), or in QUARANTINE with the file, row and rule (`gleif.layout`, `gleif.lei`, `gleif.node`).
  Bad input never raises.
- Level 1: one ENTITIES row per LEI (`entity_id` and `statement_id` the LEI, `source` gleif_lei): legal
  name, legal jurisdiction, legal and headquarters address countries (registered_country,
  business_country); a resident government entity is a `stateBody`. Other and transliterated names are
  `alternate_names` (a JSON list, as BODS alternateNames), which tenant matching tries as aliases.
  IDENTIFIERS: the LEI (XI-LEI) and the registration authority's entity id, under the org-id scheme of
  that authority when it is known (`RA_SCHEMES`), else `GLEIF-RA-<code>`.
- Level 2: accounting consolidation is control (IFRS 10 / US GAAP consolidate what they control): a
  direct consolidation parent holds a `consolidation` interest in its child, an ultimate one the same,
  declared `indirect`; an international branch's head office holds a `branch` interest. The period of
  type RELATIONSHIP_PERIOD gives the dates. The relationship's record id is `child>TYPE>parent` (RR
  records have no id of their own; the three fields are their key).
- Reporting exceptions: a parent withheld (NON_PUBLIC, LEGAL_OBSTACLES, ...) becomes a `consolidation`
  interest held by a holder that is not in the data (`withheld:<LEI>:<category>`), so resolution counts
  it as possibly restricted; reasons that say there is no parent to report (NATURAL_PERSONS,
  NON_CONSOLIDATING, NO_KNOWN_PERSON) add nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import jsonio
from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS
from pipeline.ownership.findings import Finding
from pipeline.ownership.gleif import golden_copy as gc
from pipeline.ownership.source_format import SourceFormat
from pipeline.ownership.sources import Quarantine, SourceFrames, assembled, frame_of, note_published, unread_record

RULE_LAYOUT = "gleif.layout"  # the file is not in the golden copy layout, or cannot be read
RULE_LEI = "gleif.lei"  # an LEI that is not 20 characters of ISO 17442's shape
RULE_NODE = "gleif.node"  # a relationship whose start or end node is not an LEI

LEI_SCHEME = ("XI-LEI", "Global Legal Entity Identifier Index")
# GLEIF registration authority codes (GLEIF's Registration Authorities List) -> the org-id.guide scheme the
# BODS side uses for the same register. Only registers whose numbers are unique under the scheme:
# - Germany's Handelsregister is kept by each local court (GLEIF lists one code per Amtsgericht) and
#   "HRB 12345" recurs across courts, so `DE-CR` without the court would merge different companies:
#   German numbers stay `GLEIF-RA-<court code>`.
# - US companies are filed with each state (Delaware's Division of Corporations is RA000602); org-id.guide
#   lists no state register, so their numbers stay `GLEIF-RA-<code>` (the legal jurisdiction, `US-DE`,
#   says which state).
# - Hong Kong: GLEIF records carry the Companies Registry number or the Business Registration number,
#   which cannot be told apart by shape; left unmapped rather than merged on a guess.
RA_SCHEMES = {
    "RA000585": ("GB-COH", "Companies House"),  # England and Wales
    "RA000586": ("GB-COH", "Companies House"),  # Northern Ireland
    "RA000587": ("GB-COH", "Companies House"),  # Scotland
    "RA000463": ("NL-KVK", "Kamer van Koophandel"),
    "RA000523": ("SG-ACRA", "Accounting and Corporate Regulatory Authority (UEN)"),
}
# China: the number GLEIF gives a Chinese entity is its Unified Social Credit Code, whichever local
# market-regulation bureau GLEIF names as the authority; told by the legal jurisdiction and the code's own
# check character (python-stdnum), never by the bureau's code.
USCC_SCHEME = ("CN-SAMR", "State Administration for Market Regulation (USCC)")
# Codes GLEIF uses when no registration authority applies or it is not in its list.
_NO_AUTHORITY = ("RA888888", "RA999999")

_LEI_PATTERN = r"^[A-Z0-9]{18}[0-9]{2}$"
_NOT_LIVE = ("ANNULLED", "DUPLICATE")  # registration statuses of records that never were, or are another

RELATIONSHIP_TYPES = {
    "IS_DIRECTLY_CONSOLIDATED_BY": ("consolidation", "direct"),
    "IS_ULTIMATELY_CONSOLIDATED_BY": ("consolidation", "indirect"),
    "IS_INTERNATIONAL_BRANCH_OF": ("branch", "direct"),
}
# Reporting exception reasons that withhold a parent that exists; the others say there is none.
WITHHELD_REASONS = (
    "NON_PUBLIC",
    "BINDING_LEGAL_COMMITMENTS",
    "LEGAL_OBSTACLES",
    "DISCLOSURE_DETRIMENTAL",
    "DETRIMENT_NOT_EXCLUDED",
    "CONSENT_NOT_OBTAINED",
)
EXCEPTION_CATEGORIES = {
    "DIRECT_ACCOUNTING_CONSOLIDATION_PARENT": "direct",
    "ULTIMATE_ACCOUNTING_CONSOLIDATION_PARENT": "indirect",
}


def read_gleif_lei(sources: Iterable[tuple[str, IO[bytes]]], as_of: dt.date | None = None) -> SourceFrames:
    """Level 1 LEI records (LEI-CDF 3.1 golden copy CSV, plain, gzipped or zipped)."""
    return _read(sources, as_of, _lei_file, columns=gc.LEI_COLUMNS, required=gc.LEI_REQUIRED, record_type="entity")


def read_gleif_rr(sources: Iterable[tuple[str, IO[bytes]]], as_of: dt.date | None = None) -> SourceFrames:
    """Level 2 relationship records (RR-CDF 2.1 golden copy CSV)."""
    return _read(sources, as_of, _rr_file, columns=gc.RR_COLUMNS, required=gc.RR_REQUIRED, record_type="relationship")


def read_gleif_repex(sources: Iterable[tuple[str, IO[bytes]]], as_of: dt.date | None = None) -> SourceFrames:
    """Level 2 reporting exceptions (golden copy CSV)."""
    return _read(
        sources, as_of, _repex_file, columns=gc.REPEX_COLUMNS, required=gc.REPEX_REQUIRED, record_type="relationship"
    )


class _Parts:
    def __init__(self) -> None:
        self.entities: list[Any] = []
        self.identifiers: list[Any] = []
        self.interests: list[Any] = []
        self.quarantine = Quarantine()
        self.findings: list[Finding] = []
        self.stats: dict[str, int] = {"rows_read": 0}
        self.published: dict[str, str] = {}

    def count(self, key: str, n: int) -> None:
        self.stats[key] = self.stats.get(key, 0) + int(n)


def _read(
    sources: Iterable[tuple[str, IO[bytes]]],
    as_of: dt.date | None,
    read_file: Any,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    record_type: str,
) -> SourceFrames:
    parts = _Parts()
    for uri, stream in sources:
        try:
            table = gc.read_csv(stream, columns, required)
        except (gc.LayoutError, OSError, EOFError, pa.ArrowInvalid, UnicodeDecodeError) as exc:
            record = unread_record(None, record_type, None, {"file": uri})
            parts.quarantine.add(RULE_LAYOUT, f"{uri}: cannot read: {exc}", uri, 0, record)
            continue
        parts.count("rows_read", table.num_rows)
        if gc.LAST_UPDATE in table.column_names:  # reporting exceptions carry no date
            latest = pc.max(_day(_column(table, gc.LAST_UPDATE))).as_py()
            note_published(parts.published, uri, latest if isinstance(latest, str) else None)
        read_file(parts, uri, table, as_of)
    return assembled(
        parts.entities,
        parts.identifiers,
        parts.interests,
        quarantine=parts.quarantine,
        findings=parts.findings,
        stats=parts.stats,
        published=parts.published,
    )


# Arrow values here are `Any`: pyarrow's stubs type compute results per overload, and these helpers
# pass text columns between them whatever their exact Arrow type.
def _column(table: pa.Table, name: str) -> Any:
    return table.column(name).combine_chunks()


def _upper(values: Any) -> Any:
    return pc.utf8_upper(pc.utf8_trim_whitespace(values))


def _is_lei(values: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(pc.match_substring_regex(values, _LEI_PATTERN).fill_null(False).to_numpy(zero_copy_only=False))


def _flag(values: Any) -> np.ndarray[Any, np.dtype[np.bool_]]:
    return np.asarray(values.fill_null(False).to_numpy(zero_copy_only=False), dtype=np.bool_)


def _registered_after(table: pa.Table, as_of: dt.date | None) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Rows whose initial registration is after the as-of date: not yet known on it."""
    if as_of is None:
        return np.zeros(table.num_rows, dtype=bool)
    day = pc.utf8_slice_codeunits(_column(table, gc.INITIAL_REGISTRATION), 0, 10)
    return _flag(pc.greater(day, _text(as_of.isoformat())))


def _not_live(table: pa.Table) -> np.ndarray[Any, np.dtype[np.bool_]]:
    status = _upper(_column(table, gc.REGISTRATION_STATUS))
    return _flag(pc.is_in(status, value_set=pa.array(_NOT_LIVE, pa.large_string())))


def _quarantine_rows(
    parts: _Parts,
    uri: str,
    table: pa.Table,
    bad: np.ndarray[Any, np.dtype[np.bool_]],
    *,
    rule: str,
    what: str,
    **ids: str,
) -> None:
    """One QUARANTINE row per bad row (few): the row as read, attributed through `ids` (record_id,
    record_type, subject) to the record it is about."""
    for row in np.flatnonzero(bad).tolist():
        values = {name: table.column(name)[row].as_py() for name in table.column_names}
        values = {k: v for k, v in values.items() if v is not None}
        record_id = values.get(ids.get("record_id", ""))
        subject = values.get(ids.get("subject", ""))
        line = row + 2  # the header is line 1
        record = unread_record(record_id, ids.get("record_type", "entity"), record_id, values, subject)
        parts.quarantine.add(rule, f"{uri} row {line}: {what}", uri, line, record)


# --- Level 1 ------------------------------------------------------------------------------------------------


def _lei_file(parts: _Parts, uri: str, table: pa.Table, as_of: dt.date | None) -> None:
    lei = _upper(_column(table, gc.LEI))
    good = _is_lei(lei)
    _quarantine_rows(parts, uri, table, ~good, rule=RULE_LEI, what="LEI is not 20 characters of ISO 17442's shape",
                     record_id=gc.LEI, record_type="entity")  # fmt: skip
    later, gone = _registered_after(table, as_of), _not_live(table)
    parts.count("after_as_of", (good & later).sum())
    parts.count("not_live", (good & ~later & gone).sum())
    keep = pa.array(good & ~later & ~gone)
    t = table.filter(keep)
    lei = lei.filter(keep)
    n = t.num_rows
    category = _upper(_column(t, gc.CATEGORY))
    government = pc.equal(category, _text("RESIDENT_GOVERNMENT_ENTITY")).fill_null(False)
    international = pc.equal(category, _text("INTERNATIONAL_ORGANIZATION")).fill_null(False)
    entity_type = pc.if_else(government, "stateBody", pc.if_else(international, "legalEntity", "registeredEntity"))
    name = pc.coalesce(_column(t, gc.LEGAL_NAME), _column(t, gc.TRANSLITERATED_NAME))
    aliases = _other_names(t, name)
    parts.entities.append(
        frame_of(
            {
                "entity_id": lei,
                "statement_id": lei,
                "record_type": "entity",
                "entity_type": entity_type.cast(pa.large_string()),
                "name": name,
                "alternate_names": aliases,
                "jurisdiction": _upper(_column(t, gc.LEGAL_JURISDICTION)),
                "registered_country": _upper(_column(t, gc.LEGAL_COUNTRY)),
                "business_country": _upper(_column(t, gc.HEADQUARTERS_COUNTRY)),
                "nationalities": "[]",
                "residences": "[]",
                "tax_residencies": "[]",
                "datasets": "[]",
                "source": SourceFormat.GLEIF_LEI.value,
                "source_uri": uri,
            },
            ENTITIES,
            n,
        )
    )
    parts.identifiers.append(
        frame_of(
            {"entity_id": lei, "scheme": LEI_SCHEME[0], "scheme_name": LEI_SCHEME[1], "identifier": lei}, IDENTIFIERS, n
        )
    )
    ra = _upper(_column(t, gc.RA_ID))
    number = pc.utf8_trim_whitespace(_column(t, gc.RA_ENTITY_ID))
    registered = pc.and_(
        pc.is_valid(number), pc.invert(pc.is_in(ra, value_set=pa.array(_NO_AUTHORITY, pa.large_string())))
    ).fill_null(False)
    ra, number, owner = ra.filter(registered), number.filter(registered), lei.filter(registered)
    # Schemes per distinct authority code (a few hundred), then taken per row.
    codes = pc.unique(ra)
    named = [RA_SCHEMES.get(str(c), (f"GLEIF-RA-{c}", f"GLEIF registration authority {c}")) for c in codes.to_pylist()]
    position = pc.index_in(ra, value_set=codes)
    scheme = pa.array([s for s, _ in named], pa.large_string()).take(position)
    scheme_name = pa.array([m for _, m in named], pa.large_string()).take(position)
    chinese = _uscc_rows(ra, number, _upper(_column(t, gc.LEGAL_JURISDICTION)).filter(registered))
    if len(chinese):
        scheme, scheme_name = _set(scheme, chinese, USCC_SCHEME[0]), _set(scheme_name, chinese, USCC_SCHEME[1])
    ids = {"entity_id": owner, "scheme": scheme, "scheme_name": scheme_name, "identifier": number}
    parts.identifiers.append(frame_of(ids, IDENTIFIERS, len(owner)))


def _uscc_rows(ra: Any, number: Any, jurisdiction: Any) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Rows of a Chinese entity (legal jurisdiction CN or CN-xx) under an unmapped authority whose number
    is a valid Unified Social Credit Code."""
    from stdnum.cn import uscc

    unmapped = pc.invert(pc.is_in(ra, value_set=pa.array(list(RA_SCHEMES), pa.large_string())))
    candidates = np.flatnonzero(_flag(pc.and_(pc.equal(pc.utf8_slice_codeunits(jurisdiction, 0, 2), _text("CN")),
                                              unmapped)))  # fmt: skip
    if not len(candidates):
        return candidates
    values = number.take(pa.array(candidates)).to_pylist()
    valid = np.array([uscc.is_valid(v) for v in values], dtype=bool)
    out: np.ndarray[Any, np.dtype[np.int64]] = candidates[valid]
    return out


def _set(values: Any, rows: np.ndarray[Any, np.dtype[np.int64]], value: str) -> Any:
    out = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    out[rows] = value
    return pa.array(out, pa.large_string())


def _other_names(t: pa.Table, name: Any) -> Any:
    """Per row, its other and transliterated names as a JSON list (distinct, the legal name left out);
    built in Python only for the rows that have one (most have none: `[]`)."""
    columns = [_column(t, c) for c in (*gc.OTHER_NAMES, *gc.TRANSLITERATED_NAMES)]
    any_other = np.zeros(t.num_rows, dtype=bool)
    for c in columns:
        any_other |= _flag(pc.is_valid(c))
    rows = np.flatnonzero(any_other)
    out = np.full(t.num_rows, "[]", dtype=object)
    if len(rows):
        taken = pa.array(rows)
        values = [c.take(taken).to_pylist() for c in columns]
        names = name.take(taken).to_pylist()
        for k, (legal, *others) in enumerate(zip(names, *values, strict=True)):
            kept = [o for o in dict.fromkeys(o.strip() for o in others if isinstance(o, str)) if o and o != legal]
            out[rows[k]] = jsonio.compact(kept) if kept else "[]"
    return pa.array(out, pa.large_string())


# --- Level 2: relationships ----------------------------------------------------------------------------------


def _rr_file(parts: _Parts, uri: str, table: pa.Table, as_of: dt.date | None) -> None:
    start, end = _upper(_column(table, gc.START_NODE)), _upper(_column(table, gc.END_NODE))
    rtype = _upper(_column(table, gc.RELATIONSHIP_TYPE))
    known = _flag(pc.is_in(rtype, value_set=pa.array(list(RELATIONSHIP_TYPES), pa.large_string())))
    good = _is_lei(start) & _is_lei(end)
    _quarantine_rows(parts, uri, table, known & ~good, rule=RULE_NODE, what="start or end node is not an LEI",
                     record_id=gc.START_NODE, record_type="relationship", subject=gc.START_NODE)  # fmt: skip
    parts.count("other_relationship_types", (~known).sum())
    status = _upper(_column(table, gc.RELATIONSHIP_STATUS))
    start_date, end_date = _relationship_period(table)
    ended_unknown = _flag(pc.equal(status, _text("INACTIVE"))) & ~_flag(pc.is_valid(end_date))
    later, gone = _registered_after(table, as_of), _not_live(table)
    usable = known & good
    parts.count("after_as_of", (usable & later).sum())
    parts.count("not_live", (usable & ~later & gone).sum())
    parts.count("inactive_without_end", (usable & ~later & ~gone & ended_unknown).sum())
    keep = pa.array(usable & ~later & ~gone & ~ended_unknown)
    start, end, rtype = start.filter(keep), end.filter(keep), rtype.filter(keep)
    kinds = [RELATIONSHIP_TYPES[str(t)] for t in rtype.to_pylist()]
    rid = _joined(">", start, rtype, end)
    parts.interests.append(
        frame_of(
            {
                "relationship_id": rid,
                "statement_id": rid,
                "subject_id": start,
                "interested_party_id": end,
                "interest_type": [k for k, _ in kinds],
                "direct_or_indirect": [d for _, d in kinds],
                "start_date": start_date.filter(keep),
                "end_date": end_date.filter(keep),
                "source": SourceFormat.GLEIF_RR.value,
                "source_uri": uri,
            },
            INTERESTS,
            len(kinds),
        )
    )


def _relationship_period(table: pa.Table) -> tuple[Any, Any]:
    """(start, end) dates of each row's RELATIONSHIP_PERIOD (the first such period; null when none)."""
    start: Any = pa.nulls(table.num_rows, pa.large_string())
    end: Any = pa.nulls(table.num_rows, pa.large_string())
    for k in range(gc.PERIODS, 0, -1):  # the first period wins: taken last
        is_relationship = pc.equal(_upper(_column(table, gc.period(k, "PeriodType"))), _text("RELATIONSHIP_PERIOD"))
        chosen = is_relationship.fill_null(False)
        start = pc.if_else(chosen, _day(_column(table, gc.period(k, "StartDate"))), start)
        end = pc.if_else(chosen, _day(_column(table, gc.period(k, "EndDate"))), end)
    return start, end


def _joined(separator: str, *parts: Any) -> Any:
    return pc.binary_join_element_wise(*parts, _text(separator))


def _text(value: str) -> Any:
    return pa.scalar(value, pa.large_string())


def _day(values: Any) -> Any:
    return pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(values), 0, 10)


# --- Level 2: reporting exceptions ---------------------------------------------------------------------------


def _repex_file(parts: _Parts, uri: str, table: pa.Table, as_of: dt.date | None) -> None:
    lei = _upper(_column(table, gc.LEI))
    good = _is_lei(lei)
    _quarantine_rows(parts, uri, table, ~good, rule=RULE_LEI, what="LEI is not 20 characters of ISO 17442's shape",
                     record_id=gc.LEI, record_type="relationship", subject=gc.LEI)  # fmt: skip
    category = _upper(_column(table, gc.EXCEPTION_CATEGORY))
    reason = _upper(pc.coalesce(_column(table, gc.EXCEPTION_REASON), _column(table, gc.EXCEPTION_REASON_1)))
    withheld = _flag(pc.is_in(reason, value_set=pa.array(WITHHELD_REASONS, pa.large_string())))
    known = _flag(pc.is_in(category, value_set=pa.array(list(EXCEPTION_CATEGORIES), pa.large_string())))
    parts.count("no_parent_to_report", (good & known & ~withheld).sum())
    parts.count("other_exception_categories", (good & ~known).sum())
    keep = pa.array(good & known & withheld)
    lei, category, reason = lei.filter(keep), category.filter(keep), reason.filter(keep)
    holder = _joined(":", pa.scalar("withheld", pa.large_string()), lei, category)
    rid = _joined(">", lei, category, reason)
    parts.interests.append(
        frame_of(
            {
                "relationship_id": rid,
                "statement_id": rid,
                "subject_id": lei,
                "interested_party_id": holder,
                "interest_type": "consolidation",
                "direct_or_indirect": [EXCEPTION_CATEGORIES[str(c)] for c in category.to_pylist()],
                "source": SourceFormat.GLEIF_REPEX.value,
                "source_uri": uri,
            },
            INTERESTS,
            len(lei),
        )
    )
