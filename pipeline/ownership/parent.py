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
import pandas as pd

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


def quoted_ids(ids: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """Each id as a JSON string literal (fast path for ids that need no escaping)."""
    series = pd.Series(ids, dtype="str")
    plain = ~series.str.contains(r'["\\\x00-\x1f\x7f-\uffff]', regex=True).to_numpy()
    out: npt.NDArray[np.object_] = np.empty(len(ids), dtype=object)
    out[plain] = '"' + ids[plain].astype(object) + '"' if plain.any() else out[plain]
    for i in np.flatnonzero(~plain):
        out[i] = orjson.dumps(str(ids[i])).decode()
    return out


def chains(parents: Parents, quoted: npt.NDArray[np.object_]) -> npt.NDArray[np.object_]:
    """JSON list of ids from each node up to its ultimate parent."""
    n = len(quoted)
    tail = quoted.copy()  # tail[x]: `"x", ..., "ultimate"` (for depth 0 just the node itself)
    order = np.argsort(parents.depth, kind="stable")
    depth_sorted = parents.depth[order]
    bounds = np.searchsorted(depth_sorted, np.arange(1, int(depth_sorted[-1]) + 2)) if n else np.zeros(0, np.int64)
    for level in range(1, len(bounds)):
        idx = order[bounds[level - 1] : bounds[level]]
        if len(idx):
            tail[idx] = quoted[idx] + ", " + tail[parents.parent[idx]]
    out: npt.NDArray[np.object_] = "[" + tail + "]" if n else tail
    ends = np.flatnonzero(parents.cycle & (parents.ultimate == np.arange(n)))
    for x in ends:
        out[x] = "[" + quoted[x] + ", " + tail[parents.parent[x]] + "]"
    return out
