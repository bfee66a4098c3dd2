"""Text for people: the exact texts the report, `recon explain`, `recon screen` and the explanations show,
and the Arrow formatters writing what the scalar ones write, digit for digit."""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import formatting
from pipeline.ownership.evidence_model import EVIDENCE_TYPE, IDS_TYPE, Stake

# Values whose percentage sits on (or a rounding away from) a half in the 6th decimal: j/128 is exact in
# binary and 100 * j/128 * 1e6 ends in .5 for odd j; for the 0.xxxxxxxx5 ones, scaling by 1e8 in floating
# point lands on the other side of the half than the exact value does (found by search).
EDGES = [0.0, -0.0, 1.0, 0.5, 1 / 3, 2 / 3, 0.1, 0.2, 0.3, 0.7, 1e-9, 5e-9, 5e-9 - 1e-24, 0.0000005, 0.123456785]
EDGES += [0.175267295, 0.813270235, 0.649415745, 0.9707428349999999, 0.729496565, 0.935072425]
EDGES += [j / 128 for j in range(129)] + [j / 2_000_000 for j in range(0, 2_000_001, 99_999)]

shares = st.one_of(st.sampled_from(EDGES), st.floats(0, 1), st.integers(0, 10_000).map(lambda k: k / 10_000))


# --- the texts themselves (what published explanations, findings, the report and explain show) ----------


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.6, "60%"), (0.51, "51%"), (1.0, "100%"), (0.0, "0%"), (1 / 3, "33.333333%"), (0.2601, "26.01%"),
     (0.10 + 0.51 * 0.41, "30.91%"), (0.123456785, "12.345678%"), (0.0000005, "0.00005%")],
)  # fmt: skip
def test_percent_texts_are_pinned(value: float, text: str) -> None:
    assert formatting.percent(value) == text


@pytest.mark.parametrize(
    ("bounds", "text"),
    [((0.6, False, 0.6, False), "60%"), ((0.25, False, 0.75, False), "[25%, 75%]"),
     ((0.5, True, 0.75, False), "(50%, 75%]"), ((0.4, False, 0.6, True), "[40%, 60%)"),
     ((0.5, True, 0.5, False), "(50%, 50%]"), ((0.0, False, 1.0, False), "[0%, 100%]")],
)  # fmt: skip
def test_band_texts_are_pinned(bounds: tuple[float, bool, float, bool], text: str) -> None:
    assert formatting.band(*bounds) == text


def test_stakes_basis_and_rates_read_as_people_read_them() -> None:
    assert formatting.stake(Stake(0.6, False, 0.6, False, False)) == "60%"
    assert formatting.stake(Stake(0.5, True, 1.0, False, False)) == "(50%, 100%]"
    assert formatting.stake(Stake(None, False, None, False, True)) == "control without shares"
    assert formatting.basis("incorporation:CN;headquarters:CN") == "incorporated in CN, headquartered in CN"
    assert formatting.basis("state:CN") == "a state or state body of CN"
    assert formatting.rate(0.025316) == "2.5%"
    assert formatting.rate(0.1) == "10.0%"


def test_readable_writes_every_stake_and_leaves_the_rest() -> None:
    stake = {"low": 0.25, "low_open": False, "high": 0.75, "high_open": False, "control": False}
    doc = {"owners": [{"id": "X", "stake": stake}], "paths": [{"ids": ["X", "A"], "stakes": [stake]}], "n": 0.25}
    assert formatting.readable(doc) == {
        "owners": [{"id": "X", "stake": "[25%, 75%]"}],
        "paths": [{"ids": ["X", "A"], "stakes": ["[25%, 75%]"]}],
        "n": 0.25,
    }
    assert formatting.cell(doc["paths"]) == '[{"ids":["X","A"],"stakes":["[25%, 75%]"]}]'
    assert formatting.cell(None) is None


def test_evidence_cells_write_empty_evidence_as_an_empty_object() -> None:
    stake = {"low": 0.6, "low_open": False, "high": 0.6, "high_open": False, "control": False}
    empty = {"roots": [], "owners": [], "owners_total": 0, "paths": [], "paths_truncated": False,
             "unread_statements": [], "unknown_holders": []}  # fmt: skip
    flagged = empty | {
        "roots": [{"id": "R", "basis": "incorporation:CN"}],
        "owners": [{"id": "R", "name": None, "stake": stake}],
        "owners_total": 1,
        "paths": [{"ids": ["R", "A"], "stakes": [stake]}],
    }
    column = pa.array([empty, flagged, None], EVIDENCE_TYPE)
    assert formatting.evidence_cells(column).to_pylist() == [
        "{}",
        '{"roots":[{"id":"R","basis":"incorporation:CN"}],"owners":[{"id":"R","name":null,"stake":"60%"}],'
        '"owners_total":1,"paths":[{"ids":["R","A"],"stakes":["60%"]}]}',
        None,
    ]


# --- columns (Arrow) against the scalar texts -----------------------------------------------------------


def test_percents_on_halves_and_near_misses() -> None:
    assert formatting.percents(np.array(EDGES)).to_pylist() == [formatting.percent(v) for v in EDGES]


def test_percents_past_a_share_fall_back_to_percent() -> None:
    # Three whole digits are written in the array; 1000% and more (never a share) are left to the scalar.
    values = [9.9999994, 9.9999995, 9.99999951, 10.0, 123.456, 1e12, 2.0**60, float("inf"), float("nan"), -0.25]
    assert formatting.percents(np.array(values)).to_pylist() == [formatting.percent(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(shares, max_size=20))
def test_percents_write_what_percent_writes(values: list[float]) -> None:
    written = formatting.percents(np.array(values, dtype=np.float64)).to_pylist()
    assert written == [formatting.percent(v) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(shares, st.booleans(), shares, st.booleans()), max_size=20))
def test_bands_write_what_band_writes(rows: list[tuple[float, bool, float, bool]]) -> None:
    low, low_open, high, high_open = (np.array(c) for c in zip(*rows, strict=True)) if rows else ([],) * 4
    out = formatting.bands(
        np.asarray(low, dtype=np.float64), np.asarray(low_open, dtype=bool),
        np.asarray(high, dtype=np.float64), np.asarray(high_open, dtype=bool),
    )  # fmt: skip
    assert out.to_pylist() == [formatting.band(*r) for r in rows]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(shares, st.booleans(), shares, st.booleans(), st.booleans()), max_size=12))
def test_stakes_write_what_stake_writes(rows: list[tuple[float, bool, float, bool, bool]]) -> None:
    values = [
        {"low": None if c else lo, "low_open": lo_open and not c, "high": None if c else hi,
         "high_open": hi_open and not c, "control": c}
        for lo, lo_open, hi, hi_open, c in rows
    ]  # fmt: skip
    column = pa.array(values, pa.struct([("low", pa.float64()), ("low_open", pa.bool_()), ("high", pa.float64()),
                                         ("high_open", pa.bool_()), ("control", pa.bool_())]))  # fmt: skip
    assert formatting.stakes(column).to_pylist() == [formatting.stake(Stake.of(v)) for v in values]


def test_joined_broadcasts_plain_strings_and_nulls_stay_null() -> None:
    values = pa.array(["a", None], pa.large_string())
    assert formatting.joined("<", values, ">").to_pylist() == ["<a>", None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), max_size=8))
def test_json_quoted_writes_what_orjson_writes(values: list[str | None]) -> None:
    quoted = formatting.json_quoted(pa.array(values, pa.large_string())).to_pylist()
    assert quoted == [None if v is None else orjson.dumps(v).decode() for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(st.text(), max_size=4)), max_size=8))
def test_cells_write_lists_of_strings_as_compact_json(values: list[list[str] | None]) -> None:
    column = pa.array(values, IDS_TYPE)
    expected = [None if v is None else orjson.dumps(v).decode() for v in values]
    assert formatting.cells(column).to_pylist() == expected
    assert formatting.cells(column.slice(1)).to_pylist() == expected[1:]
