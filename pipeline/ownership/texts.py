"""Text columns built in Arrow, for columns with a value per record (millions of rows).

Invariants:
- Every function here takes and returns Arrow `large_string` arrays and never goes through a Python
  string per row, except `json_quoted` for the rare values that need JSON escapes (orjson writes those,
  so a quoted value is byte for byte what `orjson.dumps` writes).
- A null part makes a `joined` row null; callers say what a missing value reads as (`fill_null`).
"""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ownership.graph import IntArray


def text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.large_string())


def joined(*parts: pa.Array | pa.ChunkedArray | str) -> pa.Array:
    """Row-wise concatenation; plain strings are the same in every row."""
    values = [text(p) if isinstance(p, str) else p for p in parts]
    out = pc.binary_join_element_wise(*values, text(""))
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def json_quoted(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Each value as a JSON string literal (nulls stay null); values that need escaping go through orjson."""
    out = joined('"', values, '"')
    needs = pc.match_substring_regex(values, r'["\\\x00-\x1f]').fill_null(False)
    if pc.any(needs).as_py():
        rows = np.flatnonzero(np.asarray(needs.to_numpy(zero_copy_only=False), dtype=bool))
        fixed = [orjson.dumps(v).decode() for v in values.take(pa.array(rows)).to_pylist()]
        out = pc.replace_with_mask(out, needs, pa.array(fixed, pa.large_string()))
    return out


def lists(offsets: IntArray, values: pa.Array, separator: str = ",") -> pa.Array:
    """Row k joins values[offsets[k]:offsets[k + 1]] with the separator ("" for an empty range)."""
    grouped = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), values)
    return pc.binary_join(grouped, text(separator))


def along_tree(parent: IntArray, depth: IntArray, pieces: pa.Array, separator: str, *, root_first: bool) -> pa.Array:
    """Per node of a forest, its own piece and those of its ancestors up to its root, joined by the
    separator: from the root down when `root_first`, else from the node up. `depth` is 0 at a root and
    the parent's plus one elsewhere. Null pieces are skipped (a root's null piece reads as nothing).

    Built level by level: a node's text is its piece joined to its parent's text, which is one level up."""
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
            levels.append(mine)
            continue
        above = levels[level - 1].take(pa.array(position[parent[idx]]))
        first, second = (above, mine) if root_first else (mine, above)
        # Not null_handling="skip": pyarrow 26 drops (not nulls) the rows where every part is null.
        levels.append(pc.coalesce(pc.binary_join_element_wise(first, second, sep), first, second))
    # Each intermediate is dropped as soon as the whole exists: at millions of rows every copy counts.
    whole = pa.concat_arrays(levels) if levels else pa.array([], pa.large_string())
    del levels
    return whole.take(pa.array(np.argsort(order, kind="stable")))
