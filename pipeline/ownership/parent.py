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
    if len(src):
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
    steps = 1
    while steps < n + 1:
        low = np.minimum(low, low[jump])
        jump = jump[jump]
        steps *= 2
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


def _json_quoted(ids: pa.Array) -> pa.Array:
    """Each id as a JSON string literal; ids that need escaping (rare) go through orjson."""
    quote = pa.scalar('"', pa.large_string())
    out = pc.binary_join_element_wise(quote, ids, quote, pa.scalar("", pa.large_string()))
    needs = pc.match_substring_regex(ids, r'["\\\x00-\x1f]').fill_null(False)
    if pc.any(needs).as_py():
        rows = np.flatnonzero(np.asarray(needs.to_numpy(zero_copy_only=False), dtype=bool))
        fixed = [orjson.dumps(v).decode() for v in ids.take(pa.array(rows)).to_pylist()]
        out = pc.replace_with_mask(out, needs, pa.array(fixed, pa.large_string()))
    return out


def chains(parents: Parents, ids: pa.Array) -> pa.Array:
    """JSON list of ids from each node up to its ultimate parent, as an Arrow string array."""
    n = len(ids)
    quoted = _json_quoted(ids)
    bracket_open, bracket_close = pa.scalar("[", pa.large_string()), pa.scalar("]", pa.large_string())
    single = pc.binary_join_element_wise(bracket_open, quoted, bracket_close, pa.scalar("", pa.large_string()))
    nodes = np.arange(n, dtype=np.int64)
    ends = np.flatnonzero(parents.cycle & (parents.ultimate == nodes))
    longer = (parents.depth > 0) | np.isin(nodes, ends)
    if not longer.any():
        return single
    # Only chains longer than one id are built in Python, from the tails of the nodes they pass through.
    involved = np.flatnonzero(longer | np.isin(nodes, parents.parent[longer]))
    q: dict[int, str] = dict(zip(involved.tolist(), quoted.take(pa.array(involved)).to_pylist(), strict=True))
    tail: dict[int, str] = {}
    order = involved[np.argsort(parents.depth[involved], kind="stable")]
    for x in order.tolist():
        if parents.depth[x] == 0:
            tail[x] = q[x]
        else:
            tail[x] = f"{q[x]}, {tail[int(parents.parent[x])]}"
    rows = np.flatnonzero(longer)
    texts = []
    is_end = set(ends.tolist())
    for x in rows.tolist():
        if x in is_end:
            texts.append(f"[{q[x]}, {tail[int(parents.parent[x])]}]")
        else:
            texts.append(f"[{tail[x]}]")
    return pc.replace_with_mask(single, pa.array(longer), pa.array(texts, pa.large_string()))
