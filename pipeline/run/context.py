"""What one run is: its configuration, logical date, id, options, storage, and where it writes.

Invariant: a `RunContext` is fixed for the whole run (frozen); every path the run writes comes from its
`layout` (pipeline/run/layout.py), a function of (configuration, logical date, run id) alone, so a
retried task rewrites the same objects and two runs never mix.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from pipeline.config import PartnerConfig, RunConfig
from pipeline.run.layout import RunLayout
from pipeline.run.progress import StageFigures
from pipeline.storage import Storage

if TYPE_CHECKING:
    from pipeline.run.snapshot import RunSnapshot


def parse_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date in the form YYYY-MM-DD") from exc


class ApprovalChannel(enum.StrEnum):
    """Where the person who approves a blocked gate works: what the gate's message tells them to do."""

    RUN_COMMAND = "recon run"  # rerun with --approve-gate --approved-by --approve-diff
    DAG_RUN_COMMAND = "recon dag-run"  # the same flags on `recon dag-run` (embedded Airflow)
    # The DAG's approval step waits for a person (Airflow's Required Actions): the gate does not stop.
    AIRFLOW_APPROVAL = "airflow"


@dataclass(frozen=True)
class RunOptions:
    """Choices a human makes for one run (Airflow Params / CLI flags)."""

    # Publish even though the change against the last published list exceeds the gate's limits: a named
    # person approves the diff named by its sha256 (from the blocked run's gate record), and only that one.
    approve_gate: bool = False
    approved_by: str | None = None
    approve_diff: str | None = None
    approval: ApprovalChannel = ApprovalChannel.RUN_COMMAND
    # Replace an already published list for this date with a differing one (the old one is kept).
    force_republish: bool = False


@dataclass(frozen=True)
class RunContext:
    config: RunConfig
    logical_date: dt.date
    run_id: str
    storage: Storage = field(compare=False)
    options: RunOptions = RunOptions()
    # What `plan` pinned (pipeline/run/snapshot.py): set for every later task of the run.
    snapshot: RunSnapshot | None = field(default=None, compare=False)
    # Told each completed stage's figures (benchmarks/night.py); the log has them in any case.
    observe: Callable[[StageFigures], None] | None = field(default=None, compare=False)

    @property
    def ds(self) -> str:
        return self.logical_date.isoformat()

    @cached_property
    def layout(self) -> RunLayout:
        outboxes = {p.name: p.outbox for p in self.config.partners}
        return RunLayout.of(self.config.workspace, self.config.reports, self.logical_date, self.run_id, outboxes)

    def partner(self, name: str) -> PartnerConfig:
        return self.config.partner(name)

    def read_input(self, uri: str) -> bytes:
        """A run input's bytes (the policy, the exemptions): the run's pinned copy once `plan` pinned it."""
        from pipeline.run.snapshot import read_pinned

        pinned = self.snapshot.by_source(uri) if self.snapshot is not None else None
        return read_pinned(self.storage, pinned) if pinned is not None else self.storage.read_bytes(uri)

    def read_input_text(self, uri: str) -> str:
        from pipeline.storage import StorageError

        data = self.read_input(uri)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StorageError(f"{uri}: not UTF-8 text (byte {exc.start}): {exc.reason}") from exc
