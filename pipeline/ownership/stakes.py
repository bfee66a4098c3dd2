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

from pipeline.arrays import BoolArray, FloatArray
from pipeline.ownership.texts import append, joined
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


def format_percent(value: float) -> str:
    text = f"{value * 100:.6f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_interval(low: float, low_open: bool, high: float, high_open: bool) -> str:
    """`60%` for an exact stake, `(50%, 75%]` for a band (parenthesis = open bound)."""
    if abs(low - high) <= EPS and not low_open and not high_open:
        return format_percent(low)
    return f"{'(' if low_open else '['}{format_percent(low)}, {format_percent(high)}{')' if high_open else ']'}"


def _words(texts: list[str], dtype: str) -> npt.NDArray[np.unsignedinteger]:
    """Equal-width ASCII texts as one machine word each: a gather writes a whole text into a column."""
    return np.frombuffer("".join(texts).encode(), dtype=dtype).copy()


# Percent texts are written as fixed-width bytes, "  5.250000" (the whole percent right-aligned in three
# places, the point, six decimals), then trimmed: one gather per field, no division per digit.
_WHOLE = _words([f"{k:3d}." for k in range(1000)], "<u4")  # "  5."
_PAIR = _words([f"{k:02d}" for k in range(100)], "<u2")  # "25"
_FIXED = np.dtype([("whole", "<u4"), ("d12", "<u2"), ("d34", "<u2"), ("d56", "<u2")])
_WIDTH = _FIXED.itemsize


def percent_texts(values: FloatArray) -> pa.Array:
    """`format_percent` over an array, in Arrow, digit for digit.

    `f"{x:.6f}"` rounds the exact binary x to 6 decimals (ties to even); so does `rint(x * 1e6)` unless
    the product's own rounding moved it across a half: values within a few ulps of a half, and any that
    are negative, signed zero, not finite or of 1000% or more (never a share), are written by
    `format_percent` itself."""
    x = np.asarray(values, dtype=np.float64) * 100
    scaled = x * 1e6
    with np.errstate(invalid="ignore"):  # inf - inf: such values are odd anyway
        near_half = np.abs(scaled - np.floor(scaled) - 0.5) <= 4 * np.spacing(scaled)
    odd = ~np.isfinite(scaled) | np.signbit(x) | near_half
    odd |= scaled >= 1e9 - 0.5
    micro = np.rint(np.where(odd, 0.0, scaled)).astype(np.int32)  # below 1e9: int32 divides faster
    units, decimals = np.divmod(micro, 1_000_000)
    d12, rest = np.divmod(decimals, 10_000)
    d34, d56 = np.divmod(rest, 100)
    fixed = np.empty(len(micro), dtype=_FIXED)
    fixed["whole"], fixed["d12"], fixed["d34"], fixed["d56"] = _WHOLE[units], _PAIR[d12], _PAIR[d34], _PAIR[d56]
    ends = np.arange(0, _WIDTH * len(micro) + 1, _WIDTH, dtype=np.int64)
    out = pa.LargeStringArray.from_buffers(len(micro), pa.py_buffer(ends), pa.py_buffer(fixed))
    # "  5.250000" -> "  5.25" -> "5.25%"; "  5.000000" -> "  5." -> "5%".
    out = pc.ascii_ltrim_whitespace(pc.ascii_rtrim(pc.ascii_rtrim(out, "0"), "."))
    out = append(out, "%")
    if odd.any():
        rows = np.flatnonzero(odd)
        out = pc.replace_with_mask(
            out, pa.array(odd), pa.array([format_percent(v) for v in values[rows].tolist()], pa.large_string())
        )
    return out


def interval_texts(low: FloatArray, low_open: BoolArray, high: FloatArray, high_open: BoolArray) -> pa.Array:
    """`format_interval` over arrays, in Arrow: the bands are written for the rows that are bands only."""
    exact = (np.abs(low - high) <= EPS) & ~low_open & ~high_open
    lows = percent_texts(low)
    if exact.all():
        return lows
    band = np.flatnonzero(~exact)
    bands = joined(
        pa.array(np.where(low_open[band], "(", "["), pa.large_string()), lows.take(pa.array(band)), ", ",
        percent_texts(high[band]), pa.array(np.where(high_open[band], ")", "]"), pa.large_string()),
    )  # fmt: skip
    return pc.replace_with_mask(lows, pa.array(~exact), bands)
