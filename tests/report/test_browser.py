"""The report opened in a real headless Chromium: it renders, says nothing wrong, and shows the counts.

The browser reports over the DevTools protocol every console message, uncaught exception and log entry
(Content-Security-Policy violations, failed loads); the control pages prove those reach the test.
"""

from __future__ import annotations

import dataclasses
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
