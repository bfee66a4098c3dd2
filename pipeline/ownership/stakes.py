"""Interval stakes and threshold comparisons with open and closed bounds.

Invariant: a quantity known only as an interval is carried as (low, low_open) and (high, high_open):
`low_open` means the true value is strictly greater than `low`, `high_open` strictly less than `high`.
Every threshold test goes through `surely_exceeds` / `possibly_exceeds`, so "more than 50%" is decided
the same way everywhere: `exclusiveMinimum: 50` surely exceeds 50%, `maximum: 50` never does.

Floating point: values within `EPS` of the threshold count as equal to it (so 20% + 30% is exactly 50%,
whatever the binary rounding did); the bound's openness then decides.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from pipeline.policy.model import Comparator

EPS = 1e-9
# The ultimate parent is the holder of a majority: more than half, whatever the policy's threshold.
MAJORITY = 0.5

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


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


def format_percent(value: float) -> str:
    text = f"{value * 100:.6f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_interval(low: float, low_open: bool, high: float, high_open: bool) -> str:
    """`60%` for an exact stake, `(50%, 75%]` for a band (parenthesis = open bound)."""
    if abs(low - high) <= EPS and not low_open and not high_open:
        return format_percent(low)
    return f"{'(' if low_open else '['}{format_percent(low)}, {format_percent(high)}{')' if high_open else ']'}"


def format_intervals(low: FloatArray, low_open: BoolArray, high: FloatArray, high_open: BoolArray) -> list[str]:
    """`format_interval` over arrays, computing each distinct interval once."""
    if not len(low):
        return []
    low_code, _ = pd.factorize(low)
    high_code, high_values = pd.factorize(high)
    key = (low_code * len(high_values) + high_code) * 4 + low_open * 2 + high_open
    _, first, at = np.unique(key, return_index=True, return_inverse=True)
    texts = [
        format_interval(lo, lo_open, hi, hi_open)
        for lo, lo_open, hi, hi_open in zip(
            low[first].tolist(), low_open[first].tolist(), high[first].tolist(), high_open[first].tolist(), strict=True
        )
    ]
    return [texts[k] for k in at.reshape(-1).tolist()]
