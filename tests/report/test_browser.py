"""The report opened in a real headless Chromium: it renders, says nothing wrong, and shows the counts.

The browser reports over the DevTools protocol every console message, uncaught exception and log entry
(Content-Security-Policy violations, failed loads); the control pages prove those reach the test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from pipeline.report import ReportInputs, render_report
from tests import sample_run as s
from tests.report.chromium import load_page

pytestmark = pytest.mark.integration

# The sample run with the hostile tenant moved to review, so that its whole evidence chain is drawn.
COUNTS = {
    "aws:revoke": "1",
    "aws:review": "2",
    "aws:allow": "2",
    "gcp:revoke": "1",
    "gcp:allow": "2",
    "all:total": "8",
}
READ_COUNTS = (
    "Object.fromEntries([...document.querySelectorAll('[data-count]')]"
    ".map(e => [e.dataset.count, e.textContent.trim()]))"
)


def _hostile(inputs: ReportInputs) -> ReportInputs:
    decisions = inputs.decisions.copy()
    decisions.loc[decisions["tenant_id"] == "012345678901", "decision"] = "review"
    return dataclasses.replace(inputs, decisions=decisions)


def test_the_report_renders_without_errors_and_shows_the_headline_counts(
    inputs: ReportInputs, browser_port: int, tmp_path: Path
) -> None:
    page = tmp_path / "report.html"
    page.write_text(render_report(_hostile(inputs)), encoding="utf-8")
    seen = load_page(
        browser_port,
        page.as_uri(),
        {
            "counts": READ_COUNTS,
            "scripts": "document.scripts.length",
            "svgs": "document.querySelectorAll('svg').length",
            "hostile_elements": "document.querySelectorAll('img, script, iframe').length",
            "width": "document.documentElement.scrollWidth",
        },
    )
    assert seen.errors == []
    assert seen.exceptions == []
    counts = seen.values["counts"]
    for key, value in COUNTS.items():
        assert counts[key] == value, key
    assert seen.values["scripts"] == 0
    assert seen.values["hostile_elements"] == 0
    assert seen.values["svgs"] == 9
    assert "Headline" in seen.text
    assert "Review queue (2)" in seen.text
    # The hostile names show as the text they are.
    assert s.HOSTILE in seen.text
    assert s.HOSTILE_ENTITY in seen.text


def test_an_empty_run_renders_without_errors(browser_port: int, tmp_path: Path) -> None:
    inputs = ReportInputs(run_id="manual__0", logical_date=s.AS_OF, policy_id="p", policy_version="1")
    page = tmp_path / "empty.html"
    page.write_text(render_report(inputs), encoding="utf-8")
    seen = load_page(browser_port, page.as_uri(), {"counts": READ_COUNTS})
    assert seen.errors == []
    assert seen.values["counts"]["all:total"] == "0"
    assert "No tenants in this run." in seen.text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("<script>console.error('boom')</script>", "console.error: boom"),
        ("<script>throw new Error('kaput')</script>", "exception"),
        ("<p>fine</p>", None),
    ],
)
def test_control_pages_show_the_browser_reports_errors(
    browser_port: int, tmp_path: Path, body: str, expected: str | None
) -> None:
    page = tmp_path / "control.html"
    page.write_text(f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>", "utf-8")
    seen = load_page(browser_port, page.as_uri())
    if expected is None:
        assert seen.errors == []
    else:
        assert any(expected in e for e in seen.errors), seen.errors


def test_the_report_policy_blocks_what_escaping_might_miss(browser_port: int, tmp_path: Path) -> None:
    # Were a script or remote image ever to reach the page, its own CSP would block it, loudly.
    html = render_report(ReportInputs(run_id="r", logical_date=s.AS_OF, policy_id="p", policy_version="1"))
    html = html.replace("</main>", "<script>console.log('ran')</script><img src='https://example.com/x.png'></main>")
    page = tmp_path / "tampered.html"
    page.write_text(html, encoding="utf-8")
    seen = load_page(browser_port, page.as_uri())
    assert not [m for m in seen.console if m["type"] == "log"]  # the script never ran
    assert len([e for e in seen.errors if "Content Security Policy" in e]) == 2


def _reviewed(inputs: ReportInputs) -> ReportInputs:
    """The sample run on its second night: a case in review for nine nights with a lapsed judgement, the
    previous run's decisions to compare the listed rows with, revenue at risk, and exemptions in each of
    the report's groups."""
    from decimal import Decimal

    decisions = inputs.decisions.copy()
    review = decisions["tenant_id"] == "009988776655"
    decisions.loc[review, "review_since"] = (s.AS_OF - dt.timedelta(days=8)).isoformat()
    lapsed = {"id": "J-0123456789ab", "kind": "decision", "by": "A. Reviewer", "judged_on": "2026-10-20",
              "reason": "divested", "expires": None, "applies": False,
              "lapsed": "evidence changed: ownership (was E-P review 40%; now E-P review 45%)"}  # fmt: skip
    decisions.loc[review, "evidence"] = json.dumps({"judgements": [lapsed]})
    previous = decisions.copy()
    previous["policy_version"] = "0"
    previous.loc[previous["tenant_id"] == "004455667788", "judgement_id"] = "J-aaaaaaaaaaaa"
    return dataclasses.replace(
        inputs,
        decisions=decisions,
        previous_decisions=previous,
        previous_interests=inputs.interests,
        review_revenue={("aws", "009988776655"): {"invoiced": {"USD": Decimal("1250.50")}}},
        config_uri="file:///etc/recon/config.yaml",
        exemptions=s.exemptions_review(),
    )


def test_the_new_sections_read_well_at_1024_px(inputs: ReportInputs, browser_port: int, tmp_path: Path) -> None:
    page = tmp_path / "reviewed.html"
    page.write_text(render_report(_reviewed(inputs)), encoding="utf-8")
    shot = tmp_path / "reviewed-1024.png"  # kept with the test run: the page as a person sees it
    seen = load_page(
        browser_port,
        page.as_uri(),
        {
            "width": "document.documentElement.scrollWidth",
            "why": "[...document.querySelectorAll('[data-delta] ul.why li')].map(e => e.textContent)",
            "nights": "[...document.querySelectorAll('.queue-facts')].map(e => e.dataset.nights)",
            "overdue": "document.querySelector('[data-review=overdue]').textContent",
            "exemptions": "[...document.querySelectorAll('[data-exemption]')].map(e => e.dataset.exemption)",
            "exemptions_width": "document.getElementById('exemptions').scrollWidth",
        },
        width=1024,
        screenshot=shot,
    )
    assert seen.errors == [] and seen.exceptions == []
    assert seen.values["width"] <= 1024  # no column pushed off the page
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert "policy unsupported-regions version 0 -> 2025-09-05" in seen.values["why"]
    assert seen.values["nights"] == ["9"] and seen.values["overdue"] == "1"
    assert "Why it changed since the last list" in seen.text
    assert "no longer applies: evidence changed: ownership" in seen.text
    assert "recon review decide --config /etc/recon/config.yaml --partner aws --tenant 009988776655" in seen.text
    assert "revenue at risk: USD 1250.50 invoiced" in seen.text
    # Exemptions: what does not apply first, every group shown, nothing wider than the page.
    assert seen.values["exemptions"] == [
        "never_matched:EX-4", "never_matched:EX-5", "expired:EX-3", "expiring:EX-2", "in_force:EX-1",
    ]  # fmt: skip
    assert seen.values["exemptions_width"] <= 1024
    assert "Expiring within 14 days (1)" in seen.text
    assert "3 exemption(s) Legal signed do not apply in this run" in seen.text
