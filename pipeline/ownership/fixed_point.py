"""The restricted share rho as a least fixed point over the ownership graph, vectorised.

Invariants (docs/design.md §4):
- rho(root) = 1; for any other node rho(e) = min(1, sum over owners o of stake(o, e) * t(o)), iterated
  from rho = 0 until nothing changes, so the result is the least fixed point and cycles terminate.
  `cascade`: t(o) = 1 when o is restricted in this run, else 0 (values settle in finitely many steps;
  computed frontier by frontier, each restricted holder's edges added once).
  `look_through`: t(o) = rho(o) (iterated until the largest change is below `TOLERANCE`, at most
  `MAX_ITERATIONS` rounds; `converged` says whether it settled).
- One run uses one bound of every stake: the `low` run with the least stakes and "surely exceeds", the
  `high` run with the greatest stakes and "possibly exceeds". The result's openness flag is exact
  interval logic: a sum is open when any term is (an open stake times a positive transfer, or a positive
  stake times an open rho), and a value clipped at 1 is closed.
- Control without shares: when `control_forces` is set, a node controlled (control edge) by a node that
  is restricted in this run is itself restricted with rho = 1 and passes that on like a root. The caller
  sets it for the low run under `restrict` and for the high run under `restrict` or `review`.
- What the data cannot rule out (the caller passes it to the high run only): `possible` nodes are held
  at rho = 1 and passed on like roots (a statement about them could not be read); `outside` edges are
  stakes held by holders that are not in the data, counted as held by restricted holders (t = 1), and
  `outside_control` edges force their target like a restricted controller when control counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from pipeline.arrays import BoolArray, FloatArray, IntArray
from pipeline.ownership.graph import Edges, grouped, key_order, ranges
from pipeline.ownership.stakes import possibly_exceeds, surely_exceeds
from pipeline.policy.definition import Comparator, Method

TOLERANCE = 1e-12
MAX_ITERATIONS = 5000


@dataclass(frozen=True)
class Run:
    rho: FloatArray
    rho_open: BoolArray
    restricted: BoolArray  # surely (low run) / possibly (high run) past the threshold, roots and forced included
    share_restricted: BoolArray  # past the threshold on shares alone (not a root; forced ones too)
    forced: BoolArray  # restricted by control without shares
    possible: BoolArray  # held as possibly restricted (not roots): a statement about them could not be read
    rank: IntArray  # the round a node became restricted in this run (roots 0, never -1): a derivation order
    iterations: int
    converged: bool


class Outgoing:
    """Edges grouped by holder: for a set of holders, the positions of all their edges, cheaply."""

    def __init__(self, n: int, edges: Edges) -> None:
        # The graph's edges come in (holder, held) order: then the order is theirs and nothing moves.
        in_order = len(edges) < 2 or bool(np.all(edges.src[1:] >= edges.src[:-1]))
        self.order: IntArray | None = None if in_order else np.argsort(edges.src, kind="stable")
        self.dst = edges.dst if self.order is None else edges.dst[self.order]
        self.indptr = grouped(edges.src, n)

    def ordered(self, values: np.ndarray) -> np.ndarray:
        """Per-edge values in this grouping's order."""
        return values if self.order is None else values[self.order]

    def positions(self, holders: IntArray) -> IntArray:
        starts = self.indptr[holders]
        return ranges(starts, self.indptr[holders + 1] - starts)


class Structure:
    """The sparsity pattern of a set of edges, one per (holder, held) pair: rows are the held node, columns
    the holder in id order, so `(M @ x)[e]` sums over e's holders. Matrices with different values share
    it; it is built on first use (a cascade run never needs it), as is the grouping by holder (`outgoing`,
    which only a cascade run needs); both runs of a resolve share them."""

    def __init__(self, n: int, edges: Edges) -> None:
        self.n = n
        self._edges = edges

    @cached_property
    def outgoing(self) -> Outgoing:
        return Outgoing(self.n, self._edges)

    @cached_property
    def _pattern(self) -> tuple[IntArray, np.ndarray, np.ndarray]:
        """(edge order, column indices, row pointers)."""
        n, edges = self.n, self._edges
        order = key_order(edges.dst * n + edges.src)
        indices = edges.src[order].astype(np.int32 if n < 2**31 else np.int64)
        return order, indices, grouped(edges.dst, n).astype(indices.dtype)

    def matrix(self, values: np.ndarray) -> sp.csr_matrix:
        order, indices, indptr = self._pattern
        data = np.asarray(values, dtype=np.float64)[order]
        return sp.csr_matrix((data, indices, indptr), shape=(self.n, self.n))


def propagate(
    n: int,
    ownership: Edges,
    control: Edges,
    roots: BoolArray,
    structure: tuple[Structure, Structure] | None = None,
    *,
    bound: str,
    method: Method,
    threshold: float,
    comparator: Comparator,
    control_forces: bool,
    possible: BoolArray | None = None,
    outside: Edges | None = None,
    outside_control: Edges | None = None,
) -> Run:
    bounds, passes = _bound(bound, threshold, comparator)
    stake, stake_open = bounds(ownership)
    forcing = outside_control if control_forces else None
    start = _start(n, roots, possible, outside=outside, outside_control=forcing, bounds=bounds)
    own_s, ctrl_s = structure or (Structure(n, ownership), Structure(n, control))
    if method is Method.CASCADE:
        out_ctrl = ctrl_s.outgoing if control_forces and len(control) else None
        return _cascade(n, own_s.outgoing, out_ctrl, start, stake=stake, stake_open=stake_open, passes=passes)
    c = ctrl_s.matrix(np.ones(len(control))) if control_forces and len(control) else None
    return _look_through(n, own_s, c, start, stake=stake, stake_open=stake_open, passes=passes)


Bounds = Callable[[Edges], tuple[FloatArray, BoolArray]]
Passes = Callable[[FloatArray, BoolArray], BoolArray]


def _bound(bound: str, threshold: float, comparator: Comparator) -> tuple[Bounds, Passes]:
    """Which bound of every stake a run uses, and its threshold test."""
    if bound == "low":

        def low(e: Edges) -> tuple[FloatArray, BoolArray]:
            return e.low, e.low_open

        def surely(v: FloatArray, o: BoolArray) -> BoolArray:
            return surely_exceeds(v, o, threshold, comparator)

        return low, surely

    def high(e: Edges) -> tuple[FloatArray, BoolArray]:
        return e.high, e.high_open

    def possibly(v: FloatArray, o: BoolArray) -> BoolArray:
        return possibly_exceeds(v, o, threshold, comparator)

    return high, possibly


def _look_through(
    n: int,
    own_s: Structure,
    c: sp.csr_matrix | None,
    start: _Start,
    *,
    stake: FloatArray,
    stake_open: BoolArray,
    passes: Passes,
) -> Run:
    """look_through: every sum recomputed each round from the previous round's shares, until settled."""
    m = own_s.matrix(stake)
    m_open = own_s.matrix(stake_open)
    m_pos = own_s.matrix(stake > 0)
    roots, held, base, base_open, forced = start.roots, start.held, start.base, start.base_open, start.forced
    origin = roots | held
    rho = origin.astype(np.float64)
    rho_open = np.zeros(n, dtype=bool)
    restricted = origin.copy()
    rank = np.where(origin, 0, -1).astype(np.int64)
    iterations = 0
    converged = False
    s = np.zeros(n, dtype=np.float64)
    s_open = np.zeros(n, dtype=bool)
    while iterations < MAX_ITERATIONS:
        iterations += 1
        s = m @ rho + base
        s_open = ((m_open @ (rho > 0).astype(np.float64)) > 0) | ((m_pos @ rho_open.astype(np.float64)) > 0)
        s_open |= base_open
        new_forced = forced | ((c @ restricted.astype(np.float64)) > 0) if c is not None else forced
        fixed = origin | new_forced
        new_rho = np.where(fixed, 1.0, np.minimum(s, 1.0))
        new_open = ~fixed & s_open & (s < 1.0)
        new_restricted = restricted | fixed | passes(new_rho, new_open)
        rank[new_restricted & ~restricted] = iterations
        same_sets = (
            np.array_equal(new_restricted, restricted)
            and np.array_equal(new_open, rho_open)
            and np.array_equal(new_forced, forced)
        )
        delta = float(np.max(np.abs(new_rho - rho))) if n else 0.0
        rho, rho_open, restricted, forced = new_rho, new_open, new_restricted, new_forced
        if same_sets and delta <= TOLERANCE:
            converged = True
            break
    share = ~roots & passes(np.minimum(s, 1.0), s_open & (s < 1.0))
    return Run(rho, rho_open, restricted, share, forced & ~roots, held & ~roots, rank, iterations, converged)


@dataclass(frozen=True)
class _Start:
    """What a run starts from: roots, nodes held as possibly restricted, stakes and control from outside."""

    roots: BoolArray
    held: BoolArray
    base: FloatArray
    base_open: BoolArray
    forced: BoolArray


def _start(
    n: int,
    roots: BoolArray,
    possible: BoolArray | None,
    *,
    outside: Edges | None,
    outside_control: Edges | None,
    bounds: Bounds,
) -> _Start:
    held = possible if possible is not None else np.zeros(n, dtype=bool)
    # Stakes held from outside the data are a constant term of every sum (their holders count as restricted).
    base = np.zeros(n, dtype=np.float64)
    base_open = np.zeros(n, dtype=bool)
    if outside is not None and len(outside):
        out_stake, out_open = bounds(outside)
        base = np.bincount(outside.dst, weights=out_stake, minlength=n).astype(np.float64)
        base_open = np.bincount(outside.dst, weights=out_open.astype(np.float64), minlength=n) > 0
    forced = np.zeros(n, dtype=bool)
    if outside_control is not None and len(outside_control):
        forced[outside_control.dst] = True
    return _Start(roots, held, base, base_open, forced)


def _cascade(
    n: int,
    out_own: Outgoing,
    out_ctrl: Outgoing | None,
    start: _Start,
    *,
    stake: FloatArray,
    stake_open: BoolArray,
    passes: Passes,
) -> Run:
    """Cascade, frontier by frontier: each round adds only the stakes of the holders restricted in the
    round before (t is 0 or 1, so the sums only grow), which touches each restricted holder's edges once,
    and tests only the nodes those edges reach. The result is the same least fixed point as recomputing
    every sum each round."""
    roots = start.roots
    origin = roots | start.held
    own_stake, own_open = out_own.ordered(stake), out_own.ordered(stake_open).astype(np.float64)
    s = start.base.copy()
    opens = start.base_open.astype(np.float64)
    controlled = start.forced.copy()
    restricted = origin.copy()
    rank = np.where(origin, 0, -1).astype(np.int64)
    newly = np.flatnonzero(origin)
    # The first round tests every node: stakes and control from outside may decide before any root does.
    reached = np.ones(n, dtype=bool)
    iterations = 0
    while True:
        iterations += 1
        pos = out_own.positions(newly)
        s += np.bincount(out_own.dst[pos], weights=own_stake[pos], minlength=n)
        opens += np.bincount(out_own.dst[pos], weights=own_open[pos], minlength=n)
        if iterations > 1:
            reached[:] = False
            reached[out_own.dst[pos]] = True
        if out_ctrl is not None:
            forced = out_ctrl.dst[out_ctrl.positions(newly)]
            controlled[forced] = True
            reached[forced] = True
        cand = np.flatnonzero(reached & ~restricted)
        fixed = origin[cand] | controlled[cand]
        s_c = s[cand]
        rho = np.where(fixed, 1.0, np.minimum(s_c, 1.0))
        rho_open = ~fixed & (opens[cand] > 0) & (s_c < 1.0)
        newly = cand[fixed | passes(rho, rho_open)]
        if not len(newly):
            break
        restricted[newly] = True
        rank[newly] = iterations
    fixed = origin | controlled
    rho = np.where(fixed, 1.0, np.minimum(s, 1.0))
    rho_open = ~fixed & (opens > 0) & (s < 1.0)
    share = ~roots & passes(np.minimum(s, 1.0), (opens > 0) & (s < 1.0))
    return Run(rho, rho_open, restricted, share, controlled & ~roots, start.held & ~roots, rank, iterations, True)
