"""Interval stakes and threshold comparisons with open and closed bounds.

Invariant: a quantity known only as an interval is carried as (low, low_open) and (high, high_open):
`low_open` means the true value is strictly greater than `low`, `high_open` strictly less than `high`.
Every threshold test goes through `surely_exceeds` / `possibly_exceeds`, so "more than 50%" is decided
the same way everywhere: `exclusiveMinimum: 50` surely exceeds 50%, `maximum: 50` never does.

Floating point: values within `EPS` of the threshold count as equal to it (so 20% + 30% is exactly 50%,
whatever the binary rounding did); the bound's openness then decides.

Text: `pipeline.formatting` writes stakes for people (`band`, `bands`); nothing here makes text.
"""

from __future__ import annotations

from pipeline.arrays import BoolArray, FloatArray
from pipeline.policy.definition import Comparator

EPS = 1e-9
# The ultimate parent is the holder of a majority: more than half, whatever the policy's threshold.
MAJORITY = 0.5


def surely_exceeds(low: FloatArray, low_open: BoolArray, threshold: float, comparator: Comparator) -> BoolArray:
    """The true value, known to be > low (open) or >= low (closed), certainly passes the threshold."""
    if comparator is Comparator.GT:
        result: BoolArray = (low > threshold + EPS) | ((low >= threshold - EPS) & low_open)
    else:
        result = low >= threshold - EPS
    return result


def possibly_exceeds(high: FloatArray, high_open: BoolArray, threshold: float, comparator: Comparator) -> BoolArray:
    """The true value, known to be < high (open) or <= high (closed), may pass the threshold."""
    if comparator is Comparator.GT:
        result: BoolArray = high > threshold + EPS
    else:
        result = (high > threshold + EPS) | ((high >= threshold - EPS) & ~high_open)
    return result
