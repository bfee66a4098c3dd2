"""The Spark engine against the local one: every number of every record (both runs, decision, ultimate
parent, chain), bit for bit, on the engine's worked cases and on random graphs; and the whole OWNERSHIP
frame (evidence and text built from Spark's numbers) equal to the local engine's.

Each Spark run is dozens of small jobs, so the cases are resolved together: one graph of many disjoint
cases per policy (records are prefixed by their case), compared with the local engine on the same graph."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.ownership.resolve import resolve
from pipeline.ownership.roots import JudgedRoots
from pipeline.policy.definition import Policy
from pipeline.spark.ownership import SparkNumbers
from tests.ownership.builders import entities, interests, quarantined, stake
from tests.ownership.test_properties import policies, worlds
from tests.spark.engines import differences, local_numbers, spark_numbers, to_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

AS_OF = dt.date(2025, 6, 30)
CN = {"jurisdiction": "CN"}
Case = tuple[list[dict[str, Any]], list[dict[str, Any]]]

# The worked cases of tests/ownership/test_resolve.py (OFAC's examples, bands, control, cycles, parents).
CASES: dict[str, Case] = {
    "ofac_half": ([{"id": "X", **CN}, {"id": "A"}, {"id": "B"}], [stake("X", "A", 50), stake("A", "B", 50)]),
    "ofac_51": ([{"id": "X", **CN}, {"id": "A"}, {"id": "B"}], [stake("X", "A", 51), stake("A", "B", 51)]),
    "ofac_quarters": (
        [{"id": "X", **CN}, {"id": "Y", **CN}, {"id": "A"}, {"id": "B"}, {"id": "C"}],
        [stake("X", "A", 60), stake("Y", "B", 60), stake("A", "C", 25), stake("B", "C", 26)],
    ),
    "float_sum": (
        [{"id": "X", **CN}, {"id": "Y", **CN}, {"id": "A"}, {"id": "B"}, {"id": "C"}],
        [stake("X", "A", 60), stake("Y", "B", 60), stake("A", "C", 10), stake("B", "C", 20), stake("X", "C", 20)],
    ),
    "ofac_40_10": (
        [{"id": "X", **CN}, {"id": "A"}, {"id": "C"}],
        [stake("X", "C", 10), stake("X", "A", 51), stake("A", "C", 41)],
    ),
    "bands": (
        [{"id": "X", **CN}, *({"id": f"A{k}"} for k in range(7))],
        [
            stake("X", "A0", min=50, xmin=True, max=75),
            stake("X", "A1", min=50, max=75),
            stake("X", "A2", max=50),
            stake("X", "A3", min=25, max=50, xmax=True),
            stake("X", "A4", min=25, max=75),
            stake("X", "A5"),
            stake("X", "A6", 50.0001),
        ],
    ),
    "types_and_dates": (
        [{"id": "X", **CN}, {"id": "A"}, {"id": "B"}, {"id": "C"}, {"id": "D"}],
        [
            stake("X", "A", 30, type="shareholding"),
            stake("X", "A", 60, type="votingRights"),
            stake("X", "B", 90, type="rightsToProfitOrIncome"),
            stake("X", "C", 60, end="2025-06-30"),
            stake("X", "D", 60, start="2025-06-30", end="2025-07-01"),
        ],
    ),
    "declared": (
        [{"id": "X", **CN}, {"id": "A"}, {"id": "B"}],
        [stake("X", "A", 60), stake("A", "B", 40), stake("X", "B", 90, doi="indirect")],
    ),
    "control": (
        [{"id": "X", **CN}, {"id": "A"}, {"id": "B"}],
        [stake("X", "A", type="appointmentOfBoard"), stake("A", "B", 100)],
    ),
    "cross_holding": (
        [{"id": "R", **CN}, {"id": "B"}, {"id": "C"}],
        [stake("R", "B", 30), stake("B", "C", 40), stake("C", "B", 40)],
    ),
    "feeding_cycle": (
        [{"id": "R", **CN}, {"id": "B"}, {"id": "C"}],
        [stake("R", "B", 60), stake("B", "C", 60), stake("C", "B", 30)],
    ),
    "parents": (
        [{"id": "p", "kind": "person"}, *({"id": i} for i in ("h", "s", "c1", "c2", "c3", "t"))],
        [
            stake("p", "h", 100),
            stake("h", "s", min=50, xmin=True),
            stake("c2", "c1", 60),
            stake("c3", "c2", 60),
            stake("c1", "c3", 60),
            stake("c2", "t", 80),
            stake("h", "t", 70),
        ],
    ),
    "consolidation": (
        [{"id": "G", **CN}, {"id": "S"}, {"id": "T"}, {"id": "H"}],
        [stake("G", "S", type="consolidation"), stake("S", "T", 30), stake("H", "T", type="branch")],
    ),
    "outside_and_unread": (
        [{"id": "X", **CN}, {"id": "A"}, {"id": "B"}, {"id": "U"}],
        [stake("ghost", "A", min=40, xmin=True), stake("X", "A", 15), stake("U", "B", 60)],
    ),
}
UNREAD = ("outside_and_unread/U",)


def union(cases: dict[str, Case]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cases as one input, each record's id prefixed with its case's name."""
    ents, ints = [], []
    for name, (es, rs) in cases.items():
        ents += [{**e, "id": f"{name}/{e['id']}"} for e in es]
        ints += [{**r, "owner": f"{name}/{r['owner']}", "owned": f"{name}/{r['owned']}"} for r in rs]
    return entities(*ents), interests(*ints)


def policy(control: str = "review", **ownership: Any) -> Policy:
    return Policy.model_validate(
        {
            "id": "unsupported-regions", "version": "1", "restricted_jurisdictions": ["CN"], "ownership": ownership,
            "control_without_shares": control,
        }
    )  # fmt: skip


def assert_same(
    spark: SparkSession,
    world: tuple[pd.DataFrame, pd.DataFrame],
    pol: Policy,
    folder: Path,
    unread: tuple[str, ...] = (),
) -> None:
    ents, ints = world
    quarantine = quarantined(*unread) if unread else None
    local, held = local_numbers(ents, ints, pol, AS_OF, quarantine)
    assert list(held) == sorted(unread) or not unread
    remote = spark_numbers(spark, (ents, ints), pol, AS_OF, held=held, folder=folder)
    assert differences(local, remote) == []


# Reviewers' entity judgements, as the decide stage's second resolution gives them.
JUDGED = JudgedRoots(restricted={"bands/A5": "judgement-1"}, cleared=frozenset({"ofac_51/A"}))


@pytest.mark.parametrize(
    ("pol", "judged"),
    [
        (policy(method="cascade"), None),
        (policy(method="look_through", comparator=">=", control="restrict"), JUDGED),
    ],
    ids=["cascade", "look_through_at_least_restrict_control_judged"],
)
def test_the_worked_cases_give_the_local_ownership_frame(
    spark: SparkSession, pol: Policy, judged: JudgedRoots | None, tmp_path: Path
) -> None:
    """Every column of OWNERSHIP (decisions, bounds, ultimate parents, chains, and the evidence and text built
    from Spark's numbers) and every finding, equal to the local engine's."""
    ents, ints = union(CASES)
    quarantine = quarantined(*UNREAD)
    local = resolve(ents, ints, pol, AS_OF, quarantine=quarantine, judged=judged)
    numbers = SparkNumbers(
        to_spark(spark, ents, tmp_path, "e"), to_spark(spark, ints, tmp_path, "i"), pol, AS_OF, judged
    )
    remote = resolve(ents, ints, pol, AS_OF, quarantine=quarantine, judged=judged, numbers=numbers)
    pd.testing.assert_frame_equal(remote.ownership, local.ownership)
    pd.testing.assert_frame_equal(remote.findings, local.findings)
    assert remote.iterations == local.iterations
    assert set(local.ownership["decision"]) == {"restricted", "review", "clear"}


# Each example resolves several random worlds side by side; few examples, since each is a few Spark runs.
SPARK_EXAMPLES = settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))


@SPARK_EXAMPLES
@given(st.lists(worlds(), min_size=1, max_size=6), policies)
def test_random_graphs_agree_bit_for_bit(
    spark: SparkSession, tmp_path_factory: pytest.TempPathFactory, many: list[tuple[pd.DataFrame, pd.DataFrame]],
    pol: Policy,
) -> None:  # fmt: skip
    ents = pd.concat([e.assign(entity_id=f"w{k}/" + e["entity_id"]) for k, (e, _) in enumerate(many)])
    ints = pd.concat(
        [i.assign(subject_id=f"w{k}/" + i["subject_id"], interested_party_id=f"w{k}/" + i["interested_party_id"])
         for k, (_, i) in enumerate(many)]
    )  # fmt: skip
    assert_same(spark, (ents.reset_index(drop=True), ints.reset_index(drop=True)), pol, tmp_path_factory.mktemp("w"))
