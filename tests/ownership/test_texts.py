"""Arrow text building: each helper against the same text built in Python."""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ownership.texts import along_tree, joined, json_quoted, lists


def test_joined_broadcasts_plain_strings_and_nulls_stay_null() -> None:
    values = pa.array(["a", None], pa.large_string())
    assert joined("<", values, ">").to_pylist() == ["<a>", None]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text()), max_size=8))
def test_json_quoted_writes_what_orjson_writes(values: list[str | None]) -> None:
    quoted = json_quoted(pa.array(values, pa.large_string())).to_pylist()
    assert quoted == [None if v is None else orjson.dumps(v).decode() for v in values]


def test_lists_joins_each_range_and_an_empty_range_is_empty() -> None:
    values = pa.array(["a", "b", "c"], pa.large_string())
    assert lists(np.array([0, 2, 2, 3]), values).to_pylist() == ["a,b", "", "c"]


@st.composite
def forests(draw: st.DrawFn) -> tuple[np.ndarray, list[str | None]]:
    n = draw(st.integers(1, 12))
    parent = [-1 if i == 0 or draw(st.booleans()) else draw(st.integers(0, i - 1)) for i in range(n)]
    pieces = draw(st.lists(st.one_of(st.none(), st.text("xyz", min_size=1, max_size=3)), min_size=n, max_size=n))
    return np.array(parent, dtype=np.int64), pieces


@settings(max_examples=200, deadline=None)
@given(forests(), st.booleans())
def test_along_tree_joins_the_pieces_from_the_root(
    forest: tuple[np.ndarray, list[str | None]], root_first: bool
) -> None:
    parent, pieces = forest
    depth = np.zeros(len(parent), dtype=np.int64)
    for i, p in enumerate(parent.tolist()):  # parents come first
        depth[i] = 0 if p < 0 else depth[p] + 1
    out = along_tree(parent, depth, pa.array(pieces, pa.large_string()), "/", root_first=root_first).to_pylist()
    for i in range(len(parent)):
        chain, x = [], i
        while x >= 0:
            chain.append(pieces[x])
            x = int(parent[x])
        kept = [c for c in (reversed(chain) if root_first else chain) if c is not None]
        assert out[i] == ("/".join(kept) if kept else None)
