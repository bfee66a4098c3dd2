"""The policy's decision per record: the low and high runs of the fixed point, and what they flag.

Invariants:
- `low` propagates the least stakes and tests "surely exceeds"; `high` the greatest stakes, the records
  held as possibly restricted and the stakes and control held from outside the data, and tests
  "possibly exceeds" (`fixed_point`). rho_high is at least rho_low, even at float noise.
- decision: restricted (a root, or flagged by the low run), review (flagged by the high run only), clear.
- Numbers only: nothing here reads ids or writes text.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pipeline.arrays import BoolArray, FloatArray, IntArray
from pipeline.ownership.evidence import Flagged
from pipeline.ownership.fixed_point import Run, Structure, propagate
from pipeline.ownership.graph import Graph
from pipeline.policy.definition import ConsolidationAction, ControlAction, EntityDecision, Policy


class Code(enum.IntEnum):
    """A record's decision as a small integer (the order of `DECISIONS`)."""

    RESTRICTED = 0
    REVIEW = 1
    CLEAR = 2


DECISIONS = (EntityDecision.RESTRICTED, EntityDecision.REVIEW, EntityDecision.CLEAR)


@dataclass(frozen=True)
class Judgement:
    roots: BoolArray
    low: Run
    high: Run
    rho_high: FloatArray  # the high run's shares, never below the low run's
    decision: npt.NDArray[np.int64]  # `Code` per record

    @property
    def rho_high_open(self) -> BoolArray:
        out: BoolArray = self.high.rho_open & (self.high.rho >= self.low.rho)
        return out

    @property
    def partial(self) -> IntArray:
        """Clear records with some restricted share (their explanation says how much at most)."""
        out: IntArray = np.flatnonzero(~self.high.restricted & ~self.low.restricted & (self.rho_high > 0))
        return out


def counted(graph: Graph, policy: Policy, bound: str) -> tuple[BoolArray, BoolArray]:
    """Which control edges, and which control edges held from outside the data, count in a run: in the
    low run those whose policy action restricts, in the high run those it does not ignore. Accounting
    consolidation follows `policy.consolidation`, other control `policy.control_without_shares`."""
    cws, consolidation = policy.control_without_shares, policy.consolidation
    if bound == "low":
        other, cons = cws is ControlAction.RESTRICT, consolidation is ConsolidationAction.RESTRICT
    else:
        other, cons = cws is not ControlAction.IGNORE, True
    inside = np.where(graph.consolidation, cons, other).astype(bool)
    outside = np.where(graph.outside_consolidation, cons, other).astype(bool)
    return inside, outside


def judge(graph: Graph, roots: BoolArray, policy: Policy, held: BoolArray) -> Judgement:
    """`held`: records held as possibly restricted in the high run (a statement about them could not be read)."""
    n, own = graph.n, policy.ownership
    common: dict[str, Any] = {"method": own.method, "threshold": own.threshold, "comparator": own.comparator}
    owned = Structure(n, graph.ownership)
    runs = []
    for bound in ("low", "high"):
        inside, outside = counted(graph, policy, bound)
        control = graph.control.take(inside)
        extra: dict[str, Any] = {}
        if bound == "high":
            extra = {"possible": held, "outside": graph.outside, "outside_control": graph.outside_control.take(outside)}
        runs.append(propagate(n, graph.ownership, control, roots, (owned, Structure(n, control)), bound=bound,
                              control_forces=bool(inside.any() or (bound == "high" and outside.any())),
                              **common, **extra))  # fmt: skip
    low, high = runs
    # The high run can only add to the low one; make the invariant hold even at float noise.
    rho_high = np.maximum(high.rho, low.rho)
    review = high.restricted & ~low.restricted
    decision = np.where(low.restricted, Code.RESTRICTED, np.where(review, Code.REVIEW, Code.CLEAR)).astype(np.int64)
    return Judgement(roots, low, high, rho_high, decision)


def flagged(graph: Graph, judgement: Judgement, policy: Policy) -> tuple[Flagged, Flagged]:
    """The records each run flagged beyond the roots: restricted by the low run, review by the high run."""
    j, method = judgement, policy.ownership.method
    low = Flagged.of(graph, j.low, np.flatnonzero(j.low.restricted & ~j.roots), method=method, roots=j.roots,
                     bound="low", counts=counted(graph, policy, "low"))  # fmt: skip
    high = Flagged.of(graph, j.high, np.flatnonzero(j.high.restricted & ~j.low.restricted), method=method,
                      roots=j.roots, bound="high", counts=counted(graph, policy, "high"))  # fmt: skip
    return low, high
