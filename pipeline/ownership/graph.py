"""The ownership graph on a date: nodes, interval stakes on owner -> owned edges, and control edges.

Invariants:
- Nodes are the distinct entity/person ids, sorted, so a node's integer index orders like its id (the
  smallest id of a cycle is the smallest index) and results never depend on input row order.
- An ownership edge exists for an interest that is active on the date (startDate <= date < endDate,
  missing bounds open), of a type the policy counts as ownership, not declared `indirect`, between two
  known, different records. Its stake is the interval of the largest such interest between the pair (a
  missing share is [0, 1]); several relationship records between one pair are the same holding told
  again, so they are not added up.
- Control edges are the active, non-indirect interests of a control type the policy does not count as
  ownership, accounting consolidation among them (`consolidation` marks those edges, whose effect the
  policy's `consolidation` key sets); declared indirect interests of ownership types are returned apart,
  for the cross-check only.
- An active, direct interest held in a known record by a holder that is not in the data (never read,
  quarantined, closed, or not yet known) is not dropped: it becomes an `outside` edge (ownership or
  control), whose holder could be restricted for all we know; `resolve` counts it in the high run only.
  An interest in a record that is not in the data cannot change any decision and is left out.
- Every interest set aside or treated specially for a data problem (self-ownership, unknown record,
  impossible share) is reported as a finding. (Stakes that add up to more than 100% are checked once,
  before resolution, by `holdings.stake_sums`.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from pipeline.arrays import (
    BoolArray,
    FloatArray,
    IntArray,
    LargeStringChunks,
    LargeStrings,
    arrow_strings,
    filled,
    int64s,
)
from pipeline.ownership.findings import Check, Finding, Severity
from pipeline.ownership.stakes import EPS
from pipeline.policy.definition import CONSOLIDATION_INTEREST_TYPES, CONTROL_INTEREST_TYPES, Policy


@dataclass(frozen=True)
class Edges:
    """Parallel arrays, one entry per edge; `src` holds (owns or controls) `dst`."""

    src: IntArray
    dst: IntArray
    low: FloatArray
    low_open: BoolArray
    high: FloatArray
    high_open: BoolArray

    def __len__(self) -> int:
        return len(self.src)

    def take(self, rows: BoolArray | IntArray) -> Edges:
        return Edges(
            self.src[rows], self.dst[rows], self.low[rows], self.low_open[rows], self.high[rows], self.high_open[rows]
        )


@dataclass(frozen=True)
class Graph:
    ids_arrow: LargeStrings  # sorted distinct record ids; position = node index
    rows: IntArray  # per node, the row of `entities` that describes it (the first, if repeated)
    ownership: Edges  # one edge per (owner, owned) pair, in (owner, owned) order
    control: Edges  # one edge per (controller, controlled) pair, in that order; stakes unused
    declared_indirect: Edges  # declared indirect interests (may repeat pairs), for the cross-check
    findings: tuple[Finding, ...]
    outside: Edges  # ownership held in a node by a holder not in the data: src indexes `outside_ids`
    outside_control: Edges  # control held in a node by a holder not in the data (stakes unused)
    outside_ids: LargeStrings  # sorted distinct ids of those holders
    consolidation: BoolArray  # per control edge: accounting consolidation (or a branch), not other control
    outside_consolidation: BoolArray  # the same, per outside control edge

    @property
    def n(self) -> int:
        return len(self.ids_arrow)

    def id_at(self, i: int) -> str:
        return str(self.ids_arrow[int(i)].as_py())

    def ids_at(self, nodes: IntArray) -> list[str]:
        """The ids of `nodes`, in that order (a node always has one)."""
        return [str(i) for i in self.ids_arrow.take(int64s(nodes)).to_pylist()]

    @cached_property
    def owner_matrix(self) -> sp.csr_matrix:
        """Owner -> owned adjacency, rows the owners, from the edges' own (src, dst) order: no sort, and
        32-bit indices as scipy keeps them (given 64-bit ones, it checks and converts them every time)."""
        o, n = self.ownership, self.n
        index = np.int32 if max(n, len(o)) < 2**31 else np.int64
        return sp.csr_matrix((np.ones(len(o)), o.dst.astype(index), grouped(o.src, n).astype(index)), shape=(n, n))

    @cached_property
    def ids(self) -> npt.NDArray[np.object_]:
        """The ids as Python strings (built on first use: per-node lookups in evidence and findings)."""
        out: npt.NDArray[np.object_] = self.ids_arrow.to_numpy(zero_copy_only=False).astype(object)
        return out


def offsets(counts: IntArray) -> IntArray:
    """CSR row pointers from row sizes: row k holds items out[k] .. out[k + 1] - 1."""
    out = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=out[1:])
    return out


def grouped(keys: IntArray, n: int) -> IntArray:
    """CSR row pointers of items sorted by key, for keys 0 .. n - 1."""
    return offsets(np.bincount(keys, minlength=n))


def ranges(starts: IntArray, counts: IntArray) -> IntArray:
    """starts[k], starts[k] + 1, .., starts[k] + counts[k] - 1, range after range (CSR rows' items)."""
    before = np.cumsum(counts) - counts
    out: IntArray = np.arange(int(counts.sum()), dtype=np.int64) + np.repeat(starts - before, counts)
    return out


def walks(parent: IntArray, start: IntArray, steps: IntArray, *, top_first: bool = False) -> IntArray:
    """Walks up a forest, walk after walk (the items of CSR rows `offsets(steps)`): start[k], then its
    parent, its parent's parent, .., steps[k] nodes in all; top first (reversed) when `top_first`."""
    out = np.empty(int(steps.sum()), dtype=np.int64)
    first = offsets(steps)[:-1]
    live = np.flatnonzero(steps > 0)
    node = start[live]
    j = 0
    while len(live):
        out[first[live] + (steps[live] - 1 - j if top_first else j)] = node
        j += 1
        more = steps[live] > j
        live, node = live[more], parent[node[more]]
    return out


def key_order(keys: IntArray) -> IntArray:
    """An order that sorts non-negative integer keys, equal keys by position. When a key and a position fit
    in 63 bits together, the keys are sorted with their positions packed below them: numpy sorts plain
    integers with SIMD, two or more times faster than it finds an argsort."""
    n = len(keys)
    shift = max(n - 1, 1).bit_length()
    if not n or int(keys.max()) >= 1 << (63 - shift):
        out: IntArray = np.argsort(keys, kind="stable")
        return out
    packed = np.sort((keys << shift) | np.arange(n, dtype=np.int64))
    return packed & ((1 << shift) - 1)


def _indices(values: LargeStringChunks, ids: pa.Array[Any] | pa.ChunkedArray[Any]) -> IntArray:
    """Position of each value in `ids` (a node index when `ids` are the nodes; -1 when absent or null)."""
    found = pc.index_in(values, value_set=ids)
    out: IntArray = filled(found, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return out


def _bool(arr: pa.Array[Any] | pa.ChunkedArray[Any]) -> BoolArray:
    out: BoolArray = np.asarray(filled(arr, False).to_numpy(zero_copy_only=False), dtype=np.bool_)
    return out


def _empty_edges() -> Edges:
    z = np.zeros(0, dtype=np.int64)
    f = np.zeros(0, dtype=np.float64)
    b = np.zeros(0, dtype=bool)
    return Edges(z, z.copy(), f, b, f.copy(), b.copy())


def active_mask(interests: pd.DataFrame, as_of: dt.date) -> BoolArray:
    """startDate <= as_of < endDate, each bound read by its first ten characters (a date, maybe a time
    after it), missing bounds open. `text[:10] <= day` holds exactly when `text` sorts before `day` with
    its last character bumped (2025-06-30 -> "2025-06-31"), so the columns are compared unsliced."""
    day = as_of.isoformat()
    bumped = pa.scalar(day[:-1] + chr(ord(day[-1]) + 1), pa.large_string())
    start = arrow_strings(interests["start_date"])
    end = arrow_strings(interests["end_date"])
    started = pc.or_kleene(pc.is_null(start), pc.less(start, bumped))
    not_ended = pc.or_kleene(pc.is_null(end), pc.greater_equal(end, bumped))
    return _bool(pc.and_kleene(started, not_ended))


def interest_bounds(interests: pd.DataFrame) -> tuple[FloatArray, BoolArray, FloatArray, BoolArray, BoolArray]:
    """Interval of each interest's share: (low, low_open, high, high_open, invalid).

    `exact` wins; a missing minimum is 0 and a missing maximum 1 (closed). An impossible band (min above
    max) is flagged invalid and widened to [0, 1]: the graph must not trust it either way.
    """
    exact = interests["share_exact"].to_numpy(dtype=np.float64)
    smin = interests["share_min"].to_numpy(dtype=np.float64)
    smax = interests["share_max"].to_numpy(dtype=np.float64)
    xmin = interests["exclusive_min"].to_numpy(dtype=bool)
    xmax = interests["exclusive_max"].to_numpy(dtype=bool)
    has_exact = ~np.isnan(exact)
    low = np.where(has_exact, exact, np.where(np.isnan(smin), 0.0, smin))
    high = np.where(has_exact, exact, np.where(np.isnan(smax), 1.0, smax))
    low_open = ~has_exact & ~np.isnan(smin) & xmin
    high_open = ~has_exact & ~np.isnan(smax) & xmax
    low = np.clip(low, 0.0, 1.0)
    high = np.clip(high, 0.0, 1.0)
    invalid = (low > high + EPS) | ((np.abs(low - high) <= EPS) & (low_open | high_open))
    low = np.where(invalid, 0.0, low)
    high = np.where(invalid, 1.0, high)
    low_open &= ~invalid
    high_open &= ~invalid
    return low, low_open, high, high_open, invalid


def _max_per_pair(e: Edges, rows: BoolArray) -> Edges:
    """One edge per (src, dst) among the rows selected, in (src, dst) order: the largest low bound (open
    wins a tie) and the largest high bound (closed wins a tie, since a closed bound can be reached)."""
    picked = np.flatnonzero(rows)
    if not len(picked):
        return _empty_edges()
    src, dst = e.src[picked], e.dst[picked]
    key = src * (int(max(src.max(), dst.max())) + 1) + dst
    by_pair = key_order(key)
    k = key[by_pair]
    order = picked[by_pair]  # rows of `e`, pair by pair: each field is gathered from `e` once
    first_of_pair = np.ones(len(k), dtype=bool)
    np.not_equal(k[1:], k[:-1], out=first_of_pair[1:])
    out = e.take(order[first_of_pair])
    if len(out) == len(order):
        return out
    # Only the few pairs told more than once need reducing: gather their rows, pair by pair.
    sizes = np.diff(np.flatnonzero(np.append(first_of_pair, True)))
    again = sizes > 1
    told = e.take(order[np.repeat(again, sizes)])
    starts = np.cumsum(sizes[again]) - sizes[again]
    group = np.repeat(np.arange(len(starts)), sizes[again])
    top_low = np.maximum.reduceat(told.low, starts)
    top_high = np.maximum.reduceat(told.high, starts)
    out.low[again] = top_low
    out.low_open[again] = np.logical_or.reduceat(told.low_open & (told.low == top_low[group]), starts)
    out.high[again] = top_high
    out.high_open[again] = ~np.logical_or.reduceat(~told.high_open & (told.high == top_high[group]), starts)
    return out


def _node_order(entities: pd.DataFrame) -> tuple[LargeStrings, IntArray, list[Finding]]:
    """Sorted distinct ids, the entities row of each, and a finding per repeated id."""
    raw = arrow_strings(entities["entity_id"])
    n = len(raw)
    # The reader writes entities in id order, one row each: checking that is cheaper than sorting.
    if raw.null_count == 0 and (n < 2 or pc.all(pc.less(raw.slice(0, n - 1), raw.slice(1))).as_py()):
        return raw.combine_chunks(), np.arange(n, dtype=np.int64), []
    order = pc.sort_indices(raw).to_numpy().astype(np.int64)  # stable: the first row of an id comes first
    ordered = raw.take(int64s(order))
    keep = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        keep[1:] = ~_bool(pc.equal(ordered.slice(1), ordered.slice(0, len(order) - 1)))
    findings = [
        Finding(Check.DUPLICATE_ENTITY, Severity.ERROR, str(rid), f"record {rid} appears more than once")
        for rid in dict.fromkeys(ordered.filter(pa.array(~keep)).to_pylist())
    ]
    return ordered.filter(pa.array(keep)).combine_chunks(), order[keep], findings


@dataclass(frozen=True)
class InterestFacts:
    """What each interest row says apart from whom it joins: read without the node ids."""

    active: BoolArray
    direct: BoolArray
    is_own: BoolArray
    is_ctrl: BoolArray
    is_consolidation: BoolArray  # a control type of accounting consolidation (is_ctrl too)
    bounds: tuple[FloatArray, BoolArray, FloatArray, BoolArray, BoolArray]  # interest_bounds

    @classmethod
    def of(cls, interests: pd.DataFrame, policy: Policy, as_of: dt.date) -> InterestFacts:
        owning = sorted(set(policy.ownership.interests))
        consolidating = sorted(CONSOLIDATION_INTEREST_TYPES - set(owning))
        control_types = sorted(CONTROL_INTEREST_TYPES - set(owning)) + consolidating
        types = pa.array(owning + control_types, pa.large_string())
        kind = _indices(arrow_strings(interests["interest_type"]), types)  # one pass for all
        return cls(
            active=active_mask(interests, as_of),
            direct=~_bool(pc.equal(arrow_strings(interests["direct_or_indirect"]), pa.scalar("indirect"))),
            is_own=(kind >= 0) & (kind < len(owning)),
            is_ctrl=kind >= len(owning),
            is_consolidation=kind >= len(owning) + len(control_types) - len(consolidating),
            bounds=interest_bounds(interests),
        )


def build_graph(
    entities: pd.DataFrame,
    interests: pd.DataFrame,
    policy: Policy,
    as_of: dt.date,
    facts: Callable[[], InterestFacts] | None = None,
) -> Graph:
    """`facts`: the interests' own facts (dates, types, shares, `InterestFacts.of`), asked for once the
    ids are looked up, so a caller may read them meanwhile; without it, they are read here."""
    ids, rows, findings = _node_order(entities)
    if not len(interests):
        e, none = _empty_edges(), np.zeros(0, dtype=bool)
        return Graph(ids, rows, e, e, e, tuple(findings), e, e, pa.array([], pa.large_string()), none, none)
    subj_pa = arrow_strings(interests["subject_id"])
    party_pa = arrow_strings(interests["interested_party_id"])
    both = _indices(pa.chunked_array(subj_pa.chunks + party_pa.chunks), ids)  # one hash of the ids for both
    subj, party = both[: len(subj_pa)], both[len(subj_pa) :]
    present = _bool(pc.and_(pc.is_valid(subj_pa), pc.is_valid(party_pa)))
    self_held = _bool(pc.equal(subj_pa, party_pa))
    read = facts() if facts is not None else InterestFacts.of(interests, policy, as_of)
    active, direct, is_own, is_ctrl = read.active, read.direct, read.is_own, read.is_ctrl
    low, low_open, high, high_open, invalid = read.bounds
    counted = active & (is_own | is_ctrl) & present
    same = counted & self_held
    unknown = counted & ~same & ((subj < 0) | (party < 0))
    findings.extend(
        _edge_findings(interests, invalid=active & is_own & invalid, same=same, unknown=unknown, subj=subj, party=party)
    )
    usable = counted & ~same & ~unknown
    every = Edges(party, subj, low, low_open, high, high_open)
    ownership = _max_per_pair(every, usable & is_own & direct)
    control = _max_per_pair(every, usable & is_ctrl & direct)
    consolidation = _pairs_in(control, _max_per_pair(every, usable & read.is_consolidation & direct))
    declared = every.take(usable & is_own & ~direct)
    # Held by someone we do not know, in someone we do: the holder's index among the outside ids.
    held_outside = unknown & (subj >= 0) & (party < 0) & direct
    outside_rows = np.flatnonzero(held_outside)
    outside_party = party_pa.take(int64s(outside_rows))
    # unique gives one array whatever it is given; the stubs declare it to give back the input's kind, so
    # chunks in, chunks out.
    outside_ids: LargeStrings = pc.unique(outside_party)  # type: ignore[arg-type]
    outside_ids = outside_ids.take(pc.sort_indices(outside_ids))
    holder = np.full(len(party), -1, dtype=np.int64)
    holder[outside_rows] = _indices(outside_party, outside_ids)
    outside_edges = Edges(holder, subj, low, low_open, high, high_open)
    outside = _max_per_pair(outside_edges, held_outside & is_own)
    outside_control = _max_per_pair(outside_edges, held_outside & is_ctrl)
    outside_consolidation = _pairs_in(
        outside_control, _max_per_pair(outside_edges, held_outside & read.is_consolidation)
    )
    return Graph(ids, rows, ownership, control, declared, tuple(findings), outside, outside_control, outside_ids,
                 consolidation, outside_consolidation)  # fmt: skip


def _pairs_in(edges: Edges, some: Edges) -> BoolArray:
    """Per edge of `edges`, whether `some` has an edge between the same pair (a pair told both as
    consolidation and as other control is consolidation)."""
    if not len(some):
        return np.zeros(len(edges), dtype=bool)
    width = int(max(edges.src.max(), edges.dst.max(), some.src.max(), some.dst.max())) + 1
    out: BoolArray = np.isin(edges.src * width + edges.dst, some.src * width + some.dst)
    return out


def _edge_findings(
    interests: pd.DataFrame, *, invalid: BoolArray, same: BoolArray, unknown: BoolArray, subj: IntArray, party: IntArray
) -> list[Finding]:
    """Findings for interests left out of the graph or widened; built only for the rows concerned."""
    out: list[Finding] = []
    rows = np.flatnonzero(invalid | same | unknown)
    if not len(rows):
        return out
    rel, sub, par, typ, idx = (
        np.asarray(interests[c].array.take(rows), dtype=object)
        for c in ("relationship_id", "subject_id", "interested_party_id", "interest_type", "interest_index")
    )
    for k, i in enumerate(rows):
        if invalid[i]:
            out.append(
                Finding(
                    Check.INVALID_SHARE,
                    Severity.WARN,
                    str(sub[k]),
                    f"relationship {rel[k]} interest {idx[k]}: share bounds are impossible (minimum above "
                    "maximum); treated as unknown [0%, 100%]",
                )
            )
        if same[i]:
            out.append(
                Finding(
                    Check.SELF_OWNERSHIP,
                    Severity.WARN,
                    str(sub[k]),
                    f"relationship {rel[k]}: {sub[k]} holds {typ[k]} in itself; not an edge",
                )
            )
        if unknown[i]:
            missing = [str(x) for x, node in ((sub[k], subj[i]), (par[k], party[i])) if node < 0]
            effect = (
                "its holder is counted as possibly restricted (review when its stake could decide)"
                if subj[i] >= 0
                else "it is left out of the graph (it cannot change a decision)"
            )
            out.append(
                Finding(
                    Check.EDGE_TO_UNKNOWN_RECORD,
                    Severity.WARN,
                    str(sub[k]),
                    f"relationship {rel[k]} ({typ[k]}) names unknown record(s) {', '.join(missing)}; {effect}",
                )
            )
    return out
