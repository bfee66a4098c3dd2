"""What follows from the graph alone, whatever the policy's roots: ultimate parents and their chains (up
majority owners, else accounting consolidation parents), and
the shapes a reviewer must hear about (several majority owners, majority cycles, cross-holdings, declared
indirect interests the paths do not bear out).

Invariants:
- Pure arithmetic on the graph's arrays: node indices, stakes and Arrow id columns in, the same out;
  `structure_findings` puts them into words.
- Declared indirect shares are compared with the products of stakes along paths of two to
  `MAX_INDIRECT_DEPTH` edges, both bounds; a declared band and a computed band that do not overlap
  (beyond `EPS`) is a mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from pipeline.arrays import FloatArray, IntArray, LargeStrings, int64s
from pipeline.ownership.graph import Edges, Graph
from pipeline.ownership.parent import Parents, chains, resolve_parents
from pipeline.ownership.stakes import EPS

# Declared indirect shares are compared with paths of up to this many edges.
MAX_INDIRECT_DEPTH = 10


@dataclass(frozen=True)
class Indirect:
    """Declared indirect interests the graph's paths do not bear out: `declared` (the interests, as
    edges holder -> held) and the computed band [low, high] of each."""

    declared: Edges
    low: FloatArray
    high: FloatArray


@dataclass(frozen=True)
class Structural:
    parents: Parents
    ultimate: LargeStrings  # the ultimate parent's id, per node
    chains: pa.LargeListArray[pa.lib.LargeStringType]  # ids from each node up to its ultimate parent
    majority_cycles: tuple[IntArray, ...]  # each majority cycle's members, its end (smallest id) first
    cross_holdings: tuple[IntArray, ...]  # strongly connected groups of owners, in node order
    indirect: Indirect

    @classmethod
    def of(cls, graph: Graph) -> Structural:
        parents = resolve_parents(graph.n, graph.ownership, graph.control.take(graph.consolidation))
        return cls.given(
            graph, parents, graph.ids_arrow.take(int64s(parents.ultimate)), chains(parents, graph.ids_arrow)
        )

    @classmethod
    def given(
        cls,
        graph: Graph,
        parents: Parents,
        ultimate: LargeStrings,
        chain: pa.LargeListArray[pa.lib.LargeStringType],
    ) -> Structural:
        """The shapes around parents another engine found (`resolve.Numbers`)."""
        return cls(
            parents, ultimate, chain, _majority_cycles(graph.n, parents), _cross_holdings(graph), _indirect(graph)
        )


def _majority_cycles(n: int, parents: Parents) -> tuple[IntArray, ...]:
    ends = np.flatnonzero(parents.cycle & (parents.ultimate == np.arange(n)))
    out = []
    for x in ends.tolist():
        members = [int(x)]
        cur = int(parents.parent[x])
        while cur != x and len(members) <= n:
            members.append(cur)
            cur = int(parents.parent[cur])
        out.append(np.array(members, dtype=np.int64))
    return tuple(out)


def _cross_holdings(graph: Graph) -> tuple[IntArray, ...]:
    if not len(graph.ownership):
        return ()
    _, labels = connected_components(graph.owner_matrix, directed=True, connection="strong")
    big = np.flatnonzero(np.bincount(labels) > 1)
    if not len(big):
        return ()
    members = np.flatnonzero(np.isin(labels, big))
    members = members[np.argsort(labels[members], kind="stable")]
    return tuple(np.split(members, np.flatnonzero(np.diff(labels[members])) + 1))


def _indirect(graph: Graph) -> Indirect:
    """Compare declared indirect interests with the shares multiplied along paths of two or more edges."""
    d = graph.declared_indirect
    none = np.zeros(0)
    if not len(d):
        return Indirect(d, none, none)
    o = graph.ownership
    # Only nodes within MAX_INDIRECT_DEPTH edges of a declaring party lie on the paths compared, so the
    # products run on that sub-graph (a few thousand nodes at 100k, not the whole graph every round). It
    # keeps the nodes' order, so each sum adds the same terms in the same (holder) order: same bits.
    parties = np.unique(d.src)
    distance = dijkstra(graph.owner_matrix, indices=parties, min_only=True, limit=MAX_INDIRECT_DEPTH, unweighted=True)
    near = np.isfinite(distance)
    local = np.cumsum(near) - 1
    kept = near[o.src] & near[o.dst]
    src, dst = local[o.src[kept]], local[o.dst[kept]]
    n = int(near.sum())
    col = np.searchsorted(parties, d.src)
    target, reached = local[d.dst], near[d.dst]
    # Both bounds in one product: the low stakes in the top-left block, the high ones in the bottom-right;
    # each party starts in its column of both blocks.
    p = len(parties)
    start = sp.csr_matrix(
        (np.ones(2 * p), (np.concatenate([local[parties], local[parties] + n]), np.arange(2 * p))), shape=(2 * n, 2 * p)
    )
    w = sp.csr_matrix(
        (np.concatenate([o.low[kept], o.high[kept]]), (np.concatenate([dst, dst + n]), np.concatenate([src, src + n]))),
        shape=(2 * n, 2 * n),
    )
    reach = w @ start
    total = sp.csr_matrix(reach.shape)
    for _ in range(MAX_INDIRECT_DEPTH - 1):
        reach = w @ reach
        reach.eliminate_zeros()
        if not reach.nnz:
            break
        total = total + reach
    row = np.where(reached, target, 0)
    c_low, c_high = (
        np.minimum(np.where(reached, np.asarray(total[row + b * n, col + b * p]).ravel(), 0.0), 1.0) for b in (0, 1)
    )
    flagged = np.flatnonzero((d.low > c_high + EPS) | (d.high < c_low - EPS))
    return Indirect(d.take(flagged), c_low[flagged], c_high[flagged])
