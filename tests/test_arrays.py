"""The Arrow shortcuts for per-row work answer as the pandas calls they replace."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.arrays import member_of, row_dicts


@pytest.mark.parametrize("values", [set(), {"a"}, {"a", "", "zz"}, frozenset({"c"})])
def test_member_of_answers_as_isin(values: set[str]) -> None:
    column = pd.Series(["a", None, "b", "c", ""], dtype="str", index=[5, 6, 7, 8, 9])
    assert member_of(column, values).equals(column.isin(values))


def test_member_of_a_text_column_ignores_its_missing_values() -> None:
    column = pd.Series(["a", None, "b"], dtype="str")
    values = pd.Series(["b", None], dtype="str")
    assert member_of(column, values).tolist() == [False, False, True]


def test_row_dicts_give_the_rows_with_missing_cells_as_none() -> None:
    frame = pd.DataFrame(
        {
            "id": pd.Series(["x", None], dtype="str"),
            "share": [0.5, math.nan],
            "flag": [True, False],
            "tags": pd.Series([["a", "b"], None], dtype=pd.ArrowDtype(pa.large_list(pa.large_string()))),
        }
    )
    assert row_dicts(frame) == [
        {"id": "x", "share": 0.5, "flag": True, "tags": ["a", "b"]},
        {"id": None, "share": None, "flag": False, "tags": None},
    ]
