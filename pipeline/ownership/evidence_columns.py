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
from typing import Any

import numpy as np
import pyarrow as pa

from pipeline.arrays import BoolArray, FloatArray, IntArray, LargeStringChunks, LargeStrings, int64s
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
    children: list[pa.Array[Any]] = [
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


def outside_stakes(graph: Graph, flagged: Flagged) -> tuple[LargeStrings, pa.StructArray]:
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
    return graph.outside_ids.take(int64s(holder)), stakes


class _Placement:
    """Where the flagged records of every run sit among all records, to put each run's per-record values
    (lists as CSR offsets and values, in the run's record order) into whole columns in record order.
    Only the offsets are as long as the column: every record between two flagged ones has the offset of
    the next flagged one, so they are written with one `repeat`, with no other array as long."""

    def __init__(self, n: int, runs: Sequence[Flagged]) -> None:
        self.n = n
        self.runs = [f for f in runs if len(f.idx)]
        rows = np.concatenate([f.idx for f in self.runs]) if self.runs else np.zeros(0, dtype=np.int64)
        self.order = np.argsort(rows, kind="stable")
        self.rows = rows[self.order]
        # Offset k + 1 serves the records after the k-th flagged one up to the next, the last to the end.
        self.spans = np.diff(np.concatenate([[-1], self.rows, [n]]))

    def lists(self, parts: Sequence[tuple[IntArray, pa.Array[Any]]], item: pa.DataType) -> pa.LargeListArray[Any]:
        """One list per record: run r's k-th record gets `parts[r][1][indptr[k]:indptr[k + 1]]`."""
        if not parts:  # nothing flagged: every list is empty
            return pa.LargeListArray.from_arrays(int64s(np.zeros(self.n + 1, dtype=np.int64)), pa.array([], item))
        counts = np.concatenate([np.diff(indptr) for indptr, _ in parts])
        bases = np.cumsum([0, *(len(values) for _, values in parts)])
        starts = np.concatenate([base + indptr[:-1] for base, (indptr, _) in zip(bases, parts, strict=False)])
        values = pa.concat_arrays([v for _, v in parts])
        counts, starts = counts[self.order], starts[self.order]
        taken = ranges(starts, counts)
        if not np.array_equal(taken, np.arange(len(taken))):
            values = values.take(int64s(taken))
        record_offsets = np.repeat(offsets(counts), self.spans)
        return pa.LargeListArray.from_arrays(int64s(record_offsets), values, type=pa.large_list(item))

    def values(self, parts: Sequence[np.ndarray], fill: object, dtype: type) -> np.ndarray:
        """One value per record: run r's k-th record gets `parts[r][k]`, every other record `fill`."""
        out: np.ndarray = np.full(self.n, fill, dtype=dtype)
        if parts:
            out[self.rows] = np.concatenate(parts)[self.order]
        return out


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
    bases = texts.take(int64s(np.where(code >= 0, code, len(basis.texts))))
    ids = graph.ids_arrow.take(pa.array(root, pa.int64()))
    return grouped(root_row, k), pa.StructArray.from_arrays([ids, bases], fields=list(ROOT_TYPE))


def _owners(graph: Graph, names: LargeStringChunks, flagged: Flagged) -> pa.StructArray:
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
    ids = pa.LargeListArray.from_arrays(int64s(nodes), graph.ids_arrow.take(pa.array(paths.node[on], pa.int64())))
    stakes = pa.LargeListArray.from_arrays(int64s(steps), stake_structs(graph, paths.edge[stepped]))
    return pa.StructArray.from_arrays([ids, stakes], fields=list(PATH_TYPE))


def _unread(unread: UnreadRecords, flagged: Flagged) -> tuple[IntArray, pa.Array[Any]]:
    """The quarantined statements about each record held for them (few: Python per record)."""
    held = np.flatnonzero(flagged.by_unread)
    notes = [unread.notes(int(i)) for i in flagged.idx[held]]
    counts = np.zeros(len(flagged.idx), dtype=np.int64)
    counts[held] = [len(found) for found in notes]
    return offsets(counts), pa.array([note for found in notes for note in found], UNREAD_TYPE)


def _unknown(graph: Graph, flagged: Flagged) -> tuple[IntArray, pa.StructArray]:
    ids, stakes = outside_stakes(graph, flagged)
    holders = pa.StructArray.from_arrays([ids, stakes], fields=list(UNKNOWN_HOLDER_TYPE))
    return grouped(flagged.outside.record, len(flagged.idx)), holders


def evidence_column(
    graph: Graph, basis: RootBases, names: LargeStringChunks, unread: UnreadRecords, runs: Sequence[Flagged]
) -> pa.StructArray:
    placed = _Placement(graph.n, runs)
    runs = placed.runs
    children = [
        placed.lists([_roots(graph, basis, f) for f in runs], ROOT_TYPE),
        placed.lists([(f.listed, _owners(graph, names, f)) for f in runs], OWNER_TYPE),
        pa.array(placed.values([f.owners_total for f in runs], 0, np.int64)),
        placed.lists([(f.paths.indptr, _paths(graph, f)) for f in runs], PATH_TYPE),
        pa.array(placed.values([f.paths.truncated for f in runs], False, np.bool_)),
        placed.lists([_unread(unread, f) for f in runs], UNREAD_TYPE),
        placed.lists([_unknown(graph, f) for f in runs], UNKNOWN_HOLDER_TYPE),
    ]
    return pa.StructArray.from_arrays(children, fields=list(EVIDENCE_TYPE))


def _rule_list(
    bound: str, *, by_share: bool, by_control: bool, by_consolidation: bool, by_unread: bool, unknown: bool
) -> list[str]:
    flags = (
        (by_unread, OwnershipRule.UNREAD_STATEMENT),
        (by_share, OwnershipRule.OWNERSHIP if bound == "low" else OwnershipRule.OWNERSHIP_POSSIBLE),
        (by_control, OwnershipRule.CONTROL),
        (by_consolidation, OwnershipRule.CONSOLIDATION),
        (unknown, OwnershipRule.UNKNOWN_HOLDER),
    )
    return [str(rule) for holds, rule in flags if holds]


def rules_column(
    judgement: Judgement, basis: RootBases, runs: Sequence[Flagged]
) -> pa.Array[pa.Scalar[pa.LargeListType[pa.lib.LargeStringType]]]:
    """Each record's rule ids: `clear`; a root's bases (`root.incorporation`, ...); a flagged record's
    reasons in the order unread statement, share, control, consolidation, unknown holder."""
    lists: list[list[str]] = [[str(OwnershipRule.CLEAR)]]
    code = np.zeros(len(judgement.decision), dtype=np.int64)
    root_rows = np.flatnonzero(judgement.roots)
    lists += [[str(BASIS_RULE[item.split(":")[0]]) for item in b.split(";")] for b in basis.texts]
    code[root_rows] = 1 + basis.code[root_rows]
    for flagged in runs:
        if not len(flagged.idx):
            continue
        # One list per combination of the five reasons: 32 lists, each record's by its bits.
        bits = (flagged.by_unread * 16 + flagged.by_share * 8 + flagged.by_other_control * 4
                + flagged.by_consolidation * 2 + flagged.has_unknown)  # fmt: skip
        code[flagged.idx] = len(lists) + bits
        lists += [
            _rule_list(flagged.bound, by_unread=bool(c & 16), by_share=bool(c & 8), by_control=bool(c & 4),
                       by_consolidation=bool(c & 2), unknown=bool(c & 1))
            for c in range(32)
        ]  # fmt: skip
    return pa.array(lists, IDS_TYPE).take(int64s(code))
