"""Exemptions: strict loading with messages naming the file and entry; applying, expiring, reporting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.policy.exemptions import (
    EXEMPTION_RULE,
    Exemption,
    ExemptionError,
    apply_exemptions,
    exemption_status,
    load_exemptions_text,
)
from tests.publish.builders import decisions

FIXTURE = Path(__file__).parent / "fixtures" / "exemptions.yaml"
D = dt.date(2026, 11, 26)


def load_fixture() -> tuple[Exemption, ...]:
    return load_exemptions_text(FIXTURE.read_text(encoding="utf-8"), str(FIXTURE))


def test_loads_the_documented_format() -> None:
    ex = load_fixture()
    assert [e.id for e in ex] == ["EX-2026-001", "EX-2026-002", "EX-2026-003"]
    first = ex[0]
    assert first.tenant_id == "004455667788"  # quoted: leading zeros kept
    assert first.partner == "aws"
    assert first.approved_on == dt.date(2026, 10, 1)
    assert first.expires == dt.date(2026, 11, 30)
    assert ex[1].entity_id == "gb-coh-01234567" and ex[1].tenant_id is None and ex[1].partner is None


def test_empty_file_and_empty_list_mean_no_exemptions() -> None:
    assert load_exemptions_text("", "x.yaml") == ()
    assert load_exemptions_text("exemptions: []\n", "x.yaml") == ()


ENTRY = """exemptions:
  - id: EX-1
    tenant_id: "123456789012"
    reason: r
    approved_by: someone
    approved_on: 2026-01-01
    expires: 2026-12-31
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ENTRY + "    color: blue\n", r"f\.yaml: exemptions\[0\] \(id EX-1\): color: Extra inputs are not permitted"),
        (ENTRY + '    entity_id: "E1"\n', r"exemptions\[0\] \(id EX-1\).*exactly one of tenant_id / entity_id"),
        (ENTRY.replace('    tenant_id: "123456789012"\n', ""), r"exactly one of tenant_id / entity_id.*neither"),
        (ENTRY.replace('"123456789012"', "123456789012"), r"tenant_id: .*must be a quoted string"),
        (ENTRY.replace("expires: 2026-12-31", "expires: 2025-12-31"), r"expires 2025-12-31 is before approved_on"),
        (ENTRY.replace("    approved_by: someone\n", ""), r"exemptions\[0\] \(id EX-1\): approved_by: Field required"),
        (ENTRY.replace("expires: 2026-12-31", "expires: soon"), r"expires: Input should be a valid date"),
        (ENTRY + ENTRY.replace("exemptions:\n", ""), r"exemptions\[1\] \(id EX-1\): id 'EX-1' repeats exemptions\[0\]"),
        ("exemption:\n  - id: x\n", r"f\.yaml: invalid exemptions file: exemption: Extra inputs"),
        ("- id: x\n", r"f\.yaml: the exemptions file must be a mapping"),
        ("exemptions: [\n", r"f\.yaml: not valid YAML"),
    ],
)
def test_bad_files_name_file_entry_and_rule(text: str, expected: str) -> None:
    with pytest.raises(ExemptionError, match=expected):
        load_exemptions_text(text, "f.yaml")


def sample() -> pd.DataFrame:
    return decisions(
        [
            {"tenant_id": "004455667788", "entity_id": "e-a"},
            {"tenant_id": "111111111111", "entity_id": "gb-coh-01234567"},
            {"partner": "gcp", "tenant_id": "acc-9", "entity_id": "gb-coh-01234567"},
            # Linked elsewhere but whose ultimate parent is the exempted entity: not exempted.
            {"tenant_id": "222222222222", "entity_id": "e-sub", "ultimate_parent_id": "gb-coh-01234567"},
            {"tenant_id": "000000000099", "entity_id": "e-b"},
            {"tenant_id": "333333333333", "entity_id": "gb-coh-01234567", "decision": "review"},
        ]
    )


def test_an_exempted_revoke_becomes_an_allow_that_says_so() -> None:
    before = sample()
    out = apply_exemptions(before, load_fixture(), D)
    row = out.set_index("tenant_id").loc["004455667788"]
    assert row["decision"] == "allow"
    assert row["exemption_id"] == "EX-2026-001"
    assert json.loads(row["rules"]) == ["entity_restricted", EXEMPTION_RULE]
    assert "EX-2026-001" in row["explanation"] and "J. Doe (Legal)" in row["explanation"]
    assert "expires 2026-11-30" in row["explanation"] and "Without it: revoke" in row["explanation"]
    assert row["explanation"].endswith(before.loc[0, "explanation"])
    evidence = json.loads(row["evidence"])
    assert evidence["exemption"]["id"] == "EX-2026-001"
    assert evidence["exemption"]["decision_without_exemption"] == "revoke"
    assert evidence["roots"] == ["p-wang-wei"]  # the original evidence is kept
    # The input frame is not modified.
    assert before.loc[0, "decision"] == "revoke"


def test_entity_exemption_covers_every_tenant_linked_to_it_and_nothing_up_the_chain() -> None:
    out = apply_exemptions(sample(), load_fixture(), D).set_index(["partner", "tenant_id"])
    assert out.loc[("aws", "111111111111"), "exemption_id"] == "EX-2026-002"
    assert out.loc[("gcp", "acc-9"), "exemption_id"] == "EX-2026-002"
    assert out.loc[("aws", "222222222222"), "decision"] == "revoke"
    assert pd.isna(out.loc[("aws", "222222222222"), "exemption_id"])


def test_only_revokes_change_and_nothing_else_does() -> None:
    before = sample()
    out = apply_exemptions(before, load_fixture(), D)
    changed = out["decision"] != before["decision"]
    assert set(before.loc[changed, "decision"]) == {"revoke"}
    assert set(out.loc[changed, "decision"]) == {"allow"}
    review = out.set_index("tenant_id").loc["333333333333"]
    assert review["decision"] == "review" and pd.isna(review["exemption_id"])
    untouched = ~changed
    pd.testing.assert_frame_equal(out.loc[untouched], before.loc[untouched])


def test_expiry_is_inclusive_and_an_expired_exemption_no_longer_applies() -> None:
    ex = load_fixture()
    on_expiry = apply_exemptions(sample(), ex, dt.date(2026, 11, 30)).set_index("tenant_id")
    assert on_expiry.loc["004455667788", "decision"] == "allow"
    day_after = apply_exemptions(sample(), ex, dt.date(2026, 12, 1)).set_index("tenant_id")
    assert day_after.loc["004455667788", "decision"] == "revoke"
    assert pd.isna(day_after.loc["004455667788", "exemption_id"])
    # EX-2026-003 expired long before D.
    assert apply_exemptions(sample(), ex, D).set_index("tenant_id").loc["000000000099", "decision"] == "revoke"


def test_an_exemption_approved_after_the_as_of_date_does_not_apply_retroactively() -> None:
    ex = load_fixture()
    out = apply_exemptions(sample(), ex, dt.date(2026, 9, 30)).set_index("tenant_id")
    assert out.loc["004455667788", "decision"] == "revoke"  # approved 2026-10-01
    assert out.loc["111111111111", "decision"] == "allow"  # approved 2026-09-01


def test_partner_scope() -> None:
    ex = load_fixture()
    frame = decisions([{"partner": "gcp", "tenant_id": "004455667788", "entity_id": "e"}])
    assert apply_exemptions(frame, ex, D).loc[0, "decision"] == "revoke"


def test_the_exemption_expiring_last_wins() -> None:
    text = ENTRY + ENTRY.replace("exemptions:\n", "").replace("EX-1", "EX-0").replace("2026-12-31", "2027-06-30")
    ex = load_exemptions_text(text, "f.yaml")
    out = apply_exemptions(decisions([{"tenant_id": "123456789012"}]), ex, D)
    assert out.loc[0, "exemption_id"] == "EX-0"


def test_status_report_says_what_applied_and_what_did_not() -> None:
    ex = load_fixture()
    status = exemption_status(apply_exemptions(sample(), ex, D), ex, D).set_index("exemption_id")
    assert status.loc["EX-2026-001", "status"] == "in_force"
    assert status.loc["EX-2026-001", "applied"] == 1
    assert json.loads(status.loc["EX-2026-002", "tenants"]) == ["aws:111111111111", "gcp:acc-9"]
    assert status.loc["EX-2026-003", "status"] == "expired"
    assert status.loc["EX-2026-003", "applied"] == 0
    early = exemption_status(sample(), ex, dt.date(2026, 9, 15)).set_index("exemption_id")
    assert early.loc["EX-2026-001", "status"] == "not_yet_approved"


def test_exemption_mistakes_are_each_named_with_a_hint() -> None:
    from pipeline.policy.exemptions import apply_exemptions, load_exemptions_text, review_exemptions
    from pipeline.quality.cross import check_exemptions_apply

    text = """exemptions:
  - {id: EX-OK, tenant_id: "004455667788", reason: r, approved_by: L, approved_on: 2026-11-01, expires: 2027-06-01}
  - {id: EX-SOON, tenant_id: "004455667799", reason: r, approved_by: L, approved_on: 2026-11-01, expires: 2026-12-01}
  - {id: EX-OLD, tenant_id: "004455667799", reason: r, approved_by: L, approved_on: 2026-01-01, expires: 2026-11-25}
  - {id: EX-CASE, partner: AWS, tenant_id: "004455667788", reason: r, approved_by: L, approved_on: 2026-11-01,
     expires: 2027-06-01}
  - {id: EX-ZERO, tenant_id: "4455667788", reason: r, approved_by: L, approved_on: 2026-11-01, expires: 2027-06-01}
  - {id: EX-NONE, tenant_id: "999", reason: r, approved_by: L, approved_on: 2026-11-01, expires: 2027-06-01}
  - {id: EX-ENT, entity_id: e-nowhere, reason: r, approved_by: L, approved_on: 2026-11-01, expires: 2027-06-01}
  - {id: EX-IDLE, tenant_id: "001122334455", reason: r, approved_by: L, approved_on: 2026-11-01, expires: 2027-06-01}
"""
    exemptions = load_exemptions_text(text, "exemptions.yaml")
    decided = decisions(
        [
            {"tenant_id": "004455667788", "entity_id": "e1"},
            {"tenant_id": "004455667799", "entity_id": "e2"},
            {"tenant_id": "001122334455", "decision": "allow"},
        ]
    )
    review = review_exemptions(apply_exemptions(decided, exemptions, D), exemptions, D, ["aws", "gcp"])
    by_id = review.set_index("exemption_id")
    problems = {i: json.loads(p) for i, p in by_id["problems"].items()}
    assert problems == {
        "EX-OK": [],
        "EX-SOON": [],
        "EX-OLD": ["expired"],
        "EX-CASE": ["unknown_partner"],
        "EX-ZERO": ["lost_leading_zeros"],
        "EX-NONE": ["unknown_tenant"],
        "EX-ENT": ["unknown_entity"],
        "EX-IDLE": ["never_matched"],
    }
    assert by_id.loc["EX-SOON", "state"] == "expiring" and by_id.loc["EX-OK", "state"] == "in_force"
    assert by_id.loc["EX-OK", "applied"] == 1
    assert "did you mean 'aws'" in by_id.loc["EX-CASE", "hint"]
    assert "'004455667788' is known" in by_id.loc["EX-ZERO", "hint"]
    check = check_exemptions_apply(review)
    assert check.outcome.value == "warned" and check.failed == 5  # never matched is not a mistake
    assert "EX-CASE: partner 'AWS' is not configured" in check.message
