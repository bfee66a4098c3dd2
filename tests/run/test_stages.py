"""`run_all` calls the stages in the declared order (the DAG's order is checked in tests/dags)."""

from __future__ import annotations

from typing import Any

import pytest

from pipeline.run import stages


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
