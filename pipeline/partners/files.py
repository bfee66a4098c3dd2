"""Partner files (CSV, JSON Lines) parsed from their bytes into text rows with lineage and file-level checks.

Pure: bytes in, frames and check results out; reading the bytes is the edge's job (`pipeline.partners.drop`).

Invariant: every record of a file ends up in exactly one place: a row of `RawRead.frame` (all values
text, empty -> missing, with `source_uri` and `source_line`) or a quarantined record naming the file,
its line and the rule (`csv.field_count`, `csv.truncated`, `encoding.utf8`, `json.parse`, ...). A
file whose structure cannot be trusted (empty, missing contract columns, a wrong delimiter) yields
no rows at all and an `error` result, never a partial guess. Column names the contract lists as
synonyms (AWS's older `country`) are read as the contract's name. Nothing is parsed as a number.

A CSV whose records are all one readable line each (the usual delivery) is split by Arrow's CSV reader,
and every line with a quote in it is read again by Python's `csv` to confirm Arrow read the same fields;
anything else (a broken quote, a blank line, a wrong field count, bytes that are not UTF-8, a record over
several lines) is read record by record, so both readings give the same rows and the same quarantine.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from pipeline import jsonio
from pipeline.datasets import LINEAGE
from pipeline.quality.contracts import Contract, Scope, Severity
from pipeline.quality.quarantine import Quarantined, quarantine_frame, record_json
from pipeline.quality.results import CheckResult, Source, sample_rows

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class InputFile:
    """Fingerprint of one input file as read: what the run's outputs were computed from."""

    uri: str
    sha256: str
    bytes: int
    rows: int  # data records (CSV: excluding the header)

    def to_json(self) -> dict[str, Any]:
        return {"uri": self.uri, "sha256": self.sha256, "bytes": self.bytes, "rows": self.rows}


@dataclass(frozen=True, eq=False)
class RawRead:
    dataset: str  # the contract name
    uri: str
    frame: pd.DataFrame  # contract columns present in the file + LINEAGE, text
    quarantine: pd.DataFrame  # QUARANTINE columns
    # Quarantined records whose fields could still be lined up with the header (text, + LINEAGE), so
    # that a reader can tell which key they belonged to.
    quarantined_rows: pd.DataFrame
    results: tuple[CheckResult, ...]
    input: InputFile
    usable: bool  # False: structure broken; `frame` is empty and an error result says why


def fingerprint(uri: str, data: bytes, rows: int) -> InputFile:
    return InputFile(uri=uri, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), rows=rows)


def _file_result(dataset: str, check: str, severity: Severity, passed: bool, message: str, **kw: Any) -> CheckResult:
    return CheckResult(dataset, check, severity, Scope.DATASET, passed, message, source=Source.READER, **kw)


def _records_result(dataset: str, message: str, checked: int, failed: int) -> CheckResult:
    return CheckResult(
        dataset,
        "file.records",
        Severity.ERROR,
        Scope.ROW,
        False,
        message,
        checked=checked,
        failed=failed,
        source=Source.READER,
    )


# Decoded with surrogateescape, bytes that are not UTF-8 become lone surrogates U+DC80..U+DCFF.
_SURROGATE = re.compile("[\udc80-\udcff]")


def _has_bad_bytes(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def _printable(text: str) -> str:
    """Text safe to store: undecodable bytes shown as \\xNN."""
    if not _has_bad_bytes(text):
        return text
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _bad_bytes(text: str) -> str:
    raw = text.encode("utf-8", "surrogateescape")
    bad = [f"0x{b:02X}" for b in raw if b >= 0x80]
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"0x{raw[exc.start]:02X} at byte {exc.start} of the field"
    return ", ".join(bad[:3])


def _text(values: Sequence[str | None] | pa.Array[Any] | pa.ChunkedArray[Any]) -> pd.Series:
    """Values as a `str` column, empty text and None both missing (built in Arrow: no object column)."""
    array = values if isinstance(values, pa.Array | pa.ChunkedArray) else pa.array(values, type=pa.large_string())
    return pd.Series(pc.if_else(pc.equal(array, pa.scalar("")), pa.scalar(None, pa.large_string()), array), dtype="str")


def _lineage(frame: pd.DataFrame, uri: str, lines: list[int]) -> pd.DataFrame:
    frame["source_uri"] = pd.Series(uri, index=frame.index, dtype="str")
    frame["source_line"] = pd.Series(lines, index=frame.index, dtype="int64")
    return frame


def _text_frame(rows: list[dict[str, str | None]], columns: list[str], uri: str, lines: list[int]) -> pd.DataFrame:
    data = {c: _text([r.get(c) for r in rows]) for c in columns}
    return _lineage(pd.DataFrame(data, index=pd.RangeIndex(len(rows))), uri, lines)


def _fields_frame(
    rows: list[list[str]], header: _Header, columns: list[str], uri: str, lines: list[int]
) -> pd.DataFrame:
    """Records (fields in header order) as the contract's columns."""
    if not rows:
        return _text_frame([], columns, uri, lines)
    by_position = [pa.array(values, type=pa.large_string()) for values in zip(*rows, strict=True)]
    return _columns_frame(by_position, header, columns, uri, lines)


def _columns_frame(
    by_position: Sequence[pa.Array[Any] | pa.ChunkedArray[Any]],
    header: _Header,
    columns: list[str],
    uri: str,
    lines: list[int],
) -> pd.DataFrame:
    """Fields by position in the header as the contract's columns; a column the file has under both its
    synonym and its name takes the synonym's value where its own is empty."""
    at = {name: i for i, name in enumerate(header.names)}
    by_position = list(by_position)
    for alias, target in header.aliases.items():
        own, other = by_position[at[target]], by_position[at[alias]]
        by_position[at[target]] = pc.if_else(pc.equal(own, pa.scalar("")), other, own)
    data = {c: _text(by_position[at[c]]) for c in columns}
    return _lineage(pd.DataFrame(data, index=pd.RangeIndex(len(lines))), uri, lines)


def empty_rows(contract: Contract) -> pd.DataFrame:
    """No rows: the contract's columns as text, with lineage (what a reader holds for a missing file)."""
    return _text_frame([], list(contract.column_names), "", [])


def _decode(data: bytes, dataset: str, uri: str, results: list[CheckResult]) -> str:
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
        results.append(
            _file_result(
                dataset,
                "file.bom",
                Severity.WARN,
                False,
                f"{uri}: starts with a UTF-8 byte order mark (the format says UTF-8 without BOM); "
                "it was ignored, no data changed",
            )
        )
    return data.decode("utf-8", errors="surrogateescape")


def _records(text: str) -> Iterator[tuple[int, int, list[str] | None, str | None]]:
    """(first line, last line, fields or None, csv error) per record; blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    last = 0
    while True:
        try:
            for fields in reader:
                start, last = last + 1, reader.line_num
                if fields:
                    yield start, last, fields, None
            return
        except csv.Error as exc:
            # The reader goes on after the record it could not parse.
            yield last + 1, reader.line_num, None, str(exc)
            last = reader.line_num


@dataclass(frozen=True)
class _Header:
    names: list[str]  # as the contract names them (synonyms resolved)
    aliases: dict[str, str]  # synonym column -> contract column, when a file has both
    extra: list[str]


def _single_lines(text: str, width: int) -> list[pa.ChunkedArray[Any]] | None:
    """The fields by position of every record after the header, split by Arrow, when each record is one
    readable line of `width` fields (what the record-by-record reading would keep whole); else None.

    Line numbers follow from the positions only when no record spans lines and no line is blank: the
    records Arrow read must be as many as the lines after the header. A carriage return counts only as
    part of CRLF."""
    if not text.endswith("\n") or text.count("\r") != text.count("\r\n"):
        return None
    try:
        raw = text.encode("utf-8")  # text decoded from bytes that are not UTF-8 holds lone surrogates
    except UnicodeEncodeError:
        return None
    lines = text.split("\n")[1:-1]  # after the header, before the final line break
    columns = _arrow_split(raw, width) if lines else None
    if columns is None or len(columns[0]) != len(lines) or not _quotes_agree(text, lines, columns):
        return None
    return columns


def _arrow_split(raw: bytes, width: int) -> list[pa.ChunkedArray[Any]] | None:
    """Arrow's reading of the records after the header, `width` text fields each; None when it fails."""
    names = [f"f{i}" for i in range(width)]
    try:
        table = pcsv.read_csv(
            io.BytesIO(raw),
            read_options=pcsv.ReadOptions(skip_rows=1, column_names=names),
            parse_options=pcsv.ParseOptions(newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.large_string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:  # a record of another width, a quote Arrow cannot close: read record by record
        return None
    return [table.column(n) for n in names]


def _quotes_agree(text: str, lines: list[str], columns: list[pa.ChunkedArray[Any]]) -> bool:
    """Arrow and Python's strict `csv` agree on a line without quotes (split at commas); a line with a
    quote is read again by `csv` and must give the same fields."""
    quoted = [i for i, line in enumerate(lines) if '"' in line] if '"' in text else []
    if not quoted:
        return True
    taken = [c.take(pa.array(quoted, pa.int64())).to_pylist() for c in columns]
    try:
        again = list(csv.reader((lines[i].rstrip("\r") for i in quoted), strict=True))
    except csv.Error:
        return False
    return again == [list(fields) for fields in zip(*taken, strict=True)]


def _header(raw: list[str], contract: Contract) -> tuple[_Header | None, str, str]:
    """The header read against the contract, or (None, check, problem) when the file is unusable."""
    header = [h.strip() for h in raw]
    if _has_bad_bytes("".join(header)):
        return None, "file.header", "the header row is not UTF-8"
    synonyms = contract.synonyms
    names = [synonyms.get(h, h) if synonyms.get(h, h) not in header else h for h in header]
    duplicated = sorted({h for h in names if names.count(h) > 1})
    if duplicated:
        return None, "file.header", f"columns named more than once: {duplicated}"
    missing = [c for c in contract.column_names if c not in names]
    if missing:
        hint = ""
        if len(header) == 1 and any(d in header[0] for d in (";", "\t", "|")):
            hint = " - the header is one single column: the file uses another delimiter than ','"
        return None, "file.columns", f"lacks contract {contract.name} columns {missing}{hint}"
    extra = [h for h in names if h not in contract.column_names and h not in synonyms]
    aliases = {h: synonyms[h] for h in header if h in synonyms and synonyms[h] in header}
    return _Header(names, aliases, extra), "", ""


def _record_problem(
    fields: list[str] | None, error: str | None, *, start: int, end: int, width: int, cut_off: bool, clean: bool
) -> tuple[str, str]:
    """(rule, message) of a record that cannot be read as a row, or ("", "") for a readable one."""
    if error is not None or fields is None:
        span = f" (lines {start}-{end})" if end > start else ""
        return "csv.parse", f"not valid CSV: {error}{span}"
    if cut_off:
        return "csv.truncated", "the file ends inside this record, without a line break: the delivery was cut off"
    if len(fields) != width:
        span = f" (lines {start}-{end}: an unbalanced quote?)" if end > start else ""
        return "csv.field_count", f"{len(fields)} fields where the header has {width}{span}"
    bad = None if clean else next((f for f in fields if _has_bad_bytes(f)), None)
    if bad is not None:
        return "encoding.utf8", f"bytes that are not UTF-8 ({_bad_bytes(bad)}); the file must be UTF-8"
    return "", ""


def _summary(dataset: str, uri: str, quarantined: list[Quarantined], checked: int) -> list[CheckResult]:
    if not quarantined:
        return []
    counts: dict[str, int] = {}
    for q in quarantined:
        counts[q.rule] = counts.get(q.rule, 0) + 1
    return [_records_result(dataset, f"{uri}: unreadable records quarantined ({counts})", checked, len(quarantined))]


def _read_single_lines(
    uri: str, data: bytes, text: str, contract: Contract, *, results: list[CheckResult]
) -> RawRead | None:
    """The file read by Arrow when its header is usable and `_single_lines` reads its records; else None."""
    dataset = contract.name
    # The header line alone (a header over several lines fails here, and is read record by record).
    first = next(_records(text[: text.find("\n") + 1]), None)
    if first is None or first[2] is None or first[1] != 1:
        return None
    header, _, _ = _header(first[2], contract)
    if header is None:
        return None
    columns = _single_lines(text, len(header.names))
    if columns is None:
        return None
    if header.extra:
        message = f"{uri}: columns not in contract {contract.name} were ignored: {header.extra}"
        results.append(_file_result(dataset, "file.extra_columns", Severity.WARN, False, message))
    rows = len(columns[0])
    cols = list(contract.column_names)
    return RawRead(
        dataset=dataset,
        uri=uri,
        frame=_columns_frame(columns, header, cols, uri, list(range(2, rows + 2))),
        quarantine=quarantine_frame([]),
        quarantined_rows=_text_frame([], cols, uri, []),
        results=tuple(results),
        input=fingerprint(uri, data, rows),
        usable=True,
    )


def parse_csv(uri: str, data: bytes, contract: Contract, *, broken: Severity = Severity.ERROR) -> RawRead:
    """A partner CSV (RFC 4180, UTF-8, header row) as text rows checked against the contract's columns.

    `broken` is the severity of a file whose structure cannot be read (empty, wrong columns): `error`
    for inputs the decisions depend on, `warn` for inputs they do not (usage, billing).
    """
    dataset = contract.name
    cols = list(contract.column_names)
    results: list[CheckResult] = []

    def unusable(check: str, message: str, rows: int = 0) -> RawRead:
        results.append(_file_result(dataset, check, broken, False, f"{uri}: {message}"))
        empty = empty_rows(contract)
        return RawRead(
            dataset, uri, empty, quarantine_frame([]), empty, tuple(results), fingerprint(uri, data, rows), False
        )

    if not data.strip():
        return unusable("file.empty", "the file is empty: not even a header row (a broken delivery)")
    text = _decode(data, dataset, uri, results)
    fast = _read_single_lines(uri, data, text, contract, results=results)
    if fast is not None:
        return fast
    records = list(_records(text))
    if not records or records[0][2] is None:
        return unusable("file.header", "no readable header row")
    body = records[1:]
    unterminated = next((r for r in body if r[3] is not None and "unexpected end of data" in r[3]), None)
    if unterminated is not None:
        # Every record after an unclosed quote was swallowed into one field: no record boundary after
        # that line can be trusted, so neither can the file.
        return unusable(
            "csv.unterminated_quote",
            f"a quote opened on line {unterminated[0]} is never closed; lines {unterminated[0]}-{unterminated[1]} "
            "cannot be split into records",
            len(body),
        )
    header, check, problem = _header(records[0][2], contract)
    if header is None:
        return unusable(check, problem, len(body))
    if header.extra:
        message = f"{uri}: columns not in contract {contract.name} were ignored: {header.extra}"
        results.append(_file_result(dataset, "file.extra_columns", Severity.WARN, False, message))

    ends_cleanly = text.endswith(("\n", "\r"))
    clean = not _has_bad_bytes(text)  # the usual case: no field needs a second look
    width, last = len(header.names), len(body) - 1
    quarantined: list[Quarantined] = []
    good: list[list[str]] = []
    lines: list[int] = []
    qrows: list[dict[str, str | None]] = []
    qlines: list[int] = []
    for i, (start, end, fields, error) in enumerate(body):
        cut_off = i == last and not ends_cleanly
        if clean and fields is not None and len(fields) == width and not cut_off:
            good.append(fields)  # readable: what _record_problem would say in a clean file, without asking
            lines.append(start)
            continue
        rule, message = _record_problem(fields, error, start=start, end=end, width=width, cut_off=cut_off, clean=clean)
        raw = fields or []
        if not rule:
            good.append(raw)
            lines.append(start)
            continue
        row = dict(zip(header.names, raw, strict=True)) if len(raw) == width else None
        record: Mapping[str, Any] = (
            {k: _printable(v) for k, v in row.items()} if row else {"fields": [_printable(f) for f in raw]}
        )
        quarantined.append(Quarantined(dataset, rule, Severity.ERROR, message, uri, start, record_json(record)))
        if row is not None:
            qrows.append({c: (_printable(row[c]) or None) for c in cols})
            qlines.append(start)

    results.extend(_summary(dataset, uri, quarantined, len(body)))
    return RawRead(
        dataset=dataset,
        uri=uri,
        frame=_fields_frame(good, header, cols, uri, lines),
        quarantine=quarantine_frame(quarantined),
        quarantined_rows=_text_frame(qrows, cols, uri, qlines),
        results=tuple(results),
        input=fingerprint(uri, data, len(body)),
        usable=True,
    )


class _TypeProblem(ValueError):
    pass


_JSON_CONTAINERS = ("array", "object")


def _cell(value: Any, logical_type: str, column: str) -> str | None:
    if value is None:
        return None
    if logical_type in _JSON_CONTAINERS:
        expected = list if logical_type == "array" else dict
        if not isinstance(value, expected):
            raise _TypeProblem(f"{column} must be a JSON {logical_type}, got {type(value).__name__}")
        return jsonio.compact(value, sort_keys=True)
    if isinstance(value, bool):
        # JSON true/false where the contract says boolean (the Azure fulfillment API's isFreeTrial, ...).
        if logical_type == "boolean":
            return "true" if value else "false"
    elif isinstance(value, int | float) and logical_type in ("number", "integer"):
        # A JSON number where the contract says number (a quantity): its text is the number's own.
        return jsonio.compact(value)
    if not isinstance(value, str):
        # A number here (a tax id, an account id) has already lost its leading zeros upstream.
        raise _TypeProblem(f"{column} must be a JSON string, got {type(value).__name__} {value!r}")
    return value if value != "" else None


@dataclass(frozen=True)
class _JsonShape:
    """What `_flatten` needs of a contract, worked out once per file rather than once per line."""

    columns: tuple[tuple[str, tuple[str, ...], str], ...]  # name, its dotted path, logical type
    known_top: frozenset[str]
    nested: tuple[tuple[str, frozenset[str]], ...]  # a parent object and the keys the contract names in it

    @classmethod
    def of(cls, contract: Contract) -> _JsonShape:
        columns = tuple((c.name, tuple(c.name.split(".")), c.logical_type) for c in contract.columns)
        parents = sorted({c.name.split(".")[0] for c in contract.columns if "." in c.name})
        nested = tuple(
            (parent, frozenset(c.name.split(".", 1)[1] for c in contract.columns if c.name.startswith(parent + ".")))
            for parent in parents
        )
        return cls(columns, frozenset(c.name.split(".")[0] for c in contract.columns), nested)


def _flatten(obj: dict[str, Any], shape: _JsonShape) -> tuple[dict[str, str | None], set[str]]:
    """Contract columns from a JSON object (dotted names reach into nested objects), and unknown keys."""
    row: dict[str, str | None] = {}
    for name, parts, logical_type in shape.columns:
        value: Any = obj
        if len(parts) == 1:
            value = obj.get(name)
        else:
            for depth, part in enumerate(parts):
                if value is None:
                    break
                if not isinstance(value, dict):
                    raise _TypeProblem(f"{'.'.join(parts[:depth])} must be a JSON object")
                value = value.get(part)
        # Text where the contract wants text, the usual cell, is what `_cell` would return, without asking it.
        if type(value) is str and logical_type not in _JSON_CONTAINERS:
            row[name] = value or None
        else:
            row[name] = _cell(value, logical_type, name)
    unknown = {k for k in obj if k not in shape.known_top}
    for parent, known in shape.nested:
        nested = obj.get(parent)
        if isinstance(nested, dict):
            unknown |= {f"{parent}.{k}" for k in nested if k not in known}
    return row, unknown


def _json_row(line: str, shape: _JsonShape) -> tuple[dict[str, str | None] | None, set[str], str, str]:
    """(row, unknown keys, "", "") for a readable line, else (None, set(), rule, message)."""
    if _has_bad_bytes(line):
        return None, set(), "encoding.utf8", f"bytes that are not UTF-8 ({_bad_bytes(line)}); the file must be UTF-8"
    try:
        obj = jsonio.loads(line)
    except jsonio.JSONDecodeError as exc:
        return None, set(), "json.parse", f"not valid JSON (column {exc.colno}): {exc.msg}"
    if not isinstance(obj, dict):
        return None, set(), "json.object", f"each line must be a JSON object, got {type(obj).__name__}"
    try:
        row, unknown = _flatten(obj, shape)
    except _TypeProblem as exc:
        return None, set(), "json.type", str(exc)
    return row, unknown, "", ""


def parse_jsonl(uri: str, data: bytes, contract: Contract, *, broken: Severity = Severity.ERROR) -> RawRead:
    """A JSON Lines snapshot (one object per line) flattened to the contract's columns, as text."""
    dataset = contract.name
    results: list[CheckResult] = []
    cols = list(contract.column_names)
    if not data.strip():
        results.append(_file_result(dataset, "file.empty", broken, False, f"{uri}: the file is empty: no records"))
        empty = empty_rows(contract)
        return RawRead(
            dataset, uri, empty, quarantine_frame([]), empty, tuple(results), fingerprint(uri, data, 0), False
        )
    text = _decode(data, dataset, uri, results)
    quarantined: list[Quarantined] = []
    good: list[dict[str, str | None]] = []
    lines: list[int] = []
    unknown_keys: set[str] = set()
    records = 0
    shape = _JsonShape.of(contract)
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        records += 1
        row, unknown, rule, message = _json_row(line, shape)
        if row is None:
            record = {"line": _printable(line[:2000])}
            quarantined.append(Quarantined(dataset, rule, Severity.ERROR, message, uri, number, record_json(record)))
            continue
        unknown_keys |= unknown
        good.append(row)
        lines.append(number)
    if unknown_keys:
        message = f"{uri}: fields not in contract {contract.name} were ignored: {sorted(unknown_keys)}"
        results.append(_file_result(dataset, "file.extra_fields", Severity.WARN, False, message))
    results.extend(_summary(dataset, uri, quarantined, records))
    return RawRead(
        dataset=dataset,
        uri=uri,
        frame=_text_frame(good, cols, uri, lines),
        quarantine=quarantine_frame(quarantined),
        quarantined_rows=empty_rows(contract),
        results=tuple(results),
        input=fingerprint(uri, data, records),
        usable=True,
    )


def drop_identical(
    frame: pd.DataFrame, columns: list[str], dataset: str, key: list[str]
) -> tuple[pd.DataFrame, list[CheckResult]]:
    """Rows that repeat another row exactly (the same delivery appended twice) kept once, and reported."""
    dup = frame.duplicated(subset=columns, keep="first")
    if not dup.any():
        return frame, []
    result = CheckResult(
        dataset,
        "rows.exact_duplicates",
        Severity.WARN,
        Scope.DATASET,
        False,
        f"{int(dup.sum())} rows repeat another row exactly (the same delivery appended twice?); kept once",
        checked=len(frame),
        failed=int(dup.sum()),
        samples=sample_rows(frame.loc[dup, [*key, *LINEAGE]].to_dict("records")),
        source=Source.READER,
    )
    return frame.loc[~dup].reset_index(drop=True), [result]
