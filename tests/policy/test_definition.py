"""The policy file model: defaults, validation with clear errors, and the threshold test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.policy.definition import (
    Comparator,
    ControlAction,
    EntityBasis,
    JurisdictionMode,
    Method,
    PersonBasis,
    PolicyError,
    load_policy,
    load_policy_text,
)

FULL = """
id: unsupported-regions
version: "2025-09-05"
restricted_jurisdictions: [cn]
ownership:
  method: look_through
  threshold: 0.25
  comparator: ">="
  interests: [shareholding]
roots:
  entity_bases: [incorporation]
  person_bases: [residence, nationality]
control_without_shares: restrict
"""


def test_full_policy_loads_with_its_values() -> None:
    p = load_policy_text(FULL, "full.yaml")
    assert p.restricted_jurisdictions == ("CN",)
    assert p.ownership.method is Method.LOOK_THROUGH and p.ownership.comparator is Comparator.GE
    assert p.ownership.threshold == 0.25 and p.ownership.interests == ("shareholding",)
    assert p.roots.entity_bases == (EntityBasis.INCORPORATION,)
    assert p.roots.person_bases == (PersonBasis.RESIDENCE, PersonBasis.NATIONALITY)
    assert p.control_without_shares is ControlAction.RESTRICT


def test_defaults_are_the_designs() -> None:
    p = load_policy_text('id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\n', "min.yaml")
    assert p.ownership.method is Method.CASCADE and p.ownership.comparator is Comparator.GT
    assert p.ownership.threshold == 0.5 and p.ownership.interests == ("shareholding", "votingRights")
    assert p.roots.entity_bases == (EntityBasis.INCORPORATION, EntityBasis.HEADQUARTERS)
    assert p.roots.person_bases == (PersonBasis.RESIDENCE,)
    assert p.control_without_shares is ControlAction.REVIEW


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\nownership: {methd: cascade}\n', "ownership.methd"),
        ('id: x\nversion: "1"\nrestricted_jurisdictions: [XX]\n', "restricted_jurisdictions"),
        ('id: x\nversion: "1"\nrestricted_jurisdictions: []\n', "restricted_jurisdictions"),
        ('id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\nownership: {threshold: 1.5}\n', "ownership.threshold"),
        ('id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\nownership: {comparator: "<"}\n', "ownership.comparator"),
        ('id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\nroots: {person_bases: [birth]}\n', "roots.person_bases"),
        (
            'id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\ncontrol_without_shares: maybe\n',
            "control_without_shares",
        ),
        ("id: x\nversion: [unclosed\n", "not valid YAML"),
        ("- a list\n", "mapping"),
        ('version: "1"\nrestricted_jurisdictions: [CN]\n', "id"),
    ],
)
def test_bad_policies_name_the_file_and_field(text: str, needle: str) -> None:
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, "policies/bad.yaml")
    assert "policies/bad.yaml" in str(err.value) and needle in str(err.value)


def test_missing_file_is_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("comparator", "value", "expected"),
    [(">", 0.5, False), (">", 0.51, True), (">=", 0.5, True), (">=", 0.49, False)],
)
def test_exceeds_uses_the_comparator(comparator: str, value: float, expected: bool) -> None:
    p = load_policy_text(
        f'id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\nownership: {{comparator: "{comparator}"}}\n', "p.yaml"
    )
    assert p.ownership.exceeds(value) is expected


ALLOWLIST = """
id: supported-regions
version: "3"
mode: allowlist
supported_jurisdictions:
  - version: "a"
    effective: 2026-01-01
    jurisdictions: [US, DE, HK, UA, ES-CN, "NO"]
    excluded_subdivisions: [UA-43]
  - version: "b"
    effective: 2026-06-01
    jurisdictions: [US, DE, CN-TW]
"""


def test_an_allowlist_restricts_every_jurisdiction_it_does_not_list() -> None:
    p = load_policy_text(ALLOWLIST, "allow.yaml").in_effect(dt.date(2026, 3, 1))
    assert p.version == "3+list-a"
    rule = p.jurisdictions
    assert [rule.restricted(c) for c in ("US", "us-ca", "NO", "HK", "CN-HK", "UA-30")] == [None] * 6
    assert rule.restricted("CN") == "CN" and rule.restricted("CN-GD") == "CN" and rule.restricted("TW") == "TW"
    # Subdivisions follow the list exactly as written: an excluded region, a region listed on its own.
    assert rule.restricted("UA-43") == "UA-43"
    assert rule.restricted("ES-CN") is None and rule.restricted("ES-M") == "ES" and rule.restricted("ES") == "ES"
    assert rule.restricted("XX") is None  # not an ISO code: the reader reports it, no list can judge it
    assert "CN" in rule.labels and "UA-43" in rule.labels and "US" not in rule.labels


def test_the_list_in_effect_is_the_latest_version_started_by_the_logical_date() -> None:
    policy = load_policy_text(ALLOWLIST, "allow.yaml")
    assert policy.in_effect(dt.date(2026, 5, 31)).version == "3+list-a"
    later = policy.in_effect(dt.date(2026, 6, 1))
    assert later.version == "3+list-b" and later.in_effect(dt.date(2026, 6, 1)) == later
    assert later.jurisdictions.restricted("HK") == "HK" and later.jurisdictions.restricted("CN-TW") is None
    with pytest.raises(PolicyError, match="no supported_jurisdictions version is in effect on 2025-12-31"):
        policy.in_effect(dt.date(2025, 12, 31))
    with pytest.raises(ValueError, match="in_effect"):
        _ = policy.jurisdictions


def test_a_denylist_may_name_subdivisions_and_is_in_effect_on_any_date() -> None:
    p = load_policy_text('id: x\nversion: "1"\nrestricted_jurisdictions: [CN, UA-43]\n', "deny.yaml")
    assert p.mode is JurisdictionMode.DENYLIST and p.in_effect(dt.date(2000, 1, 1)) is p
    rule = p.jurisdictions
    assert (rule.restricted("CN-GD"), rule.restricted("UA-43"), rule.restricted("UA")) == ("CN", "UA-43", None)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('id: x\nversion: "1"\nmode: allowlist\n', "supported_jurisdictions"),
        (
            'id: x\nversion: "1"\nmode: allowlist\nrestricted_jurisdictions: [CN]\nsupported_jurisdictions:\n'
            "  - {version: a, effective: 2026-01-01, jurisdictions: [US]}\n",
            "only with mode denylist",
        ),
        (
            'id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\nsupported_jurisdictions:\n'
            "  - {version: a, effective: 2026-01-01, jurisdictions: [US]}\n",
            "only with mode allowlist",
        ),
        (
            'id: x\nversion: "1"\nmode: allowlist\nsupported_jurisdictions:\n'
            "  - {version: a, effective: 2026-01-01, jurisdictions: [US]}\n"
            "  - {version: a, effective: 2026-02-01, jurisdictions: [US]}\n",
            "the version a appears more than once",
        ),
        (
            'id: x\nversion: "1"\nmode: allowlist\nsupported_jurisdictions:\n'
            "  - {version: a, effective: 2026-01-01, jurisdictions: [US, NO]}\n",
            'quote "NO"',
        ),
        (
            'id: x\nversion: "1"\nmode: allowlist\nsupported_jurisdictions:\n'
            "  - {version: a, effective: 2026-01-01, jurisdictions: [US], excluded_subdivisions: [UA-43]}\n",
            "UA-43 is not a subdivision of a listed country",
        ),
        ('id: x\nversion: "1"\nmode: greylist\nrestricted_jurisdictions: [CN]\n', "mode"),
    ],
)
def test_a_bad_jurisdiction_list_is_a_clear_error(text: str, named: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy_text(text, "p.yaml")
    assert "p.yaml" in str(caught.value) and named in str(caught.value)


def test_the_old_unmatched_bases_key_names_its_replacement() -> None:
    text = 'id: x\nversion: "1"\nrestricted_jurisdictions: [CN]\ntenants: {unmatched_bases: [address]}\n'
    with pytest.raises(PolicyError, match="unmatched_bases is now location_bases"):
        load_policy_text(text, "old.yaml")
