"""The policy and exemptions files shipped in policies/ load, and the demo world runs under that same policy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from demo_world import WorldSpec, build_world
from pipeline.jurisdictions import iso_countries
from pipeline.policy.definition import load_policy, load_policy_text
from pipeline.policy.exemptions import load_exemptions_text

POLICIES = Path(__file__).resolve().parents[2] / "policies"


def test_the_shipped_policy_loads() -> None:
    policy = load_policy(POLICIES / "unsupported-regions.yaml")
    assert policy.restricted_jurisdictions == ("CN",)
    assert policy.ownership.exceeds(0.5000001) and not policy.ownership.exceeds(0.5)


def test_the_shipped_exemptions_file_loads_empty() -> None:
    path = POLICIES / "exemptions.yaml"
    assert load_exemptions_text(path.read_text(), str(path)) == ()


def test_the_demo_world_uses_the_shipped_policy() -> None:
    world = build_world(WorldSpec(date=dt.date(2026, 11, 26), tenants=0))
    demo = load_policy_text(world.files["policy/unsupported-regions.yaml"].decode(), "demo policy")
    assert demo == load_policy(POLICIES / "unsupported-regions.yaml")


def test_the_example_allowlist_policy_loads_and_first_matches_the_denylist() -> None:
    """Its first list supports every country but CN, so it decides as the deployed denylist does; its
    second no longer supports HK and MO, and nothing else changes."""
    example = load_policy(POLICIES / "supported-regions.example.yaml")
    deployed = load_policy(POLICIES / "unsupported-regions.yaml").jurisdictions
    first = example.in_effect(dt.date(2026, 11, 25)).jurisdictions
    second = example.in_effect(dt.date(2026, 11, 26)).jurisdictions
    codes = [*sorted(iso_countries()), "CN-GD", "CN-HK", "CN-MO", "CN-TW", "US-CA"]
    assert [first.restricted(c) for c in codes] == [deployed.restricted(c) for c in codes]
    changed = {c for c in codes if first.restricted(c) != second.restricted(c)}
    assert changed == {"HK", "MO", "CN-HK", "CN-MO"}
