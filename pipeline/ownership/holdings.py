"""The owners' stakes in one entity add up to at most 100%: the one implementation of that check.

Invariants:
- It counts exactly what the ownership graph counts as a stake (`graph.build_graph`): interests active
  on the date (startDate <= date < endDate; no date: every interest), of the interest types the policy
  treats as ownership, not declared `indirect` (those restate direct ones), each at its least share
  (`graph.interest_bounds`: exact, else the minimum with its openness, else 0; an impossible band is 0).
- One holder's several interests of one type in one subject are the same holding told again: the
  largest counts, as in the graph. Holders that are not named (unspecified) are each counted apart.
- Per subject and interest type, the least total is over 100% when it surely exceeds it, in the interval
  logic of `stakes`: more than 1 (beyond float noise), or exactly 1 with an open term (`> 50%` plus
  `50%` cannot both hold).
- The validate stage reports it (`pipeline.quality.cross.check_stakes_sum`, severity from the interests
  contract) before anything is resolved; `recon screen`, which has no validate stage, reports the same
  rows as findings. `resolve` does not report it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import formatting
from pipeline.arrays import IntArray, LargeStringChunks, LargeStrings, arrow_strings, filled, int64s, text_array
from pipeline.ownership.findings import Check, Finding, Severity
from pipeline.ownership.graph import active_mask, interest_bounds
from pipeline.ownership.stakes import EPS

OVER_COLUMNS = ("subject_id", "interest_type", "holders", "total_share", "total_open")


@dataclass(frozen=True)
class StakeSums:
    over: pd.DataFrame  # OVER_COLUMNS: one row per (subject, interest type) whose least total passes 100%
    pairs: int  # how many (subject, interest type) pairs were summed


def _codes(values: LargeStringChunks) -> tuple[IntArray, LargeStrings]:
    encoded = values.combine_chunks().dictionary_encode()
    codes: IntArray = filled(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def stake_sums(interests: pd.DataFrame, interest_types: Iterable[str], as_of: dt.date | None) -> StakeSums:
    """Sum the least stakes per subject and ownership interest type (see the module docstring)."""
    types = sorted(set(interest_types))
    itype = arrow_strings(interests["interest_type"])
    keep = np.asarray(pc.is_in(itype, value_set=pa.array(types, pa.large_string())).fill_null(False), dtype=bool)
    keep &= ~np.asarray(
        pc.equal(arrow_strings(interests["direct_or_indirect"]), pa.scalar("indirect")).fill_null(False)
    )
    keep &= np.asarray(pc.is_valid(arrow_strings(interests["subject_id"])), dtype=bool)
    if as_of is not None:
        keep &= active_mask(interests, as_of)
    rows = np.flatnonzero(keep)
    if not len(rows):
        return StakeSums(pd.DataFrame({c: pd.Series([], dtype="str") for c in OVER_COLUMNS}), 0)
    picked = interests.iloc[rows]
    low, low_open, _, _, _ = interest_bounds(picked)
    subject, subjects = _codes(arrow_strings(picked["subject_id"]))
    kind, kinds = _codes(arrow_strings(picked["interest_type"]))
    holder, _ = _codes(arrow_strings(picked["interested_party_id"]))
    unnamed = holder < 0
    holder[unnamed] = holder.max(initial=-1) + 1 + np.arange(int(unnamed.sum()))  # each unnamed holder apart
    pair = subject * len(kinds) + kind

    # The largest least stake of each holder in each pair (open wins a tie, as in the graph's edges).
    order = np.lexsort((holder, pair))
    p, h, lo, lo_open = pair[order], holder[order], low[order], low_open[order]
    first = np.ones(len(p), dtype=bool)
    first[1:] = (p[1:] != p[:-1]) | (h[1:] != h[:-1])
    starts = np.flatnonzero(first)
    top = np.maximum.reduceat(lo, starts)
    top_open = np.logical_or.reduceat(lo_open & (lo == top[np.cumsum(first) - 1]), starts)

    # Their sum per pair.
    pp = p[starts]
    new_pair = np.ones(len(pp), dtype=bool)
    new_pair[1:] = pp[1:] != pp[:-1]
    pair_starts = np.flatnonzero(new_pair)
    total = np.add.reduceat(top, pair_starts)
    is_open = np.logical_or.reduceat(top_open, pair_starts)
    holders = np.diff(np.append(pair_starts, len(pp)))
    over = np.flatnonzero((total > 1 + EPS) | ((total >= 1 - EPS) & is_open))
    key = pp[pair_starts[over]]
    frame = pd.DataFrame(
        {
            "subject_id": text_array(subjects.take(int64s(key // len(kinds)))),
            "interest_type": text_array(kinds.take(int64s(key % len(kinds)))),
            "holders": holders[over],
            "total_share": total[over],
            "total_open": is_open[over],
        }
    )
    frame = frame.sort_values(["subject_id", "interest_type"], kind="stable").reset_index(drop=True)
    return StakeSums(frame, len(pair_starts))


def stakes_findings(over: pd.DataFrame) -> list[Finding]:
    """The rows of `StakeSums.over` as findings (for callers without a validate stage)."""
    out = []
    for r in over.to_dict("records"):
        least = "more than" if r["total_open"] else "at least"
        out.append(
            Finding(
                Check.STAKES_OVER_100,
                Severity.ERROR,
                str(r["subject_id"]),
                f"{r['subject_id']}: {r['holders']} active direct {r['interest_type']} holders hold {least} "
                f"{formatting.percent(float(r['total_share']))} together; no one can hold more than 100%",
            )
        )
    return out
