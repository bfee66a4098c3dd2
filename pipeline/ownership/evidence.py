"""Evidence paths: how restriction reaches an entity from the restricted roots.

Invariants:
- Only edges that carry restriction in the run that decided the entity are used (the low run for
  `restricted`, the high run for `review`): an ownership edge from an owner that passes restriction on
  (cascade: a restricted owner; look_through: an owner with a positive share) with a positive stake,
  and a control edge from a restricted controller when the policy lets control count.
- Paths run from a root to the entity and every step goes strictly up a rank, so they are simple and the
  enumeration is memoised: under `cascade` the rank is the round in which the engine found the holder
  restricted (so every holder that made the entity restricted is on a path); under `look_through` it is
  the topological level of the holder's strongly connected component (paths do not go round a
  cross-holding; the cycle has its own finding). At most `MAX_PATHS` per entity, largest stakes first;
  the evidence says when more existed (`truncated`). Work is per flagged entity, never per graph node.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from pipeline.ownership.graph import BoolArray, FloatArray, IntArray

MAX_PATHS = 5
MAX_OWNERS_LISTED = 20

Path = tuple[tuple[int, ...], tuple[int, ...]]  # (nodes root..entity, edge numbers between them)


@dataclass(frozen=True)
class Contributions:
    """The edges that carry restriction in one run, as CSR by the held node."""

    indptr: IntArray
    src: IntArray  # holder, per edge (sorted by held node, then stake descending)
    edge: IntArray  # index into the caller's edge label table
    weight: FloatArray

    def into(self, node: int) -> tuple[IntArray, IntArray, FloatArray]:
        a, b = self.indptr[node], self.indptr[node + 1]
        return self.src[a:b], self.edge[a:b], self.weight[a:b]


def contributions(n: int, src: IntArray, dst: IntArray, weight: FloatArray, keep: BoolArray) -> Contributions:
    s, d, w = src[keep], dst[keep], weight[keep]
    e = np.flatnonzero(keep).astype(np.int64)
    order = np.lexsort((s, -w, d))
    s, d, w, e = s[order], d[order], w[order], e[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(d, minlength=n), out=indptr[1:])
    return Contributions(indptr, s, e, w)


def topological_rank(n: int, contrib: Contributions) -> IntArray:
    """Level of each node's strongly connected component in the contributing graph (sources are 0)."""
    if not len(contrib.src):
        return np.zeros(n, dtype=np.int64)
    held = np.repeat(np.arange(n, dtype=np.int64), np.diff(contrib.indptr))
    holder = contrib.src
    pattern = sp.csr_matrix((np.ones(len(held)), (holder, held)), shape=(n, n))
    k, labels = connected_components(pattern, directed=True, connection="strong")
    cross = labels[holder] != labels[held]
    c_src, c_dst = labels[holder][cross], labels[held][cross]
    remaining = np.bincount(c_dst, minlength=k).astype(np.int64)
    step = sp.csr_matrix((np.ones(len(c_src)), (c_dst, c_src)), shape=(k, k))
    level = np.zeros(k, dtype=np.int64)
    frontier = remaining == 0
    depth = 0
    while frontier.any():
        level[frontier] = depth
        dec = np.rint(step @ frontier.astype(np.float64)).astype(np.int64)
        remaining -= dec
        frontier = (remaining == 0) & (dec > 0)
        depth += 1
    out: IntArray = level[labels]
    return out


class PathFinder:
    """Up to MAX_PATHS root-to-node paths per node, memoised over the nodes asked for."""

    def __init__(self, contrib: Contributions, rank: IntArray, roots: BoolArray) -> None:
        self._c = contrib
        self._level = rank
        self._roots = roots
        self._memo: dict[int, tuple[list[Path], bool]] = {}

    def paths(self, node: int) -> tuple[list[Path], bool]:
        """(paths, truncated): paths end at `node`; truncated when more existed than were kept."""
        if node in self._memo:
            return self._memo[node]
        # Resolve predecessors bottom-up without recursion (chains can be long).
        stack = [node]
        while stack:
            x = stack[-1]
            if x in self._memo:
                stack.pop()
                continue
            pending = [o for o in self._preds(x) if o not in self._memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            self._memo[x] = self._combine(x)
        return self._memo[node]

    def _preds(self, x: int) -> list[int]:
        if self._roots[x]:
            return []
        srcs, _, _ = self._c.into(x)
        lv = self._level[x]
        return [int(o) for o in srcs if 0 <= self._level[o] < lv]

    def _combine(self, x: int) -> tuple[list[Path], bool]:
        if self._roots[x]:
            return [((x,), ())], False
        out: list[Path] = []
        truncated = False
        srcs, edges, _ = self._c.into(x)
        lv = self._level[x]
        for o, e in zip(srcs.tolist(), edges.tolist(), strict=True):
            if not 0 <= self._level[o] < lv:
                continue
            sub, sub_truncated = self._memo[o]
            truncated |= sub_truncated
            for nodes, via in sub:
                if len(out) >= MAX_PATHS:
                    return out, True
                out.append(((*nodes, x), (*via, e)))
        return out, truncated
