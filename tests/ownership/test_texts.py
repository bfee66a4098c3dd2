"""Arrow text building: each helper against the same text built in Python."""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ownership.texts import joined, json_escaped, json_quoted, lists


def test_joined_broadcasts_plain_strings_and_nulls_stay_null() -> None:
    values = pa.array(["a", None], pa.large_string())
    assert joined("<", values, ">").to_pylist() == ["<a>", None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), max_size=8))
def test_json_quoted_writes_what_orjson_writes(values: list[str | None]) -> None:
    quoted = json_quoted(pa.array(values, pa.large_string())).to_pylist()
    assert quoted == [None if v is None else orjson.dumps(v).decode() for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), max_size=8))
def test_json_escaped_is_what_orjson_writes_inside_the_quotes(values: list[str | None]) -> None:
    escaped = json_escaped(pa.array(values, pa.large_string())).to_pylist()
    assert escaped == [None if v is None else orjson.dumps(v).decode()[1:-1] for v in values]


def test_lists_joins_each_range_and_an_empty_range_is_empty() -> None:
    values = pa.array(["a", "b", "c"], pa.large_string())
    assert lists(np.array([0, 2, 2, 3]), values).to_pylist() == ["a,b", "", "c"]
