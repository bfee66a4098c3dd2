"""The graph's shapes and the runs' convergence, in words: the findings `resolve` reports about them.

Invariant: one finding per shape `structure` found (a node with several majority owners, a majority
cycle, a cross-holding group, a declared indirect interest the paths do not bear out) and per run that
did not settle; ids are listed in id order, at most `MAX_CYCLE_MEMBERS_LISTED` per cycle; stakes are
written by `pipeline.formatting`.
"""

from __future__ import annotations

import numpy as np

from pipeline import formatting
from pipeline.ownership.findings import Check, Finding, Severity
from pipeline.ownership.fixed_point import Run
from pipeline.ownership.graph import Graph
from pipeline.ownership.structure import Structural

MAX_CYCLE_MEMBERS_LISTED = 10


def structure_findings(graph: Graph, structural: Structural) -> list[Finding]:
    return [
        *_parent_findings(graph, structural),
        *_cycle_findings(graph, structural),
        *_indirect_findings(graph, structural),
    ]


def convergence_findings(low: Run, high: Run) -> list[Finding]:
    return [
        Finding(
            Check.NOT_CONVERGED,
            Severity.ERROR,
            "",
            f"the {label} run did not settle after {run.iterations} rounds; its shares are lower bounds",
        )
        for label, run in (("low", low), ("high", high))
        if not run.converged
    ]


def _parent_findings(graph: Graph, structural: Structural) -> list[Finding]:
    parents = structural.parents
    out = [
        Finding(
            Check.MULTIPLE_MAJORITY_OWNERS,
            Severity.WARN,
            graph.id_at(i),
            f"{graph.id_at(i)} has {parents.majority_owners[i]} owners holding more than 50%; "
            f"the largest, {graph.id_at(parents.parent[i])}, is taken as parent",
        )
        for i in np.flatnonzero(parents.majority_owners > 1).tolist()
    ]
    for members in structural.majority_cycles:
        x = int(members[0])
        listed = ", ".join(graph.id_at(m) for m in sorted(members.tolist())[:MAX_CYCLE_MEMBERS_LISTED])
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


def _cycle_findings(graph: Graph, structural: Structural) -> list[Finding]:
    out = []
    for group in structural.cross_holdings:
        ids = sorted(graph.ids_at(group))
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


def _indirect_findings(graph: Graph, structural: Structural) -> list[Finding]:
    found = structural.indirect
    d = found.declared
    if not len(d):
        return []
    holders = graph.ids_at(d.src)
    held = graph.ids_at(d.dst)
    declared = formatting.bands(d.low, d.low_open, d.high, d.high_open).to_pylist()
    closed = np.zeros(len(d), dtype=bool)
    computed = formatting.bands(found.low, closed, found.high, closed).to_pylist()
    return [
        Finding(
            Check.DECLARED_INDIRECT_MISMATCH,
            Severity.WARN,
            str(owned),
            f"{holder} declares an indirect {stated} of {owned}; the graph's paths give {paths}",
        )
        for holder, owned, stated, paths in zip(holders, held, declared, computed, strict=True)
    ]
