"""Ultimate parent chains as JSON text: ids that need escaping, and id arrays that are slices."""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa

from pipeline.ownership.graph import Edges
from pipeline.ownership.parent import chains, resolve_parents


def majority_chain(n: int) -> Edges:
    """Node i + 1 holds 60% of node i: one chain from node 0 up to node n - 1."""
    src = np.arange(1, n, dtype=np.int64)
    stake = np.full(n - 1, 0.6)
    closed = np.zeros(n - 1, dtype=bool)
    return Edges(src, src - 1, stake, closed, stake, closed.copy())


def test_chain_ids_are_json_escaped_whatever_bytes_they_hold() -> None:
    names = ['quote"d', "back\\slash", "new\nline", "tab\tand\x01", "caf\u00e9 \u6771\u4eac", "", "plain"]
    ids = pa.array(names, pa.large_string())
    out = chains(resolve_parents(len(names), majority_chain(len(names))), ids).to_pylist()
    assert [orjson.loads(text) for text in out] == [names[i:] for i in range(len(names))]


def test_chains_of_a_sliced_id_array_read_only_the_slice() -> None:
    every = pa.array(['skip"me', "a", "b\\", "c", 'skip"too'], pa.large_string())
    ids = every.slice(1, 3)
    out = chains(resolve_parents(3, majority_chain(3)), ids).to_pylist()
    assert [orjson.loads(text) for text in out] == [["a", "b\\", "c"], ["b\\", "c"], ["c"]]


def test_a_cycle_end_goes_once_round_the_cycle() -> None:
    src = np.array([1, 2, 0], dtype=np.int64)
    stake = np.full(3, 0.6)
    closed = np.zeros(3, dtype=bool)
    cycle = Edges(src, np.array([0, 1, 2], dtype=np.int64), stake, closed, stake, closed.copy())
    out = chains(resolve_parents(3, cycle), pa.array(['a"', "b", "c"], pa.large_string())).to_pylist()
    assert [orjson.loads(text) for text in out] == [['a"', "b", "c", 'a"'], ["b", "c", 'a"'], ["c", 'a"']]
