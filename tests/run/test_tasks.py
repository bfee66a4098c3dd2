"""The task-to-stage bridge: what a task logs as read and written, and which publishes become asset events."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from pipeline.publish.audit import AuditEvent
from pipeline.run import tasks as orchestration

pytestmark = pytest.mark.integration  # runs Airflow

OUTBOX = "gs://partner-bucket/lists"


def _published(event: AuditEvent, partner: str = "gcp") -> dict[str, str]:
    folder = f"{OUTBOX}/revocations/dt=2026-11-26"
    return {
        "partner": partner,
        "manifest": f"{folder}/manifest.json",
        "snapshot": f"{folder}/revocations.csv",
        "delta": f"{folder}/revocations_delta.csv",
        "outcome": "s3://ops/workspace/publish.json",
        "event": event.value,
    }


def _contexts(outlets: list[Any]) -> tuple[dict[str, Any], Any]:
    from airflow.sdk.execution_time.context import OutletEventAccessors

    context = {"task": SimpleNamespace(outlets=outlets), "outlet_events": OutletEventAccessors()}
    ctx = SimpleNamespace(
        partner=lambda name: SimpleNamespace(outbox=OUTBOX), ds="2026-11-26", run_id="scheduled__2026-11-26"
    )
    return context, ctx


def _alias_events(context: dict[str, Any], alias: Any) -> list[Any]:
    return list(context["outlet_events"][alias].asset_alias_events)


@pytest.mark.parametrize("event", [AuditEvent.PUBLISHED, AuditEvent.REPUBLISHED])
def test_a_list_this_run_published_is_announced_through_each_alias(event: AuditEvent) -> None:
    from airflow.sdk import Asset, AssetAlias

    alias, other = AssetAlias("marketplace_revocation_lists"), AssetAlias("compliance_feeds")
    context, ctx = _contexts([alias, Asset("unrelated"), other])
    orchestration._announce_published(context, ctx, _published(event))
    for a in (alias, other):
        [announced] = _alias_events(context, a)
        assert announced.dest_asset_key.name == "marketplace_revocation_list.gcp"
        assert announced.dest_asset_key.uri == f"{OUTBOX}/revocations"
        assert announced.extra["manifest"] == f"{OUTBOX}/revocations/dt=2026-11-26/manifest.json"
        assert announced.extra["logical_date"] == "2026-11-26"
        assert announced.extra["run_id"] == "scheduled__2026-11-26"
        assert announced.extra["event"] == event.value


def test_lists_another_run_already_published_are_not_announced(caplog: pytest.LogCaptureFixture) -> None:
    from airflow.sdk import AssetAlias

    alias = AssetAlias("marketplace_revocation_lists")
    context, ctx = _contexts([alias])
    with caplog.at_level(logging.INFO, logger="pipeline.run.tasks"):
        orchestration._announce_published(context, ctx, _published(AuditEvent.UNCHANGED))
    assert _alias_events(context, alias) == []
    assert "no asset event" in caplog.text


def test_the_asset_is_named_after_the_partner_and_located_at_its_lists() -> None:
    assert orchestration.published_list_asset_name("aws") == "marketplace_revocation_list.aws"
    assert orchestration.published_list_asset_uri("s3://b/out") == "s3://b/out/revocations"


def test_uris_in_stage_inputs_and_outputs_are_found_with_their_keys() -> None:
    inputs = {
        "partners": [{"partner": "aws", "tenants": "s3://w/aws/tenants.parquet"}],
        "gated": {"gate": "s3://w/gate.json", "note": "not a uri"},
        "partner": "aws",
    }
    assert list(orchestration._uris(inputs)) == [
        ("partners[0].tenants", "s3://w/aws/tenants.parquet"),
        ("gated.gate", "s3://w/gate.json"),
    ]
    assert list(orchestration._uris(["aws", "gcp"])) == []


def test_the_late_drop_wait_ends_when_the_drop_comes_or_its_deadline_passes() -> None:
    import datetime as dt

    started = dt.datetime(2026, 11, 26, 2, 30, tzinfo=dt.UTC)
    missing = ["gs://partner/drop/accounts/dt=2026-11-26/accounts.jsonl"]
    assert orchestration.drop_wait_over([], started, started, 4.0)  # it has come
    assert not orchestration.drop_wait_over(missing, started, started + dt.timedelta(hours=3, minutes=59), 4.0)
    assert orchestration.drop_wait_over(missing, started, started + dt.timedelta(hours=4), 4.0)
    # No wait configured: a missing drop stops the run at once, as before.
    assert orchestration.drop_wait_over(missing, started, started, 0.0)


def test_the_runs_last_check_fails_its_task_without_a_retry() -> None:
    from airflow.sdk.exceptions import AirflowFailException

    with pytest.raises(AirflowFailException, match="a task of this run failed"):
        orchestration.fail_the_run()
