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
- The frames are the same (rows, order, dtypes, stats, findings) whether or not worker processes read
  any of it: JSON Lines are cut into chunks of whole lines, each chunk becomes columnar `Parts` by the
  same function in a worker or here, and the parts are put together in reading order.
- Only JSON Lines (plain or gzip, decompressed here) spanning more than PARALLEL_CHUNKS chunks are handed
  to workers: below that, starting interpreters costs more than it saves, so small inputs never start
  any. JSON arrays and single documents are read here: they are one JSON value, which cannot be cut into
  independently parsable pieces without a second, streaming parser.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import itertools
import math
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import jsonio
from pipeline.arrays import LargeStrings, filled, int64s
from pipeline.arrays import text_array as text_column  # this module's own text_array builds Arrow arrays
from pipeline.datasets import ENTITIES, IDENTIFIERS, INTERESTS, QUARANTINE, conform
from pipeline.jurisdictions import is_iso_code
from pipeline.ownership.bods.statements import (
    ENTITY_COLUMNS,
    IDENTIFIER_COLUMNS,
    INTEREST_COLUMNS,
    RULE_JSON,
    RULE_SCHEMA_04,
    TABLES,
    Collector,
    Columns,
    is_03,
    kind,
    read_lines,
    statement_id,
    take,
)
from pipeline.ownership.bods.workers import Workers, worker_count
from pipeline.ownership.findings import Check, Finding, Severity, findings_frame
from pipeline.ownership.source_format import SourceFormat
from pipeline.ownership.sources import Replayed, SourceFrames, constant

# About 11,000 statements of typical size: enough to make a worker's round trip cheap, small enough that
# the last chunks leave no core idle for long.
CHUNK_BYTES = 4 << 20
# Inputs of up to this many chunks are read here: starting workers (a few tenths of a second) would cost
# more than they save on them.
PARALLEL_CHUNKS = 4
_PIECE = 1 << 20  # read size; a read error loses at most the lines of one piece
_WHITESPACE = b" \t\r\n\xef\xbb\xbf"


class Parts(NamedTuple):
    """`Columns` as Arrow tables (those of bods_statements.TABLES)."""

    statements: pa.Table
    entities: pa.Table
    identifiers: pa.Table
    interests: pa.Table
    quarantine: pa.Table
    replaces: pa.Table  # 0.3: (replaced statementID, replacing statementID), in reading order
    read: int  # statements read, including those quarantined


# What a set of BODS files says, as of a date: the frames every ownership source is read into.
BodsFrames = SourceFrames


def read_bods(
    sources: Iterable[tuple[str, IO[bytes]]],
    as_of: dt.date | None = None,
    *,
    workers: int | None = None,
    chunk_bytes: int = CHUNK_BYTES,
) -> BodsFrames:
    """Read BODS statements from (uri, binary stream) pairs; latest statement per record, as of a date.

    `as_of`: statements dated after it are not yet known and are set aside (counted in stats). Interests
    keep their start and end dates; which are active is decided by `resolve` for its own date.
    `workers`: worker processes for large JSON Lines inputs (default: one per usable CPU, capped; 0 reads
    everything in this process). `chunk_bytes`: the size of the runs of lines a worker reads at a time.
    """
    reading = _Reading(Workers(worker_count(workers)), chunk_bytes)
    with reading.pool:
        for uri, stream in sources:
            reading.source(uri, stream)
        parts = [_parts(p.result() if isinstance(p, Future) else p) for p in reading.parts]
    return _assemble(parts, as_of)


# --- input framing ------------------------------------------------------------------------------------


@dataclass
class _Reading:
    """The parts read so far, in reading order: chunks read here, or a worker's answer to come."""

    pool: Workers
    chunk_bytes: int
    parts: list[Columns | Future[Columns]] = field(default_factory=list)

    def source(self, uri: str, stream: IO[bytes]) -> None:
        c = Collector()  # what is not cut into chunks, and a read error, after the chunks read before it
        try:
            reader = _open(stream)
            first = _first_byte(reader)
            if first == b"[":
                _take_documents(c, uri, _whole(reader.read()))
            elif first:
                head = reader.readline()
                try:
                    jsonio.loads(head)
                except jsonio.JSONDecodeError:
                    # Either one pretty-printed statement, or JSON Lines whose first line is broken.
                    data = head + reader.read()
                    try:
                        doc = jsonio.loads(data)
                    except jsonio.JSONDecodeError:
                        self.parts.append(read_lines(data, uri, 1))
                    else:
                        _take_documents(c, uri, _items(doc))
                else:
                    self.json_lines(uri, head, reader)
        except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError) as exc:
            c.reject(RULE_JSON, f"{uri}: cannot read: {exc}", uri, 0, "")
        self.parts.append(c.columns())

    def json_lines(self, uri: str, head: bytes, reader: io.BufferedReader[Any]) -> None:
        chunks = _chunks(head, reader, self.chunk_bytes)
        first = list(itertools.islice(chunks, PARALLEL_CHUNKS + 1))
        parallel = self.pool.count > 0 and len(first) > PARALLEL_CHUNKS
        for data, line in itertools.chain(first, chunks):
            if parallel:
                # With every worker busy, wait: there is a worker per core, and reading here as well
                # slowed them (1M statements on 2 cores: 144-177k/s reading here, 165-212k/s waiting).
                # Waiting also bounds how far reading runs ahead, and so the memory it holds.
                self.pool.wait_for_room()
                self.parts.append(self.pool.submit(data, uri, line))
            else:
                self.parts.append(read_lines(data, uri, line))


def _chunks(head: bytes, reader: io.BufferedReader[Any], size: int) -> Iterator[tuple[bytes, int]]:
    """Runs of whole lines of about `size` bytes, each with the number of its first line.

    On a read error the whole lines read before it still come out, then the error is raised.
    """
    pieces, have, line = [head], len(head), 1
    try:
        while piece := reader.read(min(_PIECE, size)):
            pieces.append(piece)
            have += len(piece)
            if have >= size:
                pieces.append(reader.readline())
                data = b"".join(pieces)
                yield data, line
                line += data.count(b"\n")
                pieces, have = [], 0
    except (OSError, EOFError):
        data = b"".join(pieces)
        if cut := data.rfind(b"\n") + 1:
            yield data[:cut], line
        raise
    if have:
        yield b"".join(pieces), line


def _open(stream: IO[bytes]) -> io.BufferedReader[Any]:
    head = stream.read(2)
    reader = io.BufferedReader(Replayed(head, stream), buffer_size=1 << 20)
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


def _take_documents(c: Collector, uri: str, documents: Iterable[Document]) -> None:
    """Statements that are not JSON Lines: a JSON array, or one pretty-printed document.

    A document is (position, parsed statement or None, the error when the file did not parse, whole
    document, digest). Position is the 1-based index in the array (0 for a file that did not parse).
    `whole document` marks a file that is one object rather than an array. The digest is the crc32 of
    the statement's canonical JSON.
    """
    for pos, obj, raw, whole, digest in documents:
        if raw is not None:
            c.read += 1
            text = raw.decode("utf-8", errors="replace")
            c.reject(RULE_JSON, f"{uri}: {text}", uri, pos, text)
            continue
        if whole and not is_03(obj):
            # BODS 0.4 publishes statements as an array (or one per line), never a bare object.
            c.read += 1
            sid = statement_id(obj, "statementId") if isinstance(obj, dict) else "(not an object)"
            message = f"{uri} statement {sid}: a BODS 0.4 file must be a JSON array of statements or JSON Lines"
            c.reject(RULE_SCHEMA_04, message, uri, pos, obj)
            continue
        c.digest, c.pos = digest, pos
        take(c, obj, uri, pos)


def _whole(data: bytes) -> Iterator[Document]:
    try:
        doc = jsonio.loads(data)
    except jsonio.JSONDecodeError as exc:
        return iter([(0, None, f"not valid JSON: {exc}".encode(), False, 0)])
    return _items(doc)


def _items(doc: Any) -> Iterator[Document]:
    for i, item in enumerate(doc if isinstance(doc, list) else [doc], start=1):
        yield i, item, None, not isinstance(doc, list), zlib.crc32(_canonical(item))


def _canonical(item: Any) -> bytes:
    try:
        return jsonio.compact_bytes(item, sort_keys=True)
    except TypeError:
        return repr(item).encode()


# --- assembling the frames -----------------------------------------------------------------------------


def _parts(columns: Columns) -> Parts:
    """Arrow tables over the buffers, in place."""
    buffers = iter(columns.buffers)
    tables = []
    for names, n in zip(TABLES, columns.rows, strict=True):
        arrays: list[pa.Array[Any]] = []
        for name in names:
            layout = kind(name)
            if layout == "s":
                arrays.append(text_array(n, next(buffers), next(buffers), next(buffers)))
            elif layout == "b":
                arrays.append(pa.array(np.frombuffer(next(buffers), dtype=np.bool_)))
            else:
                arrays.append(pa.Array.from_buffers(_NUMBERS[layout], n, [None, pa.py_buffer(next(buffers))]))
        tables.append(pa.table(arrays, names=list(names)))
    statements, entities, identifiers, interests, quarantine, replaces = tables
    return Parts(statements, entities, identifiers, interests, quarantine, replaces, columns.read)


_NUMBERS: dict[str, pa.DataType] = {"i": pa.int64(), "f": pa.float64()}


def text_array(
    n: int, validity: bytes | memoryview, lengths: bytes | memoryview, data: bytes | memoryview
) -> LargeStrings:
    """The Arrow array of a text column's buffers (`bods_statements.Columns`)."""
    valid = np.frombuffer(validity, dtype=np.uint8)
    # `.data`: the arrays' own memory (NumPy declares the buffer protocol only from Python 3.12 on).
    bitmap = pa.py_buffer(np.packbits(valid, bitorder="little").data) if len(valid) else None
    nulls = n - int(np.count_nonzero(valid)) if len(valid) else 0
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.frombuffer(lengths, dtype=np.int64), out=offsets[1:])
    buffers = [bitmap, pa.py_buffer(offsets.data), pa.py_buffer(data)]
    return pa.Array.from_buffers(pa.large_string(), n, buffers, null_count=nulls)


def _joined(tables: list[pa.Table], offsets: npt.NDArray[np.int64] | None = None) -> pa.Table:
    """The parts' tables end to end; row tables get their `seq` moved past the statements before them."""
    if offsets is not None:
        moved = zip(tables, offsets.tolist(), strict=True)
        tables = [t.set_column(0, "seq", pc.add(t.column(0), pa.scalar(offset))) for t, offset in moved]
    return pa.concat_tables(tables)


def _record_roots(replaces: pa.Table) -> dict[str | None, str | None]:
    """0.3: each statementID -> the first statementID of its replacement chain (the record's identity)."""
    if not replaces.num_rows:
        return {}
    # Later replacements of the same statement win, as they did when read one after the other.
    replaced_by = dict(zip(replaces.column("replaced").to_pylist(), replaces.column("by").to_pylist(), strict=True))
    # Invert: replacing -> replaced, then walk back to the oldest.
    previous: dict[str | None, str | None] = {}
    for old, new in replaced_by.items():
        previous.setdefault(new, old)
    roots: dict[str | None, str | None] = {}
    for sid in set(previous) | set(replaced_by):
        cur, seen = sid, {sid}
        while cur in previous and previous[cur] not in seen:
            cur = previous[cur]
            seen.add(cur)
        roots[sid] = cur
    return roots


def _frame(table: pa.Table, columns: list[str], keep: npt.NDArray[np.bool_] | None = None) -> pd.DataFrame:
    """Arrow columns to a frame: strings stay Arrow-backed, never through object columns."""
    mask = pa.array(keep) if keep is not None else None
    data: dict[str, Any] = {}
    for name in columns:
        column = table.column(name)
        if pa.types.is_large_string(column.type):
            text = column.filter(mask) if mask is not None else column
            data[name] = text_column(text.combine_chunks())
        else:
            values = column.to_numpy()
            data[name] = values[keep] if keep is not None else values
    return pd.DataFrame(data, columns=columns)


def _with_index(rows: pa.Table, st: pa.Table, **columns: str) -> pa.Table:
    """Rows with columns of their statement's index entry (named `new=index column`)."""
    seq = rows.column("seq")
    for name, source in columns.items():
        rows = rows.append_column(name, st.column(source).take(seq))
    return rows


def _assemble(parts: list[Parts], as_of: dt.date | None) -> BodsFrames:
    offsets = np.cumsum([0] + [p.statements.num_rows for p in parts[:-1]], dtype=np.int64)
    st = _joined([p.statements for p in parts])
    ent_rows = _joined([p.entities for p in parts], offsets)
    id_rows = _joined([p.identifiers for p in parts], offsets)
    int_rows = _joined([p.interests for p in parts], offsets)
    ent_rows = _with_index(ent_rows, st, statement_id="sid", record_type="type", source_uri="uri")
    int_rows = _with_index(int_rows, st, statement_id="sid", source_uri="uri")
    rows = [ent_rows, id_rows, int_rows]
    quarantine_rows = _joined([p.quarantine for p in parts])
    roots = _record_roots(_joined([p.replaces for p in parts]))
    record = st.column("record").combine_chunks()
    if roots:
        v03 = st.column("v03").to_numpy()
        named = zip(record.to_pylist(), v03, strict=True)
        record = pa.array([roots.get(r, r) if v else r for r, v in named], type=pa.large_string())
    read = sum(p.read for p in parts)
    live, stats, findings = _live_statements(st, record, as_of, read, quarantine_rows.num_rows)
    repeated, duplicate_findings = _duplicates(st, record, rows)
    stats["duplicate_statement_ids"] = repeated
    findings.extend(duplicate_findings)

    ent = _frame(ent_rows, ent_rows.column_names, live[ent_rows.column("seq").to_numpy()])
    ent["entity_id"] = _taken(record, ent["seq"])
    ent["datasets"] = constant("[]", len(ent))
    ent["source"] = constant(SourceFormat.BODS, len(ent))
    entities = conform(ent, ENTITIES).sort_values("entity_id", kind="stable").reset_index(drop=True)

    idf = _frame(id_rows, id_rows.column_names, live[id_rows.column("seq").to_numpy()])
    idf["entity_id"] = _taken(record, idf["seq"])
    identifiers = conform(idf, IDENTIFIERS)

    inter = _frame(int_rows, int_rows.column_names, live[int_rows.column("seq").to_numpy()])
    inter["relationship_id"] = _taken(record, inter["seq"])
    inter["source"] = constant(SourceFormat.BODS, len(inter))
    if roots:
        for col in ("subject_id", "interested_party_id"):
            refs = inter[col].to_numpy(dtype=object)
            inter[col] = pd.array([roots.get(r, r) if isinstance(r, str) else None for r in refs], dtype="str")
    # Arrow's sort is stable, and several times quicker than pandas' on two keys, one of them text.
    keys = pa.table({"r": pa.array(inter["relationship_id"].array), "i": pa.array(inter["interest_index"].to_numpy())})
    order = pc.sort_indices(keys, sort_keys=[("r", "ascending"), ("i", "ascending")]).to_numpy()
    interests = conform(inter.take(order), INTERESTS)
    findings.extend(_reference_findings(entities, interests))
    findings.extend(_jurisdiction_findings(entities))
    quarantine = _frame(quarantine_rows, list(QUARANTINE.columns))
    kinds = entities["record_type"]
    stats["entities"] = int((kinds == "entity").sum())
    stats["persons"] = int((kinds == "person").sum())
    stats["interests"] = len(interests)
    frames = (entities, identifiers, interests, quarantine, findings_frame(findings))
    return BodsFrames(*frames, stats, _published(st))


def _published(st: pa.Table) -> dict[str, str]:
    """Per file, the date of its latest statement (statementDate: a statement is published on or after it)."""
    if not st.num_rows:
        return {}
    latest = st.select(["uri", "date"]).group_by("uri").aggregate([("date", "max")])
    pairs = zip(latest.column("uri").to_pylist(), latest.column("date_max").to_pylist(), strict=True)
    return {str(uri): str(day) for uri, day in pairs if uri and day}


def _taken(values: LargeStrings, seq: pd.Series) -> pd.api.extensions.ExtensionArray:
    """values[seq] as a `str` column, straight from Arrow."""
    return text_column(values.take(int64s(seq.to_numpy())))


def _codes(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> tuple[npt.NDArray[np.int32], pa.Array[Any]]:
    """Dictionary codes (equal values, equal codes) and the dictionary, hashed in Arrow."""
    encoded = (values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values).dictionary_encode()
    return encoded.indices.to_numpy(zero_copy_only=False), encoded.dictionary


def _live_statements(
    st: pa.Table, record: LargeStrings, as_of: dt.date | None, read: int, quarantined: int
) -> tuple[npt.NDArray[np.bool_], dict[str, int], list[Finding]]:
    """Which statements are the latest, live statement of their record (by seq), with counts and findings."""
    n = len(record)
    stats: dict[str, int] = {"statements_read": read, "quarantined": quarantined, "valid": n}
    considered = np.ones(n, dtype=bool)
    codes, dates = _codes(st.column("date"))
    if as_of is not None and n:
        considered = pc.less_equal(dates, pa.scalar(as_of.isoformat())).to_numpy(zero_copy_only=False)[codes]
        stats["after_as_of"] = int((~considered).sum())
    rec_codes, _ = _codes(record)
    rank = np.empty(len(dates), dtype=np.int64)
    rank[pc.sort_indices(dates).to_numpy()] = np.arange(len(dates))
    date_codes = rank[codes]  # ISO dates: text order is date order
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
    kinds = _codes(st.column("type"))[0][order]
    changed = np.zeros(len(order), dtype=bool)
    changed[1:] = (r[1:] == r[:-1]) & (kinds[1:] != kinds[:-1])
    for rid in dict.fromkeys(record.take(int64s(order[changed])).to_pylist()):
        findings.append(
            Finding(
                Check.RECORD_TYPE_CHANGED,
                Severity.WARN,
                str(rid),
                f"record {rid} changes recordType between statements",
            )
        )
    closed = st.column("closed").to_numpy()
    stats["closed"] = int(closed[winners].sum())
    live = np.zeros(n, dtype=bool)
    live[winners[~closed[winners]]] = True
    return live, stats, findings


# --- repeated statement ids, unknown codes ---------------------------------------------------------------

# The parts of a row that are what a statement says (not where it was read, nor its ids).
_ROW_PARTS = (("record_type", *ENTITY_COLUMNS[1:]), IDENTIFIER_COLUMNS[1:], INTEREST_COLUMNS[1:])
_PART_NAMES = ("recordId", "recordType", "statementDate", "recordStatus", "recordDetails", "identifiers", "interests")


def _plain(values: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(None if isinstance(v, float) and math.isnan(v) else v for v in values)


def _rows_of(table: pa.Table, columns: tuple[str, ...], seqs: npt.NDArray[np.int64]) -> dict[int, tuple[Any, ...]]:
    """The rows (their `columns`, NaN as None) of the statements `seqs`, grouped by statement."""
    hit = table.filter(pa.array(np.isin(table.column("seq").to_numpy(), seqs)))
    out: dict[int, list[tuple[Any, ...]]] = {}
    values = zip(*(hit.column(name).to_pylist() for name in columns), strict=True)
    for seq, row in zip(hit.column("seq").to_numpy().tolist(), values, strict=True):
        out.setdefault(seq, []).append(_plain(row))
    return {seq: tuple(found) for seq, found in out.items()}


def _duplicates(st: pa.Table, record: LargeStrings, rows: list[pa.Table]) -> tuple[int, list[Finding]]:
    """Statement ids read more than once, and a finding for each whose versions differ.

    `conflicting_statement_id` (error) when the versions differ in anything this reader takes from
    them (record, type, date, status, and every field of the rows it builds: what resolution and
    matching decide on), since which one is right cannot be known; `duplicate_statement_id` (warn) when
    they differ only in what it does not read (source, annotations, publication details, formatting);
    the exact same text twice is only counted. Two checks, so the contract can declare each severity.
    """
    # Equal ids have equal crc32s: only statements sharing one can repeat an id, and finding them is
    # integer work. The ids themselves are compared among those few.
    same_crc = np.flatnonzero(pd.Series(st.column("sid_crc").to_numpy()).duplicated(keep=False).to_numpy())
    if not len(same_crc):
        return 0, []
    encoded = st.column("sid").take(int64s(same_crc)).combine_chunks().dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    counts = np.bincount(codes, minlength=len(encoded.dictionary))
    repeats = counts[codes] > 1
    dup, codes = same_crc[repeats], codes[repeats]
    if not len(dup):
        return 0, []
    by_id = np.argsort(codes, kind="stable")
    groups = np.split(dup[by_id], np.flatnonzero(np.diff(codes[by_id])) + 1)
    # Only the repeated statements come out of Arrow, each once.
    said = st.take(pa.array(dup)).to_pydict()
    said["record"] = record.take(pa.array(dup)).to_pylist()
    at = {seq: k for k, seq in enumerate(dup.tolist())}
    row_parts = [_rows_of(table, columns, dup) for table, columns in zip(rows, _ROW_PARTS, strict=True)]
    findings = []
    for group in groups:
        versions = []
        for seq in group.tolist():
            k = at[seq]
            parts: list[Any] = [said["record"][k], said["type"][k], said["date"][k], said["closed"][k]]
            parts.extend(found.get(seq, ()) for found in row_parts)
            versions.append(parts)
        differ = [name for k, name in enumerate(_PART_NAMES) if any(v[k] != versions[0][k] for v in versions)]
        digests = {said["digest"][at[seq]] for seq in group.tolist()}
        if not differ and len(digests) == 1:
            continue
        first = at[int(group[0])]
        sid = said["sid"][first]
        where = ", ".join(f"{said['uri'][at[seq]]} #{said['pos'][at[seq]]}" for seq in group.tolist())
        if differ:
            check, severity = Check.CONFLICTING_STATEMENT, Severity.ERROR
            what = f"they differ in {', '.join(differ)}, which decisions depend on; it cannot be known which is right"
        else:
            check, severity = Check.DUPLICATE_STATEMENT, Severity.WARN
            what = "they differ only in fields this reader does not use"
        message = f"statement {sid} is read {len(group)} times ({where}) with different content: {what}"
        findings.append(Finding(check, severity, str(said["record"][first]), message))
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
            if text is None:  # dropped above; the stubs cannot tell
                continue
            codes = jsonio.loads(text) if col in _CODE_LIST_COLUMNS else [text]
            unknown = [str(code) for code in codes if not is_iso_code(str(code))]
            if unknown:
                bad[text] = unknown
        if not bad:
            continue
        hit = filled(pc.is_in(values, value_set=pa.array(sorted(bad), pa.large_string())), False)
        for rid, text in zip(ids.filter(hit).to_pylist(), values.filter(hit).to_pylist(), strict=True):
            listed = ", ".join(bad[str(text)])  # hit: a value among the keys of `bad`
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
    persons = ids.filter(filled(pc.equal(pa.array(entities["record_type"].array), pa.scalar("person")), False))
    rel_ids = pa.array(rels["relationship_id"].array)
    subjects, parties = pa.array(rels["subject_id"].array), pa.array(rels["interested_party_id"].array)
    # Subjects and parties in one lookup: the set of ids is hashed once.
    both = pa.concat_arrays([subjects, parties])
    missing = pc.and_(pc.is_valid(both), pc.invert(pc.is_in(both, value_set=ids)))
    for k, (role, refs) in enumerate((("subject", subjects), ("interested party", parties))):
        unknown = missing.slice(k * len(rels), len(rels))
        for rel, ref in zip(rel_ids.filter(unknown).to_pylist(), refs.filter(unknown).to_pylist(), strict=True):
            message = f"relationship {rel}: {role} {ref} is not a live entity or person record"
            out.append(Finding(Check.UNKNOWN_REFERENCE, Severity.WARN, str(ref), message))
    is_person = pc.is_in(subjects, value_set=persons).fill_null(False)
    for rel, ref in zip(rel_ids.filter(is_person).to_pylist(), subjects.filter(is_person).to_pylist(), strict=True):
        message = f"relationship {rel}: subject {ref} is a person record (BODS requires an entity)"
        out.append(Finding(Check.SUBJECT_NOT_ENTITY, Severity.WARN, str(ref), message))
    return out
