"""Ultimate parents: follow the majority owner upward until there is none.

Invariants:
- An owner is a majority owner when its stake surely exceeds 50% (interval logic, `stakes.MAJORITY`);
  with several, the largest least stake wins and then the smallest id (node indices order like ids).
- A node without a majority owner by shares takes its accounting consolidation parent as its parent
  (GLEIF Level 2: consolidation under IFRS 10 / US GAAP follows control; a branch's head office the
  same), the smallest id among several; `majority_owners` still counts shares only.
- The walk ends at a node with no majority owner (the ultimate parent, possibly a person) or in a cycle,
  which ends at the cycle's smallest id and is flagged. Every node gets the whole chain from itself up to
  its ultimate parent; a node that is its cycle's end gets the chain once round the cycle back to itself.
- Vectorised: pointer doubling finds where each walk lands in O(n log n); chains are built step by step
  up, for all nodes at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from pipeline.arrays import IntArray, LargeStrings, int64s
from pipeline.ownership.graph import Edges, offsets, walks
from pipeline.ownership.stakes import MAJORITY, surely_exceeds
from pipeline.policy.definition import Comparator


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


def resolve_parents(n: int, edges: Edges, consolidation: Edges | None = None) -> Parents:
    """`edges`: ownership; `consolidation`: consolidation (and branch) control edges, parent -> child."""
    parent, counts = majority_parents(n, edges)
    if consolidation is not None and len(consolidation):
        # Smallest parent per child first (edges arrive in (parent, child) order: sort by child, then parent).
        order = np.lexsort((consolidation.src, consolidation.dst))
        child, by = consolidation.dst[order], consolidation.src[order]
        first = np.ones(len(child), dtype=bool)
        first[1:] = child[1:] != child[:-1]
        child, by = child[first], by[first]
        free = (parent[child] < 0) & (by != child)
        parent[child[free]] = by[free]
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


def chains(parents: Parents, ids: LargeStrings) -> pa.LargeListArray[pa.lib.LargeStringType]:
    """The ids from each node up to its ultimate parent (`list<string>`), each node's walk up its majority
    owners (`walks`) taken from the ids in one pass. A cycle's end goes once round the cycle back to
    itself: its walk is one step longer than its parent's."""
    n = len(ids)
    nodes = np.arange(n, dtype=np.int64)
    steps = parents.depth + 1
    ends = np.flatnonzero(parents.cycle & (parents.ultimate == nodes))
    steps[ends] = parents.depth[parents.parent[ends]] + 2
    flat = walks(parents.parent, nodes, steps)
    return pa.LargeListArray.from_arrays(int64s(offsets(steps)), ids.take(int64s(flat)))
