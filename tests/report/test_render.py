"""The run report rendered from the sample run and from an empty run, read back as HTML."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re

import pandas as pd
import pytest

from pipeline import datasets as ds
from pipeline.publish.manifest import GateStatus
from pipeline.quality import CheckResult, Scope, Severity, ValidationReport
from pipeline.reconcile import reconcile
from pipeline.report import (
    ReportInputError,
    ReportInputs,
    RunSummary,
    render_report,
    summarise,
)
from tests import sample_run as s
from tests.report.page import cell_text, parse

SECTIONS = (
    "headline",
    "changes",
    "review",
    "exemptions",
    "gaps",
    "revenue",
    "reconciliation",
    "quality",
    "history",
    "publication",
)


def test_headline_counts_per_partner_and_decision(inputs: ReportInputs) -> None:
    html = render_report(inputs)
    expected = {
        "aws:revoke": "2",
        "aws:review": "1",
        "aws:allow": "2",
        "aws:total": "5",
        "gcp:revoke": "1",
        "gcp:review": "0",
        "gcp:allow": "2",
        "all:revoke": "3",
        "all:total": "8",
    }
    for key, value in expected.items():
        assert cell_text(html, "data-count", key) == value, key
    assert cell_text(html, "data-tile", "gaps").startswith("2")
    assert cell_text(html, "data-gaps", "total") == "2"


def test_every_section_is_there_with_its_content(inputs: ReportInputs) -> None:
    html = render_report(inputs)
    page = parse(html)
    ids = set(page.attrs("id"))
    assert set(SECTIONS) <= ids
    text = page.text
    # What changed: the hostile tenant was added to the aws list; one tenant lifted.
    assert cell_text(html, "data-change", "aws:added") == "1"
    assert cell_text(html, "data-change", "aws:lifted") == "1"
    assert cell_text(html, "data-change", "gcp:added") == "0"
    changes = cell_text(html, "id", "changes")
    assert s.HOSTILE in changes  # the added row, joined to this run's decision by the list's key
    assert "007700770077" in changes  # lifted
    assert "Revocation lifted from 2026-11-02" in changes
    assert "published by this run" in changes
    assert "already published for this date by run manual__2026-11-02T06:00:00+00:00" in changes
    assert "against the list of 2026-11-01" in changes
    assert "revoke 3 (+1)" not in text  # per partner, not totals
    assert "revoke 2 (+1)" in text  # aws: 1 in the previous run, 2 now
    # The review case's evidence chain: tenant -> link -> entity -> holders -> rule and policy version.
    case = cell_text(html, "id", "case-aws-009988776655")
    for fact in (
        "Pearl River Holdings Ltd",
        "fuzzy_name, confidence 0.91",
        "E-PEARL",
        "40%–60%",
        "E-GZINV",
        "Guangzhou Investment Group",
        "headquarters:CN",
        "shareholding [40%, 60%]",
        "ownership.share_band_straddles_threshold",
        "2025-09-05",
    ):
        assert fact in case, fact
    # Enforcement gaps, revenue at risk per currency, reconciliation lists, quality checks.
    assert "004455667788" in cell_text(html, "id", "gaps")
    assert cell_text(html, "data-risk", "usage_estimate:USD") == "159.445"
    assert cell_text(html, "data-risk", "usage_estimate:EUR") == "33.00"
    assert cell_text(html, "data-risk", "invoiced:USD") == "250.00"
    recon = cell_text(html, "id", "reconciliation")
    assert "999999999999" in recon
    assert "000000000042" in recon
    quality = cell_text(html, "id", "quality")
    for report in inputs.validation:
        for check in report.results:
            assert check.check in quality
    assert "stakes_sum_at_most_100" in quality
    assert "amount_is_decimal" in quality
    # Charts are inline SVG: revenue (3), quarantine (1), history (5).
    assert sum(1 for tag, _ in page.tags if tag == "svg") == 9


def test_a_chain_with_stakes_on_each_hop() -> None:
    inputs = s.report_inputs()
    decisions = inputs.decisions.copy()
    decisions.loc[decisions["tenant_id"] == "012345678901", "decision"] = "review"
    html = render_report(dataclasses.replace(inputs, decisions=decisions))
    case = cell_text(html, "id", "case-aws-012345678901")
    assert "held by the next: shareholding 70% (direct)" in case
    assert "held by the next: shareholding (50%, 100%] (direct)" in case
    assert "restricted root (state_body:CN) · ultimate parent" in case


def test_hostile_input_is_shown_as_text_never_as_markup(inputs: ReportInputs) -> None:
    decisions = inputs.decisions.copy()
    decisions.loc[decisions["tenant_id"] == "012345678901", "decision"] = "review"
    html = render_report(dataclasses.replace(inputs, decisions=decisions))
    page = parse(html)
    assert not [t for t, _ in page.tags if t in {"script", "img", "iframe", "object", "embed", "link"}]
    assert not [name for _, attrs in page.tags for name in attrs if name.startswith("on")]
    assert s.HOSTILE in page.text  # the company name, exactly, as text
    assert s.HOSTILE_ENTITY in page.text  # the entity name in the chain
    assert "&lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt;" in html
    assert not re.search(r"<script", html, re.IGNORECASE)


def test_the_page_loads_nothing_from_anywhere(inputs: ReportInputs) -> None:
    html = render_report(inputs)
    page = parse(html)
    for name in ("src", "href", "srcset", "action", "poster", "data"):
        for value in page.attrs(name):
            assert value.startswith("#"), f"{name}={value!r}"
    assert "@import" not in html
    assert "url(" not in html
    csp = page.by_attr("http-equiv", "Content-Security-Policy")
    assert csp
    assert "default-src 'none'" in str(csp[0]["content"])


def test_rendering_is_deterministic(inputs: ReportInputs) -> None:
    assert render_report(inputs) == render_report(s.report_inputs())


def test_an_empty_run_renders() -> None:
    inputs = ReportInputs(run_id="manual__1", logical_date=dt.date(2026, 11, 2), policy_id="p", policy_version="1")
    html = render_report(inputs)
    assert cell_text(html, "data-count", "all:total") == "0"
    text = parse(html).text
    assert "No tenants in this run." in text
    assert "No tenant is waiting for review." in text
    assert "Billing was not reconciled in this run." in text
    assert "No validation results were given to the report." in text


def test_an_empty_run_with_empty_frames_and_reconciliation_renders() -> None:
    rec = reconcile(ds.empty(ds.BILLING), ds.empty(ds.DECISIONS), ds.empty(ds.TENANTS), {}, s.AS_OF)
    inputs = ReportInputs(
        run_id="manual__2",
        logical_date=s.AS_OF,
        policy_id="p",
        policy_version="1",
        interests=ds.empty(ds.INTERESTS),
        reconciliation=rec,
        partners=("aws", "gcp"),
    )
    html = render_report(inputs)
    assert cell_text(html, "data-count", "aws:total") == "0"
    assert cell_text(html, "data-gaps", "total") == "0"
    text = parse(html).text
    assert "Not assessed (no revocation list in force was given): aws, gcp." in text
    assert "the run stopped before the safety gate: nothing published" in text


def test_a_blocked_gate_and_failed_checks_lead_the_page(inputs: ReportInputs) -> None:
    stopped = ValidationReport(scope="extract partner=gcp dt=2026-11-02")
    stopped.add(
        CheckResult(
            dataset="tenants",
            check="export_missing_for_date",
            severity=Severity.ERROR,
            scope=Scope.CROSS,
            passed=False,
            message="gcp: the export for the date is missing or holds no tenants",
            checked=1,
            failed=1,
        )
    )
    assert inputs.gate is not None
    aws = inputs.gate.partner("aws").model_copy(update={"breaches": ("120 added exceed max_added 100",)})
    blocked = inputs.gate.model_copy(
        update={"status": GateStatus.BLOCKED, "partners": (aws, inputs.gate.partner("gcp"))}
    )
    html = render_report(dataclasses.replace(inputs, gate=blocked, validation=(*inputs.validation, stopped)))
    headline = cell_text(html, "id", "headline")
    assert "The safety gate blocked this run: nothing was published. aws: 120 added exceed max_added 100" in headline
    assert "blocked by the safety gate: nothing published" in cell_text(html, "id", "changes")
    assert "1 data-quality check(s) failed" in headline
    assert cell_text(html, "data-tile", "failed").startswith("1")
    quality = cell_text(html, "id", "quality")
    # Failures first, then quarantined rows, then warnings, then passes.
    order = ["export_missing_for_date", "aws_account_id.pattern", "billed_accounts_known", "export_present"]
    assert [quality.index(c) for c in order] == sorted(quality.index(c) for c in order)


def test_summary_of_the_sample_run(inputs: ReportInputs) -> None:
    summary = summarise(inputs)
    assert summary.decisions == {
        "aws": {"revoke": 2, "review": 1, "allow": 2},
        "gcp": {"revoke": 1, "review": 0, "allow": 2},
    }
    assert summary.revenue_at_risk == {
        "aws": {
            "revoke": {"invoiced": {"USD": "250.00"}, "usage_estimate": {"USD": "147.10"}},
            "review": {"usage_estimate": {"EUR": "3.00", "USD": "12.345"}},
        },
        "gcp": {"revoke": {"usage_estimate": {"EUR": "30.00"}}},
    }
    assert summary.enforcement_gaps == {"aws": 1, "gcp": 1}
    assert summary.changes == {
        "aws": {"added": 1, "lifted": 1, "changed": 0},
        "gcp": {"added": 0, "lifted": 0, "changed": 0},
    }
    assert summary.quarantine == {"aws/billing": 1, "aws/tenants": 1}
    assert summary.checks == {"passed": 3, "quarantined": 1, "warned": 2}
    again = RunSummary.model_validate_json(summary.model_dump_json())
    assert again == summary


def test_run_summary_rejects_money_that_is_not_a_decimal_string() -> None:
    base = {"run_id": "r", "logical_date": "2026-11-02", "policy_id": "p", "policy_version": "1"}
    with pytest.raises(ValueError, match="not a decimal string"):
        RunSummary.model_validate({**base, "revenue_at_risk": {"aws": {"revoke": {"invoiced": {"USD": "lots"}}}}})
    with pytest.raises(ValueError, match="extra"):
        RunSummary.model_validate({**base, "surprise": 1})


def test_frames_without_their_dataset_columns_are_rejected() -> None:
    with pytest.raises(ReportInputError, match="decisions"):
        ReportInputs(
            run_id="r",
            logical_date=s.AS_OF,
            policy_id="p",
            policy_version="1",
            decisions=pd.DataFrame({"partner": ["aws"]}),
        )


def test_the_list_key_comes_from_the_inputs_or_the_manifest(inputs: ReportInputs) -> None:
    assert inputs.list_key("gcp") == "procurement_account_id"
    without = dataclasses.replace(inputs, list_keys={})
    assert without.list_key("aws") == "aws_account_id"  # from the manifest of the list in force
    with pytest.raises(ReportInputError, match="no list key for partner 'gcp'"):
        dataclasses.replace(without, published={}).list_key("gcp")


def test_large_lists_are_capped_and_counted(inputs: ReportInputs) -> None:
    n = 260
    rows = [
        {
            "partner": "aws",
            "tenant_id": f"{i:012d}",
            "company_name": f"Co {i}",
            "decision": "review",
            "rules": json.dumps(["x"]),
            "evidence": "{}",
        }
        for i in range(n)
    ]
    html = render_report(dataclasses.replace(inputs, decisions=s.frame(ds.DECISIONS, rows)))
    review = cell_text(html, "id", "review")
    assert f"Review queue ({n})" in review
    assert f"Showing 100 of {n}" in review


def test_a_run_stopped_before_deciding_shows_its_counts_as_not_available() -> None:
    from pipeline.report.records import StopRecord
    from pipeline.report.summary import summarise

    stop = StopRecord(stage="validate", error="RunStopped", message="a check failed", deliberate=True)
    inputs = ReportInputs(
        run_id="r", logical_date=dt.date(2026, 11, 2), policy_id="p", policy_version="1",
        partners=("aws",), list_keys={"aws": "aws_account_id"}, stopped=(stop,),
    )  # fmt: skip
    html = render_report(inputs)
    for key in ("aws:revoke", "aws:total", "all:review", "all:total"):
        cell = re.search(rf'data-count="{key}">(.*?)</td>', html)
        assert cell is not None and "n/a" in cell.group(1), key
    assert re.search(r'data-tile="revoke"><b>n/a</b>', html)
    assert summarise(inputs).decisions == {}


def test_passed_checks_fold_into_one_line_per_stage_and_the_rest_stay_on_top(inputs: ReportInputs) -> None:
    html = render_report(inputs)
    quality = html.split('id="quality"', 1)[1].split("</section>", 1)[0]
    top, passed = quality.split("<h3>Passed, per stage</h3>", 1)
    assert "badge failed" in top or "badge warned" in top
    assert '<tr><td><span class="badge passed">' not in top
    assert re.search(r'<li data-stage="[^"]+"><details><summary><b>[^<]+</b>: \d+ passed', passed)


def test_every_money_figure_names_its_period(inputs: ReportInputs) -> None:
    html = render_report(dataclasses.replace(inputs, billing_period=("2026-10-01", "2026-11-01")))
    for section in ("revenue", "reconciliation", "gaps"):
        found = re.search(rf'data-period="{section}">([^<]*)<', html)
        assert found is not None and "billing dated 2026-10-01 to 2026-11-01" in found.group(1), section


def test_exemptions_show_in_force_expiring_expired_and_never_matched(inputs: ReportInputs) -> None:
    html = render_report(dataclasses.replace(inputs, exemptions=s.exemptions_review()))
    counts = {k: cell_text(html, "data-exemptions", k) for k in ("never_matched", "expired", "expiring", "in_force")}
    assert counts == {"never_matched": "2", "expired": "1", "expiring": "1", "in_force": "1"}
    rows = {key: cell_text(html, "data-exemption", key) for key in (
        "in_force:EX-1", "expiring:EX-2", "expired:EX-3", "never_matched:EX-4", "never_matched:EX-5",
    )}  # fmt: skip
    assert "aws:004455667788" in rows["in_force:EX-1"] and "120 days left" in rows["in_force:EX-1"]
    assert "5 days left" in rows["expiring:EX-2"] and "gcp:acc-cn-001" in rows["expiring:EX-2"]
    assert "expired on 2026-10-30" in rows["expired:EX-3"]
    assert "unknown_partner" in rows["never_matched:EX-4"] and "did you mean 'aws'?" in rows["never_matched:EX-4"]
    assert (
        "lost_leading_zeros" in rows["never_matched:EX-5"] and "'004455667788' is known" in rows["never_matched:EX-5"]
    )
    # The headline says that some do not apply (expired or never matched): 3 of 5.
    assert "3 exemption(s) Legal signed do not apply in this run" in cell_text(html, "id", "headline")


def test_a_run_without_exemptions_or_before_its_decisions_says_so(inputs: ReportInputs) -> None:
    from pipeline.policy.exemptions import EXEMPTION_REVIEW_COLUMNS

    none = render_report(dataclasses.replace(inputs, exemptions=pd.DataFrame(columns=list(EXEMPTION_REVIEW_COLUMNS))))
    assert "No exemption is configured." in cell_text(none, "id", "exemptions")
    assert "do not apply in this run" not in none
    stopped = render_report(inputs)  # exemptions None: the run did not get to its decisions
    assert "its exemptions were not checked" in cell_text(stopped, "id", "exemptions")


def test_ownership_sources_show_their_figures_beside_the_last_complete_runs(inputs: ReportInputs) -> None:
    from pipeline.ownership.source_format import SourceFigures, SourceFormat

    def figures(entities: int) -> SourceFigures:
        return SourceFigures(uri="s3://ref/lei.csv.zip", format=SourceFormat.GLEIF_LEI,
                             published=dt.date(2026, 11, 24), entities=entities, relationships=0, roots=3)  # fmt: skip

    earlier = dataclasses.replace(inputs, run_id="earlier", logical_date=inputs.logical_date - dt.timedelta(days=1))
    last = summarise(earlier).model_copy(update={"sources": {"gleif_lei": figures(1000)}, "stopped": ()})
    html = render_report(dataclasses.replace(inputs, sources={"gleif_lei": figures(990)}, history=(last,)))
    row = cell_text(html, "data-source", "gleif_lei")
    assert "s3://ref/lei.csv.zip" in row and "2026-11-24" in row and "990 (last run 1000)" in row
    assert 'data-source="gleif_lei"' not in render_report(inputs)  # none recorded: no table
