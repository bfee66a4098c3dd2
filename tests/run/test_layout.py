"""One run's paths: every output under its own run folder or report folder, partners apart, lists by date."""

from __future__ import annotations

import datetime as dt

import pytest

from pipeline.datasets import DECISIONS, TENANTS
from pipeline.run.layout import RunLayout, list_folder, manifest_date, manifest_of, summary_run, superseded_folder

D = dt.date(2026, 11, 26)
LAYOUT = RunLayout.of("s3://b/ws", "s3://b/reports", D, "scheduled__2026-11-26T02:30:00+00:00", {"aws": "s3://o/aws"})


def test_every_workspace_path_is_under_the_run_folder_and_partners_apart() -> None:
    run = "s3://b/ws/dt=2026-11-26/run=scheduled__2026-11-26T02_30_00_00_00"
    assert LAYOUT.run_folder == run
    paths = [
        LAYOUT.dataset(DECISIONS),
        LAYOUT.dataset(TENANTS, "aws"),
        LAYOUT.validation("extract", "aws"),
        LAYOUT.validation("decide"),
        LAYOUT.partner_inputs("aws"),
        LAYOUT.ownership_inputs,
        LAYOUT.ownership_findings,
        LAYOUT.revocation_list("aws"),
        LAYOUT.gate,
        LAYOUT.input_fingerprints,
        LAYOUT.publish_outcome("aws"),
        LAYOUT.reconciliation_frame("gaps"),
        LAYOUT.reconciliation_summary,
        LAYOUT.stop_record("extract_partner", "aws"),
    ]
    assert all(p.startswith(run + "/") for p in paths)
    assert len(set(paths)) == len(paths)
    assert LAYOUT.dataset(TENANTS, "aws") == f"{run}/partner=aws/tenants.parquet"
    assert LAYOUT.dataset(TENANTS, "aws") != LAYOUT.dataset(TENANTS, "gcp")
    assert LAYOUT.stop_record("extract_partner", "aws").startswith(LAYOUT.stops_folder)


def test_report_and_list_paths() -> None:
    assert LAYOUT.report == "s3://b/reports/dt=2026-11-26/run=scheduled__2026-11-26T02_30_00_00_00/report.html"
    assert LAYOUT.run_summary.endswith("/run_summary.json")
    assert summary_run(LAYOUT.run_summary) == (D, "scheduled__2026-11-26T02_30_00_00_00")
    assert summary_run(LAYOUT.report) is None
    assert LAYOUT.list_folder("aws") == list_folder("s3://o/aws", D) == "s3://o/aws/revocations/dt=2026-11-26"
    assert LAYOUT.manifest("aws") == manifest_of("s3://o/aws", D)
    assert manifest_date("s3://o/aws", LAYOUT.manifest("aws")) == D
    replaced = superseded_folder("s3://o/aws", D, "ab" * 32) + "/manifest.json"
    assert replaced == "s3://o/aws/revocations/superseded/dt=2026-11-26/v=abababababababab/manifest.json"
    assert manifest_date("s3://o/aws", replaced) is None


def test_an_existing_run_folder_is_read_back() -> None:
    again = RunLayout.at(LAYOUT.run_folder + "/")
    assert again.logical_date == D
    assert again.dataset(DECISIONS) == LAYOUT.dataset(DECISIONS)
    with pytest.raises(ValueError, match="not a run folder"):
        RunLayout.at("s3://b/ws/somewhere")
