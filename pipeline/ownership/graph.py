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
  ownership; declared indirect interests of ownership types are returned apart, for the cross-check only.
- Every interest set aside for a data problem (self-ownership, unknown record, impossible share) is
  reported as a finding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from pipeline.ownership.findings import Check, Finding, Severity
from pipeline.ownership.stakes import EPS, format_percent
from pipeline.policy.model import CONTROL_INTEREST_TYPES, Policy

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


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

    def take(self, rows: BoolArray) -> Edges:
        return Edges(
            self.src[rows], self.dst[rows], self.low[rows], self.low_open[rows], self.high[rows], self.high_open[rows]
        )


@dataclass(frozen=True)
class Graph:
    ids: npt.NDArray[np.object_]  # sorted distinct record ids; position = node index
    ownership: Edges  # one edge per (owner, owned) pair
    control: Edges  # one edge per (controller, controlled) pair; stakes unused
    declared_indirect: Edges  # declared indirect interests (may repeat pairs), for the cross-check
    findings: tuple[Finding, ...]

    @property
    def n(self) -> int:
        return len(self.ids)


def _empty_edges() -> Edges:
    z = np.zeros(0, dtype=np.int64)
    f = np.zeros(0, dtype=np.float64)
    b = np.zeros(0, dtype=bool)
    return Edges(z, z.copy(), f, b, f.copy(), b.copy())


def active_mask(interests: pd.DataFrame, as_of: dt.date) -> BoolArray:
    day = as_of.isoformat()
    start = interests["start_date"].str.slice(0, 10)
    end = interests["end_date"].str.slice(0, 10)
    started = start.isna().to_numpy() | (start.fillna("").to_numpy(dtype=object) <= day)
    not_ended = end.isna().to_numpy() | (end.fillna("9999").to_numpy(dtype=object) > day)
    result: BoolArray = np.asarray(started & not_ended, dtype=bool)
    return result


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


def _max_per_pair(e: Edges) -> Edges:
    """One edge per (src, dst): the largest low bound (open wins a tie) and the largest high bound
    (closed wins a tie, since a closed bound can be reached)."""
    if len(e) == 0:
        return _empty_edges()
    order_lo = np.lexsort((e.low_open, e.low, e.dst, e.src))
    s, d = e.src[order_lo], e.dst[order_lo]
    last = np.ones(len(s), dtype=bool)
    last[:-1] = (s[1:] != s[:-1]) | (d[1:] != d[:-1])
    keep_lo = order_lo[last]
    order_hi = np.lexsort((~e.high_open, e.high, e.dst, e.src))
    keep_hi = order_hi[last]  # same group boundaries: both orders sort by (src, dst) first
    return Edges(
        src=e.src[keep_lo],
        dst=e.dst[keep_lo],
        low=e.low[keep_lo],
        low_open=e.low_open[keep_lo],
        high=e.high[keep_hi],
        high_open=e.high_open[keep_hi],
    )


def build_graph(entities: pd.DataFrame, interests: pd.DataFrame, policy: Policy, as_of: dt.date) -> Graph:
    findings: list[Finding] = []
    raw_ids = entities["entity_id"].to_numpy(dtype=object)
    ids = np.unique(raw_ids)
    if len(ids) != len(raw_ids):
        dup = pd.Series(raw_ids).value_counts()
        for rid in sorted(dup[dup > 1].index):
            findings.append(
                Finding(Check.DUPLICATE_ENTITY, Severity.ERROR, str(rid), f"record {rid} appears more than once")
            )
    if not len(interests):
        e = _empty_edges()
        return Graph(ids, e, e, e, tuple(findings))
    index = pd.Index(ids)
    active = active_mask(interests, as_of)
    itype = interests["interest_type"].to_numpy(dtype=object)
    direct = interests["direct_or_indirect"].to_numpy(dtype=object) != "indirect"
    subj_s = interests["subject_id"]
    party_s = interests["interested_party_id"]
    subj = index.get_indexer(subj_s.to_numpy(dtype=object)).astype(np.int64)
    party = index.get_indexer(party_s.to_numpy(dtype=object)).astype(np.int64)
    low, low_open, high, high_open, invalid = interest_bounds(interests)

    owning = set(policy.ownership.interests)
    is_own = np.isin(itype, list(owning))
    is_ctrl = np.isin(itype, list(CONTROL_INTEREST_TYPES - owning))
    counted = active & (is_own | is_ctrl) & party_s.notna().to_numpy() & subj_s.notna().to_numpy()
    rel = interests["relationship_id"].to_numpy(dtype=object)

    for i in np.flatnonzero(active & is_own & invalid):
        findings.append(
            Finding(
                Check.INVALID_SHARE,
                Severity.WARN,
                str(subj_s.iloc[i]),
                f"relationship {rel[i]} interest {interests['interest_index'].iloc[i]}: share bounds are "
                "impossible (minimum above maximum); treated as unknown [0%, 100%]",
            )
        )
    same = counted & (subj_s.to_numpy(dtype=object) == party_s.to_numpy(dtype=object))
    for i in np.flatnonzero(same):
        findings.append(
            Finding(
                Check.SELF_OWNERSHIP,
                Severity.WARN,
                str(subj_s.iloc[i]),
                f"relationship {rel[i]}: {subj_s.iloc[i]} holds {itype[i]} in itself; not an edge",
            )
        )
    unknown = counted & ~same & ((subj < 0) | (party < 0))
    for i in np.flatnonzero(unknown):
        missing = [str(x) for x, k in ((subj_s.iloc[i], subj[i]), (party_s.iloc[i], party[i])) if k < 0]
        findings.append(
            Finding(
                Check.EDGE_TO_UNKNOWN_RECORD,
                Severity.WARN,
                str(subj_s.iloc[i]),
                f"relationship {rel[i]} ({itype[i]}) names unknown record(s) {', '.join(missing)}; "
                "it is left out of the graph",
            )
        )
    usable = counted & ~same & ~unknown
    every = Edges(party, subj, low, low_open, high, high_open)
    ownership = _max_per_pair(every.take(usable & is_own & direct))
    control = _max_per_pair(every.take(usable & is_ctrl & direct))
    declared = every.take(usable & is_own & ~direct)
    findings.extend(_stakes_over_100(interests, active, direct, low, low_open))
    return Graph(ids, ownership, control, declared, tuple(findings))


def _stakes_over_100(
    interests: pd.DataFrame, active: BoolArray, direct: BoolArray, low: FloatArray, low_open: BoolArray
) -> list[Finding]:
    """Per subject and interest type, the direct holders' least shares must not add up past 100%."""
    rows = active & direct & (low > 0)
    if not rows.any():
        return []
    frame = pd.DataFrame(
        {
            "subject": interests["subject_id"].to_numpy(dtype=object)[rows],
            "type": interests["interest_type"].to_numpy(dtype=object)[rows],
            "low": low[rows],
            "open": low_open[rows],
        }
    )
    sums = frame.groupby(["subject", "type"], sort=True).agg(low=("low", "sum"), open=("open", "any"))
    over = sums[(sums["low"] > 1 + EPS) | ((sums["low"] >= 1 - EPS) & sums["open"])].reset_index()
    out = []
    for subject, itype, total, is_open in over[["subject", "type", "low", "open"]].itertuples(index=False):
        more = "more than " if bool(is_open) else ""
        out.append(
            Finding(
                Check.STAKES_OVER_100,
                Severity.ERROR,
                str(subject),
                f"{subject}: active direct {itype} interests add up to at least {more}"
                f"{format_percent(float(total))}, more than 100%",
            )
        )
    return out
