"""What one run is: its configuration, logical date, id, options, storage, and workspace layout.

Invariant: every intermediate of a run lives under its run-scoped workspace
`<workspace>/dt=<logical date>/run=<run id>/`, at a path that depends only on (logical date, run id,
dataset, partner). A retried task therefore rewrites the same objects, and two runs never mix.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from pipeline.config import PartnerConfig, RunConfig
from pipeline.datasets import Dataset
from pipeline.storage import Storage, join

_RUN_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")


def safe_run_id(run_id: str) -> str:
    """A run id usable as one path segment (Airflow's contain ':' and '+')."""
    cleaned = _RUN_ID_UNSAFE.sub("_", run_id).strip("_.")
    if not cleaned:
        raise ValueError(f"run id {run_id!r} has no usable characters")
    return cleaned


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from exc


@dataclass(frozen=True)
class RunOptions:
    """Choices a human makes for one run (Airflow Params / CLI flags)."""

    # Publish even though the change against the last published list exceeds the gate's limits.
    approve_gate: bool = False
    approved_by: str | None = None
    # Replace an already published list for this date with a differing one (the old one is kept).
    force_republish: bool = False


@dataclass(frozen=True)
class RunContext:
    config: RunConfig
    logical_date: dt.date
    run_id: str
    storage: Storage = field(compare=False)
    options: RunOptions = RunOptions()

    @property
    def ds(self) -> str:
        return self.logical_date.isoformat()

    @property
    def workspace(self) -> str:
        return join(self.config.workspace, f"dt={self.ds}", f"run={safe_run_id(self.run_id)}")

    def dataset_uri(self, dataset: Dataset, partner: str | None = None) -> str:
        """Where this run keeps a dataset (per partner when the dataset is partner-scoped)."""
        parts = ["partner=" + partner] if partner else []
        return join(self.workspace, *parts, dataset.file_name)

    def artifact_uri(self, name: str, partner: str | None = None) -> str:
        """Where this run keeps a non-tabular artifact (validation results, gate decision, ...)."""
        parts = ["partner=" + partner] if partner else []
        return join(self.workspace, *parts, name)

    def partner(self, name: str) -> PartnerConfig:
        return self.config.partner(name)
