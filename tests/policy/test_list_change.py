"""A supported-list change names the jurisdictions it flipped among a tenant's codes, and which codes a
tenant is tied to (its own, its linked entity's ownership chain's)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from pipeline import datasets as ds
from pipeline.policy.definition import load_policy_text
from pipeline.policy.list_change import Flip, list_change, tied_codes
from tests.frames import nested_column

POLICY = load_policy_text(
    """
id: p
version: "1"
mode: allowlist
supported_jurisdictions:
  - {version: a, effective: 2026-01-01, jurisdictions: [US, DE, HK, RU]}
  - {version: b, effective: 2026-06-01, jurisdictions: [US, DE, RU, VN]}
""",
    "p.yaml",
)


def test_a_change_names_what_it_flipped_among_the_codes() -> None:
    change = list_change(POLICY, dt.date(2026, 5, 31), dt.date(2026, 6, 1))
    assert change is not None and (change.before.version, change.after.version) == ("a", "b")
    assert change.flipped(["US", "HK", None, "vn-hn", "CN"]) == (Flip("HK", True), Flip("VN", False))
    assert change.flipped(["DE", "CN"]) == ()


def test_no_change_within_one_version_nor_for_a_denylist() -> None:
    assert list_change(POLICY, dt.date(2026, 6, 1), dt.date(2026, 7, 1)) is None
    assert list_change(POLICY, dt.date(2025, 6, 1), dt.date(2026, 7, 1)) is None  # nothing was in effect before
    deny = load_policy_text('id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\n', "d.yaml")
    assert list_change(deny, dt.date(2026, 1, 1), dt.date(2026, 7, 1)) is None


def test_a_tenant_is_tied_to_its_own_codes_and_its_entitys_ownership_chain() -> None:
    tenants = pd.DataFrame(
        {"partner": ["aws", "aws"], "tenant_id": ["t1", "t2"], "country": ["DE", "US"], "tax_country": [None, "US"]}
    )
    links = pd.DataFrame({"partner": ["aws", "aws"], "tenant_id": ["t1", "t2"], "entity_id": ["e1", None]})
    ownership = pd.DataFrame(
        {"entity_id": ["e1", "p1"], "chain": nested_column([["e1", "p1"], ["p1"]], ds.OWNERSHIP.nested_types["chain"])}
    )
    entities = pd.DataFrame(
        {
            "entity_id": ["e1", "p1", "x"],
            "jurisdiction": ["DE", "HK", "CN"],
            "registered_country": ["DE", None, "CN"],
            "business_country": [None, "HK", "CN"],
        }
    )
    tied = tied_codes([("aws", "t1"), ("aws", "t2")], tenants, links, ownership, entities)
    assert tied[("aws", "t1")] == ["DE", "DE", "DE", "HK", "HK"]
    assert tied[("aws", "t2")] == ["US", "US"]
