"""Text for people: the one place numbers and nested values become the text a person reads.

Invariants:
- Everything that turns a share into percent text is here, so a stake reads the same in an explanation,
  a finding, the report, `recon explain` and a `recon screen` CSV. `percent` writes a share with up to
  six decimals (`60%`, `33.333333%`); `band` writes an interval with its open or closed bounds
  (`(50%, 75%]`, parenthesis = open), and an exact value as one percent. `percents` / `bands` write the
  same texts for whole columns (in Arrow, digit for digit). `rate` is for counts' ratios in messages
  (`2.5%`), never for a share.
- A stake is a `Stake` of the evidence model (`pipeline.ownership.evidence_model`): its text is its
  band, or `control without shares`.
- Nested values (the evidence, chains, rule lists, link candidates) stay data until they reach a person:
  `readable` turns every stake in a value into its text, `evidence` shows what a record's evidence has;
  `cell` / `cells` / `evidence_cells` write values as one line of JSON for a CSV cell (through
  `pipeline.jsonio`, the package's one JSON writer).
- Column builders take and return Arrow `large_string` arrays and never go through a Python string per
  row, except for the rare values that need JSON escapes. Nulls stay null: callers say what a missing
  value reads as (`fill_null`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import jsonio
from pipeline.arrays import BoolArray, FloatArray, IntArray, LargeStringChunks, LargeStrings, int64s, list_joined
from pipeline.ownership.evidence_model import STAKE_FIELDS, Stake
from pipeline.ownership.stakes import EPS  # values this close are one value, not a band

if TYPE_CHECKING:
    from pipeline.publish.gate import GateResult

CONTROL_WITHOUT_SHARES = "control without shares"

# The words a root's basis (`incorporation:CN;headquarters:CN`) reads as.
BASIS_WORDS = {
    "incorporation": "incorporated in",
    "headquarters": "headquartered in",
    "state": "a state or state body of",
    "residence": "resident in",
    "nationality": "a national of",
    "taxResidency": "tax resident in",
    "designated": "designated on",
    "judgement": "judged restricted in judgement",
}


# --- one value ------------------------------------------------------------------------------------------


def percent(value: float) -> str:
    """A share as percent text, up to six decimals: 0.6 -> `60%`, 1/3 -> `33.333333%`."""
    text = f"{value * 100:.6f}".rstrip("0").rstrip(".")
    return f"{text}%"


def band(low: float, low_open: bool, high: float, high_open: bool) -> str:
    """`60%` for an exact value, `(50%, 75%]` for a band (parenthesis = open bound)."""
    if abs(low - high) <= EPS and not low_open and not high_open:
        return percent(low)
    return f"{'(' if low_open else '['}{percent(low)}, {percent(high)}{')' if high_open else ']'}"


def shown_percent(value: float | None) -> str:
    """`percent`, or `?` for a share that is missing."""
    return "?" if value is None else percent(value)


def share_range(low: float | None, high: float | None, dash: str = "-") -> str:
    """A restricted share from its two bounds: `40%`, `40%-60%`, or `n/a` when neither is known."""
    if low is None and high is None:
        return "n/a"
    if low == high:
        return shown_percent(low)
    return f"{shown_percent(low)}{dash}{shown_percent(high)}"


def declared_share(
    exact: float | None, minimum: float | None, exclusive_min: bool, maximum: float | None, exclusive_max: bool
) -> str:
    """A BODS share as the register states it: exact, or a band with its open or closed bounds (a
    missing bound reads 0% or 100%), or that it states none."""
    if exact is not None:
        return percent(exact)
    if minimum is None and maximum is None:
        return "share not stated (0-100%)"
    low = percent(minimum if minimum is not None else 0.0)
    high = percent(maximum if maximum is not None else 1.0)
    return f"{'(' if exclusive_min else '['}{low}, {high}{')' if exclusive_max else ']'}"


def rate(value: float, places: int = 1) -> str:
    """A ratio of counts in a message (`2.5%`), rounded to `places` decimals."""
    return f"{value:.{places}%}"


def stake(value: Stake) -> str:
    if value.control or value.low is None or value.high is None:
        return CONTROL_WITHOUT_SHARES
    return band(value.low, value.low_open, value.high, value.high_open)


def basis(text: str) -> str:
    """A root's basis in words: `incorporation:CN;headquarters:CN` -> `incorporated in CN, headquartered in CN`;
    `designated:us_dod_chinese_milcorp` -> `designated on us_dod_chinese_milcorp`."""
    parts = []
    for item in text.split(";"):
        label, _, country = item.partition(":")
        parts.append(f"{BASIS_WORDS.get(label, label)} {country}")
    return ", ".join(parts)


def list_change_cause(version: str, effective: str, previous_version: str, flips: list[tuple[str, bool]]) -> str:
    """Why a list row changed, when a supported-list change flipped a jurisdiction the tenant is tied to:
    `supported list 2026-11-26 (from 2026-11-26, was 2025-09-05): HK removed, TW added`."""
    changes = ", ".join(f"{code} {'removed' if restricted else 'added'}" for code, restricted in flips)
    return f"supported list {version} (from {effective}, was {previous_version}): {changes}"


def readable(value: Any) -> Any:
    """The value with every stake (a mapping with exactly the `Stake` fields) written as its text."""
    if isinstance(value, Mapping):
        if set(value) == STAKE_FIELDS:
            return stake(Stake.of(value))
        return {k: readable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [readable(v) for v in value]
    return value


def cell(value: Any) -> str | None:
    """A nested value as one line of JSON for a CSV cell, stakes as their text; None stays None."""
    if value is None:
        return None
    return jsonio.compact(readable(value))


# --- columns (Arrow) ------------------------------------------------------------------------------------

# A slice start past the end of any string: `binary_replace_slice` there appends.
_END = np.iinfo(np.int64).max


def text(value: str) -> pa.LargeStringScalar:
    return pa.scalar(value, pa.large_string())


def joined(*parts: pa.Array[Any] | pa.ChunkedArray[Any] | str) -> LargeStrings:
    """Row-wise concatenation; plain strings are the same in every row."""
    values = [text(p) if isinstance(p, str) else p for p in parts]
    # Arrow joins arrays and scalars alike (the last is the separator); the stubs want them all of one kind.
    out: LargeStrings | LargeStringChunks = pc.binary_join_element_wise(*values, text(""))  # type: ignore[type-var,assignment]
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


# Text is put before or after every value by inserting an empty slice: far cheaper than a join.
def prepend(prefix: str, values: LargeStrings) -> LargeStrings:
    return pc.binary_replace_slice(values, 0, 0, prefix)


def append(values: LargeStrings, suffix: str) -> LargeStrings:
    return pc.binary_replace_slice(values, _END, _END, suffix)


def _words(texts: list[str], dtype: str) -> npt.NDArray[np.unsignedinteger]:
    """Equal-width ASCII texts as one machine word each: a gather writes a whole text into a column."""
    return np.frombuffer("".join(texts).encode(), dtype=dtype).copy()


# Percent texts are written as fixed-width bytes, "  5.250000" (the whole percent right-aligned in three
# places, the point, six decimals), then trimmed: one gather per field, no division per digit.
_WHOLE = _words([f"{k:3d}." for k in range(1000)], "<u4")  # "  5."
_PAIR = _words([f"{k:02d}" for k in range(100)], "<u2")  # "25"
_FIXED = np.dtype([("whole", "<u4"), ("d12", "<u2"), ("d34", "<u2"), ("d56", "<u2")])
_WIDTH = _FIXED.itemsize


def percents(values: FloatArray) -> LargeStrings:
    """`percent` over an array, in Arrow, digit for digit.

    `f"{x:.6f}"` rounds the exact binary x to 6 decimals (ties to even); so does `rint(x * 1e6)` unless
    the product's own rounding moved it across a half: values within a few ulps of a half, and any that
    are negative, signed zero, not finite or of 1000% or more (never a share), are written by `percent`
    itself."""
    x = np.asarray(values, dtype=np.float64) * 100
    scaled = x * 1e6
    with np.errstate(invalid="ignore"):  # inf - inf: such values are odd anyway
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) <= 4 * np.spacing(scaled)
    odd = ~np.isfinite(scaled) | np.signbit(x) | near_half
    odd |= scaled >= 1e9 - 0.5
    micro = np.rint(np.where(odd, 0.0, scaled)).astype(np.int32)  # below 1e9: int32 divides faster
    units, decimals = np.divmod(micro, 1_000_000)
    d12, rest = np.divmod(decimals, 10_000)
    d34, d56 = np.divmod(rest, 100)
    fixed = np.empty(len(micro), dtype=_FIXED)
    fixed["whole"], fixed["d12"], fixed["d34"], fixed["d56"] = _WHOLE[units], _PAIR[d12], _PAIR[d34], _PAIR[d56]
    ends = np.arange(0, _WIDTH * len(micro) + 1, _WIDTH, dtype=np.int64)
    # `.data`: the arrays' own memory (NumPy declares the buffer protocol only from Python 3.12 on).
    buffers = [None, pa.py_buffer(ends.data), pa.py_buffer(fixed.data)]
    out: LargeStrings = pa.Array.from_buffers(pa.large_string(), len(micro), buffers)
    # "  5.250000" -> "  5.25" -> "5.25%"; "  5.000000" -> "  5." -> "5%".
    out = pc.ascii_ltrim_whitespace(pc.ascii_rtrim(pc.ascii_rtrim(out, "0"), "."))
    out = append(out, "%")
    if odd.any():
        rows = np.flatnonzero(odd)
        written = [percent(v) for v in np.asarray(values, dtype=np.float64)[rows].tolist()]
        out = pc.replace_with_mask(out, pa.array(odd), pa.array(written, pa.large_string()))
    return out


def bands(low: FloatArray, low_open: BoolArray, high: FloatArray, high_open: BoolArray) -> LargeStrings:
    """`band` over arrays, in Arrow: the bands are written for the rows that are bands only."""
    exact = (np.abs(low - high) <= EPS) & ~low_open & ~high_open
    lows = percents(low)
    if exact.all():
        return lows
    rows = np.flatnonzero(~exact)
    written = joined(
        pa.array(np.where(low_open[rows], "(", "["), pa.large_string()), lows.take(int64s(rows)), ", ",
        percents(high[rows]), pa.array(np.where(high_open[rows], ")", "]"), pa.large_string()),
    )  # fmt: skip
    out: LargeStrings = pc.replace_with_mask(lows, pa.array(~exact), written)
    return out


def stakes(values: pa.StructArray) -> LargeStrings:
    """`stake` over a column of `Stake` structs."""
    control = np.asarray(values.field("control").to_numpy(zero_copy_only=False), dtype=bool)
    if control.all():
        return pa.array([CONTROL_WITHOUT_SHARES] * len(values), pa.large_string())
    low, high = (np.nan_to_num(values.field(f).to_numpy(zero_copy_only=False)) for f in ("low", "high"))
    low_open, high_open = (
        np.asarray(values.field(f).to_numpy(zero_copy_only=False), dtype=bool) for f in ("low_open", "high_open")
    )
    written = bands(low, low_open, high, high_open)
    out: LargeStrings = pc.if_else(pa.array(control), text(CONTROL_WITHOUT_SHARES), written)
    return out


# --- JSON cells for columns -----------------------------------------------------------------------------


def _needing_escape(values: pa.Array[Any]) -> IntArray:
    """Rows whose text holds a byte JSON must escape (a control character, quote or backslash): found
    by comparisons over the string bytes, then mapped back to their rows (null rows hold no text that
    is read)."""
    values = values.cast(pa.large_string())
    _, offsets_buf, data_buf = values.buffers()
    if offsets_buf is None or data_buf is None or not len(values):
        return np.zeros(0, dtype=np.int64)
    # memoryview: NumPy declares frombuffer for Arrow's buffers only from Python 3.12 on.
    offsets = np.frombuffer(memoryview(offsets_buf), dtype=np.int64)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(memoryview(data_buf), dtype=np.uint8)[offsets[0] : offsets[-1]]
    found = np.flatnonzero((data < 0x20) | (data == ord('"')) | (data == ord("\\"))) + offsets[0]
    if not len(found):
        return np.zeros(0, dtype=np.int64)
    rows: IntArray = np.unique(np.searchsorted(offsets, found, side="right") - 1)
    valid = np.asarray(values.is_valid().take(int64s(rows)).to_numpy(zero_copy_only=False), dtype=np.bool_)
    out: IntArray = rows[valid]
    return out


def json_quoted(values: pa.Array[Any]) -> LargeStrings:
    """Each value as a JSON string literal (nulls stay null), byte for byte what `jsonio.compact` writes:
    the text itself in quotes, except the rare values that need escapes, which jsonio writes."""
    values = values.cast(pa.large_string())
    quoted = append(prepend('"', values), '"')
    rows = _needing_escape(values)
    if not len(rows):
        return quoted
    fixed = [jsonio.compact(v) for v in values.take(int64s(rows)).to_pylist()]
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    out: LargeStrings = pc.replace_with_mask(quoted, pa.array(mask), pa.array(fixed, pa.large_string()))
    return out


def _string_list_cells(values: pa.LargeListArray[Any]) -> LargeStrings:
    """A list<string> column as JSON lists, one per row, as `jsonio.compact` writes them (null stays null)."""
    offsets = np.asarray(values.offsets.to_numpy(zero_copy_only=False), dtype=np.int64)
    items = json_quoted(values.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0])))
    grouped = pa.LargeListArray.from_arrays(pa.array(offsets - offsets[0], pa.int64()), items)
    joined_items = list_joined(grouped, ",")
    out: pa.Array[Any] = pc.if_else(values.is_valid(), append(prepend("[", joined_items), "]"), pa.nulls(len(values)))
    return out.cast(pa.large_string())


def cells(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> LargeStrings:
    """`cell` over a column of lists of strings (a chain, rule ids), column-wise in Arrow."""
    lists = _one_array(values).cast(pa.large_list(pa.large_string()))
    # A cast to a large list type gives a LargeListArray; the stubs give the generic Array.
    return _string_list_cells(lists)  # type: ignore[arg-type]


def _one_array(values: pa.Array[Any] | pa.ChunkedArray[Any]) -> pa.Array[Any]:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    return values


def evidence(value: Mapping[str, Any]) -> dict[str, Any]:
    """A record's evidence for people: what it has (empty lists, a zero count and `false` left out),
    stakes as text. A clear record's evidence reads `{}`."""
    return {k: readable(v) for k, v in value.items() if v not in (None, [], (), 0, False)}


def evidence_cells(column: pa.StructArray | pa.ChunkedArray[Any]) -> LargeStrings:
    """`evidence` as one line of JSON per row: `{}` for the records with nothing to show (most of them),
    found column-wise; the others written one by one."""
    # Struct chunks combine into a StructArray; the stubs give the generic Array.
    values: pa.StructArray = _one_array(column)  # type: ignore[assignment]
    something = np.zeros(len(values), dtype=bool)
    for i in range(values.type.num_fields):
        child = values.field(i)
        if pa.types.is_large_list(child.type) or pa.types.is_list(child.type):
            held = pc.greater(pc.list_value_length(child), pa.scalar(0))
        elif pa.types.is_boolean(child.type):
            held = child
        else:
            held = pc.not_equal(child, pa.scalar(0))
        something |= np.asarray(held.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    out = np.full(len(values), "{}", dtype=object)
    rows = np.flatnonzero(something)
    # to_pylist is declared for arrays of plain values only; a struct array's rows come out as dicts.
    records: list[dict[str, Any]] = values.take(int64s(rows)).to_pylist()  # type: ignore[misc,assignment]
    written = [jsonio.compact(evidence(v)) for v in records]
    out[rows] = written
    valid = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    return pa.array(out, pa.large_string(), mask=~valid)


# --- the approval step's request ---------------------------------------------------------------------


def approval_request_body(
    gate: GateResult, *, policy: str, gate_uri: str, timeout: dt.timedelta, top_reasons: int = 5
) -> str:
    """The Markdown a person reads in Airflow's approval step: the change per partner, the limits it
    exceeds, its most frequent reason codes, the policy, the diff's sha256 and what each answer does."""
    from pipeline.lists_vocabulary import MULTI_VALUE_SEPARATOR, REASON_CODES

    lines = [
        f"The change to the revocation lists for **{gate.logical_date.isoformat()}** exceeds the safety gate's "
        f"limits (run `{gate.run_id}`, policy {policy}).",
        "",
        "| partner | added | lifted | changed | listed | active tenants |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {p.partner} | {p.added} | {p.lifted} | {p.changed} | {p.listed} | {p.active_tenants} |"
        for p in gate.partners
    ]
    breaches = [f"- {m}" for m in gate.messages()]
    lines += ["", "Limits exceeded:", *breaches]
    reasons: Counter[str] = Counter()
    for p in gate.partners:
        for row in (*p.added_rows, *p.lifted_rows, *p.changed_rows):
            reasons.update(c for c in row.get(REASON_CODES, "").split(MULTI_VALUE_SEPARATOR) if c)
    if reasons:
        lines += ["", "Most frequent reason codes in the changed rows:"]
        lines += [f"- `{code}`: {count}" for code, count in reasons.most_common(top_reasons)]
    hours = timeout.total_seconds() / 3600
    lines += [
        "",
        f"Diff sha256: `{gate.diff_sha256}`. The rows: `{gate_uri}`.",
        "",
        "**Approve** publishes exactly this change, recorded with your name; **Reject** publishes nothing and "
        f"stops the run. Without an answer within {hours:g} hours the run stops and publishes nothing.",
    ]
    return "\n".join(lines)


# --- notifications to the operators ------------------------------------------------------------------

_OPS_HEADLINES = {
    "run_failed": "the nightly run of {date} stopped; nothing new was published",
    "gate_waiting": "the lists of {date} wait for a person's approval (Required Actions, task `approve`)",
    "deadline_missed": "the lists of {date} were not published by the deadline (06:00 UTC)",
}


def ops_notification(event: str, facts: Mapping[str, str]) -> tuple[str, str]:
    """(subject, body) of a notification to the operators: what happened, to which run, and where to look."""
    headline = _OPS_HEADLINES.get(event, event).format(date=facts.get("date", "an unknown date"))
    subject = f"[marketplace access] {headline}"
    labels = (("dag", "DAG"), ("run", "run"), ("date", "logical date"), ("task", "task"), ("reason", "reason"))
    lines = [headline[:1].upper() + headline[1:] + ".", ""]
    lines += [f"{label}: {facts[key]}" for key, label in labels if facts.get(key)]
    if facts.get("error"):
        lines += ["", facts["error"]]
    lines += ["", "The run's report and gate.json are in its workspace; the Airflow UI has each task's log."]
    return subject, "\n".join(lines)
