"""The stakes check counts exactly the stakes the ownership graph counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ownership.graph import build_graph
from pipeline.ownership.holdings import stake_sums, stakes_findings
from pipeline.ownership.stakes import surely_exceeds
from pipeline.policy.definition import Comparator, Policy
from tests.ownership.builders import entities, interests, stake

AS_OF = dt.date(2025, 6, 30)
POLICY = Policy.model_validate({"id": "p", "version": "1", "restricted_jurisdictions": ["CN"]})
IDS = ["a", "b", "c", "d"]


@st.composite
def holdings(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for _ in range(draw(st.integers(0, 10))):
        owner, owned = draw(st.sampled_from(IDS)), draw(st.sampled_from(IDS))
        if owner == owned:
            continue
        row = {"owner": owner, "owned": owned, "type": draw(st.sampled_from(["shareholding", "appointmentOfBoard"]))}
        if draw(st.booleans()):
            row["exact"] = draw(st.sampled_from([10, 25, 40, 50, 60, 100]))
        else:
            row.update(min=draw(st.sampled_from([0, 25, 50])), xmin=draw(st.booleans()))
        row["doi"] = draw(st.sampled_from(["direct", "direct", "indirect"]))
        row["end"] = draw(st.sampled_from([None, None, "2020-01-01", AS_OF.isoformat()]))
        rows.append(row)
    return interests(*rows)


@settings(max_examples=100, deadline=None)
@given(holdings())
def test_over_100_exactly_where_the_graphs_edges_sum_past_100(ints: pd.DataFrame) -> None:
    policy = Policy.model_validate({**POLICY.model_dump(), "ownership": {"interests": ["shareholding"]}})
    graph = build_graph(entities(*[{"id": i} for i in IDS]), ints, policy, AS_OF)
    o = graph.ownership
    total = np.bincount(o.dst, weights=o.low, minlength=graph.n)
    opens = np.bincount(o.dst, weights=o.low_open.astype(float), minlength=graph.n) > 0
    expected = {graph.id_at(i) for i in np.flatnonzero(surely_exceeds(total, opens, 1.0, Comparator.GT))}
    over = stake_sums(ints, policy.ownership.interests, AS_OF).over
    assert set(over["subject_id"]) == expected


def test_findings_for_a_caller_without_a_validate_stage() -> None:
    ints = interests(stake("a", "b", 60), stake("c", "b", min=40, xmin=True))
    sums = stake_sums(ints, POLICY.ownership.interests, AS_OF)
    assert sums.pairs == 1
    [finding] = stakes_findings(sums.over)
    assert finding.check == "stakes_over_100_percent" and finding.severity == "error"
    assert finding.message.startswith("b: 2 active direct shareholding holders hold more than 100% together")
    assert stake_sums(interests(), POLICY.ownership.interests, AS_OF).pairs == 0
