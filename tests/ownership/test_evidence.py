"""Evidence paths: the all-at-once enumeration against a plain recursive one, on random carrying graphs."""

from __future__ import annotations

from functools import cache

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ownership.evidence import MAX_PATHS, Contributions, Paths, contributions, find_paths

Path = tuple[tuple[int, ...], tuple[int, ...]]


def reference_paths(contrib: Contributions, rank: np.ndarray, starts: np.ndarray, node: int) -> tuple[list[Path], bool]:
    """Paths into `node` spelled out: a start is its own path; otherwise holder by holder (contribution
    order), each of the holder's paths plus this step, while fewer than MAX_PATHS are kept."""

    @cache
    def paths(x: int) -> tuple[tuple[Path, ...], bool]:
        if starts[x]:
            return (((x,), ()),), False
        out: list[Path] = []
        truncated = False
        a, b = int(contrib.indptr[x]), int(contrib.indptr[x + 1])
        for o, e in zip(contrib.src[a:b].tolist(), contrib.edge[a:b].tolist(), strict=True):
            if not 0 <= rank[o] < rank[x]:
                continue
            sub, sub_truncated = paths(o)
            truncated |= sub_truncated
            for nodes, via in sub:
                if len(out) == MAX_PATHS:
                    return tuple(out), True
                out.append(((*nodes, x), (*via, e)))
        return tuple(out), truncated

    found, truncated = paths(node)
    return list(found), truncated


def spelled_out(paths: Paths, k: int) -> list[Path]:
    """The k-th target's paths read back from the prefix tree (each path's depth checked on the way)."""
    out = []
    for last in paths.of[paths.indptr[k] : paths.indptr[k + 1]].tolist():
        nodes, via, p = [], [], last
        while p >= 0:
            nodes.append(int(paths.node[p]))
            if paths.edge[p] >= 0:
                via.append(int(paths.edge[p]))
            p = int(paths.parent[p])
        assert paths.depth[last] == len(nodes) - 1 == len(via)
        out.append((tuple(reversed(nodes)), tuple(reversed(via))))
    return out


@st.composite
def carrying_graphs(draw: st.DrawFn) -> tuple[Contributions, np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 9))
    m = draw(st.integers(0, 30))
    src = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64)
    dst = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), dtype=np.int64)
    weight = np.array(draw(st.lists(st.sampled_from([0.1, 0.25, 0.5, 1.0, 2.0]), min_size=m, max_size=m)))
    keep = np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool)
    rank = np.array(draw(st.lists(st.integers(-1, 4), min_size=n, max_size=n)), dtype=np.int64)
    starts = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    targets = np.array(sorted(draw(st.sets(st.integers(0, n - 1), min_size=1))), dtype=np.int64)
    return contributions(n, src[keep], dst[keep], weight[keep], np.flatnonzero(keep)), rank, starts, targets


@settings(max_examples=300, deadline=None)
@given(carrying_graphs())
def test_find_paths_matches_the_recursive_enumeration(
    graph: tuple[Contributions, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    contrib, rank, starts, targets = graph
    found = find_paths(contrib, rank, starts, targets)
    for k, node in enumerate(targets.tolist()):
        expected, truncated = reference_paths(contrib, rank, starts, node)
        assert spelled_out(found, k) == expected
        assert bool(found.truncated[k]) == truncated
        starts_of = found.start[found.of[found.indptr[k] : found.indptr[k + 1]]].tolist()
        assert starts_of == [nodes[0] for nodes, _ in expected]


def test_exactly_max_paths_is_not_truncated() -> None:
    n = MAX_PATHS + 2
    src = np.array([0] * MAX_PATHS + list(range(1, MAX_PATHS + 1)), dtype=np.int64)
    dst = np.array(list(range(1, MAX_PATHS + 1)) + [n - 1] * MAX_PATHS, dtype=np.int64)
    contrib = contributions(n, src, dst, np.full(len(src), 0.3), np.arange(len(src)))
    rank = np.array([0] + [1] * MAX_PATHS + [2], dtype=np.int64)
    starts = np.arange(n) == 0
    found = find_paths(contrib, rank, starts, np.array([n - 1], dtype=np.int64))
    assert len(spelled_out(found, 0)) == MAX_PATHS
    assert not found.truncated[0]


def test_a_wide_fan_in_is_truncated_at_max_paths() -> None:
    # Node 0 is a start; nodes 1..7 each hold node 8 and are held by 0: seven paths into 8, five kept.
    n = 9
    src = np.array([0] * 7 + list(range(1, 8)), dtype=np.int64)
    dst = np.array(list(range(1, 8)) + [8] * 7, dtype=np.int64)
    contrib = contributions(n, src, dst, np.linspace(0.9, 0.1, 14), np.arange(14))
    rank = np.array([0, 1, 1, 1, 1, 1, 1, 1, 2], dtype=np.int64)
    starts = np.zeros(n, dtype=bool)
    starts[0] = True
    found = find_paths(contrib, rank, starts, np.array([8, 3], dtype=np.int64))
    assert found.truncated.tolist() == [True, False]
    assert [nodes for nodes, _ in spelled_out(found, 0)] == [(0, k, 8) for k in range(1, 6)]
    assert spelled_out(found, 1) == [((0, 3), (2,))]
