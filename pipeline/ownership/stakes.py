"""Interval stakes and threshold comparisons with open and closed bounds.

Invariant: a quantity known only as an interval is carried as (low, low_open) and (high, high_open):
`low_open` means the true value is strictly greater than `low`, `high_open` strictly less than `high`.
Every threshold test goes through `surely_exceeds` / `possibly_exceeds`, so "more than 50%" is decided
the same way everywhere: `exclusiveMinimum: 50` surely exceeds 50%, `maximum: 50` never does.

Floating point: values within `EPS` of the threshold count as equal to it (so 20% + 30% is exactly 50%,
whatever the binary rounding did); the bound's openness then decides.

Texts: `format_percent` / `format_interval` write one value, `percent_texts` / `interval_texts` a column
(in Arrow); both write the same digits.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.ownership.texts import joined
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


def percent_texts(values: FloatArray) -> pa.Array:
    """`format_percent` over an array, in Arrow, digit for digit.

    `f"{x:.6f}"` rounds the exact binary x to 6 decimals (ties to even); so does `rint(x * 1e6)` unless
    the product's own rounding moved it across a half: values within a few ulps of a half, and any that
    are negative, signed zero or not finite, are written by `format_percent` itself."""
    x = np.asarray(values, dtype=np.float64) * 100
    scaled = x * 1e6
    whole = np.floor(scaled)
    odd = ~np.isfinite(scaled) | np.signbit(x) | (np.abs(scaled - whole - 0.5) <= 4 * np.spacing(scaled))
    micro = np.rint(np.where(odd, 0.0, scaled)).astype(np.int64)
    units = pa.array(micro // 1_000_000).cast(pa.large_string())
    decimals = pc.utf8_rtrim(pc.utf8_lpad(pa.array(micro % 1_000_000).cast(pa.large_string()), 6, "0"), "0")
    out = joined(pc.if_else(pc.equal(decimals, ""), units, joined(units, ".", decimals)), "%")
    if odd.any():
        rows = np.flatnonzero(odd)
        out = pc.replace_with_mask(
            out, pa.array(odd), pa.array([format_percent(v) for v in values[rows].tolist()], pa.large_string())
        )
    return out


def interval_texts(low: FloatArray, low_open: BoolArray, high: FloatArray, high_open: BoolArray) -> pa.Array:
    """`format_interval` over arrays, in Arrow."""
    exact = (np.abs(low - high) <= EPS) & ~low_open & ~high_open
    lows = percent_texts(low)
    band = joined(
        pa.array(np.where(low_open, "(", "["), pa.large_string()), lows, ", ", percent_texts(high),
        pa.array(np.where(high_open, ")", "]"), pa.large_string()),
    )  # fmt: skip
    return pc.if_else(pa.array(exact), lows, band)
