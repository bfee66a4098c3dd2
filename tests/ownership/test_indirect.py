"""Declared indirect interests against the graph's paths: which paths count, and how far they reach."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from pipeline.ownership.resolve import resolve
from pipeline.ownership.structure import MAX_INDIRECT_DEPTH
from pipeline.policy.definition import Policy
from tests.ownership.builders import entities, interests

POLICY = Policy.model_validate({"id": "p", "version": "1", "restricted_jurisdictions": ["CN"]})


def mismatches(*declared: tuple[str, str, float]) -> list[str]:
    """A chain n00 -> n01 -> ... (each holds 100% of the next) beside a separate pair x -> y, with the
    declared indirect interests given; the mismatch messages, sorted."""
    ids = [f"n{i:02d}" for i in range(MAX_INDIRECT_DEPTH + 2)]
    chain = [{"owner": a, "owned": b, "exact": 100} for a, b in pairwise(ids)]
    rows = [*chain, {"owner": "x", "owned": "y", "exact": 40}]
    rows += [{"owner": a, "owned": b, "exact": pct, "doi": "indirect"} for a, b, pct in declared]
    ents = entities(*({"id": i} for i in [*ids, "x", "y"]))
    findings = resolve(ents, interests(*rows), POLICY, dt.date(2025, 6, 30)).findings
    found = findings[findings["check"] == "declared_indirect_mismatch"]
    return sorted(found["message"])


def test_paths_of_up_to_the_depth_limit_count_and_longer_ones_do_not() -> None:
    last = f"n{MAX_INDIRECT_DEPTH:02d}"
    beyond = f"n{MAX_INDIRECT_DEPTH + 1:02d}"
    out = mismatches(("n00", "n02", 100), ("n00", last, 100), ("n00", beyond, 100), ("n01", beyond, 100))
    assert out == [f"n00 declares an indirect 100% of {beyond}; the graph's paths give 0%"]


def test_a_single_edge_is_not_an_indirect_path_and_unrelated_records_give_nothing() -> None:
    assert mismatches(("x", "y", 40), ("n03", "y", 10), ("y", "n05", 10)) == [
        "n03 declares an indirect 10% of y; the graph's paths give 0%",
        "x declares an indirect 40% of y; the graph's paths give 0%",
        "y declares an indirect 10% of n05; the graph's paths give 0%",
    ]
