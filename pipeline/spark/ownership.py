"""Ownership resolution on Spark: the local engine's numbers (both runs, decision, ultimate parent, chain)
as DataFrame rounds, each a join and an aggregate.

Invariants (the local engine's, docs/design.md §4; `fixed_point`, `judge`, `parent`):
- The graph is built from the canonical ENTITIES and INTERESTS tables the way `graph.build_graph` builds
  it: each interest's own facts (dates, types, share bounds) by the local code itself (`InterestFacts.of`,
  row by row, inside the executors); the joins to known records, the largest stake per (holder, held)
  pair (open wins a tie low, closed wins it high) and the holders outside the data as aggregates.
- Records are keyed by their id, never by a position: the local engine's node order is id order, so every
  "smallest id" tie-break and every order of summation below is id order too.
- Same bits: a sum over owners is folded in the local engine's order, not Spark's: in holder id order
  from 0.0 (look_through: the sparse product's row order), and under cascade round by round (the holders
  restricted in one round, in id order, then the next round's), starting from the stakes held from
  outside the data. So every rho, and every test against the threshold, is the local engine's own.
- A round is one join of the edges with the changed holders and one aggregate per held record, then an
  action that says whether anything changed; the state is checkpointed every `CHECKPOINT_EVERY` rounds
  so the plan's lineage does not grow with the longest chain.
- Evidence, rules and explanation are not computed here: `resolve_on_spark` hands these numbers to the
  local engine's evidence code (docs/scale-out.md says what that costs and how it scales).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as f

from pipeline.arrays import BoolArray, int64s
from pipeline.config import SparkConfig
from pipeline.ownership.fixed_point import MAX_ITERATIONS, TOLERANCE, Run
from pipeline.ownership.graph import Graph, InterestFacts
from pipeline.ownership.judge import Code, Judgement
from pipeline.ownership.parent import Parents
from pipeline.ownership.resolve import ENTITY_INPUT_COLUMNS, INTEREST_INPUT_COLUMNS, OwnershipResult, resolve
from pipeline.ownership.roots import JudgedRoots, root_basis
from pipeline.ownership.stakes import EPS, MAJORITY
from pipeline.ownership.structure import Structural
from pipeline.policy.definition import Comparator, ConsolidationAction, ControlAction, Method, Policy
from pipeline.spark.session import spark_session

Passes = Callable[[Column, Column], Column]

# Rounds between reliable checkpoints (to the session's checkpoint folder, which survives a lost executor).
# Every other round's state is checkpointed on the executors: a round's plan reads the last state two or
# three times (the holders' shares, the control, the state itself), so uncut lineage grows as 3^rounds.
CHECKPOINT_EVERY = 4

FACT_SCHEMA = (
    "subject_id string, party_id string, active boolean, direct boolean, is_own boolean, is_ctrl boolean, "
    "is_consolidation boolean, low double, low_open boolean, high double, high_open boolean"
)


def checkpoint(frame: DataFrame, round_: int = 0) -> DataFrame:
    """Materialise `frame` and cut its lineage: to the session's checkpoint folder every `CHECKPOINT_EVERY`
    rounds when it has one (a cluster), else on the executors."""
    if round_ % CHECKPOINT_EVERY == 0 and frame.sparkSession.sparkContext.getCheckpointDir():
        return frame.checkpoint(eager=True)
    return frame.localCheckpoint(eager=True)


def surely(value: Column, is_open: Column, threshold: float, comparator: Comparator) -> Column:
    """`stakes.surely_exceeds` as a column (the same constants, so the same comparisons)."""
    if comparator is Comparator.GT:
        return (value > threshold + EPS) | ((value >= threshold - EPS) & is_open)
    return value >= threshold - EPS


def possibly(value: Column, is_open: Column, threshold: float, comparator: Comparator) -> Column:
    """`stakes.possibly_exceeds` as a column."""
    if comparator is Comparator.GT:
        return value > threshold + EPS
    return (value > threshold + EPS) | ((value >= threshold - EPS) & ~is_open)


def _ordered_sum(key: str, value: str) -> Column:
    """Per group, the sum of `value` folded from 0.0 in `key` order (the local engine's order)."""
    terms = f.array_sort(f.collect_list(f.struct(f.col(key).alias("k"), f.col(value).alias("v"))))
    return f.aggregate(terms, f.lit(0.0), lambda acc, t: acc + t["v"])


@dataclass(frozen=True)
class SparkGraph:
    """The graph as DataFrames (ids, not positions). Edge frames: src, dst, low, low_open, high, high_open;
    control frames carry `consolidation`."""

    nodes: DataFrame  # id, is_root
    ownership: DataFrame
    control: DataFrame
    declared: DataFrame  # declared indirect interests of ownership types (pairs may repeat)
    outside: DataFrame  # src: a holder id not in the data
    outside_control: DataFrame


def interest_facts(interests: DataFrame, policy: Policy, as_of: dt.date) -> DataFrame:
    """Each interest's own facts, by the local code, batch by batch in the executors (row-wise facts)."""

    def facts(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            read = InterestFacts.of(batch, policy, as_of)
            low, low_open, high, high_open, _ = read.bounds
            yield pd.DataFrame(
                {
                    "subject_id": batch["subject_id"].astype(object),
                    "party_id": batch["interested_party_id"].astype(object),
                    "active": read.active,
                    "direct": read.direct,
                    "is_own": read.is_own,
                    "is_ctrl": read.is_ctrl,
                    "is_consolidation": read.is_consolidation,
                    "low": low,
                    "low_open": low_open,
                    "high": high,
                    "high_open": high_open,
                }
            )

    return interests.mapInPandas(facts, FACT_SCHEMA)


def root_flags(entities: DataFrame, policy: Policy) -> DataFrame:
    """id, is_root: the policy's roots by the local code (`roots.root_basis`, judged row by row)."""

    def roots(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield pd.DataFrame({"id": batch["entity_id"].astype(object), "is_root": root_basis(batch, policy).is_root})

    return entities.mapInPandas(roots, "id string, is_root boolean")


def _largest(rows: DataFrame, src: str, *extra: Column) -> DataFrame:
    """One edge per (src, dst): the largest low (open wins a tie), the largest high (closed wins a tie)."""
    lo = f.max(f.struct("low", "low_open")).alias("lo")
    hi = f.max(f.struct(f.col("high"), (~f.col("high_open")).alias("closed"))).alias("hi")
    grouped = rows.groupBy(f.col(src).alias("src"), f.col("subject_id").alias("dst")).agg(lo, hi, *extra)
    return grouped.select(
        "src", "dst", f.col("lo.low").alias("low"), f.col("lo.low_open").alias("low_open"),
        f.col("hi.high").alias("high"), (~f.col("hi.closed")).alias("high_open"),
        *[c for c in grouped.columns if c not in ("src", "dst", "lo", "hi")],
    )  # fmt: skip


def build(
    entities: DataFrame, interests: DataFrame, policy: Policy, as_of: dt.date, judged: JudgedRoots | None = None
) -> SparkGraph:
    """The graph of `graph.build_graph` (module docstring). Repeated entity ids are the local engine's
    DUPLICATE_ENTITY error finding; here a repeated id is one node, a root if any of its rows is one.
    `judged`: reviewers' entity judgements, as `resolve.resolve` takes them (an entity judged restricted is
    a root; one judged clear is none, and its owners' stakes in it are not counted)."""
    nodes = root_flags(entities.where(f.col("entity_id").isNotNull()), policy)
    nodes = nodes.groupBy("id").agg(f.max("is_root").alias("is_root"))
    if judged:
        restricted, cleared = sorted(judged.restricted), sorted(judged.cleared)
        is_root = f.when(f.col("id").isin(restricted), True).when(f.col("id").isin(cleared), False)
        nodes = nodes.select("id", is_root.otherwise(f.col("is_root")).alias("is_root"))
        interests = interests.where(~f.col("subject_id").isin(cleared)) if cleared else interests
    nodes = checkpoint(nodes)
    known = nodes.select(f.col("id").alias("known"))
    facts = interest_facts(interests, policy, as_of)
    subject_known, party_known = f.col("subject_known"), f.col("party_known")
    joined = facts.join(known.withColumnRenamed("known", "subject_known"), f.col("subject_id") == subject_known, "left")
    joined = joined.join(known.withColumnRenamed("known", "party_known"), f.col("party_id") == party_known, "left")
    present = f.col("subject_id").isNotNull() & f.col("party_id").isNotNull()
    counted = f.col("active") & (f.col("is_own") | f.col("is_ctrl")) & present
    same = counted & (f.col("subject_id") == f.col("party_id"))
    unknown = counted & ~same & (f.col("subject_known").isNull() | f.col("party_known").isNull())
    rows = joined.select(
        "*", (counted & ~same & ~unknown).alias("usable"),
        (unknown & subject_known.isNotNull() & party_known.isNull() & f.col("direct")).alias("held_outside"),
    )  # fmt: skip
    rows = checkpoint(rows)
    usable, direct = f.col("usable"), f.col("direct")
    consolidation = f.max(f.col("is_consolidation")).alias("consolidation")
    return SparkGraph(
        nodes=nodes,
        ownership=checkpoint(_largest(rows.where(usable & f.col("is_own") & direct), "party_id")),
        control=checkpoint(_largest(rows.where(usable & f.col("is_ctrl") & direct), "party_id", consolidation)),
        declared=rows.where(usable & f.col("is_own") & ~direct).select(
            f.col("party_id").alias("src"), f.col("subject_id").alias("dst"), "high", "high_open"
        ),
        outside=_largest(rows.where(f.col("held_outside") & f.col("is_own")), "party_id"),
        outside_control=_largest(rows.where(f.col("held_outside") & f.col("is_ctrl")), "party_id", consolidation),
    )


def _counted(control: DataFrame, policy: Policy, bound: str) -> DataFrame:
    """`judge.counted`: the control edges that count in a run, by the policy's actions."""
    cws, cons_action = policy.control_without_shares, policy.consolidation
    if bound == "low":
        other, cons = cws is ControlAction.RESTRICT, cons_action is ConsolidationAction.RESTRICT
    else:
        other, cons = cws is not ControlAction.IGNORE, True
    return control.where(f.when(f.col("consolidation"), f.lit(cons)).otherwise(f.lit(other)))


@dataclass(frozen=True)
class SparkRun:
    """One run of the fixed point: per id rho, rho_open, restricted, share_restricted, forced, possible,
    rank, and the final sum `s` (the local `Run`'s fields)."""

    frame: DataFrame
    iterations: int
    converged: bool


def propagate(
    graph: SparkGraph,
    policy: Policy,
    *,
    bound: str,
    method: Method,
    held: DataFrame | None = None,
) -> SparkRun:
    """`fixed_point.propagate` for one bound (`low`: least stakes, surely exceeds; `high`: greatest stakes,
    possibly exceeds, with the records `held` (ids) and the stakes and control from outside the data)."""
    own = policy.ownership
    threshold, comparator = own.threshold, own.comparator
    test = surely if bound == "low" else possibly
    stake, stake_open = ("low", "low_open") if bound == "low" else ("high", "high_open")

    def passes(value: Column, is_open: Column) -> Column:
        return test(value, is_open, threshold, comparator)

    edges = graph.ownership.select("src", "dst", f.col(stake).alias("w"), f.col(stake_open).alias("w_open"))
    control = _counted(graph.control, policy, bound).select("src", "dst")
    start = graph.nodes.select("id", f.col("is_root").alias("root"))
    if bound == "high":
        held_ids = held if held is not None else graph.nodes.limit(0).select("id")
        start = start.join(held_ids.select("id", f.lit(True).alias("held")), "id", "left")
        outside = graph.outside.select("src", "dst", f.col(stake).alias("w"), f.col(stake_open).alias("w_open"))
        base = outside.groupBy(f.col("dst").alias("id")).agg(
            _ordered_sum("src", "w").alias("base"), f.max("w_open").alias("base_open")
        )
        forced = _counted(graph.outside_control, policy, "high").select(f.col("dst").alias("id")).distinct()
        start = start.join(base, "id", "left").join(forced.select("id", f.lit(True).alias("forced0")), "id", "left")
    else:
        start = start.select(
            "*", f.lit(None).cast("boolean").alias("held"), f.lit(None).cast("double").alias("base"),
            f.lit(None).cast("boolean").alias("base_open"), f.lit(None).cast("boolean").alias("forced0"),
        )  # fmt: skip
    start = start.select(
        "id", "root", f.coalesce("held", f.lit(False)).alias("held"),
        f.coalesce("base", f.lit(0.0)).alias("base"), f.coalesce("base_open", f.lit(False)).alias("base_open"),
        f.coalesce("forced0", f.lit(False)).alias("forced0"),
    )  # fmt: skip
    if method is Method.CASCADE:
        return _cascade(start, edges, control, passes)
    return _look_through(start, edges, control, passes)


def _final(state: DataFrame, passes: Passes, fixed: Column) -> DataFrame:
    s, s_open = f.col("s"), f.col("s_open")
    clipped = f.least(s, f.lit(1.0))
    return state.select(
        "id",
        f.when(fixed, 1.0).otherwise(clipped).alias("rho"),
        (~fixed & s_open & (s < 1.0)).alias("rho_open"),
        "restricted",
        (~f.col("root") & passes(clipped, s_open & (s < 1.0))).alias("share_restricted"),
        (f.col("forced") & ~f.col("root")).alias("forced"),
        (f.col("held") & ~f.col("root")).alias("possible"),
        "rank",
        "s",
    )


def _cascade(start: DataFrame, edges: DataFrame, control: DataFrame, passes: Passes) -> SparkRun:
    """`fixed_point._cascade`: each round adds the stakes of the holders restricted the round before."""
    origin = f.col("root") | f.col("held")
    state = start.select(
        "id", "root", "held", f.col("base").alias("s"), f.col("base_open").alias("s_open"),
        f.col("forced0").alias("forced"), origin.alias("restricted"),
        f.when(origin, 0).otherwise(-1).cast("long").alias("rank"),
    )  # fmt: skip
    state = checkpoint(state)
    iterations = 0
    while True:
        iterations += 1
        newly = state.where(f.col("rank") == iterations - 1).select(f.col("id").alias("src"))
        added = (
            edges.join(newly, "src")
            .groupBy(f.col("dst").alias("id"))
            .agg(_ordered_sum("src", "w").alias("r"), f.max("w_open").alias("r_open"))
        )
        forced = (
            control.join(newly, "src").select(f.col("dst").alias("id")).distinct().select("id", f.lit(True).alias("c"))
        )
        joined = state.join(added, "id", "left").join(forced, "id", "left")
        s = f.col("s") + f.coalesce(f.col("r"), f.lit(0.0))
        s_open = f.col("s_open") | f.coalesce(f.col("r_open"), f.lit(False))
        controlled = f.col("forced") | f.col("c").isNotNull()
        reached = f.lit(iterations == 1) | f.col("r").isNotNull() | f.col("c").isNotNull()
        fixed = f.col("root") | f.col("held") | controlled
        rho = f.when(fixed, 1.0).otherwise(f.least(s, f.lit(1.0)))
        rho_open = ~fixed & s_open & (s < 1.0)
        new = reached & ~f.col("restricted") & (fixed | passes(rho, rho_open))
        state = joined.select(
            "id", "root", "held", s.alias("s"), s_open.alias("s_open"), controlled.alias("forced"),
            (f.col("restricted") | new).alias("restricted"),
            f.when(new, iterations).otherwise(f.col("rank")).cast("long").alias("rank"),
        )  # fmt: skip
        state = checkpoint(state, iterations)
        if state.where(f.col("rank") == iterations).isEmpty():
            break
    fixed = f.col("root") | f.col("held") | f.col("forced")
    return SparkRun(checkpoint(_final(state, passes, fixed)), iterations, True)


def _look_through(start: DataFrame, edges: DataFrame, control: DataFrame, passes: Passes) -> SparkRun:
    """`fixed_point._look_through`: every sum recomputed each round from the last round's shares."""
    origin = f.col("root") | f.col("held")
    state = start.select(
        "id", "root", "held", "base", "base_open", f.col("forced0").alias("forced"),
        f.when(origin, 1.0).otherwise(0.0).alias("rho"), f.lit(False).alias("rho_open"),
        origin.alias("restricted"), f.when(origin, 0).otherwise(-1).cast("long").alias("rank"),
        f.lit(0.0).alias("s"), f.lit(False).alias("s_open"),
    )  # fmt: skip
    state = checkpoint(state)
    iterations, converged = 0, False
    while iterations < MAX_ITERATIONS:
        iterations += 1
        holders = state.select(f.col("id").alias("src"), f.col("rho").alias("h"), f.col("rho_open").alias("h_open"))
        terms = edges.join(holders, "src").select(
            "src", "dst", (f.col("w") * f.col("h")).alias("t"),
            ((f.col("w_open") & (f.col("h") > 0)) | ((f.col("w") > 0) & f.col("h_open"))).alias("t_open"),
        )  # fmt: skip
        sums = terms.groupBy(f.col("dst").alias("id")).agg(
            _ordered_sum("src", "t").alias("m"), f.max("t_open").alias("m_open")
        )
        restricted_now = state.where("restricted").select(f.col("id").alias("src"))
        forced = (
            control.join(restricted_now, "src")
            .select(f.col("dst").alias("id"))
            .distinct()
            .select("id", f.lit(True).alias("c"))
        )
        joined = state.join(sums, "id", "left").join(forced, "id", "left")
        s = f.coalesce(f.col("m"), f.lit(0.0)) + f.col("base")
        s_open = f.coalesce(f.col("m_open"), f.lit(False)) | f.col("base_open")
        new_forced = f.col("forced") | f.col("c").isNotNull()
        fixed = f.col("root") | f.col("held") | new_forced
        new_rho = f.when(fixed, 1.0).otherwise(f.least(s, f.lit(1.0)))
        new_open = ~fixed & s_open & (s < 1.0)
        new_restricted = f.col("restricted") | fixed | passes(new_rho, new_open)
        state = joined.select(
            "id", "root", "held", "base", "base_open",
            new_forced.alias("forced"), new_rho.alias("rho"), new_open.alias("rho_open"),
            new_restricted.alias("restricted"),
            f.when(new_restricted & ~f.col("restricted"), iterations).otherwise(f.col("rank")).alias("rank"),
            s.alias("s"), s_open.alias("s_open"),
            (f.col("restricted") != new_restricted).alias("d_restricted"),
            (f.col("rho_open") != new_open).alias("d_open"), (f.col("forced") != new_forced).alias("d_forced"),
            f.abs(new_rho - f.col("rho")).alias("delta"),
        )  # fmt: skip
        state = checkpoint(state, iterations)
        change = state.agg(
            f.max(f.col("d_restricted") | f.col("d_open") | f.col("d_forced")).alias("sets"),
            f.max("delta").alias("delta"),
        ).first()
        state = state.drop("d_restricted", "d_open", "d_forced", "delta")
        sets_changed = bool(change["sets"]) if change is not None and change["sets"] is not None else False
        delta = float(change["delta"]) if change is not None and change["delta"] is not None else 0.0
        if not sets_changed and delta <= TOLERANCE:
            converged = True
            break
    # The last round's rho is what `_final` makes of its sums (fixed, or the sum clipped at 1).
    fixed = f.col("root") | f.col("held") | f.col("forced")
    return SparkRun(checkpoint(_final(state, passes, fixed)), iterations, converged)


def parents(graph: SparkGraph) -> DataFrame:
    """`parent.resolve_parents` and `parent.chains`: per id its majority owner, else its consolidation parent
    (`parent`, null for none),
    how many it has, its ultimate parent, whether its walk ends in a cycle, and the chain of ids up to
    the ultimate parent. Pointer doubling (log n rounds) finds where walks land; the chains grow one level
    a round from the ultimate parents down (as many rounds as the longest chain)."""
    majority = graph.ownership.where(surely(f.col("low"), f.col("low_open"), MAJORITY, Comparator.GT))
    # The largest least stake, then the smallest id.
    best = majority.groupBy(f.col("dst").alias("id")).agg(
        f.min(f.struct((-f.col("low")).alias("neg"), f.col("src").alias("src"))).alias("best"),
        f.count(f.lit(1)).alias("majority_owners"),
    )
    # Without a majority owner by shares, the consolidation parent (the smallest id of several).
    by = graph.control.where("consolidation").groupBy(f.col("dst").alias("id")).agg(f.min("src").alias("by"))
    nodes = graph.nodes.select("id").join(best, "id", "left").join(by, "id", "left").select(
        "id", f.coalesce(f.col("best.src"), f.col("by")).alias("parent"),
        f.coalesce("majority_owners", f.lit(0)).cast("long").alias("majority_owners"),
    )  # fmt: skip
    n = nodes.count()
    terminal = f.col("parent").isNull()
    state = nodes.select(
        "id", "parent", "majority_owners", terminal.alias("terminal"),
        f.coalesce("parent", "id").alias("jump"), f.least(f.col("id"), f.coalesce("parent", "id")).alias("low"),
    )  # fmt: skip
    state = checkpoint(state)

    def ahead(frame: DataFrame) -> DataFrame:
        return frame.select(f.col("id").alias("jump"), f.col("jump").alias("j2"), f.col("low").alias("l2"),
                            f.col("terminal").alias("t2"))  # fmt: skip

    steps, rounds = 1, 0
    while steps < n + 1:
        joined = state.join(ahead(state), "jump", "left")
        active = ~f.col("t2")
        state = joined.select(
            "id", "parent", "majority_owners", "terminal",
            f.when(active, f.col("j2")).otherwise(f.col("jump")).alias("jump"),
            f.when(active, f.least("low", "l2")).otherwise(f.col("low")).alias("low"),
            active.alias("was_active"),
        )  # fmt: skip
        rounds += 1
        state = checkpoint(state, rounds)
        steps *= 2
        if state.where("was_active").isEmpty():
            break
        state = state.drop("was_active")
    state = state.drop("was_active")
    landed = state.join(ahead(state), "jump", "left").select(
        "id", "parent", "majority_owners", f.col("t2").alias("landed_terminal"),
        f.when(f.col("t2"), f.col("jump")).otherwise(f.col("l2")).alias("ultimate"),
    )  # fmt: skip
    landed = checkpoint(landed.select("*", (~f.col("landed_terminal")).alias("cycle")).drop("landed_terminal"))
    # Chains, level by level: an ultimate parent's chain is itself; a node's is itself then its parent's.
    done = landed.where(f.col("ultimate") == f.col("id")).select(
        "id", f.array("id").alias("chain"), f.lit(0).alias("depth")
    )
    done = checkpoint(done)
    frontier = done
    pending = checkpoint(landed.where(f.col("ultimate") != f.col("id")).select("id", "parent"))
    level = 0
    while not frontier.isEmpty():
        level += 1
        up = frontier.select(f.col("id").alias("parent"), f.col("chain").alias("up"))
        reached = pending.join(up, "parent").select(
            "id", f.concat(f.array("id"), "up").alias("chain"), f.lit(level).alias("depth")
        )
        frontier = checkpoint(reached)
        done = done.unionByName(frontier)
        pending = pending.join(frontier.select("id"), "id", "left_anti")
        done, pending = checkpoint(done, level), checkpoint(pending, level)
    # A cycle's end goes once round the cycle back to itself: itself, then its parent's chain.
    chains = done.join(landed, "id")
    ends = chains.where(f.col("cycle") & (f.col("ultimate") == f.col("id")))
    around = ends.select("id", "parent").join(
        done.select(f.col("id").alias("parent"), f.col("chain").alias("up")), "parent"
    )
    around = around.select("id", f.concat(f.array("id"), "up").alias("around"))
    out = chains.join(around, "id", "left").select(
        "id", "parent", "majority_owners", "ultimate", "cycle", "depth",
        f.coalesce("around", "chain").alias("chain"),
    )  # fmt: skip
    return checkpoint(out)


@dataclass(frozen=True)
class SparkJudgement:
    """`judge.judge` on Spark: `frame` has, per id, is_root, the low and high runs' columns (`low_*`,
    `high_*`), other_rho, declared, disagrees, rho_high, rho_high_open and decision (a `judge.Code`)."""

    frame: DataFrame
    iterations: dict[str, int]
    converged: dict[str, bool]


def _prefixed(run: SparkRun, prefix: str) -> DataFrame:
    return run.frame.select("id", *[f.col(c).alias(f"{prefix}_{c}") for c in run.frame.columns if c != "id"])


def judge(graph: SparkGraph, policy: Policy, held: DataFrame | None = None) -> SparkJudgement:
    """Both runs, the other method's low run under cascade, the declared indirect interests, the decision."""
    own = policy.ownership
    low = propagate(graph, policy, bound="low", method=own.method)
    high = propagate(graph, policy, bound="high", method=own.method, held=held)
    frame = graph.nodes.join(_prefixed(low, "low"), "id").join(_prefixed(high, "high"), "id")
    iterations = {"low": low.iterations, "high": high.iterations}
    converged = {"low": low.converged, "high": high.converged}
    if own.method is Method.CASCADE:
        other = propagate(graph, policy, bound="low", method=Method.LOOK_THROUGH)
        frame = frame.join(
            other.frame.select("id", f.col("rho").alias("other_rho"), f.col("restricted").alias("other_restricted")),
            "id",
        )
        disagrees = f.col("other_restricted") & ~f.col("low_restricted")
        iterations["other"] = other.iterations
    else:
        frame = frame.select("*", f.col("low_rho").alias("other_rho"), f.lit(False).alias("other_restricted"))
        disagrees = f.lit(False)
    high_restricted = frame.select(f.col("id").alias("src"), f.col("high_restricted").alias("src_high"))
    alone = possibly(f.col("high"), f.col("high_open"), own.threshold, own.comparator) & f.col("src_high")
    declaring = graph.declared.join(high_restricted, "src").where(alone).select(f.col("dst").alias("id")).distinct()
    frame = frame.join(declaring.select("id", f.lit(True).alias("by_declared")), "id", "left")
    declared = f.coalesce(f.col("by_declared"), f.lit(False)) & ~f.col("low_restricted")
    review = (f.col("high_restricted") | declared | disagrees) & ~f.col("low_restricted")
    decision = (
        f.when(f.col("low_restricted"), int(Code.RESTRICTED)).when(review, int(Code.REVIEW)).otherwise(int(Code.CLEAR))
    )
    out = frame.select(
        "*", declared.alias("declared"), disagrees.alias("disagrees"),
        f.greatest("high_rho", "low_rho").alias("rho_high"),
        (f.col("high_rho_open") & (f.col("high_rho") >= f.col("low_rho"))).alias("rho_high_open"),
        decision.cast("long").alias("decision"),
    ).drop("by_declared", "other_restricted")  # fmt: skip
    return SparkJudgement(checkpoint(out), iterations, converged)


def numbers(
    entities: DataFrame, interests: DataFrame, policy: Policy, as_of: dt.date, held: DataFrame | None = None
) -> tuple[DataFrame, dict[str, int]]:
    """Every number of an OWNERSHIP row, per id: the judgement's columns and the parents' (`parents`).
    `held`: the ids held as possibly restricted (a statement about them could not be read)."""
    graph = build(entities, interests, policy, as_of)
    judgement = judge(graph, policy, held)
    return judgement.frame.join(parents(graph), "id"), judgement.iterations


class SparkNumbers:
    """`resolve.Numbers` from Spark: the runs and decisions (`judge`) and the parents (`parents`) of the graph
    Spark builds from the same inputs, each collected once in the local graph's node order (id order), so
    the local engine builds evidence and text from them. `judge` and `structural` may run on two threads."""

    def __init__(
        self,
        entities: DataFrame,
        interests: DataFrame,
        policy: Policy,
        as_of: dt.date,
        judged: JudgedRoots | None = None,
    ) -> None:
        self._inputs = (entities, interests, policy, as_of)
        self._judged = judged
        self._lock = threading.Lock()
        self._graph: SparkGraph | None = None
        self.iterations: dict[str, int] = {}

    def graph(self) -> SparkGraph:
        with self._lock:
            if self._graph is None:
                entities, interests, policy, as_of = self._inputs
                self._graph = build(entities, interests, policy, as_of, self._judged)
            return self._graph

    @staticmethod
    def _in_node_order(frame: DataFrame, graph: Graph) -> pa.Table:
        table = frame.toArrow()
        table = table.take(pc.sort_indices(table["id"]))
        if table["id"].to_pylist() != graph.ids_arrow.to_pylist():
            raise ValueError("the Spark engine's records are not the local graph's: the inputs differ")
        return table

    def judge(self, graph: Graph, roots: BoolArray, policy: Policy, held: BoolArray) -> Judgement:
        spark_graph = self.graph()
        spark = spark_graph.nodes.sparkSession
        held_ids = spark.createDataFrame([(i,) for i in graph.ids_at(np.flatnonzero(held))], "id string")
        judged = judge(spark_graph, policy, held_ids)
        self.iterations = judged.iterations
        t = self._in_node_order(judged.frame, graph)

        def col(name: str) -> np.ndarray:
            return t[name].to_numpy()

        def run(prefix: str) -> Run:
            return Run(
                col(f"{prefix}_rho").astype(np.float64), col(f"{prefix}_rho_open").astype(bool),
                col(f"{prefix}_restricted").astype(bool), col(f"{prefix}_share_restricted").astype(bool),
                col(f"{prefix}_forced").astype(bool), col(f"{prefix}_possible").astype(bool),
                col(f"{prefix}_rank").astype(np.int64), judged.iterations[prefix], judged.converged[prefix],
            )  # fmt: skip

        return Judgement(
            roots, run("low"), run("high"), col("rho_high").astype(np.float64), col("decision").astype(np.int64),
            col("declared").astype(bool), col("disagrees").astype(bool), col("other_rho").astype(np.float64),
        )  # fmt: skip

    def structural(self, graph: Graph) -> Structural:
        t = self._in_node_order(parents(self.graph()), graph)
        index = {rid: k for k, rid in enumerate(graph.ids_arrow.to_pylist())}
        parent = np.array([-1 if p is None else index[p] for p in t["parent"].to_pylist()], np.int64)
        ultimate = np.array([index[u] for u in t["ultimate"].to_pylist()], np.int64)
        found = Parents(
            parent, t["majority_owners"].to_numpy().astype(np.int64), ultimate, t["cycle"].to_numpy().astype(bool),
            t["depth"].to_numpy().astype(np.int64),
        )  # fmt: skip
        chain = cast(
            "pa.LargeListArray[pa.lib.LargeStringType]",
            t["chain"].combine_chunks().cast(pa.large_list(pa.large_string())),
        )
        return Structural.given(graph, found, graph.ids_arrow.take(int64s(ultimate)), chain)


def spark_uri(uri: str) -> str:
    """A storage URI as Spark's Hadoop file systems name it (S3 is `s3a://`; file:// and gs:// as they are)."""
    return "s3a://" + uri.removeprefix("s3://") if uri.startswith("s3://") else uri


def resolve_with_spark(
    config: SparkConfig,
    entities: pd.DataFrame,
    interests: pd.DataFrame,
    policy: Policy,
    as_of: dt.date,
    *,
    quarantine: pd.DataFrame | None = None,
    executor: Executor | None = None,
    uris: tuple[str, str] | None = None,
    judged: JudgedRoots | None = None,
) -> OwnershipResult:
    """`resolve.resolve` with its numbers computed on Spark (`SparkNumbers`). Spark reads the canonical
    ENTITIES and INTERESTS Parquet at `uris` when given (the stages' files), else the frames themselves;
    the frames are what the evidence and text are built from here."""
    with spark_session(config) as spark:
        if uris is not None:
            spark_entities = spark.read.parquet(spark_uri(uris[0])).select(*ENTITY_INPUT_COLUMNS)
            spark_interests = spark.read.parquet(spark_uri(uris[1])).select(*INTEREST_INPUT_COLUMNS)
        else:
            spark_entities = spark.createDataFrame(_arrow(entities, ENTITY_INPUT_COLUMNS))
            spark_interests = spark.createDataFrame(_arrow(interests, INTEREST_INPUT_COLUMNS))
        numbers = SparkNumbers(spark_entities, spark_interests, policy, as_of, judged)
        return resolve(entities, interests, policy, as_of, quarantine=quarantine, executor=executor, judged=judged,
                       numbers=numbers)  # fmt: skip


def _arrow(frame: pd.DataFrame, columns: tuple[str, ...]) -> pa.Table:
    return pa.Table.from_pandas(frame[list(columns)], preserve_index=False)
