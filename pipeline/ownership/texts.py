"""Text columns built in Arrow, for columns with a value per record (millions of rows).

Invariants:
- Every function here takes and returns Arrow `large_string` arrays and never goes through a Python
  string per row, except `json_escaped` for the rare values that need JSON escapes (orjson writes those,
  so a quoted value is byte for byte what `orjson.dumps` writes).
- Nulls stay null: a null part makes a `joined` row null, and callers say what a missing value reads as
  (`fill_null`).
"""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.arrays import IntArray

# A slice start past the end of any string: `binary_replace_slice` there appends.
_END = np.iinfo(np.int64).max


def text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def joined(*parts: pa.Array | pa.ChunkedArray | str) -> pa.Array:
    """Row-wise concatenation; plain strings are the same in every row."""
    values = [text(p) if isinstance(p, str) else p for p in parts]
    out = pc.binary_join_element_wise(*values, text(""))
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


# Text is put before or after every value by inserting an empty slice: far cheaper than a join.
def prepend(prefix: str, values: pa.Array) -> pa.Array:
    out: pa.Array = pc.binary_replace_slice(values, 0, 0, prefix)
    return out


def append(values: pa.Array, suffix: str) -> pa.Array:
    out: pa.Array = pc.binary_replace_slice(values, _END, _END, suffix)
    return out


def _needing_escape(values: pa.Array) -> IntArray:
    """Rows whose text holds a byte JSON must escape (a control character, quote or backslash): found
    by comparisons over the string bytes, then mapped back to their rows (null rows hold no text that
    is read)."""
    values = values.cast(pa.large_string())
    _, offsets_buf, data_buf = values.buffers()
    if data_buf is None or not len(values):
        return np.zeros(0, dtype=np.int64)
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    found = np.flatnonzero((data < 0x20) | (data == ord('"')) | (data == ord("\\"))) + offsets[0]
    if not len(found):
        return np.zeros(0, dtype=np.int64)
    rows: IntArray = np.unique(np.searchsorted(offsets, found, side="right") - 1)
    valid = np.asarray(values.is_valid().take(pa.array(rows)).to_numpy(zero_copy_only=False), dtype=bool)
    out: IntArray = rows[valid]
    return out


def json_escaped(values: pa.Array) -> pa.Array:
    """Each value as the inside of a JSON string literal (nulls stay null): the text itself, except the
    rare values that need escapes, which orjson writes."""
    rows = _needing_escape(values)
    if not len(rows):
        return values
    fixed = [orjson.dumps(v).decode()[1:-1] for v in values.take(pa.array(rows)).to_pylist()]
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    out: pa.Array = pc.replace_with_mask(values, pa.array(mask), pa.array(fixed, pa.large_string()))
    return out


def json_quoted(values: pa.Array) -> pa.Array:
    """Each value as a JSON string literal (nulls stay null), byte for byte what orjson writes."""
    return append(prepend('"', json_escaped(values)), '"')


def lists(offsets: IntArray, values: pa.Array, separator: str = ",") -> pa.Array:
    """Row k joins values[offsets[k]:offsets[k + 1]] with the separator ("" for an empty range)."""
    grouped = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), values)
    return pc.binary_join(grouped, text(separator))
