"""`run_all` calls the stages in the declared order (the DAG's order is checked in tests/dags)."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import pytest

from demo_world import WorldSpec, write_world
from pipeline.config import load_config
from pipeline.run import stages
from pipeline.run.context import RunContext
from pipeline.storage import Storage, local_uri


def test_run_all_runs_every_stage_once_in_the_declared_order(monkeypatch: pytest.MonkeyPatch) -> None:
    called: list[str] = []

    def record(ctx: Any, stage: Any, /, *args: Any, **kwargs: Any) -> Any:
        called.append(stage.__name__)
        return ["aws"] if stage is stages.plan else {}

    monkeypatch.setattr(stages, "run_stage", record)
    # After plan, run_all goes on with what plan pinned (tests/run/test_snapshot.py); no context here.
    monkeypatch.setattr("pipeline.run.snapshot.pinned", lambda ctx, **_: ctx)
    stages.run_all(ctx=None)  # type: ignore[arg-type]  # the recorder never reads the context
    assert called == [s.__name__ for s in stages.STAGE_ORDER]  # one partner: its stages run once


def test_plan_removes_what_a_killed_run_left_half_written(tmp_path: Path) -> None:
    date = dt.date(2026, 11, 26)
    write_world(Storage(), local_uri(tmp_path), WorldSpec(date=date, tenants=10, seed=3))
    config = load_config(tmp_path / "config.yaml")
    outbox = Path(config.partners[0].outbox.removeprefix("file://")) / "revocations" / f"dt={date}"
    outbox.mkdir(parents=True)
    leftover = outbox / ".manifest.json.0123456789abcdef.tmp"
    leftover.write_text("{")
    os.utime(leftover, (time.time() - 7200, time.time() - 7200))
    stages.plan(RunContext(config, date, "plan__sweep", Storage()))
    assert not leftover.exists()
