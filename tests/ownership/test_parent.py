"""Majority owners, and ultimate parent chains as lists of ids: ids whatever bytes they hold, id arrays
that are slices, cycles."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from pipeline.ownership.graph import Edges
from pipeline.ownership.parent import chains, majority_parents, resolve_parents


def majority_chain(n: int) -> Edges:
    """Node i + 1 holds 60% of node i: one chain from node 0 up to node n - 1."""
    src = np.arange(1, n, dtype=np.int64)
    stake = np.full(n - 1, 0.6)
    closed = np.zeros(n - 1, dtype=bool)
    return Edges(src, src - 1, stake, closed, stake, closed.copy())


def test_the_largest_least_stake_then_the_smallest_id_is_the_majority_owner() -> None:
    # node 0: owners 3 (60%), 1 (60%), 2 (55%) and 4 (50%, not a majority); node 5: owner 4 only,
    # more than 50% (open); node 6: owners 2 (70%) and 1 (65%).
    src = np.array([1, 1, 2, 2, 3, 4, 4], dtype=np.int64)
    dst = np.array([0, 6, 0, 6, 0, 0, 5], dtype=np.int64)
    low = np.array([0.6, 0.65, 0.55, 0.7, 0.6, 0.5, 0.5])
    low_open = np.array([False, False, False, False, False, False, True])
    parent, counts = majority_parents(7, Edges(src, dst, low, low_open, low.copy(), low_open.copy()))
    assert parent.tolist() == [1, -1, -1, -1, -1, 4, 2]
    assert counts.tolist() == [3, 0, 0, 0, 0, 1, 2]


def test_chain_ids_are_kept_whatever_bytes_they_hold() -> None:
    names = ['quote"d', "back\\slash", "new\nline", "tab\tand\x01", "caf\u00e9 \u6771\u4eac", "", "plain"]
    ids = pa.array(names, pa.large_string())
    out = chains(resolve_parents(len(names), majority_chain(len(names))), ids).to_pylist()
    assert out == [names[i:] for i in range(len(names))]


def test_chains_of_a_sliced_id_array_read_only_the_slice() -> None:
    every = pa.array(['skip"me', "a", "b\\", "c", 'skip"too'], pa.large_string())
    ids = every.slice(1, 3)
    out = chains(resolve_parents(3, majority_chain(3)), ids).to_pylist()
    assert out == [["a", "b\\", "c"], ["b\\", "c"], ["c"]]


def test_a_cycle_end_goes_once_round_the_cycle() -> None:
    src = np.array([1, 2, 0], dtype=np.int64)
    stake = np.full(3, 0.6)
    closed = np.zeros(3, dtype=bool)
    cycle = Edges(src, np.array([0, 1, 2], dtype=np.int64), stake, closed, stake, closed.copy())
    out = chains(resolve_parents(3, cycle), pa.array(['a"', "b", "c"], pa.large_string())).to_pylist()
    assert out == [['a"', "b", "c", 'a"'], ["b", "c", 'a"'], ["c", 'a"']]


def test_a_node_without_a_majority_owner_climbs_through_its_consolidation_parent() -> None:
    # Node 1 holds 60% of node 0; node 2 consolidates node 1 (no shares); node 3 "consolidates" itself
    # (ignored); node 4 consolidates node 0, which has a majority owner by shares already (shares win).
    shares = Edges(np.array([1]), np.array([0]), np.array([0.6]), np.array([False]), np.array([0.6]), np.array([False]))
    src, dst = np.array([2, 3, 4], dtype=np.int64), np.array([1, 3, 0], dtype=np.int64)
    unused, closed = np.full(3, np.nan), np.zeros(3, dtype=bool)
    parents = resolve_parents(5, shares, Edges(src, dst, unused, closed, unused.copy(), closed.copy()))
    assert parents.parent.tolist() == [1, 2, -1, -1, -1]
    assert parents.majority_owners.tolist() == [1, 0, 0, 0, 0]  # shares only
    ids = pa.array(["child", "holder", "group", "self", "other"], pa.large_string())
    assert chains(parents, ids).to_pylist()[0] == ["child", "holder", "group"]
