"""Stake texts: the Arrow formatters write what the scalar ones write, digit for digit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ownership.stakes import format_interval, format_percent, interval_texts, percent_texts

# Values whose percentage sits on (or a rounding away from) a half in the 6th decimal: j/128 is exact in
# binary and 100 * j/128 * 1e6 ends in .5 for odd j; for the 0.xxxxxxxx5 ones, scaling by 1e8 in floating
# point lands on the other side of the half than the exact value does (found by search).
EDGES = [0.0, -0.0, 1.0, 0.5, 1 / 3, 2 / 3, 0.1, 0.2, 0.3, 0.7, 1e-9, 5e-9, 5e-9 - 1e-24, 0.0000005, 0.123456785]
EDGES += [0.175267295, 0.813270235, 0.649415745, 0.9707428349999999, 0.729496565, 0.935072425]
EDGES += [j / 128 for j in range(129)] + [j / 2_000_000 for j in range(0, 2_000_001, 99_999)]

shares = st.one_of(st.sampled_from(EDGES), st.floats(0, 1), st.integers(0, 10_000).map(lambda k: k / 10_000))


def test_percent_texts_on_halves_and_near_misses() -> None:
    assert percent_texts(np.array(EDGES)).to_pylist() == [format_percent(v) for v in EDGES]


def test_percent_texts_past_a_share_fall_back_to_format_percent() -> None:
    # Three whole digits are written in the array; 1000% and more (never a share) are left to the scalar.
    values = [9.9999994, 9.9999995, 9.99999951, 10.0, 123.456, 1e12, 2.0**60, float("inf"), float("nan"), -0.25]
    assert percent_texts(np.array(values)).to_pylist() == [format_percent(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(shares, max_size=20))
def test_percent_texts_writes_what_format_percent_writes(values: list[float]) -> None:
    assert percent_texts(np.array(values, dtype=np.float64)).to_pylist() == [format_percent(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(shares, st.booleans(), shares, st.booleans()), max_size=20))
def test_interval_texts_writes_what_format_interval_writes(rows: list[tuple[float, bool, float, bool]]) -> None:
    low, low_open, high, high_open = (np.array(c) for c in zip(*rows, strict=True)) if rows else ([],) * 4
    out = interval_texts(
        np.asarray(low, dtype=np.float64), np.asarray(low_open, dtype=bool),
        np.asarray(high, dtype=np.float64), np.asarray(high_open, dtype=bool),
    )  # fmt: skip
    assert out.to_pylist() == [format_interval(*r) for r in rows]
