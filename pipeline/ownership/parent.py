"""Ultimate parents: follow the majority owner upward until there is none.

Invariants:
- An owner is a majority owner when its stake surely exceeds 50% (interval logic, `stakes.MAJORITY`);
  with several, the largest least stake wins and then the smallest id (node indices order like ids).
- The walk ends at a node with no majority owner (the ultimate parent, possibly a person) or in a cycle,
  which ends at the cycle's smallest id and is flagged. Every node gets the whole chain from itself up to
  its ultimate parent; a node that is its cycle's end gets the chain once round the cycle back to itself.
- Vectorised: pointer doubling finds where each walk lands in O(n log n); chains are built level by level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ownership.graph import Edges, IntArray
from pipeline.ownership.stakes import MAJORITY, surely_exceeds
from pipeline.policy.model import Comparator


@dataclass(frozen=True)
class Parents:
    parent: IntArray  # majority owner, or -1
    majority_owners: IntArray  # how many majority owners each node has
    ultimate: IntArray
    cycle: npt.NDArray[np.bool_]
    depth: IntArray  # steps from the node to its ultimate parent


def majority_parents(n: int, edges: Edges) -> tuple[IntArray, IntArray]:
    maj = surely_exceeds(edges.low, edges.low_open, MAJORITY, Comparator.GT)
    src, dst, low = edges.src[maj], edges.dst[maj], edges.low[maj]
    parent = np.full(n, -1, dtype=np.int64)
    counts = np.bincount(dst, minlength=n).astype(np.int64)
    # Almost every owned node has one majority owner; only those with several need ranking.
    several = counts[dst] > 1
    parent[dst[~several]] = src[~several]
    if several.any():
        src, dst, low = src[several], dst[several], low[several]
        order = np.lexsort((-src, low, dst))  # last of each dst: largest low, then smallest src
        d = dst[order]
        last = np.ones(len(d), dtype=bool)
        last[:-1] = d[1:] != d[:-1]
        parent[d[last]] = src[order][last]
    return parent, counts


def resolve_parents(n: int, edges: Edges) -> Parents:
    parent, counts = majority_parents(n, edges)
    nodes = np.arange(n, dtype=np.int64)
    terminal = parent < 0
    jump = np.where(terminal, nodes, parent)
    low = np.minimum(nodes, jump)
    # Pointer doubling, only over walks that have not yet landed on a node without a majority owner;
    # walks in (or into) a cycle keep going until they have covered every node once.
    active = np.flatnonzero(~terminal[jump])
    steps = 1
    while len(active) and steps < n + 1:
        ahead = jump[active]
        low[active] = np.minimum(low[active], low[ahead])
        jump[active] = jump[ahead]
        steps *= 2
        active = active[~terminal[jump[active]]]
    landed_terminal = terminal[jump] if n else np.zeros(0, dtype=bool)
    ultimate = np.where(landed_terminal, jump, low[jump]) if n else jump
    cycle = ~landed_terminal
    depth = np.full(n, -1, dtype=np.int64)
    depth[ultimate == nodes] = 0
    pending = np.flatnonzero(depth < 0)
    level = 0
    while len(pending):
        level += 1
        up = parent[pending]
        ready = depth[up] == level - 1
        depth[pending[ready]] = level
        pending = pending[~ready]
    return Parents(parent, counts, ultimate, cycle, depth)


# A slice start past the end of any string: `binary_replace_slice` there appends.
_END = np.iinfo(np.int64).max
# Bytes that JSON cannot carry bare inside a string literal: control characters, quote and backslash.
_ESCAPED = np.zeros(256, dtype=bool)
_ESCAPED[:0x20] = True
_ESCAPED[[ord('"'), ord("\\")]] = True


# Text is put before or after every value by inserting an empty slice: far cheaper than a join.
def _prepend(text: str, values: pa.Array) -> pa.Array:
    out: pa.Array = pc.binary_replace_slice(values, 0, 0, text)
    return out


def _append(values: pa.Array, text: str) -> pa.Array:
    out: pa.Array = pc.binary_replace_slice(values, _END, _END, text)
    return out


def _needing_escape(ids: pa.Array) -> IntArray:
    """Rows whose text holds a byte JSON must escape: one table look-up over the string bytes, then
    the bytes found mapped back to their rows (null rows hold no text that is read)."""
    ids = ids.cast(pa.large_string())
    _, offsets_buf, data_buf = ids.buffers()
    if data_buf is None or not len(ids):
        return np.zeros(0, dtype=np.int64)
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[ids.offset : ids.offset + len(ids) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8)[offsets[0] : offsets[-1]]
    found = np.flatnonzero(_ESCAPED[data]) + offsets[0]
    if not len(found):
        return np.zeros(0, dtype=np.int64)
    rows: IntArray = np.unique(np.searchsorted(offsets, found, side="right") - 1)
    valid = np.asarray(ids.is_valid().take(pa.array(rows)).to_numpy(zero_copy_only=False), dtype=bool)
    out: IntArray = rows[valid]
    return out


def _json_quoted(ids: pa.Array) -> pa.Array:
    """Each id as a JSON string literal; ids that need escaping (rare) go through orjson."""
    out = _append(_prepend('"', ids), '"')
    rows = _needing_escape(ids)
    if len(rows):
        fixed = [orjson.dumps(v).decode() for v in ids.take(pa.array(rows)).to_pylist()]
        mask = np.zeros(len(ids), dtype=bool)
        mask[rows] = True
        out = pc.replace_with_mask(out, pa.array(mask), pa.array(fixed, out.type))
    return out


def chains(parents: Parents, ids: pa.Array) -> pa.Array:
    """JSON list of ids from each node up to its ultimate parent, as an Arrow string array.

    Built level by level in Arrow: a node's tail (`"x", ..., "ultimate"]`) is its quoted id joined to its
    parent's tail, and a parent is always one level nearer the ultimate parent than its child."""
    n = len(ids)
    quoted = _json_quoted(ids)
    comma = pa.scalar(", ", pa.large_string())
    depth = parents.depth
    order = np.argsort(depth, kind="stable")
    bounds = np.searchsorted(depth[order], np.arange(int(depth.max(initial=0)) + 2))
    position = np.empty(n, dtype=np.int64)  # each node's place within its level
    levels: list[pa.Array] = []
    for level in range(len(bounds) - 1):
        idx = order[bounds[level] : bounds[level + 1]]
        position[idx] = np.arange(len(idx))
        mine = quoted.take(pa.array(idx))
        if level == 0:
            levels.append(_append(mine, "]"))
        else:
            above = levels[level - 1].take(pa.array(position[parents.parent[idx]]))
            levels.append(pc.binary_join_element_wise(mine, above, comma))
    # Each intermediate is dropped as soon as the next exists: at millions of ids every copy counts.
    joined = pa.concat_arrays(levels)
    del levels
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    tails = joined.take(pa.array(inverse))
    del joined
    ends = np.flatnonzero(parents.cycle & (parents.ultimate == np.arange(n)))
    rounds = [  # a cycle's end goes once round the cycle back to itself
        f"[{q}, {t}"
        for q, t in zip(
            quoted.take(pa.array(ends)).to_pylist(),
            tails.take(pa.array(parents.parent[ends])).to_pylist(),
            strict=True,
        )
    ]
    del quoted
    out = _prepend("[", tails)
    del tails
    if len(ends):
        mask = np.zeros(n, dtype=bool)
        mask[ends] = True
        out = pc.replace_with_mask(out, pa.array(mask), pa.array(rounds, pa.large_string()))
    return out
