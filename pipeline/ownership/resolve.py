"""Resolve the ownership graph under the policy: restricted share, decision, ultimate parent, evidence.

Invariants:
- One OWNERSHIP row per entity and person record, in id order; same inputs give the same frame.
- decision = `restricted` when the record is a root or its least restricted share surely passes the
  policy's threshold (or control without shares restricts it), `review` when only the greatest share
  may pass it (or control asks for review), else `clear`; rho_low <= rho_high always.
- rho_low / rho_high are the values the engine propagated (see `engine`): a record restricted by control
  without shares carries 1 in the run where control counted, and its rules say so.
- Every restricted or review record carries evidence (roots, paths with stakes, contributing owners,
  rule, policy id and version); path enumeration is capped (`evidence.MAX_PATHS`) and says so.
- Findings never change a decision: they report data problems for the quality stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from pipeline.datasets import OWNERSHIP, conform
from pipeline.ownership.engine import Run, propagate
from pipeline.ownership.evidence import (
    MAX_OWNERS_LISTED,
    MAX_PATHS,
    Contributions,
    PathFinder,
    contributions,
    topological_rank,
)
from pipeline.ownership.findings import Check, Finding, Severity, findings_frame
from pipeline.ownership.graph import BoolArray, Edges, Graph, build_graph
from pipeline.ownership.parent import Parents, chains, quoted_ids, resolve_parents
from pipeline.ownership.roots import BASIS_RULE, root_basis
from pipeline.ownership.stakes import EPS, format_interval, format_percent
from pipeline.policy.model import ControlAction, EntityDecision, Method, OwnershipRule, Policy

# Declared indirect shares are compared with paths of up to this many edges.
MAX_INDIRECT_DEPTH = 20
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


def resolve(entities: pd.DataFrame, interests: pd.DataFrame, policy: Policy, as_of: dt.date) -> OwnershipResult:
    graph = build_graph(entities, interests, policy, as_of)
    n = graph.n
    first = entities.drop_duplicates("entity_id").set_index("entity_id").reindex(graph.ids)
    basis = root_basis(first.reset_index(), policy)
    roots = basis != ""

    own = policy.ownership
    common: dict[str, Any] = {
        "method": own.method,
        "threshold": own.threshold,
        "comparator": own.comparator,
    }
    cws = policy.control_without_shares
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

    quoted = quoted_ids(graph.ids)
    decision = np.where(
        restricted,
        str(EntityDecision.RESTRICTED),
        np.where(review, str(EntityDecision.REVIEW), str(EntityDecision.CLEAR)),
    ).astype(object)
    names = first["name"].to_numpy(dtype=object)
    ctx = _Resolved(graph, policy, basis, roots, low, high, rho_high, names)
    rules, explanation, evidence = _explain(ctx)
    frame = pd.DataFrame(
        {
            "entity_id": pd.array(graph.ids, dtype="str"),
            "name": pd.array(names, dtype="str"),
            "record_type": pd.array(first["record_type"].to_numpy(dtype=object), dtype="str"),
            "is_root": roots,
            "root_basis": pd.array([b if b else None for b in basis], dtype="str"),
            "rho_low": low.rho,
            "rho_low_open": low.rho_open,
            "rho_high": rho_high,
            "rho_high_open": high.rho_open & (high.rho >= low.rho),
            "decision": pd.array(decision, dtype="str"),
            "ultimate_parent_id": pd.array(graph.ids[parents.ultimate] if n else graph.ids, dtype="str"),
            "chain": pd.array(chains(parents, quoted), dtype="str"),
            "cycle": parents.cycle,
            "rules": pd.array(rules, dtype="str"),
            "explanation": pd.array(explanation, dtype="str"),
            "evidence": pd.array(evidence, dtype="str"),
            "policy_id": pd.array(np.full(n, policy.id, dtype=object), dtype="str"),
            "policy_version": pd.array(np.full(n, policy.version, dtype=object), dtype="str"),
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


def _edge_label(graph: Graph, e: int) -> str:
    o = graph.ownership
    if e < len(o):
        return format_interval(float(o.low[e]), bool(o.low_open[e]), float(o.high[e]), bool(o.high_open[e]))
    return "control without shares"


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
    names: npt.NDArray[np.object_]

    @property
    def test(self) -> str:
        own = self.policy.ownership
        return f"{own.comparator} {format_percent(own.threshold)}"


def _explain(ctx: _Resolved) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    graph, policy, basis, roots, low, high, rho_high, names = (
        ctx.graph, ctx.policy, ctx.basis, ctx.roots, ctx.low, ctx.high, ctx.rho_high, ctx.names
    )  # fmt: skip
    n = graph.n
    own = policy.ownership
    test = ctx.test
    policy_ref = {"id": policy.id, "version": policy.version}
    cws = policy.control_without_shares

    rules = np.full(n, f'["{OwnershipRule.CLEAR}"]', dtype=object)
    explanation = np.full(n, "clear: no restricted owner found", dtype=object)
    clear_ev = orjson.dumps({"policy": policy_ref, "decision": "clear", "rules": [OwnershipRule.CLEAR]}).decode()
    evidence = np.full(n, clear_ev, dtype=object)
    partial = np.flatnonzero(~high.restricted & ~low.restricted & (rho_high > 0))
    for k in partial:
        explanation[k] = (
            f"clear: restricted share at most {format_percent(float(rho_high[k]))}, not {test} ({own.method})"
        )

    restricted = low.restricted
    review = high.restricted & ~restricted
    runs = (
        ("low", low, restricted, cws is ControlAction.RESTRICT, EntityDecision.RESTRICTED),
        ("high", high, review, cws is not ControlAction.IGNORE, EntityDecision.REVIEW),
    )
    for bound, run, targets, control_counts, decision in runs:
        idx = np.flatnonzero(targets)
        if not len(idx):
            continue
        contrib = _carrying(graph, run, own.method, bound, control_counts)
        rank = run.rank if own.method is Method.CASCADE else topological_rank(n, contrib)
        finder = PathFinder(contrib, rank, roots)
        for i in map(int, idx):
            rule_list: list[str] = []
            if roots[i]:
                rule_list = [str(BASIS_RULE[item.split(":")[0]]) for item in str(basis[i]).split(";")]
                line = f"restricted: {_basis_text(str(basis[i]))}"
            else:
                if run.share_restricted[i]:
                    rule_list.append(
                        str(OwnershipRule.OWNERSHIP if bound == "low" else OwnershipRule.OWNERSHIP_POSSIBLE)
                    )
                if run.forced[i]:
                    rule_list.append(str(OwnershipRule.CONTROL))
                line = _flagged_line(ctx, contrib, run, i, bound=bound)
            paths, truncated = finder.paths(i)
            srcs, edges, _ = contrib.into(i)
            root_nodes = sorted({p[0][0] for p in paths} - {i}, key=lambda r: str(graph.ids[r]))
            owners = [
                {"id": str(graph.ids[o]), "name": _name(names, o), "stake": _edge_label(graph, e)}
                for o, e in zip(srcs[:MAX_OWNERS_LISTED].tolist(), edges[:MAX_OWNERS_LISTED].tolist(), strict=True)
            ]
            doc = {
                "policy": policy_ref,
                "decision": str(decision),
                "rules": rule_list,
                "method": str(own.method),
                "threshold": test,
                "restricted_share": format_interval(
                    float(low.rho[i]), bool(low.rho_open[i]), float(rho_high[i]), bool(high.rho_open[i])
                ),
                "root_basis": str(basis[i]) if roots[i] else None,
                "roots": [{"id": str(graph.ids[r]), "basis": str(basis[r])} for r in root_nodes],
                "owners": owners,
                "owners_total": len(srcs),
                "paths": [
                    {"ids": [str(graph.ids[x]) for x in nodes], "stakes": [_edge_label(graph, e) for e in via]}
                    for nodes, via in paths
                ],
                "path_limit": {"max_paths": MAX_PATHS, "truncated": truncated},
            }
            rules[i] = orjson.dumps(rule_list).decode()
            explanation[i] = line
            evidence[i] = orjson.dumps(doc).decode()
    return rules, explanation, evidence


def _name(names: npt.NDArray[np.object_], i: int) -> str | None:
    value = names[i]
    return str(value) if isinstance(value, str) else None


def _flagged_line(ctx: _Resolved, contrib: Contributions, run: Run, i: int, *, bound: str) -> str:
    graph, names, low, high, test = ctx.graph, ctx.names, ctx.low, ctx.high, ctx.test
    method = ctx.policy.ownership.method
    srcs, edges, _ = contrib.into(i)
    top = ""
    if len(srcs):
        o, e = int(srcs[0]), int(edges[0])
        who = _name(names, o) or str(graph.ids[o])
        top = f"; largest: {who} ({_edge_label(graph, e)})"
    if bound == "low":
        if run.forced[i] and not run.share_restricted[i]:
            return f"restricted: controlled without shares by a restricted party{top}"
        share = format_interval(float(low.rho[i]), bool(low.rho_open[i]), 1.0, False).split(",")[0]
        more = "more than " if share.startswith("(") else "at least "
        return f"restricted: {more}{share[1:]} held by restricted parties, {test} ({method}){top}"
    if run.forced[i] and not run.share_restricted[i]:
        return f"review: controlled without shares by a restricted or possibly restricted party{top}"
    band = format_interval(float(low.rho[i]), bool(low.rho_open[i]), float(high.rho[i]), bool(high.rho_open[i]))
    return f"review: restricted share {band} may be {test} ({method}){top}"


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
    for i in np.flatnonzero(parents.majority_owners > 1):
        out.append(
            Finding(
                Check.MULTIPLE_MAJORITY_OWNERS,
                Severity.WARN,
                str(graph.ids[i]),
                f"{graph.ids[i]} has {parents.majority_owners[i]} owners holding more than 50%; "
                f"the largest, {graph.ids[parents.parent[i]]}, is taken as parent",
            )
        )
    ends = np.flatnonzero(parents.cycle & (parents.ultimate == np.arange(graph.n)))
    for x in ends:
        members = [int(x)]
        cur = int(parents.parent[x])
        while cur != x and len(members) <= graph.n:
            members.append(cur)
            cur = int(parents.parent[cur])
        listed = ", ".join(str(graph.ids[m]) for m in sorted(members)[:MAX_CYCLE_MEMBERS_LISTED])
        out.append(
            Finding(
                Check.MAJORITY_CYCLE,
                Severity.WARN,
                str(graph.ids[x]),
                f"majority owners form a cycle of {len(members)} records ({listed}); "
                f"the chain ends at the smallest id {graph.ids[x]}",
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
        ids = sorted(str(graph.ids[g]) for g in group)
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
        w = sp.csr_matrix((stake, (o.dst, o.src)), shape=(n, n))
        reach = w @ start
        total = sp.csr_matrix((n, len(parties)))
        for _ in range(MAX_INDIRECT_DEPTH - 1):
            reach = w @ reach
            reach.eliminate_zeros()
            if reach.nnz == 0:
                break
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
                str(graph.ids[d.dst[k]]),
                f"{graph.ids[d.src[k]]} declares an indirect {declared} of {graph.ids[d.dst[k]]}; "
                f"the graph's paths give {found}",
            )
        )
    return out


def edges_frame(graph: Graph, edges: Edges) -> pd.DataFrame:
    """The edges with ids, for reports and tests."""
    return pd.DataFrame(
        {
            "owner_id": graph.ids[edges.src],
            "owned_id": graph.ids[edges.dst],
            "low": edges.low,
            "low_open": edges.low_open,
            "high": edges.high,
            "high_open": edges.high_open,
        }
    )
