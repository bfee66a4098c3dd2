"""Resolve the ownership graph under the policy: restricted share, decision, ultimate parent, evidence.

Invariants:
- One OWNERSHIP row per entity and person record, in id order; same inputs give the same frame.
- decision = `restricted` when the record is a root or its least restricted share surely passes the
  policy's threshold (or control without shares restricts it), `review` when only the greatest share
  may pass it (or control asks for review), else `clear`; rho_low <= rho_high always.
- rho_low / rho_high are the values the engine propagated (see `engine`): a record restricted by control
  without shares carries 1 in the run where control counted, and its rules say so.
- Every restricted or review record carries evidence (roots, paths with stakes, contributing owners,
  rule, policy id and version); path enumeration is capped (`evidence.MAX_PATHS`) and says so. A root's
  evidence is its basis (why it is restricted by who it is). Evidence is built only for flagged records,
  so its cost follows the number of restricted and review records, not the size of the graph.
- Data the run could not use never lowers a decision. A record a quarantined statement was about
  (`unread.unread_statements`) is held in review at least, and possibly restricted in the high run, so
  what it owns follows; a stake or control held by a holder that is not in the data counts in the high
  run as if that holder were restricted. Both show in the rules (`data.unread_statement`,
  `data.unknown_holder`) and the evidence (the statement id, rule and reason; the holder id and stake).
  A quarantined statement that cannot be tied to any record is an error finding: no decision of the
  run can be guaranteed against it.
- Findings never change a decision: they report data problems for the quality stage.
- The parts that run on a second thread (root bases, the interests' dates, types and shares, names, the
  graph's structure, the plain columns, finished explanation tables) read the inputs, the graph and
  finished values and write nothing shared, so the result is the same whatever the threads' timing.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from pipeline.arrays import BoolArray, arrow_strings
from pipeline.datasets import OWNERSHIP, conform
from pipeline.ownership.evidence import (
    MAX_OWNERS_LISTED,
    MAX_PATHS,
    Contributions,
    contributions,
    find_paths,
    topological_rank,
)
from pipeline.ownership.findings import Check, Finding, Severity, findings_frame
from pipeline.ownership.fixed_point import Run, Structure, propagate
from pipeline.ownership.graph import Graph, build_graph, grouped, offsets, ranges, walks
from pipeline.ownership.parent import Parents, chains, resolve_parents
from pipeline.ownership.roots import BASIS_RULE, RootBases, root_basis
from pipeline.ownership.stakes import EPS, format_interval, format_percent, interval_texts, percent_texts
from pipeline.ownership.texts import append, joined, json_quoted, lists, prepend, text
from pipeline.ownership.unread import unread_statements
from pipeline.policy.definition import ControlAction, EntityDecision, Method, OwnershipRule, Policy
from pipeline.run.switches import paused_gc

# The ENTITIES and INTERESTS columns `resolve` reads: callers load only these (at 5M records the
# columns it does not read, statement ids and source URIs, are over 600 MB of the peak).
ENTITY_INPUT_COLUMNS = (
    "entity_id", "name", "record_type", "entity_type", "jurisdiction", "registered_country",
    "business_country", "nationalities", "residences", "tax_residencies",
)  # fmt: skip
INTEREST_INPUT_COLUMNS = (
    "relationship_id", "interest_index", "subject_id", "interested_party_id", "interest_type",
    "direct_or_indirect", "share_exact", "share_min", "share_max", "exclusive_min", "exclusive_max",
    "start_date", "end_date",
)  # fmt: skip
# Declared indirect shares are compared with paths of up to this many edges.
MAX_INDIRECT_DEPTH = 10
MAX_CYCLE_MEMBERS_LISTED = 10

_BASIS_WORDS = {
    "incorporation": "incorporated in",
    "headquarters": "headquartered in",
    "state": "a state or state body of",
    "residence": "resident in",
    "nationality": "a national of",
    "taxResidency": "tax resident in",
}


@dataclass(frozen=True)
class OwnershipResult:
    ownership: pd.DataFrame  # OWNERSHIP columns
    findings: pd.DataFrame  # FINDING_COLUMNS
    iterations: dict[str, int]  # fixed-point rounds per run, for the record


def _column(values: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """An Arrow string array as a pandas `str` column, without copying through Python objects."""
    column: pd.api.extensions.ExtensionArray = pd.array(values, dtype="str")
    return column


def _constant(value: str, n: int) -> pd.api.extensions.ExtensionArray:
    return _column(pa.repeat(pa.scalar(value, pa.large_string()), n))


def resolve(
    entities: pd.DataFrame,
    interests: pd.DataFrame,
    policy: Policy,
    as_of: dt.date,
    quarantine: pd.DataFrame | None = None,
) -> OwnershipResult:
    """`quarantine`: the QUARANTINE rows of the ownership extraction (what the reader and the contracts
    set aside); the records they were about are held in review at least (see the module docstring).
    `entities` and `interests` need only ENTITY_INPUT_COLUMNS and INTEREST_INPUT_COLUMNS."""
    # Two threads: numpy, Arrow and scipy let go of the GIL in their loops, and on two cores the parts
    # that do not depend on each other overlap: root bases and the interests' own facts beside the id
    # look-up; names, the graph's structure (parents, chains, structural findings) and the plain columns
    # beside propagation and evidence; two of the explanation columns' final takes beside the third.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="resolve") as beside:
        bases = beside.submit(root_basis, entities, policy)
        graph = build_graph(entities, interests, policy, as_of, beside)
        n = graph.n
        take = pa.array(graph.rows)
        named = beside.submit(lambda: arrow_strings(entities["name"]).take(take))
        structural = beside.submit(_Structural.of, graph)
        basis = bases.result().take(graph.rows)  # judged per input row, then put in node order
        roots = basis.is_root
        unread = _Unread(graph, unread_statements(quarantine, interests, as_of) if quarantine is not None else None)

        own = policy.ownership
        common: dict[str, Any] = {"method": own.method, "threshold": own.threshold, "comparator": own.comparator}
        cws = policy.control_without_shares
        common["structure"] = (Structure(n, graph.ownership), Structure(n, graph.control))
        low = propagate(n, graph.ownership, graph.control, roots, bound="low",
                        control_forces=cws is ControlAction.RESTRICT, **common)  # fmt: skip
        high = propagate(n, graph.ownership, graph.control, roots, bound="high",
                         control_forces=cws is not ControlAction.IGNORE, possible=unread.held,
                         outside=graph.outside, outside_control=graph.outside_control, **common)  # fmt: skip
        # The high run can only add to the low one; make the invariant hold even at float noise.
        rho_high = np.maximum(high.rho, low.rho)
        restricted = low.restricted
        review = high.restricted & ~restricted

        decision = np.where(restricted, 0, np.where(review, 1, 2))
        plain = beside.submit(_plain_columns, entities, graph, basis, decision, policy)
        names = named.result()
        ctx = _Resolved(graph, policy, basis, roots, low, high, rho_high, names, unread)
        with paused_gc():
            rules, explanation, evidence = _explain(ctx, beside)
        side = structural.result()
        columns = plain.result()
    parents = side.parents
    findings = [*graph.findings, *unread.findings, *_convergence_findings(low, high, graph), *side.findings]
    frame = pd.DataFrame(
        {
            "entity_id": columns["entity_id"],
            "name": _column(names),
            "record_type": columns["record_type"],
            "is_root": roots,
            "root_basis": columns["root_basis"],
            "rho_low": low.rho,
            "rho_low_open": low.rho_open,
            "rho_high": rho_high,
            "rho_high_open": high.rho_open & (high.rho >= low.rho),
            "decision": columns["decision"],
            "ultimate_parent_id": _column(side.ultimate),
            "chain": _column(side.chains),
            "cycle": parents.cycle,
            "rules": _column(rules),
            "explanation": _column(explanation),
            "evidence": _column(evidence),
            "policy_id": columns["policy_id"],
            "policy_version": columns["policy_version"],
        },
        copy=False,  # every column is new, made for this frame
    )
    return OwnershipResult(
        conform(frame, OWNERSHIP),
        findings_frame(findings),
        {"low": low.iterations, "high": high.iterations},
    )


def _plain_columns(
    entities: pd.DataFrame, graph: Graph, basis: RootBases, decision: npt.NDArray[np.int64], policy: Policy
) -> dict[str, pd.api.extensions.ExtensionArray]:
    """The text columns that need no explanation (codes and labels taken into node order)."""
    labels = pa.array([str(EntityDecision.RESTRICTED), str(EntityDecision.REVIEW), str(EntityDecision.CLEAR)])
    return {
        "entity_id": _column(graph.ids_arrow),
        "record_type": _column(arrow_strings(entities["record_type"]).take(pa.array(graph.rows))),
        "root_basis": _column(pa.array(basis.texts, pa.large_string()).take(pa.array(basis.code, mask=~basis.is_root))),
        "decision": _column(labels.take(pa.array(decision)).cast(pa.large_string())),
        "policy_id": _constant(policy.id, graph.n),
        "policy_version": _constant(policy.version, graph.n),
    }


@dataclass(frozen=True)
class _Structural:
    """What follows from the graph alone, whatever the policy's roots: ultimate parents and their chains,
    and the findings about the graph's shape (majority owners, cycles, declared indirect interests)."""

    parents: Parents
    ultimate: pa.Array
    chains: pa.Array
    findings: list[Finding]

    @classmethod
    def of(cls, graph: Graph) -> _Structural:
        parents = resolve_parents(graph.n, graph.ownership)
        findings = [*_parent_findings(graph, parents), *_cycle_findings(graph), *_indirect_findings(graph)]
        ultimate = graph.ids_arrow.take(pa.array(parents.ultimate))
        return cls(parents, ultimate, chains(parents, graph.ids_arrow), findings)


# --- explanation and evidence ---------------------------------------------------------------------------


def _carrying(graph: Graph, run: Run, method: Method, bound: str, control_counts: bool) -> Contributions:
    """Edges that carry restriction in a run: ownership edges first, then control edges."""
    o, c = graph.ownership, graph.control
    stake = o.low if bound == "low" else o.high
    stake_open = o.low_open if bound == "low" else o.high_open
    # cascade passes restriction on from restricted holders; look_through from any with a positive share
    passes = run.restricted[o.src] if method is Method.CASCADE else (run.rho[o.src] > 0) | run.rho_open[o.src]
    own = np.flatnonzero(passes & ((stake > 0) | stake_open))
    ctrl = np.flatnonzero(run.restricted[c.src]) if control_counts else np.zeros(0, dtype=np.int64)
    src = np.concatenate([o.src[own], c.src[ctrl]])
    dst = np.concatenate([o.dst[own], c.dst[ctrl]])
    weight = np.concatenate([stake[own], np.full(len(ctrl), 2.0)])  # control edges listed first: they decide alone
    return contributions(graph.n, src, dst, weight, np.concatenate([own, len(o) + ctrl]))


def _basis_text(basis: str) -> str:
    parts = []
    for item in basis.split(";"):
        label, _, country = item.partition(":")
        parts.append(f"{_BASIS_WORDS.get(label, label)} {country}")
    return ", ".join(parts)


@dataclass(frozen=True)
class _Resolved:
    """Everything the explanation of one record may quote."""

    graph: Graph
    policy: Policy
    basis: RootBases
    roots: BoolArray
    low: Run
    high: Run
    rho_high: npt.NDArray[np.float64]
    names: pa.ChunkedArray
    unread: _Unread

    @cached_property
    def test(self) -> str:
        own = self.policy.ownership
        return f"{own.comparator} {format_percent(own.threshold)}"


class _Table:
    """A string column for every record: codes into texts, where most rows share a few texts (clear
    rows, roots of one basis) and flagged rows bring their own, built in Arrow."""

    def __init__(self, n: int, default: str) -> None:
        self._parts: list[pa.Array] = []
        self._texts = [default]  # not yet in _parts
        self._done = 0  # texts in _parts
        self.codes = np.zeros(n, dtype=np.int64)

    def set_many(self, rows: npt.NDArray[np.int64], text: str) -> None:
        self.codes[rows] = self._done + len(self._texts)
        self._texts.append(text)

    def set_rows(self, rows: npt.NDArray[np.int64], values: pa.Array) -> None:
        """rows[k] gets values[k]."""
        self._flush()
        self.codes[rows] = self._done + np.arange(len(rows))
        self._parts.append(values)
        self._done += len(values)

    def _flush(self) -> None:
        self._parts.append(pa.array(self._texts, pa.large_string()))
        self._done += len(self._texts)
        self._texts = []

    def arrow(self) -> pa.Array:
        self._flush()
        return pa.concat_arrays(self._parts).take(pa.array(self.codes))


def _stake_labels(graph: Graph, edges: npt.NDArray[np.int64]) -> pa.Array:
    """Each contribution's stake as text (`60%`, `[25%, 50%]`); numbers past the ownership edges are
    control edges."""
    o = graph.ownership
    owned = edges < len(o)
    if not owned.any():
        return pa.array(["control without shares"] * len(edges), pa.large_string())
    e = np.where(owned, edges, 0)
    stakes = interval_texts(o.low[e], o.low_open[e], o.high[e], o.high_open[e])
    return pc.if_else(pa.array(owned), stakes, text("control without shares"))


def _root_texts(ctx: _Resolved, rules: _Table, explanation: _Table, evidence: _Table) -> None:
    """Roots: their basis is their whole evidence, shared by every root with the same basis."""
    policy, own = ctx.policy, ctx.policy.ownership
    policy_ref = {"id": policy.id, "version": policy.version}
    root_rows = np.flatnonzero(ctx.roots)
    if not len(root_rows):
        return
    codes = ctx.basis.code[root_rows]
    for k, b in enumerate(ctx.basis.texts):
        rows = root_rows[codes == k]
        if not len(rows):
            continue
        rule_list = [str(BASIS_RULE[item.split(":")[0]]) for item in b.split(";")]
        doc = {
            "policy": policy_ref,
            "decision": EntityDecision.RESTRICTED,
            "rules": rule_list,
            "method": own.method,
            "threshold": ctx.test,
            "restricted_share": "100%",
            "root_basis": b,
            "roots": [],
            "owners": [],
            "owners_total": 0,
            "paths": [],
            "path_limit": {"max_paths": MAX_PATHS, "truncated": False},
        }
        rules.set_many(rows, orjson.dumps(rule_list).decode())
        explanation.set_many(rows, f"restricted: {_basis_text(b)}")
        evidence.set_many(rows, orjson.dumps(doc).decode())


def _explain(ctx: _Resolved, beside: Executor) -> tuple[pa.Array, pa.Array, pa.Array]:
    low, high, rho_high, own = ctx.low, ctx.high, ctx.rho_high, ctx.policy.ownership
    n = ctx.graph.n
    cws = ctx.policy.control_without_shares

    rules = _Table(n, f'["{OwnershipRule.CLEAR}"]')
    explanation = _Table(n, "clear: no restricted owner found")
    # Clear rows (most of them) share one short evidence text: the policy is in its own columns.
    evidence = _Table(n, '{"decision":"clear"}')
    partial = np.flatnonzero(~high.restricted & ~low.restricted & (rho_high > 0))
    at_most = percent_texts(rho_high[partial])
    explanation.set_rows(
        partial, joined("clear: restricted share at most ", at_most, f", not {ctx.test} ({own.method})")
    )
    _root_texts(ctx, rules, explanation, evidence)

    runs = (
        ("low", low, low.restricted & ~ctx.roots, cws is ControlAction.RESTRICT, EntityDecision.RESTRICTED),
        ("high", high, high.restricted & ~low.restricted, cws is not ControlAction.IGNORE, EntityDecision.REVIEW),
    )
    outside = _OutsideHolders(ctx.graph, cws is not ControlAction.IGNORE)
    for bound, run, targets, control_counts, decision in runs:
        idx = np.flatnonzero(targets)
        if len(idx):
            flagged = _Flagged(ctx, run, idx, bound=bound, control_counts=control_counts, outside=outside)
            rule_texts = flagged.rules()
            rules.set_rows(idx, rule_texts)
            explanation.set_rows(idx, flagged.explanation())
            evidence.set_rows(idx, flagged.evidence(rule_texts, decision))
    # Each column is one take of 100k+ texts (in C, without the GIL): two of them on the second thread.
    rules_column, lines = beside.submit(rules.arrow), beside.submit(explanation.arrow)
    documents = evidence.arrow()
    return rules_column.result(), lines.result(), documents


class _Flagged:
    """Rules, explanation and evidence of the records one run flagged (`idx`), built column-wise in Arrow;
    per-record Python only for what few records have (quarantined statements, holders not in the data)."""

    def __init__(
        self, ctx: _Resolved, run: Run, idx: npt.NDArray[np.int64], *, bound: str, control_counts: bool,
        outside: _OutsideHolders,
    ) -> None:  # fmt: skip
        graph, own = ctx.graph, ctx.policy.ownership
        self.ctx, self.idx, self.bound = ctx, idx, bound
        self.contrib = _carrying(graph, run, own.method, bound, control_counts)
        rank = run.rank if own.method is Method.CASCADE else topological_rank(graph.n, self.contrib)
        # Paths may start at a record held as possibly restricted, as well as at a root.
        self.paths = find_paths(self.contrib, rank, ctx.roots | run.possible, idx)
        self.by_share, self.by_control, self.by_unread = run.share_restricted[idx], run.forced[idx], run.possible[idx]
        # Holders outside the data only count in the high run (they are possibly restricted).
        self.unknown: dict[int, list[dict[str, str]]] = {}
        if bound == "high":
            for k in np.flatnonzero(np.isin(idx, outside.nodes)).tolist():
                found = outside.into(int(idx[k]), shares=bool(self.by_share[k]), control=bool(self.by_control[k]))
                if found:
                    self.unknown[k] = found
        low, high = ctx.low, ctx.high
        self.shares = interval_texts(low.rho[idx], low.rho_open[idx], ctx.rho_high[idx], high.rho_open[idx])
        self.first = self.contrib.indptr[idx]  # each record's carrying holders, largest stake first
        self.owners_total = self.contrib.indptr[idx + 1] - self.first
        # The holders the evidence lists (the first MAX_OWNERS_LISTED), record after record, and their stakes.
        self.listed = offsets(np.minimum(self.owners_total, MAX_OWNERS_LISTED))
        self.owner_at = ranges(self.first, np.diff(self.listed))
        self.owner_stakes = _stake_labels(graph, self.contrib.edge[self.owner_at])

    def rules(self) -> pa.Array:
        has_unknown = np.zeros(len(self.idx), dtype=bool)
        has_unknown[list(self.unknown)] = True
        code = self.by_unread * 8 + self.by_share * 4 + self.by_control * 2 + has_unknown
        flags = [(bool(c & 8), bool(c & 4), bool(c & 2), bool(c & 1)) for c in range(16)]
        texts = [
            orjson.dumps(_rule_list(self.bound, by_unread=u, by_share=s, by_control=c, unknown=x)).decode()
            for u, s, c, x in flags
        ]
        return pa.array(texts, pa.large_string()).take(pa.array(code))

    def explanation(self) -> pa.Array:
        ctx, idx, test, method = self.ctx, self.idx, self.ctx.test, self.ctx.policy.ownership.method
        control_only = pa.array(self.by_control & ~self.by_share)
        if self.bound == "low":
            more = pa.array(np.where(ctx.low.rho_open[idx], "more than", "at least"), pa.large_string())
            held = joined("restricted: ", more, " ", percent_texts(ctx.low.rho[idx]),
                          f" held by restricted parties, {test} ({method})")  # fmt: skip
            lines = pc.if_else(control_only, text("restricted: controlled without shares by a restricted party"), held)
        else:
            held = joined("review: restricted share ", self.shares, f" may be {test} ({method})")
            lines = pc.if_else(
                control_only,
                text("review: controlled without shares by a restricted or possibly restricted party"),
                held,
            )
            if self.by_unread.any():
                unread = [_unread_line(ctx.unread.notes(i)) for i in idx[self.by_unread].tolist()]
                lines = pc.replace_with_mask(lines, pa.array(self.by_unread), pa.array(unread, pa.large_string()))
        # "; largest: <name, or id when it has none> (<stake>)" when the record has carrying holders.
        has = self.owners_total > 0
        holder = pa.array(self.contrib.src[self.first[has]])
        name = ctx.names.take(holder)
        who = pc.if_else(pc.not_equal(name, "").fill_null(False), name, ctx.graph.ids_arrow.take(holder))
        largest = joined("; largest: ", who, " (", self.owner_stakes.take(pa.array(self.listed[:-1][has])), ")")
        top = largest.take(pa.array(np.cumsum(has) - 1, mask=~has)).fill_null("")
        unknown = [""] * len(idx)
        for k, found in self.unknown.items():
            unknown[k] = _unknown_text(found)
        return joined(lines, top, pa.array(unknown, pa.large_string()))

    def evidence(self, rules: pa.Array, decision: EntityDecision) -> pa.Array:
        """The evidence JSON, key for key as `orjson.dumps` writes the document of `_root_texts`."""
        ctx, paths = self.ctx, self.paths
        policy, own = ctx.policy, ctx.policy.ownership
        head = orjson.dumps({"policy": {"id": policy.id, "version": policy.version}, "decision": decision}).decode()
        middle = orjson.dumps({"method": own.method, "threshold": ctx.test}).decode()
        tails = [""] * len(self.idx)  # what only some records have
        for k in np.flatnonzero(self.by_unread).tolist():
            tails[k] = ',"unread_statements":' + orjson.dumps(ctx.unread.notes(int(self.idx[k]))).decode()
        for k, found in self.unknown.items():
            tails[k] += ',"unknown_holders":' + orjson.dumps(found).decode()
        return joined(
            head[:-1], ',"rules":', rules, ",", middle[1:-1],
            ',"restricted_share":"', self.shares,
            '","root_basis":null,"roots":[', self._roots(), '],"owners":[', self._owners(),
            '],"owners_total":', pa.array(self.owners_total).cast(pa.large_string()),
            ',"paths":[', self._paths(), f'],"path_limit":{{"max_paths":{MAX_PATHS},"truncated":',
            pa.array(np.where(paths.truncated, "true", "false"), pa.large_string()), "}",
            pa.array(tails, pa.large_string()), "}",
        )  # fmt: skip

    def _owners(self) -> pa.Array:
        """The first MAX_OWNERS_LISTED carrying holders of each record."""
        holder = pa.array(self.contrib.src[self.owner_at])
        owner = joined(
            '{"id":', json_quoted(self.ctx.graph.ids_arrow.take(holder)),
            ',"name":', json_quoted(self.ctx.names.take(holder).combine_chunks()).fill_null("null"),
            ',"stake":"', self.owner_stakes, '"}',
        )  # fmt: skip
        return lists(self.listed, owner)

    def _paths(self) -> pa.Array:
        """Each record's paths, root first: the ids on it and the stakes between them (each path is a walk
        up the prefix tree, turned round)."""
        paths, graph = self.paths, self.ctx.graph
        kept = paths.of
        nodes, steps = offsets(paths.depth[kept] + 1), offsets(paths.depth[kept])  # a start has no stake
        on = walks(paths.parent, kept, np.diff(nodes), top_first=True)
        ids = json_quoted(graph.ids_arrow.take(pa.array(paths.node[on])))
        stepped = walks(paths.parent, kept, np.diff(steps), top_first=True)
        stakes = append(prepend('"', _stake_labels(graph, paths.edge[stepped])), '"')
        return lists(paths.indptr, joined('{"ids":[', lists(nodes, ids), '],"stakes":[', lists(steps, stakes), "]}"))

    def _roots(self) -> pa.Array:
        """Where each record's kept paths start, other than the record itself, in id order."""
        paths, n, k = self.paths, self.ctx.graph.n, len(self.idx)
        row = np.repeat(np.arange(k), np.diff(paths.indptr))
        start = paths.start[paths.of]
        other = start != self.idx[row]
        pair = np.unique(row[other] * n + start[other])  # node order is id order
        root_row, root = pair // n, pair % n
        basis = [b or str(OwnershipRule.UNREAD_STATEMENT) for b in self.ctx.basis.text(root)]
        root_doc = joined(
            '{"id":', json_quoted(self.ctx.graph.ids_arrow.take(pa.array(root))),
            ',"basis":', json_quoted(pa.array(basis, pa.large_string())), "}",
        )  # fmt: skip
        return lists(grouped(root_row, k), root_doc)


def _rule_list(bound: str, *, by_share: bool, by_control: bool, by_unread: bool, unknown: bool) -> list[OwnershipRule]:
    flags = (
        (by_unread, OwnershipRule.UNREAD_STATEMENT),
        (by_share, OwnershipRule.OWNERSHIP if bound == "low" else OwnershipRule.OWNERSHIP_POSSIBLE),
        (by_control, OwnershipRule.CONTROL),
        (unknown, OwnershipRule.UNKNOWN_HOLDER),
    )
    return [rule for holds, rule in flags if holds]


def _unknown_text(unknown: list[dict[str, str]]) -> str:
    if not unknown:
        return ""
    listed = ", ".join(f"{h['id']} ({h['stake']})" for h in unknown[:3])
    return f"; holders not in the data: {listed}" + (", ..." if len(unknown) > 3 else "")


def _unread_line(notes: list[dict[str, str | None]]) -> str:
    first = notes[0]
    more = f" (and {len(notes) - 1} more)" if len(notes) > 1 else ""
    return (
        f"review: statement {first['statement_id'] or '(no statement id)'} about this record could not be read "
        f"({first['rule']}){more}; it may change the decision"
    )


class _OutsideHolders:
    """Stakes and control held in nodes by holders that are not in the data, for the evidence."""

    def __init__(self, graph: Graph, control_counts: bool) -> None:
        self._graph = graph
        self._control_counts = control_counts
        self._by_dst: dict[int, list[tuple[int, int]]] = {}  # node -> [(kind 0 stake / 1 control, edge)]
        o, c = graph.outside, graph.outside_control
        carrying = np.flatnonzero((o.high > 0) | o.high_open)
        for e, dst in zip(carrying.tolist(), o.dst[carrying].tolist(), strict=True):
            self._by_dst.setdefault(dst, []).append((0, e))
        if control_counts:
            for e, dst in enumerate(c.dst.tolist()):
                self._by_dst.setdefault(dst, []).append((1, e))
        self.nodes = np.array(sorted(self._by_dst), dtype=np.int64)  # the nodes that have any

    def into(self, node: int, *, shares: bool, control: bool) -> list[dict[str, str]]:
        out = []
        o, c, ids = self._graph.outside, self._graph.outside_control, self._graph.outside_ids
        for kind, e in self._by_dst.get(node, ()):
            if kind == 0 and shares:
                stake = format_interval(float(o.low[e]), bool(o.low_open[e]), float(o.high[e]), bool(o.high_open[e]))
                out.append({"id": str(ids[int(o.src[e])].as_py()), "stake": stake})
            elif kind == 1 and control:
                out.append({"id": str(ids[int(c.src[e])].as_py()), "stake": "control without shares"})
        return sorted(out, key=lambda h: (h["id"], h["stake"]))


class _Unread:
    """The quarantined statements per node, the nodes held as possibly restricted, and their findings."""

    def __init__(self, graph: Graph, unread: pd.DataFrame | None) -> None:
        self.held = np.zeros(graph.n, dtype=bool)
        self.findings: list[Finding] = []
        self._notes: dict[int, list[dict[str, str | None]]] = {}
        if unread is None or not len(unread):
            return
        about = arrow_strings(unread["about_id"])
        node = pc.index_in(about, value_set=graph.ids_arrow).fill_null(-1).to_numpy(zero_copy_only=False)
        records = unread.to_dict("records")
        for k, row in enumerate(records):
            note = {key: (None if pd.isna(row[key]) else str(row[key])) for key in
                    ("statement_id", "record_id", "rule", "reason", "source_uri", "source_line")}  # fmt: skip
            sid = note["statement_id"] or "(no statement id)"
            where = f"{note['source_uri']}" + (f" #{note['source_line']}" if note["source_line"] else "")
            target = None if pd.isna(row["about_id"]) else str(row["about_id"])
            if target is None:
                self.findings.append(
                    Finding(
                        Check.UNATTRIBUTED_STATEMENT,
                        Severity.ERROR,
                        "",
                        f"quarantined statement {sid} ({where}, {note['rule']}) cannot be tied to any record: "
                        "no decision can be guaranteed against what it says",
                    )
                )
                continue
            i = int(node[k])
            if i < 0:
                effect = (
                    "a holder that is not in the data counts as possibly restricted wherever it holds"
                    if row["record_type"] in ("entity", "person")
                    else "it cannot change a decision"
                )
                message = (
                    f"quarantined statement {sid} ({where}, {note['rule']}) is about {target}, "
                    f"which is not in the data; {effect}"
                )
            else:
                self.held[i] = True
                self._notes.setdefault(i, []).append(note)
                message = (
                    f"quarantined statement {sid} ({where}, {note['rule']}) is about {target}: held in review "
                    "at least, and what it owns is judged as if it might be restricted"
                )
            self.findings.append(Finding(Check.UNREAD_STATEMENT, Severity.WARN, target, message))

    def notes(self, node: int) -> list[dict[str, str | None]]:
        return self._notes.get(node, [])


# --- findings ------------------------------------------------------------------------------------------


def _convergence_findings(low: Run, high: Run, graph: Graph) -> list[Finding]:
    out = []
    for label, run in (("low", low), ("high", high)):
        if not run.converged:
            out.append(
                Finding(
                    Check.NOT_CONVERGED,
                    Severity.ERROR,
                    "",
                    f"the {label} run did not settle after {run.iterations} rounds; its shares are lower bounds",
                )
            )
    return out


def _parent_findings(graph: Graph, parents: Parents) -> list[Finding]:
    out = []
    for i in np.flatnonzero(parents.majority_owners > 1).tolist():
        out.append(
            Finding(
                Check.MULTIPLE_MAJORITY_OWNERS,
                Severity.WARN,
                graph.id_at(i),
                f"{graph.id_at(i)} has {parents.majority_owners[i]} owners holding more than 50%; "
                f"the largest, {graph.id_at(parents.parent[i])}, is taken as parent",
            )
        )
    ends = np.flatnonzero(parents.cycle & (parents.ultimate == np.arange(graph.n)))
    for x in ends.tolist():
        members = [int(x)]
        cur = int(parents.parent[x])
        while cur != x and len(members) <= graph.n:
            members.append(cur)
            cur = int(parents.parent[cur])
        listed = ", ".join(graph.id_at(m) for m in sorted(members)[:MAX_CYCLE_MEMBERS_LISTED])
        out.append(
            Finding(
                Check.MAJORITY_CYCLE,
                Severity.WARN,
                graph.id_at(x),
                f"majority owners form a cycle of {len(members)} records ({listed}); "
                f"the chain ends at the smallest id {graph.id_at(x)}",
            )
        )
    return out


def _cycle_findings(graph: Graph) -> list[Finding]:
    if not len(graph.ownership):
        return []
    _, labels = connected_components(graph.owner_matrix, directed=True, connection="strong")
    sizes = np.bincount(labels)
    big = np.flatnonzero(sizes > 1)
    if not len(big):
        return []
    out = []
    in_big = np.isin(labels, big)
    members = np.flatnonzero(in_big)
    order = np.argsort(labels[members], kind="stable")
    members = members[order]
    groups = np.split(members, np.flatnonzero(np.diff(labels[members])) + 1)
    for group in groups:
        ids = sorted(graph.ids_arrow.take(pa.array(group)).to_pylist())
        listed = ", ".join(ids[:MAX_CYCLE_MEMBERS_LISTED]) + (", ..." if len(ids) > MAX_CYCLE_MEMBERS_LISTED else "")
        out.append(
            Finding(
                Check.OWNERSHIP_CYCLE,
                Severity.WARN,
                ids[0],
                f"cross-holding: {len(ids)} records own each other in a cycle ({listed})",
            )
        )
    return out


def _indirect_findings(graph: Graph) -> list[Finding]:
    """Compare declared indirect interests with the shares multiplied along paths of two or more edges."""
    d = graph.declared_indirect
    if not len(d):
        return []
    o = graph.ownership
    # Only nodes within MAX_INDIRECT_DEPTH edges of a declaring party lie on the paths compared, so the
    # products run on that sub-graph (a few thousand nodes at 100k, not the whole graph every round). It
    # keeps the nodes' order, so each sum adds the same terms in the same (holder) order: same bits.
    parties = np.unique(d.src)
    distance = dijkstra(graph.owner_matrix, indices=parties, min_only=True, limit=MAX_INDIRECT_DEPTH, unweighted=True)
    near = np.isfinite(distance)
    local = np.cumsum(near) - 1
    kept = near[o.src] & near[o.dst]
    src, dst = local[o.src[kept]], local[o.dst[kept]]
    n = int(near.sum())
    col = np.searchsorted(parties, d.src)
    target, reached = local[d.dst], near[d.dst]
    # Both bounds in one product: the low stakes in the top-left block, the high ones in the bottom-right;
    # each party starts in its column of both blocks.
    p = len(parties)
    start = sp.csr_matrix(
        (np.ones(2 * p), (np.concatenate([local[parties], local[parties] + n]), np.arange(2 * p))), shape=(2 * n, 2 * p)
    )
    w = sp.csr_matrix(
        (np.concatenate([o.low[kept], o.high[kept]]), (np.concatenate([dst, dst + n]), np.concatenate([src, src + n]))),
        shape=(2 * n, 2 * n),
    )
    reach = w @ start
    total = sp.csr_matrix(reach.shape)
    for _ in range(MAX_INDIRECT_DEPTH - 1):
        reach = w @ reach
        reach.eliminate_zeros()
        if not reach.nnz:
            break
        total = total + reach
    row = np.where(reached, target, 0)
    c_low, c_high = (
        np.minimum(np.where(reached, np.asarray(total[row + b * n, col + b * p]).ravel(), 0.0), 1.0) for b in (0, 1)
    )
    flagged = np.flatnonzero((d.low > c_high + EPS) | (d.high < c_low - EPS))
    holders = graph.ids_arrow.take(pa.array(d.src[flagged])).to_pylist()
    held = graph.ids_arrow.take(pa.array(d.dst[flagged])).to_pylist()
    declared = interval_texts(d.low[flagged], d.low_open[flagged], d.high[flagged], d.high_open[flagged]).to_pylist()
    none = np.zeros(len(flagged), dtype=bool)
    found = interval_texts(c_low[flagged], none, c_high[flagged], none).to_pylist()
    out = [
        Finding(
            Check.DECLARED_INDIRECT_MISMATCH,
            Severity.WARN,
            str(owned),
            f"{holder} declares an indirect {stated} of {owned}; the graph's paths give {paths}",
        )
        for holder, owned, stated, paths in zip(holders, held, declared, found, strict=True)
    ]
    return out
