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
- Findings never change a decision: they report data problems for the quality stage.
"""

from __future__ import annotations

import datetime as dt
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
from scipy.sparse.csgraph import connected_components

from pipeline.datasets import OWNERSHIP, conform
from pipeline.ownership.engine import Run, Structure, propagate
from pipeline.ownership.evidence import (
    MAX_OWNERS_LISTED,
    MAX_PATHS,
    Contributions,
    PathFinder,
    contributions,
    topological_rank,
)
from pipeline.ownership.findings import Check, Finding, Severity, findings_frame
from pipeline.ownership.gcpause import paused_gc
from pipeline.ownership.graph import BoolArray, Graph, arrow_strings, build_graph
from pipeline.ownership.parent import Parents, chains, resolve_parents
from pipeline.ownership.roots import BASIS_RULE, root_basis
from pipeline.ownership.stakes import EPS, format_interval, format_intervals, format_percent
from pipeline.policy.model import ControlAction, EntityDecision, Method, OwnershipRule, Policy

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
    return _column(pa.array([value], pa.large_string()).take(pa.array(np.zeros(n, dtype=np.int64))))


def resolve(entities: pd.DataFrame, interests: pd.DataFrame, policy: Policy, as_of: dt.date) -> OwnershipResult:
    graph = build_graph(entities, interests, policy, as_of)
    n = graph.n
    take = pa.array(graph.rows)
    basis = root_basis(entities, policy)[graph.rows]  # judged per input row, then put in node order
    roots = basis != ""

    own = policy.ownership
    common: dict[str, Any] = {"method": own.method, "threshold": own.threshold, "comparator": own.comparator}
    cws = policy.control_without_shares
    common["structure"] = (Structure(n, graph.ownership), Structure(n, graph.control))
    low = propagate(n, graph.ownership, graph.control, roots, bound="low",
                    control_forces=cws is ControlAction.RESTRICT, **common)  # fmt: skip
    high = propagate(n, graph.ownership, graph.control, roots, bound="high",
                     control_forces=cws is not ControlAction.IGNORE, **common)  # fmt: skip
    # The high run can only add to the low one; make the invariant hold even at float noise.
    rho_high = np.maximum(high.rho, low.rho)
    restricted = low.restricted
    review = high.restricted & ~restricted
    parents = resolve_parents(n, graph.ownership)

    findings = list(graph.findings)
    findings.extend(_convergence_findings(low, high, graph))
    findings.extend(_parent_findings(graph, parents))
    findings.extend(_cycle_findings(graph))
    findings.extend(_indirect_findings(graph))

    decision = np.where(restricted, 0, np.where(review, 1, 2))
    labels = pa.array([str(EntityDecision.RESTRICTED), str(EntityDecision.REVIEW), str(EntityDecision.CLEAR)])
    names = arrow_strings(entities["name"]).take(take)
    ctx = _Resolved(graph, policy, basis, roots, low, high, rho_high, names)
    with paused_gc():
        rules, explanation, evidence = _explain(ctx)
    root_rows = np.flatnonzero(roots)
    root_basis_column = pa.nulls(n, pa.large_string())
    if len(root_rows):
        root_basis_column = pc.replace_with_mask(
            root_basis_column, pa.array(roots), pa.array(basis[root_rows].tolist(), pa.large_string())
        )
    frame = pd.DataFrame(
        {
            "entity_id": _column(graph.ids_arrow),
            "name": _column(names),
            "record_type": _column(arrow_strings(entities["record_type"]).take(take)),
            "is_root": roots,
            "root_basis": _column(root_basis_column),
            "rho_low": low.rho,
            "rho_low_open": low.rho_open,
            "rho_high": rho_high,
            "rho_high_open": high.rho_open & (high.rho >= low.rho),
            "decision": _column(labels.take(pa.array(decision)).cast(pa.large_string())),
            "ultimate_parent_id": _column(graph.ids_arrow.take(pa.array(parents.ultimate))),
            "chain": _column(chains(parents, graph.ids_arrow)),
            "cycle": parents.cycle,
            "rules": _column(rules),
            "explanation": _column(explanation),
            "evidence": _column(evidence),
            "policy_id": _constant(policy.id, n),
            "policy_version": _constant(policy.version, n),
        }
    )
    return OwnershipResult(
        conform(frame, OWNERSHIP),
        findings_frame(findings),
        {"low": low.iterations, "high": high.iterations},
    )


# --- explanation and evidence ---------------------------------------------------------------------------


def _carrying(graph: Graph, run: Run, method: Method, bound: str, control_counts: bool) -> Contributions:
    """Edges that carry restriction in a run: ownership edges first, then control edges."""
    o, c = graph.ownership, graph.control
    stake = o.low if bound == "low" else o.high
    stake_open = o.low_open if bound == "low" else o.high_open
    # cascade passes restriction on from restricted holders; look_through from any with a positive share
    passes = run.restricted[o.src] if method is Method.CASCADE else (run.rho[o.src] > 0) | run.rho_open[o.src]
    keep_own = passes & ((stake > 0) | stake_open)
    keep_ctrl = run.restricted[c.src] if control_counts else np.zeros(len(c), dtype=bool)
    src = np.concatenate([o.src, c.src])
    dst = np.concatenate([o.dst, c.dst])
    weight = np.concatenate([stake, np.full(len(c), 2.0)])  # control edges listed first: they decide alone
    return contributions(graph.n, src, dst, weight, np.concatenate([keep_own, keep_ctrl]))


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
    basis: npt.NDArray[np.object_]
    roots: BoolArray
    low: Run
    high: Run
    rho_high: npt.NDArray[np.float64]
    names: pa.ChunkedArray

    @cached_property
    def test(self) -> str:
        own = self.policy.ownership
        return f"{own.comparator} {format_percent(own.threshold)}"


class _Table:
    """A string column built as codes into a table of distinct texts (most rows share a few texts)."""

    def __init__(self, n: int, default: str) -> None:
        self.texts = [default]
        self.codes = np.zeros(n, dtype=np.int64)

    def set(self, i: int, text: str) -> None:
        self.codes[i] = len(self.texts)
        self.texts.append(text)

    def set_coded(self, rows: npt.NDArray[np.int64], codes: npt.NDArray[np.int64], texts: list[str]) -> None:
        """rows[k] gets texts[codes[k]]."""
        self.codes[rows] = len(self.texts) + codes
        self.texts.extend(texts)

    def set_many(self, rows: npt.NDArray[np.int64], text: str) -> None:
        self.codes[rows] = len(self.texts)
        self.texts.append(text)

    def arrow(self) -> pa.Array:
        return pa.array(self.texts, pa.large_string()).take(pa.array(self.codes))


class _Lookup(dict[int, Any]):
    """Values of an Arrow array by node, fetched in one batch for the nodes expected, singly for others."""

    def __init__(self, values: pa.Array | pa.ChunkedArray, expected: npt.NDArray[np.int64]) -> None:
        super().__init__(zip(expected.tolist(), values.take(pa.array(expected)).to_pylist(), strict=True))
        self._values = values

    def __missing__(self, key: int) -> Any:
        value = self._values[key].as_py()
        self[key] = value
        return value


class _Labels:
    """Edge stakes as text, computed once per edge that appears in some evidence."""

    def __init__(self, graph: Graph) -> None:
        self._o = graph.ownership
        self._cache: dict[int, str] = {}

    def __call__(self, e: int) -> str:
        text = self._cache.get(e)
        if text is None:
            o = self._o
            if e < len(o):
                text = format_interval(float(o.low[e]), bool(o.low_open[e]), float(o.high[e]), bool(o.high_open[e]))
            else:
                text = "control without shares"
            self._cache[e] = text
        return text


def _root_texts(ctx: _Resolved, rules: _Table, explanation: _Table, evidence: _Table) -> None:
    """Roots: their basis is their whole evidence, shared by every root with the same basis."""
    policy, own = ctx.policy, ctx.policy.ownership
    policy_ref = {"id": policy.id, "version": policy.version}
    root_rows = np.flatnonzero(ctx.roots)
    if not len(root_rows):
        return
    codes, distinct = pd.factorize(ctx.basis[root_rows])
    for k, b in enumerate(distinct.tolist()):
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
        rows = root_rows[codes == k]
        rules.set_many(rows, orjson.dumps(rule_list).decode())
        explanation.set_many(rows, f"restricted: {_basis_text(b)}")
        evidence.set_many(rows, orjson.dumps(doc).decode())


def _explain(ctx: _Resolved) -> tuple[pa.Array, pa.Array, pa.Array]:
    graph, policy, basis, roots, low, high, rho_high = (
        ctx.graph, ctx.policy, ctx.basis, ctx.roots, ctx.low, ctx.high, ctx.rho_high
    )  # fmt: skip
    n = graph.n
    own = policy.ownership
    test = ctx.test
    policy_ref = {"id": policy.id, "version": policy.version}
    cws = policy.control_without_shares

    rules = _Table(n, f'["{OwnershipRule.CLEAR}"]')
    explanation = _Table(n, "clear: no restricted owner found")
    # Clear rows (most of them) share one short evidence text: the policy is in its own columns.
    evidence = _Table(n, '{"decision":"clear"}')
    partial = np.flatnonzero(~high.restricted & ~low.restricted & (rho_high > 0))
    codes, distinct = pd.factorize(rho_high[partial])
    explanation.set_coded(
        partial,
        codes,
        [f"clear: restricted share at most {format_percent(v)}, not {test} ({own.method})" for v in distinct.tolist()],
    )
    _root_texts(ctx, rules, explanation, evidence)

    restricted = low.restricted & ~roots
    review = high.restricted & ~low.restricted
    runs = (
        ("low", low, restricted, cws is ControlAction.RESTRICT, EntityDecision.RESTRICTED),
        ("high", high, review, cws is not ControlAction.IGNORE, EntityDecision.REVIEW),
    )
    label = _Labels(graph)
    for bound, run, targets, control_counts, decision in runs:
        idx = np.flatnonzero(targets)
        if not len(idx):
            continue
        contrib = _carrying(graph, run, own.method, bound, control_counts)
        rank = run.rank if own.method is Method.CASCADE else topological_rank(n, contrib)
        finder = PathFinder(contrib, rank, roots)
        held = np.repeat(np.arange(n), np.diff(contrib.indptr))
        # Every node an explanation can quote is a flagged record or one of their carrying holders.
        wanted = np.unique(np.concatenate([idx, contrib.src[np.isin(held, idx)]]))
        name_of = _Lookup(ctx.names, wanted)
        ids = _Lookup(graph.ids_arrow, wanted)
        shares = format_intervals(low.rho[idx], low.rho_open[idx], rho_high[idx], high.rho_open[idx])
        by_share = run.share_restricted[idx].tolist()
        by_control = run.forced[idx].tolist()
        for i, share, by_s, by_c in zip(idx.tolist(), shares, by_share, by_control, strict=True):
            srcs, edges, _ = contrib.into(i)
            srcs_l, edges_l = srcs[:MAX_OWNERS_LISTED].tolist(), edges[:MAX_OWNERS_LISTED].tolist()
            rule_list = []
            if by_s:
                rule_list.append(OwnershipRule.OWNERSHIP if bound == "low" else OwnershipRule.OWNERSHIP_POSSIBLE)
            if by_c:
                rule_list.append(OwnershipRule.CONTROL)
            top = ""
            if srcs_l:
                top = f"; largest: {name_of[srcs_l[0]] or ids[srcs_l[0]]} ({label(edges_l[0])})"
            paths, truncated = finder.paths(i)
            doc = {
                "policy": policy_ref,
                "decision": decision,
                "rules": rule_list,
                "method": own.method,
                "threshold": test,
                "restricted_share": share,
                "root_basis": None,
                "roots": [
                    {"id": ids[r], "basis": basis[r]}
                    for r in sorted({p[0][0] for p in paths} - {i}, key=lambda r: ids[r])
                ],
                "owners": [
                    {"id": ids[o], "name": name_of[o], "stake": label(e)} for o, e in zip(srcs_l, edges_l, strict=True)
                ],
                "owners_total": len(srcs),
                "paths": [{"ids": [ids[x] for x in nodes], "stakes": [label(e) for e in via]} for nodes, via in paths],
                "path_limit": {"max_paths": MAX_PATHS, "truncated": truncated},
            }
            rules.set(i, orjson.dumps(rule_list).decode())
            explanation.set(i, _flagged_line(ctx, i, bound=bound, by_share=by_s, by_control=by_c, share=share) + top)
            evidence.set(i, orjson.dumps(doc).decode())
    return rules.arrow(), explanation.arrow(), evidence.arrow()


def _flagged_line(ctx: _Resolved, i: int, *, bound: str, by_share: bool, by_control: bool, share: str) -> str:
    test, method = ctx.test, ctx.policy.ownership.method
    if bound == "low":
        if by_control and not by_share:
            return "restricted: controlled without shares by a restricted party"
        more = "more than" if ctx.low.rho_open[i] else "at least"
        return (
            f"restricted: {more} {format_percent(float(ctx.low.rho[i]))} held by restricted parties, {test} ({method})"
        )
    if by_control and not by_share:
        return "review: controlled without shares by a restricted or possibly restricted party"
    return f"review: restricted share {share} may be {test} ({method})"


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
    o = graph.ownership
    if not len(o):
        return []
    m = sp.csr_matrix((np.ones(len(o)), (o.src, o.dst)), shape=(graph.n, graph.n))
    _, labels = connected_components(m, directed=True, connection="strong")
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
    n, o = graph.n, graph.ownership
    parties, col = np.unique(d.src, return_inverse=True)
    start = sp.csr_matrix((np.ones(len(parties)), (parties, np.arange(len(parties)))), shape=(n, len(parties)))
    computed = []
    for stake in (o.low, o.high):
        # Column-sliced products touch only the holders reached so far, not the whole graph each round.
        w = sp.csc_matrix((stake, (o.dst, o.src)), shape=(n, n))
        reach = (w @ start).tocsr()
        total = sp.csr_matrix((n, len(parties)))
        for _ in range(MAX_INDIRECT_DEPTH - 1):
            rows = np.flatnonzero(np.diff(reach.indptr))
            if not len(rows):
                break
            reach = (w[:, rows] @ reach[rows, :]).tocsr()
            reach.eliminate_zeros()
            total = total + reach
        computed.append(np.minimum(np.asarray(total[d.dst, col]).ravel(), 1.0))
    c_low, c_high = computed
    out = []
    for k in np.flatnonzero((d.low > c_high + EPS) | (d.high < c_low - EPS)):
        declared = format_interval(float(d.low[k]), bool(d.low_open[k]), float(d.high[k]), bool(d.high_open[k]))
        found = format_interval(float(c_low[k]), False, float(c_high[k]), False)
        out.append(
            Finding(
                Check.DECLARED_INDIRECT_MISMATCH,
                Severity.WARN,
                graph.id_at(d.dst[k]),
                f"{graph.id_at(d.src[k])} declares an indirect {declared} of {graph.id_at(d.dst[k])}; "
                f"the graph's paths give {found}",
            )
        )
    return out
