"""OWNERSHIP's `explanation`: one line per record saying, in words, why it got its decision.

Invariants:
- Clear: `clear: no restricted owner found`, or the most its restricted share could be, against the
  policy's test. A root: `restricted: ` and its basis in words. A flagged record: the share that decided
  it (or control without shares, or the statement that could not be read), the policy's test and method,
  its largest carrying holder (its name, or its id when it has none) with the stake, and up to three
  holders that are not in the data.
- Shares and stakes are written by `pipeline.formatting`, so they read as they do everywhere else.
- Built column-wise in Arrow: most records share a few lines (clear records, roots of one basis);
  Python per record only for what few records have (quarantined statements, holders not in the data).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline import formatting
from pipeline.arrays import IntArray, LargeStringChunks, int64s
from pipeline.formatting import joined, text
from pipeline.ownership.evidence import Flagged
from pipeline.ownership.evidence_columns import outside_stakes, stake_structs
from pipeline.ownership.graph import Graph
from pipeline.ownership.judge import Judgement
from pipeline.ownership.roots import RootBases
from pipeline.ownership.unread import UnreadRecords
from pipeline.policy.definition import OwnershipRule, Policy

# Holders not in the data named in one line; the rest are "...".
UNKNOWN_LISTED = 3


class _Table:
    """A string column for every record: codes into texts, where most rows share a few texts (clear
    rows, roots of one basis) and flagged rows bring their own, built in Arrow."""

    def __init__(self, n: int, default: str) -> None:
        self._parts: list[pa.Array[Any]] = []
        self._texts = [default]  # not yet in _parts
        self._done = 0  # texts in _parts
        self.codes = np.zeros(n, dtype=np.int64)

    def set_many(self, rows: IntArray, line: str) -> None:
        self.codes[rows] = self._done + len(self._texts)
        self._texts.append(line)

    def set_rows(self, rows: IntArray, values: pa.Array[Any]) -> None:
        """rows[k] gets values[k]."""
        self._flush()
        self.codes[rows] = self._done + np.arange(len(rows))
        self._parts.append(values)
        self._done += len(values)

    def _flush(self) -> None:
        self._parts.append(pa.array(self._texts, pa.large_string()))
        self._done += len(self._texts)
        self._texts = []

    def arrow(self) -> pa.Array[Any]:
        self._flush()
        return pa.concat_arrays(self._parts).take(int64s(self.codes))


@dataclass(frozen=True)
class Explainer:
    """Everything an explanation may quote."""

    graph: Graph
    policy: Policy
    basis: RootBases
    judgement: Judgement
    names: LargeStringChunks  # per node
    unread: UnreadRecords

    @property
    def test(self) -> str:
        own = self.policy.ownership
        return f"{own.comparator} {formatting.percent(own.threshold)}"

    def column(self, runs: Sequence[Flagged]) -> pa.Array[Any]:
        j, method = self.judgement, self.policy.ownership.method
        lines = _Table(self.graph.n, "clear: no restricted owner found")
        partial = j.partial
        at_most = formatting.percents(j.rho_high[partial])
        lines.set_rows(partial, joined("clear: restricted share at most ", at_most, f", not {self.test} ({method})"))
        root_rows = np.flatnonzero(j.roots)
        codes = self.basis.code[root_rows]
        for k, b in enumerate(self.basis.texts):
            rows = root_rows[codes == k]
            if len(rows):
                lines.set_many(rows, f"restricted: {formatting.basis(b)}")
        for flagged in runs:
            if len(flagged.idx):
                lines.set_rows(flagged.idx, self._flagged(flagged))
        return lines.arrow()

    def _flagged(self, flagged: Flagged) -> pa.Array[Any]:
        j, idx, test, method = self.judgement, flagged.idx, self.test, self.policy.ownership.method
        control_only = pa.array(flagged.by_control & ~flagged.by_share)
        if flagged.bound == "low":
            more = pa.array(np.where(j.low.rho_open[idx], "more than", "at least"), pa.large_string())
            held = joined("restricted: ", more, " ", formatting.percents(j.low.rho[idx]),
                          f" held by restricted parties, {test} ({method})")  # fmt: skip
            lines = pc.if_else(control_only, text("restricted: controlled without shares by a restricted party"), held)
        else:
            shares = formatting.bands(j.low.rho[idx], j.low.rho_open[idx], j.rho_high[idx], j.high.rho_open[idx])
            held = joined("review: restricted share ", shares, f" may be {test} ({method})")
            lines = pc.if_else(
                control_only,
                text("review: controlled without shares by a restricted or possibly restricted party"),
                held,
            )
            if flagged.by_unread.any():
                unread = [_unread_line(self.unread.notes(i)) for i in idx[flagged.by_unread].tolist()]
                lines = pc.replace_with_mask(lines, pa.array(flagged.by_unread), pa.array(unread, pa.large_string()))
        return joined(lines, self._largest(flagged), self._unknown(flagged))

    def _largest(self, flagged: Flagged) -> pa.Array[Any]:
        """ "; largest: <name, or id when it has none> (<stake>)" when the record has carrying holders."""
        has = flagged.owners_total > 0
        first = flagged.first[has]
        holder = int64s(flagged.contrib.src[first])
        name = self.names.take(holder)
        who = pc.if_else(pc.not_equal(name, pa.scalar("")).fill_null(False), name, self.graph.ids_arrow.take(holder))
        stake = formatting.stakes(stake_structs(self.graph, flagged.contrib.edge[first]))
        largest = joined("; largest: ", who, " (", stake, ")")
        out: pa.Array[Any] = largest.take(pa.array(np.cumsum(has) - 1, pa.int64(), mask=~has)).fill_null("")
        return out

    def _unknown(self, flagged: Flagged) -> pa.Array[Any]:
        """ "; holders not in the data: <id> (<stake>), ..." for the records some could decide."""
        found = [""] * len(flagged.idx)
        if len(flagged.outside.record):
            ids, stakes = outside_stakes(self.graph, flagged)
            named: dict[int, list[str]] = {}
            for k, holder, stake in zip(
                flagged.outside.record.tolist(), ids.to_pylist(), formatting.stakes(stakes).to_pylist(), strict=True
            ):
                named.setdefault(k, []).append(f"{holder} ({stake})")
            for k, listed in named.items():
                more = ", ..." if len(listed) > UNKNOWN_LISTED else ""
                found[k] = f"; holders not in the data: {', '.join(listed[:UNKNOWN_LISTED])}{more}"
        return pa.array(found, pa.large_string())


def _unread_line(notes: list[dict[str, str | None]]) -> str:
    first = notes[0]
    more = f" (and {len(notes) - 1} more)" if len(notes) > 1 else ""
    return (
        f"review: statement {first['statement_id'] or '(no statement id)'} about this record could not be read "
        f"({first['rule']}){more}; it may change the decision"
    )


def second_opinions(
    rules: pa.Array[Any], lines: pa.Array[Any], judgement: Judgement, policy: Policy
) -> tuple[pa.Array[Any], pa.Array[Any]]:
    """`rules` and explanation `lines` of the records a second opinion raised to review (`Judgement.
    extra_review`): their rule ids (`ownership.declared_indirect`, `ownership.methods_disagree`) after any
    others (in place of `clear`), their reasons after the line (in place of a clear line). Only those
    rows are touched, in Python; the rest are taken as they are."""
    j = judgement
    rows = np.flatnonzero(j.extra_review)
    if not len(rows):
        return rules, lines
    method = policy.ownership.method
    other = "look_through"  # the second reading exists under cascade only
    test = f"{'>=' if policy.ownership.comparator == '>=' else '>'} {formatting.percent(policy.ownership.threshold)}"
    picked = int64s(rows)
    old_rules: list[Any] = rules.take(picked).to_pylist()
    old_lines: list[Any] = lines.take(picked).to_pylist()
    new_rules, new_lines = [], []
    for k, i in enumerate(rows):
        kept = [r for r in (old_rules[k] or []) if r != str(OwnershipRule.CLEAR)]
        why = []
        if j.declared[i]:
            kept.append(str(OwnershipRule.DECLARED_INDIRECT))
            why.append(
                f"a restricted or possibly restricted party declares an indirect interest that alone may be {test}, "
                "which the direct chains do not bear out"
            )
        if j.disagrees[i]:
            kept.append(str(OwnershipRule.METHODS_DISAGREE))
            why.append(
                f"restricted share {formatting.percent(float(j.other_rho[i]))} read by {other} is {test}, "
                f"{formatting.percent(float(j.low.rho[i]))} read by {method} is not"
            )
        new_rules.append(kept)
        line = str(old_lines[k] or "")
        reason = "review: " + "; ".join(why)
        new_lines.append(reason if line.startswith("clear") else f"{line}; {reason}")
    n = len(lines)
    index = np.arange(n, dtype=np.int64)
    index[rows] = n + np.arange(len(rows))
    patched_rules = pa.concat_arrays([rules, pa.array(new_rules, rules.type)]).take(int64s(index))
    patched_lines = pa.concat_arrays([lines.cast(pa.large_string()), pa.array(new_lines, pa.large_string())])
    return patched_rules, patched_lines.take(int64s(index))
