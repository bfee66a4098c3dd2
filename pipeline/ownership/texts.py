"""Text columns built in Arrow, for columns with a value per record (millions of rows).

Invariants:
- Every function here takes and returns Arrow `large_string` arrays and never goes through a Python
  string per row, except `json_quoted` for the rare values that need JSON escapes (orjson writes those,
  so a quoted value is byte for byte what `orjson.dumps` writes).
- Nulls stay null: a null part makes a `joined` row null, and callers say what a missing value reads as
  (`fill_null`); `along_tree` skips null pieces.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

IntArray = npt.NDArray[np.int64]  # as in `graph`, which needs `stakes`, which needs this module

# A slice start past the end of any string: `binary_replace_slice` there appends.
_END = np.iinfo(np.int64).max
# Bytes that JSON cannot carry bare inside a string literal: control characters, quote and backslash.
_ESCAPED = np.zeros(256, dtype=bool)
_ESCAPED[:0x20] = True
_ESCAPED[[ord('"'), ord("\\")]] = True


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
    """Rows whose text holds a byte JSON must escape: one table look-up over the string bytes, then
    the bytes found mapped back to their rows (null rows hold no text that is read)."""
    values = values.cast(pa.large_string())
    _, offsets_buf, data_buf = values.buffers()
    if data_buf is None or not len(values):
        return np.zeros(0, dtype=np.int64)
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    found = np.flatnonzero(_ESCAPED[data]) + offsets[0]
    if not len(found):
        return np.zeros(0, dtype=np.int64)
    rows: IntArray = np.unique(np.searchsorted(offsets, found, side="right") - 1)
    valid = np.asarray(values.is_valid().take(pa.array(rows)).to_numpy(zero_copy_only=False), dtype=bool)
    out: IntArray = rows[valid]
    return out


def json_quoted(values: pa.Array) -> pa.Array:
    """Each value as a JSON string literal (nulls stay null); values that need escaping go through orjson."""
    out = append(prepend('"', values), '"')
    rows = _needing_escape(values)
    if len(rows):
        fixed = [orjson.dumps(v).decode() for v in values.take(pa.array(rows)).to_pylist()]
        mask = np.zeros(len(values), dtype=bool)
        mask[rows] = True
        out = pc.replace_with_mask(out, pa.array(mask), pa.array(fixed, out.type))
    return out


def lists(offsets: IntArray, values: pa.Array, separator: str = ",") -> pa.Array:
    """Row k joins values[offsets[k]:offsets[k + 1]] with the separator ("" for an empty range)."""
    grouped = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), values)
    return pc.binary_join(grouped, text(separator))


def along_tree(
    parent: IntArray, depth: IntArray, pieces: pa.Array, separator: str, *, root_first: bool, root_suffix: str = ""
) -> pa.Array:
    """Per node of a forest, its own piece and those of its ancestors up to its root, joined by the
    separator: from the root down when `root_first`, else from the node up (then `root_suffix` can
    close what the root's piece ends). `depth` is 0 at a root and the parent's plus one elsewhere (a
    root's `parent` is not read). Null pieces are skipped (a root's null piece reads as nothing).

    Built level by level: a node's text is its piece joined to its parent's text, one level up."""
    n = len(parent)
    order = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[order], np.arange(int(depth.max(initial=0)) + 2))
    position = np.empty(n, dtype=np.int64)  # each node's place within its level
    levels: list[pa.Array] = []
    sep = text(separator)
    for level in range(len(bounds) - 1):
        idx = order[bounds[level] : bounds[level + 1]]
        position[idx] = np.arange(len(idx))
        mine = pieces.take(pa.array(idx))
        if level == 0:
            levels.append(append(mine, root_suffix) if root_suffix else mine)
            continue
        above = levels[level - 1].take(pa.array(position[parent[idx]]))
        first, second = (above, mine) if root_first else (mine, above)
        both = pc.binary_join_element_wise(first, second, sep)
        # Not null_handling="skip": pyarrow 26 drops (not nulls) the rows where every part is null.
        levels.append(pc.coalesce(both, first, second) if first.null_count or second.null_count else both)
    # Each intermediate is dropped as soon as the whole exists: at millions of rows every copy counts.
    whole = pa.concat_arrays(levels) if levels else pa.array([], pa.large_string())
    del levels
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    return whole.take(pa.array(inverse))
