"""Resolve the ownership graph under the policy: restricted share, decision, ultimate parent, evidence.

Invariants:
- One OWNERSHIP row per entity and person record, in id order; same inputs give the same frame.
- decision = `restricted` when the record is a root or its least restricted share surely passes the
  policy's threshold (or control without shares restricts it), `review` when only the greatest share
  may pass it (or control asks for review), else `clear`; rho_low <= rho_high always (`judge`).
- rho_low / rho_high are the values the engine propagated (see `fixed_point`): a record restricted by
  control without shares carries 1 in the run where control counted, and its rules say so.
- Every restricted or review record carries evidence (`evidence_model`: roots, paths with stakes,
  contributing owners, unread statements, holders outside the data) and rules; path enumeration is
  capped (`evidence.MAX_PATHS`) and says so. A root's evidence is its basis (`root_basis`). Evidence
  is built only for flagged records, so its cost follows the number of restricted and review records,
  not the size of the graph. `chain`, `rules` and `evidence` are nested Arrow columns (pandas
  `ArrowDtype`), numbers kept as numbers; `explanation` is the one column written for people.
- Data the run could not use never lowers a decision. A record a quarantined statement was about
  (`unread.unread_statements`) is held in review at least, and possibly restricted in the high run, so
  what it owns follows; a stake or control held by a holder that is not in the data counts in the high
  run as if that holder were restricted. Both show in the rules (`data.unread_statement`,
  `data.unknown_holder`) and the evidence (the statement id, rule and reason; the holder id and stake).
  A quarantined statement that cannot be tied to any record is an error finding: no decision of the
  run can be guaranteed against it.
- Findings never change a decision: they report data problems for the quality stage.
- Reviewers' entity judgements (`judged`, given only by the decide stage's second resolution): an entity
  judged restricted is a root (basis `judgement:<id>`, rule `root.judgement`), so its subsidiaries follow
  as for any root; an entity judged clear is no root and its own owners' stakes in it are not counted
  (the reviewer says its restricted share is nil, e.g. a register error), so what it owns is judged
  without it. Without `judged` nothing changes.
- Threads: this module only arranges the work. Given an `executor` (one worker is enough), the parts
  that do not depend on each other overlap, since numpy, Arrow and scipy let go of the GIL in their
  loops: root bases and the interests' own facts beside the id look-up; names, the graph's structure
  (parents, chains, structural findings) and the plain columns beside propagation and evidence; the
  explanation column beside the evidence columns. What runs beside reads the inputs, the graph and
  finished values and writes nothing shared, so the result is the same whatever the threads' timing.
  Without an executor everything runs on the caller's thread. Process-wide switches (the garbage
  collector, Arrow's memory pool) are the caller's to set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.arrays import BoolArray, arrow_strings, int64s, pandas_nested, text_array
from pipeline.datasets import OWNERSHIP, conform
from pipeline.ownership.evidence_columns import evidence_column, rules_column
from pipeline.ownership.explanation import Explainer, second_opinions
from pipeline.ownership.findings import findings_frame
from pipeline.ownership.graph import Graph, InterestFacts, build_graph
from pipeline.ownership.judge import DECISIONS, Judgement, flagged, judge
from pipeline.ownership.roots import JudgedRoots, RootBases, root_basis
from pipeline.ownership.structure import Structural
from pipeline.ownership.structure_findings import convergence_findings, structure_findings
from pipeline.ownership.unread import UnreadRecords, unread_statements
from pipeline.policy.definition import Policy

# The ENTITIES and INTERESTS columns `resolve` reads: callers load only these (at 5M records the
# columns it does not read, statement ids and source URIs, are over 600 MB of the peak).
ENTITY_INPUT_COLUMNS = (
    "entity_id", "name", "record_type", "entity_type", "jurisdiction", "registered_country",
    "business_country", "nationalities", "residences", "tax_residencies", "datasets",
)  # fmt: skip
INTEREST_INPUT_COLUMNS = (
    "relationship_id", "interest_index", "subject_id", "interested_party_id", "interest_type",
    "direct_or_indirect", "share_exact", "share_min", "share_max", "exclusive_min", "exclusive_max",
    "start_date", "end_date",
)  # fmt: skip

T = TypeVar("T")


class Numbers(Protocol):
    """Where the numbers of a resolution come from: the two runs and the decision (`judge.judge`), and the
    ultimate parents with their chains (`Structural.of`). The local engine computes them here; the Spark
    engine (`pipeline.spark.ownership`) on a cluster, and everything else is built from them here."""

    def judge(self, graph: Graph, roots: BoolArray, policy: Policy, held: BoolArray) -> Judgement: ...

    def structural(self, graph: Graph) -> Structural: ...


@dataclass(frozen=True)
class OwnershipResult:
    ownership: pd.DataFrame  # OWNERSHIP columns
    findings: pd.DataFrame  # FINDING_COLUMNS
    iterations: dict[str, int]  # fixed-point rounds per run, for the record


def _beside(executor: Executor | None, work: Callable[..., T], *args: Any) -> Callable[[], T]:
    """Start `work` on the executor and return how to wait for it; without one, do it now."""
    if executor is not None:
        return executor.submit(work, *args).result
    done = work(*args)
    return lambda: done


def resolve(
    entities: pd.DataFrame,
    interests: pd.DataFrame,
    policy: Policy,
    as_of: dt.date,
    *,
    quarantine: pd.DataFrame | None = None,
    executor: Executor | None = None,
    judged: JudgedRoots | None = None,
    numbers: Numbers | None = None,
) -> OwnershipResult:
    """`quarantine`: the QUARANTINE rows of the ownership extraction (what the reader and the contracts
    set aside); the records they were about are held in review at least (see the module docstring).
    `entities` and `interests` need only ENTITY_INPUT_COLUMNS and INTEREST_INPUT_COLUMNS. `executor`:
    where independent parts run beside this thread (see the module docstring); None runs them here.
    `judged`: reviewers' entity judgements to resolve with (see the module docstring).
    `numbers`: another engine's runs, decisions and parents for this graph (None: this module's own)."""
    if judged and judged.cleared:
        subjects = arrow_strings(interests["subject_id"])
        held = pc.is_in(subjects, value_set=pa.array(sorted(judged.cleared), pa.large_string())).fill_null(False)
        interests = interests[~np.asarray(held.to_numpy(zero_copy_only=False), dtype=np.bool_)]
    bases = _beside(executor, root_basis, entities, policy)
    graph = build_graph(
        entities, interests, policy, as_of, _beside(executor, InterestFacts.of, interests, policy, as_of)
    )
    take = int64s(graph.rows)
    named = _beside(executor, lambda: arrow_strings(entities["name"]).take(take))
    structural = _beside(executor, numbers.structural if numbers is not None else Structural.of, graph)
    basis = bases().take(graph.rows)  # judged per input row, then put in node order
    if judged:
        basis = judged.apply(basis, graph.ids_arrow)
    unread = UnreadRecords(graph, unread_statements(quarantine, interests, as_of) if quarantine is not None else None)
    judgement = (numbers.judge if numbers is not None else judge)(graph, basis.is_root, policy, unread.held)
    plain = _beside(executor, _plain_columns, entities, graph, basis, judgement.decision, policy)
    names = named()
    runs = flagged(graph, judgement, policy)
    explanation = _beside(executor, Explainer(graph, policy, basis, judgement, names, unread).column, runs)
    rules = rules_column(judgement, basis, runs)
    evidence = evidence_column(graph, basis, names, unread, runs)
    side = structural()
    columns = plain()
    low, high = judgement.low, judgement.high
    findings = [*graph.findings, *unread.findings, *convergence_findings(low, high), *structure_findings(graph, side)]
    rules, lines = second_opinions(rules, explanation(), judgement, policy)
    frame = pd.DataFrame(
        {
            "entity_id": columns["entity_id"],
            "name": text_array(names),
            "record_type": columns["record_type"],
            "is_root": judgement.roots,
            "root_basis": columns["root_basis"],
            "rho_low": low.rho,
            "rho_low_open": low.rho_open,
            "rho_high": judgement.rho_high,
            "rho_high_open": judgement.rho_high_open,
            "decision": columns["decision"],
            "ultimate_parent_id": text_array(side.ultimate),
            "chain": pandas_nested(side.chains),
            "cycle": side.parents.cycle,
            "rules": pandas_nested(rules),
            "explanation": text_array(lines),
            "evidence": pandas_nested(evidence),
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
    labels = pa.array([str(d) for d in DECISIONS], pa.large_string())
    n, texts = graph.n, pa.array(basis.texts, pa.large_string())
    return {
        "entity_id": text_array(graph.ids_arrow),
        "record_type": text_array(arrow_strings(entities["record_type"]).take(int64s(graph.rows))),
        "root_basis": text_array(texts.take(pa.array(basis.code, pa.int64(), mask=~basis.is_root))),
        "decision": text_array(labels.take(int64s(decision))),
        "policy_id": text_array(pa.repeat(pa.scalar(policy.id, pa.large_string()), n)),
        "policy_version": text_array(pa.repeat(pa.scalar(policy.version, pa.large_string()), n)),
    }
