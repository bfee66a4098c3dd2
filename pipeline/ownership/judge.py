"""The policy's decision per record: the low and high runs of the fixed point, and what they flag.

Invariants:
- `low` propagates the least stakes and tests "surely exceeds"; `high` the greatest stakes, the records
  held as possibly restricted and the stakes and control held from outside the data, and tests
  "possibly exceeds" (`fixed_point`). rho_high is at least rho_low, even at float noise.
- decision: restricted (a root, or flagged by the low run), review (flagged by the high run only, or by
  one of the two second opinions below), clear.
- Second opinions never lower a decision, only raise clear to review (`extra_review`):
  `declared`: a declared indirect interest held by a party the high run flags (restricted or possibly
  so) whose greatest share alone may pass the threshold, in a record the low run does not restrict
  (the direct chains do not explain it; registers often declare only the indirect interest);
  `disagrees` (under `cascade` only): the look-through low run restricts a record the cascade does not
  (cross-holdings: a 40% holder plus a 60/60 loop is 40% under the cascade's least fixed point and
  62.5% looked through). Under `look_through` the cascade's reading is the one the policy set aside (it
  restricts whole 51%/51% chains), so it is no second opinion. Design note: docs/design.md §4.
  Its cost is one more low run of the other method; under `cascade` that is a look-through run (sparse
  matrices and rounds until settled): about 6 s at 1M entities on the loaded 2-core machine (load ~20).
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
from pipeline.ownership.stakes import possibly_exceeds
from pipeline.policy.definition import ControlAction, EntityDecision, Method, Policy


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
    declared: BoolArray  # raised to review (at least) by a declared indirect interest (module docstring)
    disagrees: BoolArray  # raised to review (at least) by the other method's reading
    other_rho: FloatArray  # the look-through low-run shares under cascade (what `disagrees` read)

    @property
    def extra_review(self) -> BoolArray:
        """Records whose decision a second opinion set to review (not restricted by the low run)."""
        out: BoolArray = (self.declared | self.disagrees) & ~self.low.restricted
        return out

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
    if own.method is Method.CASCADE:
        other = propagate(n, graph.ownership, graph.control, roots, structure, bound="low",
                          control_forces=cws is ControlAction.RESTRICT,
                          **(common | {"method": Method.LOOK_THROUGH}))  # fmt: skip
        other_rho, disagrees = other.rho, other.restricted & ~low.restricted
    else:
        # Under look-through the cascade restricts whole chains the policy chose to multiply: not a second
        # opinion but the reading the policy set aside.
        other_rho, disagrees = low.rho, np.zeros(n, dtype=bool)
    d = graph.declared_indirect
    declared = np.zeros(n, dtype=bool)
    if len(d):
        alone = possibly_exceeds(d.high, d.high_open, own.threshold, own.comparator) & high.restricted[d.src]
        declared[d.dst[alone]] = True
    declared &= ~low.restricted
    review = (high.restricted | declared | disagrees) & ~low.restricted
    decision = np.where(low.restricted, Code.RESTRICTED, np.where(review, Code.REVIEW, Code.CLEAR)).astype(np.int64)
    return Judgement(roots, low, high, rho_high, decision, declared, disagrees, other_rho)


def flagged(graph: Graph, judgement: Judgement, policy: Policy) -> tuple[Flagged, Flagged]:
    """The records each run flagged beyond the roots: restricted by the low run, review by the high run."""
    j, cws, method = judgement, policy.control_without_shares, policy.ownership.method
    low = Flagged.of(graph, j.low, np.flatnonzero(j.low.restricted & ~j.roots), method=method, roots=j.roots,
                     bound="low", control_counts=cws is ControlAction.RESTRICT)  # fmt: skip
    high = Flagged.of(graph, j.high, np.flatnonzero(j.high.restricted & ~j.low.restricted), method=method,
                      roots=j.roots, bound="high", control_counts=cws is not ControlAction.IGNORE)  # fmt: skip
    return low, high
