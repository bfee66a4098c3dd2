"""Someone is told: the operators' notifications go through every channel whose Airflow connection
exists (here SMTP, to a real SMTP server), say which run and why, and never fail the caller."""

from __future__ import annotations

import datetime as dt
import email
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pipeline.run.notify import SMTP_CONNECTION, OpsEvent, OpsNotifier
from tests import servers


@pytest.fixture(autouse=True)
def _airflow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))


def _context() -> dict[str, Any]:
    run = SimpleNamespace(
        dag_id="marketplace_access_reconciliation",
        run_id="scheduled__2026-11-26T02:30:00+00:00",
        logical_date=dt.datetime(2026, 11, 26, 2, 30, tzinfo=dt.UTC),
    )
    return {"dag_run": run, "ti": SimpleNamespace(task_id="validate"), "reason": "task_failure"}


def _smtp_connection(monkeypatch: pytest.MonkeyPatch, port: int, to: object) -> None:
    fields = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {"to": to, "from_email": "recon@example.com", "disable_ssl": True, "disable_tls": True},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{SMTP_CONNECTION.upper()}", json.dumps(fields))


@pytest.mark.integration
def test_a_failed_run_is_emailed_to_the_connections_recipients(monkeypatch: pytest.MonkeyPatch) -> None:
    with servers.smtp_sink() as sink:
        _smtp_connection(monkeypatch, sink.port, "ops@example.com, oncall@example.com")
        OpsNotifier(OpsEvent.RUN_FAILED).notify(_context())
    [raw] = sink.messages
    message = email.message_from_bytes(raw)
    assert message["To"] == "ops@example.com, oncall@example.com"
    assert message["Subject"] == "[marketplace access] the nightly run of 2026-11-26 stopped; nothing new was published"
    text = "".join(
        part.get_payload(decode=True).decode() for part in message.walk() if part.get_content_type() == "text/html"
    )
    assert "run: scheduled__2026-11-26T02:30:00+00:00" in text and "task: validate" in text


@pytest.mark.integration
def test_a_missed_deadline_is_told_from_the_triggerer_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    with servers.smtp_sink() as sink:
        _smtp_connection(monkeypatch, sink.port, ["ops@example.com"])
        asyncio.run(OpsNotifier("deadline_missed").async_notify(_context()))
    [raw] = sink.messages
    assert "were not published by the deadline (06:00 UTC)" in email.message_from_bytes(raw)["Subject"]


def test_without_a_connection_nobody_is_told_and_nothing_fails(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="pipeline.run.notify")
    OpsNotifier(OpsEvent.GATE_WAITING).notify(_context())
    assert "gate_waiting: told through no channel (no connection configured)" in caplog.text


def test_a_channel_that_fails_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _smtp_connection(monkeypatch, servers.free_port(), "ops@example.com")  # nothing listens there
    caplog.set_level("INFO", logger="pipeline.run.notify")
    OpsNotifier(OpsEvent.RUN_FAILED).notify(_context())
    assert "the email about run_failed could not be sent" in caplog.text
    assert "told through no channel" in caplog.text
