"""The graph's nodes (sorted distinct ids, whatever the row order) and which interests are active on a
date: bounds read by their first ten characters, missing bounds open."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ownership.graph import active_mask, build_graph, grouped, key_order, offsets, ranges, walks
from pipeline.policy.definition import Policy
from tests.ownership.builders import entities, interests, stake

DAY = dt.date(2025, 6, 30)
POLICY = Policy.model_validate({"id": "p", "version": "1", "restricted_jurisdictions": ["CN"]})
BOUNDS = [None, "2025-06-30", "2025-06-30T23:59:59Z", "2025-07-01", "2025-07-01T00:00", "2025-06-3", "2024",
          "2025-06-31", "2025-06-30\u00e9", "\u00e92025", "2025-06-29T12:00", ""]  # fmt: skip


def test_bounds_count_by_their_date_whatever_follows_it() -> None:
    unset = [None] * len(BOUNDS)
    started = active_mask(pd.DataFrame({"start_date": BOUNDS, "end_date": unset}, dtype="str"), DAY).tolist()
    not_ended = active_mask(pd.DataFrame({"start_date": unset, "end_date": BOUNDS}, dtype="str"), DAY).tolist()
    assert started == [b is None or b[:10] <= "2025-06-30" for b in BOUNDS]
    assert not_ended == [b is None or b[:10] > "2025-06-30" for b in BOUNDS]
    assert started == [True, True, True, False, False, True, True, False, True, False, True, True]


def test_nodes_are_the_sorted_distinct_ids_and_the_first_row_of_each() -> None:
    ints = interests(stake("a", "c", 60), stake("zz", "c", 30), stake("a", "yy", 10), stake("b", "a", 51))
    shuffled = build_graph(entities(*({"id": i} for i in ["b", "a", "c", "a", "b"])), ints, POLICY, DAY)
    ordered = build_graph(entities(*({"id": i} for i in ["a", "b", "c"])), ints, POLICY, DAY)
    for graph, rows in ((shuffled, [1, 0, 2]), (ordered, [0, 1, 2])):
        assert graph.ids_arrow.to_pylist() == ["a", "b", "c"]
        assert graph.rows.tolist() == rows
        assert list(zip(graph.ownership.src.tolist(), graph.ownership.dst.tolist(), strict=True)) == [(0, 2), (1, 0)]
        assert graph.outside_ids.to_pylist() == ["zz"] and graph.outside.dst.tolist() == [2]
    duplicates = [f.message for f in shuffled.findings if f.check == "duplicate_entity"]
    assert duplicates == ["record a appears more than once", "record b appears more than once"]
    assert not [f for f in ordered.findings if f.check == "duplicate_entity"]


def test_csr_helpers_agree_with_spelled_out_rows() -> None:
    keys = np.array([0, 0, 2, 2, 2, 3], dtype=np.int64)
    indptr = grouped(keys, 5)
    assert indptr.tolist() == [0, 2, 2, 5, 6, 6] == offsets(np.array([2, 0, 3, 1, 0])).tolist()
    rows = np.array([3, 1, 2, 0], dtype=np.int64)
    starts = indptr[rows]
    spelled = [p for r in rows.tolist() for p in range(indptr[r], indptr[r + 1])]
    assert ranges(starts, indptr[rows + 1] - starts).tolist() == spelled == [5, 2, 3, 4, 0, 1]


@st.composite
def forests(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A forest (parents come before their children), some nodes, and how far up to walk from each."""
    n = draw(st.integers(1, 12))
    parent = [-1 if i == 0 or draw(st.booleans()) else draw(st.integers(0, i - 1)) for i in range(n)]
    depth = [0] * n
    for i, p in enumerate(parent):
        depth[i] = 0 if p < 0 else depth[p] + 1
    start = draw(st.lists(st.integers(0, n - 1), max_size=8))
    steps = [draw(st.integers(0, depth[s] + 1)) for s in start]
    return np.array(parent, dtype=np.int64), np.array(start, dtype=np.int64), np.array(steps, dtype=np.int64)


@settings(max_examples=200, deadline=None)
@given(forests(), st.booleans())
def test_walks_go_up_the_forest_walk_after_walk(forest: tuple[np.ndarray, ...], top_first: bool) -> None:
    parent, start, steps = forest
    spelled: list[int] = []
    for s, k in zip(start.tolist(), steps.tolist(), strict=True):
        walk = [s]
        while len(walk) < k:
            walk.append(int(parent[walk[-1]]))
        spelled.extend(reversed(walk[:k]) if top_first else walk[:k])
    assert walks(parent, start, steps, top_first=top_first).tolist() == spelled


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.integers(0, 5), st.integers(0, 2**62)), max_size=40))
def test_key_order_is_the_stable_sort_of_the_keys(keys: list[int]) -> None:
    # Small keys are sorted packed with their positions; keys too large to pack take the argsort.
    values = np.array(keys, dtype=np.int64)
    assert key_order(values).tolist() == np.argsort(values, kind="stable").tolist()
