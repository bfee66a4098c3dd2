"""OWNERSHIP's nested columns, `rules` and `evidence`, built as Arrow arrays of the evidence model.

Invariants:
- The columns have exactly the types of `evidence_model` (`IDS_TYPE`, `EVIDENCE_TYPE`), one row per
  record in node order; values are numbers, ids and codes, never text written for people.
- Every list is built from the CSR offsets the engine already has (paths by record, holders by held
  record, path nodes by path): one `ListArray.from_arrays` per list, the values taken from the id and
  edge arrays in one pass each. Records with nothing to list (clear records, roots) have empty lists,
  so the cost follows the number of flagged records, plus a few passes over per-record offsets.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from pipeline.arrays import BoolArray, FloatArray, IntArray
from pipeline.ownership.evidence import Flagged
from pipeline.ownership.evidence_model import (
    EVIDENCE_TYPE,
    IDS_TYPE,
    OWNER_TYPE,
    PATH_TYPE,
    ROOT_TYPE,
    STAKE_TYPE,
    UNKNOWN_HOLDER_TYPE,
    UNREAD_TYPE,
)
from pipeline.ownership.graph import Graph, grouped, offsets, ranges, walks
from pipeline.ownership.judge import Judgement
from pipeline.ownership.roots import BASIS_RULE, RootBases
from pipeline.ownership.unread import UnreadRecords
from pipeline.policy.definition import OwnershipRule


def _stakes(
    low: FloatArray, low_open: BoolArray, high: FloatArray, high_open: BoolArray, control: BoolArray
) -> pa.StructArray:
    """`Stake` structs: an interval, or (`control`) control without shares, whose bounds are null."""
    no_share = control if control.any() else None
    children = [
        pa.array(low, pa.float64(), mask=no_share),
        pa.array(low_open & ~control),
        pa.array(high, pa.float64(), mask=no_share),
        pa.array(high_open & ~control),
        pa.array(control),
    ]
    return pa.StructArray.from_arrays(children, fields=list(STAKE_TYPE))


def _no_share(control: BoolArray) -> pa.StructArray:
    z, f = np.zeros(len(control)), np.zeros(len(control), dtype=bool)
    return _stakes(z, f, z, f, control)


def stake_structs(graph: Graph, edges: IntArray) -> pa.StructArray:
    """The stake of each carrying contribution (`evidence.carrying` numbers: past the ownership edges
    are control edges)."""
    o = graph.ownership
    control = edges >= len(o)
    if not len(o):
        return _no_share(control)
    e = np.where(control, 0, edges)
    return _stakes(o.low[e], o.low_open[e], o.high[e], o.high_open[e], control)


def outside_stakes(graph: Graph, flagged: Flagged) -> tuple[pa.Array, pa.StructArray]:
    """(holder id, stake) of each holding from outside the data in `flagged.outside`, in its order."""
    out, o, c = flagged.outside, graph.outside, graph.outside_control
    control = out.kind == 1
    holder = np.zeros(len(control), dtype=np.int64)
    if len(c):
        holder[control] = c.src[out.edge[control]]
    if not len(o):
        stakes = _no_share(control)
    else:
        e = np.where(control, 0, out.edge)
        stakes = _stakes(o.low[e], o.low_open[e], o.high[e], o.high_open[e], control)
        holder[~control] = o.src[out.edge[~control]]
    return graph.outside_ids.take(pa.array(holder)), stakes


class _Lists:
    """A list column over every record where only some records have items: each run's items are given
    for its records (`rows`, ascending) as CSR offsets and values, and put in record order at the end."""

    def __init__(self, n: int, item: pa.DataType) -> None:
        self._counts = np.zeros(n, dtype=np.int64)
        self._starts = np.zeros(n, dtype=np.int64)
        self._values: list[pa.Array] = []
        self._size = 0
        self._item = item

    def set_rows(self, rows: IntArray, indptr: IntArray, values: pa.Array) -> None:
        """rows[k] gets values[indptr[k]:indptr[k + 1]]."""
        self._counts[rows] = np.diff(indptr)
        self._starts[rows] = self._size + indptr[:-1]
        self._values.append(values)
        self._size += len(values)

    def arrow(self) -> pa.LargeListArray:
        values = pa.concat_arrays(self._values) if self._values else pa.array([], self._item)
        order = ranges(self._starts, self._counts)
        if len(order) and not np.array_equal(order, np.arange(len(order))):
            values = values.take(pa.array(order))
        return pa.LargeListArray.from_arrays(pa.array(offsets(self._counts)), values, type=pa.large_list(self._item))


def _roots(graph: Graph, basis: RootBases, flagged: Flagged) -> tuple[IntArray, pa.StructArray]:
    """Where each record's kept paths start, other than the record itself, in id order."""
    paths, n, k = flagged.paths, graph.n, len(flagged.idx)
    row = np.repeat(np.arange(k), np.diff(paths.indptr))
    start = paths.start[paths.of]
    other = start != flagged.idx[row]
    pair = np.unique(row[other] * n + start[other])  # node order is id order
    root_row, root = pair // n, pair % n
    # A path starts at a root (its basis) or at a record held for an unread statement.
    texts = pa.array([*basis.texts, str(OwnershipRule.UNREAD_STATEMENT)], pa.large_string())
    code = basis.code[root]
    bases = texts.take(pa.array(np.where(code >= 0, code, len(basis.texts))))
    ids = graph.ids_arrow.take(pa.array(root, pa.int64()))
    return grouped(root_row, k), pa.StructArray.from_arrays([ids, bases], fields=list(ROOT_TYPE))


def _owners(graph: Graph, names: pa.ChunkedArray, flagged: Flagged) -> pa.StructArray:
    """The first MAX_OWNERS_LISTED carrying holders of each record, largest stake first."""
    holder = pa.array(flagged.contrib.src[flagged.owner_at], pa.int64())
    return pa.StructArray.from_arrays(
        [
            graph.ids_arrow.take(holder),
            names.take(holder).combine_chunks(),
            stake_structs(graph, flagged.contrib.edge[flagged.owner_at]),
        ],
        fields=list(OWNER_TYPE),
    )


def _paths(graph: Graph, flagged: Flagged) -> pa.StructArray:
    """Each path, root first: the ids on it and the stakes between them (a walk up the prefix tree,
    turned round)."""
    paths = flagged.paths
    kept = paths.of
    nodes, steps = offsets(paths.depth[kept] + 1), offsets(paths.depth[kept])  # a start has no stake
    on = walks(paths.parent, kept, np.diff(nodes), top_first=True)
    stepped = walks(paths.parent, kept, np.diff(steps), top_first=True)
    ids = pa.LargeListArray.from_arrays(pa.array(nodes), graph.ids_arrow.take(pa.array(paths.node[on], pa.int64())))
    stakes = pa.LargeListArray.from_arrays(pa.array(steps), stake_structs(graph, paths.edge[stepped]))
    return pa.StructArray.from_arrays([ids, stakes], fields=list(PATH_TYPE))


def _unread(unread: UnreadRecords, flagged: Flagged) -> tuple[IntArray, pa.Array]:
    notes = [unread.notes(int(i)) if held else [] for i, held in zip(flagged.idx, flagged.by_unread, strict=True)]
    flat = [note for found in notes for note in found]
    return offsets(np.array([len(found) for found in notes], dtype=np.int64)), pa.array(flat, UNREAD_TYPE)


def _unknown(graph: Graph, flagged: Flagged) -> tuple[IntArray, pa.StructArray]:
    ids, stakes = outside_stakes(graph, flagged)
    holders = pa.StructArray.from_arrays([ids, stakes], fields=list(UNKNOWN_HOLDER_TYPE))
    return grouped(flagged.outside.record, len(flagged.idx)), holders


def evidence_column(
    graph: Graph, basis: RootBases, names: pa.ChunkedArray, unread: UnreadRecords, runs: Sequence[Flagged]
) -> pa.StructArray:
    n = graph.n
    roots, owners = _Lists(n, ROOT_TYPE), _Lists(n, OWNER_TYPE)
    paths, unread_notes, unknown = _Lists(n, PATH_TYPE), _Lists(n, UNREAD_TYPE), _Lists(n, UNKNOWN_HOLDER_TYPE)
    owners_total = np.zeros(n, dtype=np.int64)
    truncated = np.zeros(n, dtype=bool)
    for flagged in runs:
        idx = flagged.idx
        if not len(idx):
            continue
        roots.set_rows(idx, *_roots(graph, basis, flagged))
        owners.set_rows(idx, flagged.listed, _owners(graph, names, flagged))
        owners_total[idx] = flagged.owners_total
        paths.set_rows(idx, flagged.paths.indptr, _paths(graph, flagged))
        truncated[idx] = flagged.paths.truncated
        unread_notes.set_rows(idx, *_unread(unread, flagged))
        unknown.set_rows(idx, *_unknown(graph, flagged))
    children = [
        roots.arrow(), owners.arrow(), pa.array(owners_total), paths.arrow(), pa.array(truncated),
        unread_notes.arrow(), unknown.arrow(),
    ]  # fmt: skip
    return pa.StructArray.from_arrays(children, fields=list(EVIDENCE_TYPE))


def _rule_list(bound: str, *, by_share: bool, by_control: bool, by_unread: bool, unknown: bool) -> list[str]:
    flags = (
        (by_unread, OwnershipRule.UNREAD_STATEMENT),
        (by_share, OwnershipRule.OWNERSHIP if bound == "low" else OwnershipRule.OWNERSHIP_POSSIBLE),
        (by_control, OwnershipRule.CONTROL),
        (unknown, OwnershipRule.UNKNOWN_HOLDER),
    )
    return [str(rule) for holds, rule in flags if holds]


def rules_column(judgement: Judgement, basis: RootBases, runs: Sequence[Flagged]) -> pa.LargeListArray:
    """Each record's rule ids: `clear`; a root's bases (`root.incorporation`, ...); a flagged record's
    reasons in the order unread statement, share, control, unknown holder."""
    lists: list[list[str]] = [[str(OwnershipRule.CLEAR)]]
    code = np.zeros(len(judgement.decision), dtype=np.int64)
    root_rows = np.flatnonzero(judgement.roots)
    lists += [[str(BASIS_RULE[item.split(":")[0]]) for item in b.split(";")] for b in basis.texts]
    code[root_rows] = 1 + basis.code[root_rows]
    for flagged in runs:
        if not len(flagged.idx):
            continue
        # One list per combination of the four reasons: 16 lists, each record's by its bits.
        bits = flagged.by_unread * 8 + flagged.by_share * 4 + flagged.by_control * 2 + flagged.has_unknown
        code[flagged.idx] = len(lists) + bits
        lists += [
            _rule_list(flagged.bound, by_unread=bool(c & 8), by_share=bool(c & 4), by_control=bool(c & 2),
                       unknown=bool(c & 1))
            for c in range(16)
        ]  # fmt: skip
    out: pa.LargeListArray = pa.array(lists, IDS_TYPE).take(pa.array(code))
    return out
