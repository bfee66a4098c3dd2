"""The policy file model: defaults, validation with clear errors, and the threshold test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.policy.definition import (
    Comparator,
    ControlAction,
    EntityBasis,
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
