"""The stages of one nightly run, in order; the DAG and `recon run` both call these functions.

Invariant: a stage reads only the URIs it is given (plus the run's configuration), writes only under the
run-scoped workspace (publishing writes the partners' outboxes), and returns the URIs of what it wrote.
Running a stage twice for the same run rewrites the same objects with the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipeline.run import RunContext


def plan(ctx: RunContext) -> list[str]:
    """The partners this run covers, in configuration order (the DAG maps extract and publish over them)."""
    return [p.name for p in ctx.config.partners]


STAGES: dict[str, Callable[..., Any]] = {"plan": plan}
