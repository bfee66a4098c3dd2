"""Cross-dataset checks: same result shape as GE checks, severities from the contracts."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ownership.source_format import SourceFigures, SourceFormat
from pipeline.quality import (
    Outcome,
    Scope,
    Severity,
    check_billed_accounts_known,
    check_export_present,
    check_identifier_check_digits,
    check_published_matches_decisions,
    check_source_age,
    check_source_size,
    check_stakes_sum,
    check_tenant_count,
    results_from_findings,
)


def _interests(rows: list[dict[str, object]]) -> pd.DataFrame:
    base = {
        "relationship_id": "r",
        "interest_type": "shareholding",
        "direct_or_indirect": "direct",
        "share_exact": float("nan"),
        "share_min": float("nan"),
        "share_max": float("nan"),
        "exclusive_min": False,
        "exclusive_max": False,
        "start_date": None,
        "end_date": None,
    }
    # Each row its own holder unless it names one.
    return pd.DataFrame([{**base, "interested_party_id": f"holder-{k}", **r} for k, r in enumerate(rows)])


def test_billed_accounts_known() -> None:
    tenants = pd.DataFrame({"partner": ["aws", "aws", "gcp"], "tenant_id": ["111", "222", "333"]})
    billing = pd.DataFrame(
        {
            "partner": ["aws", "aws", "aws", "gcp"],
            "line_id": ["a", "b", "c", "d"],
            "tenant_id": ["111", "999", "999", "111"],
            "event_date": ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-01"],
        }
    )
    aws = check_billed_accounts_known("aws", tenants, billing)
    assert (aws.severity, aws.scope, aws.outcome) == (Severity.WARN, Scope.CROSS, Outcome.WARNED)
    assert (aws.checked, aws.failed) == (2, 1)
    assert aws.samples[0] == {"tenant_id": "999", "lines": 2, "last_date": "2026-11-03"}
    # GCP's tenant 111 is unknown in GCP's own export, whatever AWS has.
    assert not check_billed_accounts_known("gcp", tenants, billing).passed


def test_exports_present_and_tenant_count() -> None:
    assert check_export_present("aws", 10).passed
    missing = check_export_present("aws", 0)
    assert missing.stops_run and "missing or holds no tenants" in missing.message

    assert check_tenant_count("aws", 100, None, 3.0).passed
    assert check_tenant_count("aws", 250, 100, 3.0).passed
    jump = check_tenant_count("aws", 1000, 100, 3.0)
    assert jump.stops_run and "x10.00" in jump.message
    assert check_tenant_count("aws", 20, 100, 3.0).stops_run  # a collapse is as suspicious as a jump


def test_stakes_sum_uses_lower_bounds_active_direct_interests() -> None:
    interests = _interests(
        [
            {"subject_id": "A", "share_exact": 0.6},
            {"subject_id": "A", "share_exact": 0.5},  # 110% of A
            {"subject_id": "B", "share_exact": 0.6},
            {"subject_id": "B", "share_min": 0.3, "share_max": 0.6},  # could exceed, need not: passes
            {"subject_id": "C", "share_exact": 0.7},
            {"subject_id": "C", "share_exact": 0.7, "direct_or_indirect": "indirect"},  # restates, not added
            {"subject_id": "D", "share_exact": 0.7},
            {"subject_id": "D", "share_exact": 0.7, "end_date": "2020-01-01"},  # ended before the date
            {"subject_id": "E", "share_exact": 0.6, "interest_type": "votingRights"},
            {"subject_id": "E", "share_exact": 0.6},  # different types are not added up
            {"subject_id": "F", "share_exact": 0.7},
            {"subject_id": "F", "share_exact": 0.7, "start_date": "2027-01-01"},  # not started on the date
            {"subject_id": "G", "share_exact": 0.7},
            {"subject_id": "G", "share_exact": 0.7, "end_date": "2026-11-20"},  # ended on the date itself
            {"subject_id": "H", "share_exact": 0.7, "interest_type": "rightsToProfitOrIncome"},
            {"subject_id": "H", "share_exact": 0.7, "interest_type": "rightsToProfitOrIncome"},  # not ownership
            {"subject_id": "I", "share_exact": 0.7, "interested_party_id": "same"},
            {"subject_id": "I", "share_exact": 0.6, "interested_party_id": "same"},  # one holding told twice
            {"subject_id": "J", "share_min": 0.5, "exclusive_min": True},  # more than 50%
            {"subject_id": "J", "share_exact": 0.5},  # + 50%: surely more than 100%
        ]
    )
    result = check_stakes_sum(interests, dt.date(2026, 11, 20))
    assert result.stops_run
    assert [s["subject_id"] for s in result.samples] == ["A", "J"]
    assert result.samples[0]["total_share"] == 1.1 and not result.samples[0]["more_than"]
    assert result.samples[1]["total_share"] == 1.0 and result.samples[1]["more_than"]
    assert result.checked == 10
    assert check_stakes_sum(interests.loc[~interests["subject_id"].isin(["A", "J"])], dt.date(2026, 11, 20)).passed
    # The policy says which interest types are ownership.
    profit = check_stakes_sum(interests, dt.date(2026, 11, 20), ("shareholding", "rightsToProfitOrIncome"))
    assert [s["subject_id"] for s in profit.samples] == ["A", "H", "J"]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=100), min_size=1, max_size=8))
def test_stakes_sum_agrees_with_exact_arithmetic(percents: list[int]) -> None:
    interests = _interests([{"subject_id": "X", "share_exact": p / 100} for p in percents])
    assert check_stakes_sum(interests).passed == (sum(percents) <= 100)


def test_published_matches_decisions() -> None:
    decisions = pd.DataFrame(
        {
            "partner": ["aws", "aws", "aws", "gcp"],
            "tenant_id": ["1", "2", "3", "1"],
            "decision": ["revoke", "revoke", "allow", "revoke"],
        }
    )
    ok = check_published_matches_decisions("aws", pd.DataFrame({"tenant_id": ["1", "2"]}), decisions)
    assert ok.passed and ok.severity is Severity.ERROR
    bad = check_published_matches_decisions("aws", pd.DataFrame({"tenant_id": ["1", "3", "3"]}), decisions)
    assert bad.stops_run
    problems = {(s["tenant_id"], s["problem"]) for s in bad.samples}
    assert problems == {
        ("2", "revoke decision not published"),
        ("3", "published without a revoke decision"),
        ("3", "listed more than once"),
    }


def test_findings_become_results_with_declared_severity() -> None:
    findings = pd.DataFrame(
        {
            "check": ["declared_indirect_mismatch", "declared_indirect_mismatch", "stakes_over_100_percent", "novel"],
            "severity": ["error", "error", "warn", "warn"],
            "entity_id": ["e1", "e2", "e3", "e4"],
            "message": ["declared 30%, computed 60%", "declared 10%, computed 0%", "120%", "new"],
        }
    )
    results = {r.check: r for r in results_from_findings(findings)}
    # The contract (resolved_ownership) sets the severity where it declares the check.
    assert results["declared_indirect_mismatch"].severity is Severity.WARN
    assert results["declared_indirect_mismatch"].failed == 2
    assert results["stakes_over_100_percent"].stops_run
    assert results["novel"].severity is Severity.WARN  # undeclared: as reported
    assert results["declared_indirect_mismatch"].samples[0] == {
        "entity_id": "e1",
        "message": "declared 30%, computed 60%",
    }
    empty = results_from_findings(findings.iloc[0:0])
    assert [(r.check, r.passed) for r in empty] == [("findings", True)]


def test_tenant_numbers_failing_their_check_digits_are_a_warning_naming_them() -> None:
    from pipeline.datasets import TENANTS
    from tests.frames import frame

    tenants = frame(
        TENANTS,
        [
            {"tenant_id": "ok", "tax_country": "CN", "tax_registration_number": "9144 0300 1922 0382 16"},
            {"tenant_id": "bad", "tax_country": "CN", "tax_registration_number": "91330100MA2B3C4D5E"},
            {"tenant_id": "lei", "country": "DE", "lei": "5493001KJTIIGC8Y1R13"},
            {"tenant_id": "unchecked", "tax_country": "US", "tax_registration_number": "12-3456789"},
        ],
    )
    result = check_identifier_check_digits("aws", tenants)
    assert not result.passed and not result.stops_run
    assert result.severity is Severity.WARN
    assert (result.checked, result.failed) == (3, 2)
    assert {s["tenant_id"] for s in result.samples} == {"bad", "lei"}
    assert check_identifier_check_digits("aws", tenants.iloc[:1]).passed


def _figures(published: dt.date | None = dt.date(2026, 11, 20), entities: int = 1000, relationships: int = 800,
             roots: int = 40) -> SourceFigures:  # fmt: skip
    return SourceFigures(uri="s3://ref/gleif/lei.csv.zip", format=SourceFormat.GLEIF_LEI, published=published,
                         entities=entities, relationships=relationships, roots=roots)  # fmt: skip


def test_a_source_older_than_its_limit_stops_the_run_naming_it_and_its_date() -> None:
    night = dt.date(2026, 11, 25)
    assert check_source_age("gleif_lei", _figures(), night, 5).passed
    stale = check_source_age("gleif_lei", _figures(), night, 4)
    assert stale.stops_run and (stale.dataset, stale.check) == ("entities", "source_fresh")
    assert "gleif_lei (s3://ref/gleif/lei.csv.zip)" in stale.message and "2026-11-20, 5 days" in stale.message
    # Without a limit, or without a dated record, the age is told but stops nothing.
    assert check_source_age("gleif_lei", _figures(), night, None).passed
    undated = check_source_age("gleif_repex", _figures(published=None), night, 1)
    assert undated.passed and "no dated record" in undated.message


def test_a_source_that_shrank_beyond_the_share_stops_the_run_with_its_figures() -> None:
    before = _figures()
    assert check_source_size("gleif_lei", _figures(), None, 0.3).passed  # the first run: nothing to compare
    assert check_source_size("gleif_lei", _figures(entities=700, relationships=560, roots=28), before, 0.3).passed
    assert check_source_size("gleif_lei", _figures(entities=5000), before, 0.3).passed  # growth is not this check's
    cut = check_source_size("gleif_lei", _figures(entities=100, relationships=80, roots=4), before, 0.3)
    assert cut.stops_run and (cut.checked, cut.failed) == (3, 3)
    assert "entities 100 against 1000" in cut.message and "fell by more than 30%" in cut.message
    roots_only = check_source_size("gleif_lei", _figures(roots=20), before, 0.3)
    assert roots_only.stops_run and [s["measure"] for s in roots_only.samples] == ["roots"]
    emptied = check_source_size("bods", _figures(entities=0, relationships=0, roots=0), before, 0.3)
    assert emptied.stops_run
    # A measure that was zero before cannot shrink (a relationships-only source has no entities).
    assert check_source_size("gleif_rr", _figures(entities=0), _figures(entities=0), 0.3).passed
