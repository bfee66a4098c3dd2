"""Evidence paths: how restriction reaches an entity from the restricted roots.

Invariants:
- Only edges that carry restriction in the run that decided the entity are used (the low run for
  `restricted`, the high run for `review`): an ownership edge from an owner that passes restriction on
  (cascade: a restricted owner; look_through: an owner with a positive share) with a positive stake,
  and a control edge from a restricted controller when the policy lets control count.
- Paths run from a root to the entity and every step goes strictly up a rank, so they are simple and
  each node's paths extend its holders' (settled rank by rank for all flagged entities at once, as a
  prefix tree of paths in arrays): under `cascade` the rank is the round in which the engine found the
  holder restricted (so every holder that made the entity restricted is on a path); under
  `look_through` it is the topological level of the holder's strongly connected component (paths do
  not go round a cross-holding; the cycle has its own finding). At most `MAX_PATHS` per entity, largest stakes first;
  the evidence says when more existed (`truncated`). Work follows the flagged entities and the holders
  their paths pass through, never the whole graph.
- `Flagged` gathers, for the records one run flagged, everything their evidence and explanation quote
  (carrying holders, paths, why they were flagged, holders outside the data), as arrays: numbers and
  node indices only, no text.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from pipeline.arrays import BoolArray, FloatArray, IntArray
from pipeline.ownership.fixed_point import Run
from pipeline.ownership.graph import Graph, grouped, offsets, ranges
from pipeline.policy.definition import Method

MAX_PATHS = 5
MAX_OWNERS_LISTED = 20


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


def contributions(n: int, src: IntArray, dst: IntArray, weight: FloatArray, edge: IntArray) -> Contributions:
    """The carrying edges given (`edge`: each one's number in the caller's label table), grouped by
    held node, largest weight first, then holder."""
    order = np.lexsort((src, -weight, dst))
    return Contributions(grouped(dst[order], n), src[order], edge[order], weight[order])


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


@dataclass(frozen=True)
class Paths:
    """Evidence paths as a prefix tree: path p ends at `node[p]`, reached by contribution `edge[p]` from
    path `parent[p]`; a path that is only its start node has parent and edge -1 and depth 0. The paths
    of the k-th node asked for are `of[indptr[k]:indptr[k + 1]]`, in order."""

    node: IntArray
    edge: IntArray
    parent: IntArray
    start: IntArray  # the node the path starts at (a root, or a record held as possibly restricted)
    depth: IntArray  # edges on the path
    indptr: IntArray
    of: IntArray
    truncated: BoolArray  # per node asked for: more paths existed than were kept


def _steps(contrib: Contributions, rank: IntArray, starts: BoolArray, nodes: IntArray) -> tuple[IntArray, IntArray]:
    """The contributions into `nodes` that step strictly up a rank, as (held node, position) pairs,
    grouped by held node in the order given; a start has none (its path is itself)."""
    inner = nodes[~starts[nodes]]
    first = contrib.indptr[inner]
    counts = contrib.indptr[inner + 1] - first
    positions = ranges(first, counts)
    held = np.repeat(inner, counts)
    holder = contrib.src[positions]
    up = (rank[holder] >= 0) & (rank[holder] < rank[held])
    return held[up], positions[up]


def _through(contrib: Contributions, rank: IntArray, starts: BoolArray, targets: IntArray) -> IntArray:
    """Every node a target's paths can pass through (targets included), by rank, then id."""
    need = np.zeros(len(rank), dtype=bool)
    need[targets] = True
    frontier = np.unique(targets)
    while len(frontier):
        _, positions = _steps(contrib, rank, starts, frontier)
        frontier = np.unique(contrib.src[positions])
        frontier = frontier[~need[frontier]]
        need[frontier] = True
    nodes = np.flatnonzero(need)
    out: IntArray = nodes[np.argsort(rank[nodes], kind="stable")]
    return out


class _Tree:
    """The paths made so far, as parallel arrays sized for the most there can be."""

    def __init__(self, size: int) -> None:
        self.node, self.edge, self.parent, self.start = (np.full(size, -1, dtype=np.int64) for _ in range(4))
        self.depth = np.zeros(size, dtype=np.int64)
        self.size = 0

    def add(self, node: IntArray, edge: IntArray, parent: IntArray) -> IntArray:
        """New paths (parent -1: a path that is only its start node); returns their numbers."""
        made = np.arange(self.size, self.size + len(node), dtype=np.int64)
        self.size += len(node)
        self.node[made], self.edge[made], self.parent[made] = node, edge, parent
        extends = parent >= 0
        self.start[made] = np.where(extends, self.start[parent], node)
        self.depth[made] = np.where(extends, self.depth[parent] + 1, 0)
        return made


def find_paths(contrib: Contributions, rank: IntArray, starts: BoolArray, targets: IntArray) -> Paths:
    """Up to MAX_PATHS paths from a start to each target, for all targets at once.

    A start's only path is itself. Any other node's paths are, holder by holder in contribution order
    (largest stake first), each of the holder's paths extended by the step into the node; the first
    MAX_PATHS are kept, and the node is truncated when more existed or a holder's own paths were.
    Nodes are settled rank by rank, so a holder's paths are known before the nodes it holds."""
    nodes = _through(contrib, rank, starts, targets)
    slot = np.full(len(rank), -1, dtype=np.int64)
    slot[nodes] = np.arange(len(nodes))
    table = np.full((len(nodes), MAX_PATHS), -1, dtype=np.int64)  # each node's paths, by slot
    count = np.zeros(len(nodes), dtype=np.int64)
    truncated = np.zeros(len(nodes), dtype=bool)
    tree = _Tree(len(nodes) * MAX_PATHS)
    for group in np.split(nodes, np.flatnonzero(np.diff(rank[nodes])) + 1):
        first = group[starts[group]]
        none = np.full(len(first), -1, dtype=np.int64)
        table[slot[first], 0] = tree.add(first, none, none)
        count[slot[first]] = 1
        held, positions = _steps(contrib, rank, starts, group)
        if not len(held):
            continue
        from_slot = slot[contrib.src[positions]]
        each = count[from_slot]  # paths each step extends
        new_run = np.concatenate([[True], held[1:] != held[:-1]])
        run = np.cumsum(new_run) - 1
        run_total = np.bincount(run, weights=each).astype(np.int64)
        run_slot = slot[held[new_run]]
        count[run_slot] = np.minimum(run_total, MAX_PATHS)
        truncated[run_slot] = (run_total > MAX_PATHS) | (np.bincount(run, weights=truncated[from_slot]) > 0)
        # One new path per (step, path of its holder): j numbers it within the holder's paths, k within
        # the held node's; only the first MAX_PATHS of a held node are kept.
        entry_first = np.cumsum(each) - each
        step = np.repeat(np.arange(len(held)), each)
        j = np.arange(len(step)) - entry_first[step]
        k = np.arange(len(step)) - entry_first[np.flatnonzero(new_run)][run[step]]
        keep = k < MAX_PATHS
        step, j, k = step[keep], j[keep], k[keep]
        made = tree.add(held[step], contrib.edge[positions[step]], table[from_slot[step], j])
        table[slot[held[step]], k] = made
    asked = slot[targets]
    kept = np.arange(MAX_PATHS) < count[asked][:, None]
    indptr = offsets(count[asked])
    size = tree.size
    return Paths(
        tree.node[:size], tree.edge[:size], tree.parent[:size], tree.start[:size], tree.depth[:size],
        indptr, table[asked][kept], truncated[asked],
    )  # fmt: skip


def carrying(graph: Graph, run: Run, method: Method, bound: str, control_counts: BoolArray) -> Contributions:
    """Edges that carry restriction in a run: ownership edges first, then the control edges that count in
    it (`control_counts`, per control edge; numbered after the ownership edges: `edge >=
    len(graph.ownership)` is a control edge)."""
    o, c = graph.ownership, graph.control
    stake = o.low if bound == "low" else o.high
    stake_open = o.low_open if bound == "low" else o.high_open
    # cascade passes restriction on from restricted holders; look_through from any with a positive share
    passes = run.restricted[o.src] if method is Method.CASCADE else (run.rho[o.src] > 0) | run.rho_open[o.src]
    own = np.flatnonzero(passes & ((stake > 0) | stake_open))
    ctrl = np.flatnonzero(run.restricted[c.src] & control_counts)
    src = np.concatenate([o.src[own], c.src[ctrl]])
    dst = np.concatenate([o.dst[own], c.dst[ctrl]])
    weight = np.concatenate([stake[own], np.full(len(ctrl), 2.0)])  # control edges listed first: they decide alone
    return contributions(graph.n, src, dst, weight, np.concatenate([own, len(o) + ctrl]))


@dataclass(frozen=True)
class Outside:
    """Stakes (`kind` 0) and control (`kind` 1) held in flagged records by holders not in the data:
    `record[k]` (a position among the flagged records) is held through edge `edge[k]` of
    `graph.outside` or `graph.outside_control`, record by record, then by holder id and stake."""

    record: IntArray
    kind: IntArray
    edge: IntArray


def _outside(
    graph: Graph, idx: IntArray, by_share: BoolArray, by_control: BoolArray, control_counts: BoolArray
) -> Outside:
    """The outside holdings that could decide each flagged record: stakes where its share was what
    flagged it, control where control was (and that control counts: `control_counts`, per outside
    control edge)."""
    o, c = graph.outside, graph.outside_control
    position = np.full(graph.n, -1, dtype=np.int64)
    position[idx] = np.arange(len(idx))
    stakes = np.flatnonzero(((o.high > 0) | o.high_open) & (position[o.dst] >= 0))
    stakes = stakes[by_share[position[o.dst[stakes]]]]
    control = np.flatnonzero((position[c.dst] >= 0) & control_counts)
    control = control[by_control[position[c.dst[control]]]]
    record = np.concatenate([position[o.dst[stakes]], position[c.dst[control]]])
    kind = np.concatenate([np.zeros(len(stakes), dtype=np.int64), np.ones(len(control), dtype=np.int64)])
    edge = np.concatenate([stakes, control])
    holder = np.concatenate([o.src[stakes], c.src[control]])  # outside ids are sorted: index order is id order
    # By record, then holder id, then stake (a band's text sorts after its holder's plain stakes: kind, bounds).
    order = np.lexsort((edge, kind, holder, record))
    return Outside(record[order], kind[order], edge[order])


def _control_kinds(
    graph: Graph, contrib: Contributions, idx: IntArray, outside: Outside, by_control: BoolArray
) -> tuple[BoolArray, BoolArray]:
    """Of the records forced by control, those whose carrying control (inside or outside the data)
    includes accounting consolidation, and those whose includes other control; a record forced by
    control that no carrying edge explains counts as other control."""
    n_own = len(graph.ownership)
    held = np.repeat(np.arange(graph.n), np.diff(contrib.indptr))  # the held node of each contribution
    control = contrib.edge >= n_own
    kind = np.zeros(len(contrib.edge), dtype=bool)
    kind[control] = graph.consolidation[contrib.edge[control] - n_own]
    cons, other = np.zeros(graph.n, dtype=bool), np.zeros(graph.n, dtype=bool)
    cons[held[control & kind]] = True
    other[held[control & ~kind]] = True
    by_cons, by_other = cons[idx], other[idx]
    held_outside = outside.kind == 1
    outside_cons = graph.outside_consolidation[outside.edge[held_outside]]
    by_cons[outside.record[held_outside][outside_cons]] = True
    by_other[outside.record[held_outside][~outside_cons]] = True
    by_cons &= by_control
    by_other = by_control & (by_other | ~by_cons)
    return by_cons, by_other


@dataclass(frozen=True)
class Flagged:
    """What the evidence and the explanation of the records one run flagged (`idx`, in node order) need."""

    bound: str  # "low" (restricted) or "high" (review)
    idx: IntArray
    contrib: Contributions
    paths: Paths
    by_share: BoolArray  # past the threshold on shares
    by_control: BoolArray  # controlled without shares by a restricted party (any control counted)
    by_consolidation: BoolArray  # ... through accounting consolidation (or as a branch)
    by_other_control: BoolArray  # ... through other control, or control that cannot be told apart
    by_unread: BoolArray  # held as possibly restricted: a statement about it could not be read
    outside: Outside  # holders not in the data that could decide it (the high run only)
    first: IntArray  # each record's first carrying contribution (largest stake)
    owners_total: IntArray  # how many carrying holders each record has
    listed: IntArray  # CSR offsets of the holders listed (the first MAX_OWNERS_LISTED)
    owner_at: IntArray  # the contributions listed, record after record

    @classmethod
    def of(
        cls, graph: Graph, run: Run, idx: IntArray, *, method: Method, roots: BoolArray, bound: str,
        counts: tuple[BoolArray, BoolArray],
    ) -> Flagged:  # fmt: skip
        """`counts`: which control edges, and which outside control edges, count in the run (`judge.counted`)."""
        if not len(idx):  # nothing flagged: no carrying edges to sort, no paths to find
            z = np.zeros(0, dtype=np.int64)
            contrib = Contributions(np.zeros(graph.n + 1, dtype=np.int64), z, z, np.zeros(0))
            paths = Paths(z, z, z, z, z, np.zeros(1, dtype=np.int64), z, np.zeros(0, dtype=bool))
            b = np.zeros(0, dtype=bool)
            return cls(
                bound, idx, contrib, paths, b, b, b, b, b, Outside(z, z, z), z, z, np.zeros(1, dtype=np.int64), z
            )
        control_counts, outside_counts = counts
        contrib = carrying(graph, run, method, bound, control_counts)
        rank = run.rank if method is Method.CASCADE else topological_rank(graph.n, contrib)
        # Paths may start at a record held as possibly restricted, as well as at a root.
        paths = find_paths(contrib, rank, roots | run.possible, idx)
        by_share, by_control, by_unread = run.share_restricted[idx], run.forced[idx], run.possible[idx]
        # Holders outside the data only count in the high run (they are possibly restricted).
        none = Outside(*(np.zeros(0, dtype=np.int64) for _ in range(3)))
        outside = _outside(graph, idx, by_share, by_control, outside_counts) if bound == "high" else none
        by_consolidation, by_other = _control_kinds(graph, contrib, idx, outside, by_control)
        first = contrib.indptr[idx]
        owners_total = contrib.indptr[idx + 1] - first
        listed = offsets(np.minimum(owners_total, MAX_OWNERS_LISTED))
        return cls(
            bound, idx, contrib, paths, by_share, by_control, by_consolidation, by_other, by_unread, outside, first,
            owners_total, listed, ranges(first, np.diff(listed)),
        )  # fmt: skip

    @property
    def has_unknown(self) -> BoolArray:
        out = np.zeros(len(self.idx), dtype=bool)
        out[self.outside.record] = True
        return out
