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
from pipeline.policy.definition import ControlAction, EntityDecision, Policy


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


def judge(graph: Graph, roots: BoolArray, policy: Policy, held: BoolArray) -> Judgement:
    """`held`: records held as possibly restricted in the high run (a statement about them could not be read)."""
    n, own, cws = graph.n, policy.ownership, policy.control_without_shares
    structure = (Structure(n, graph.ownership), Structure(n, graph.control))
    common: dict[str, Any] = {"method": own.method, "threshold": own.threshold, "comparator": own.comparator}
    low = propagate(n, graph.ownership, graph.control, roots, structure, bound="low",
                    control_forces=cws is ControlAction.RESTRICT, **common)  # fmt: skip
    high = propagate(n, graph.ownership, graph.control, roots, structure, bound="high",
                     control_forces=cws is not ControlAction.IGNORE, possible=held,
                     outside=graph.outside, outside_control=graph.outside_control, **common)  # fmt: skip
    # The high run can only add to the low one; make the invariant hold even at float noise.
    rho_high = np.maximum(high.rho, low.rho)
    review = high.restricted & ~low.restricted
    decision = np.where(low.restricted, Code.RESTRICTED, np.where(review, Code.REVIEW, Code.CLEAR)).astype(np.int64)
    return Judgement(roots, low, high, rho_high, decision)


def flagged(graph: Graph, judgement: Judgement, policy: Policy) -> tuple[Flagged, Flagged]:
    """The records each run flagged beyond the roots: restricted by the low run, review by the high run."""
    j, cws, method = judgement, policy.control_without_shares, policy.ownership.method
    low = Flagged.of(graph, j.low, np.flatnonzero(j.low.restricted & ~j.roots), method=method, roots=j.roots,
                     bound="low", control_counts=cws is ControlAction.RESTRICT)  # fmt: skip
    high = Flagged.of(graph, j.high, np.flatnonzero(j.high.restricted & ~j.low.restricted), method=method,
                      roots=j.roots, bound="high", control_counts=cws is not ControlAction.IGNORE)  # fmt: skip
    return low, high
