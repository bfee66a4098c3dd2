"""Progress for people, and what each stage cost: wall and CPU seconds, peak memory, rows in and out.

Invariant: measuring and logging never change what a stage reads, writes or returns. Where the log goes
is decided once, at an entry point: `recon run` and `recon demo-world` call `configure` (stderr, or
nothing below a warning with `--quiet`); Airflow routes a task's log itself. Everything else only logs.
This module imports nothing heavy (the DAG's task bodies reach it through pipeline/run/stages.py).
"""

from __future__ import annotations

import logging
import os
import resource
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pipeline.storage.tally import counting

log = logging.getLogger(__name__)

# The loggers whose INFO lines are progress for people at the command line (everything else: warnings).
PROGRESS_LOGGERS = ("pipeline", "demo_world")
_HANDLER_NAME = "recon-progress"


@dataclass(frozen=True)
class StageFigures:
    """One stage run: its name (and partner), seconds, the process's peak memory so far, rows in and out.

    CPU seconds include worker processes the stage started and saw end (`cpu_seconds`).

    Rows are those read and written as frames (`pipeline.storage.frames`), plus the raw records an
    extraction stage parsed (`pipeline.storage.tally.rows_read`); `peak_rss_mb` is the process's
    high-water mark when the stage ended."""

    stage: str
    partner: str | None
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    rows_in: int
    rows_out: int

    @property
    def label(self) -> str:
        return stage_label(self.stage, self.partner)


def stage_label(stage: str, partner: str | None) -> str:
    return f"{stage}[{partner}]" if partner else stage


def cpu_seconds() -> float:
    """CPU seconds of this process and of its children that have ended (the BODS reader's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def peak_rss_mb() -> float:
    """Peak resident set size of this process image in MiB.

    `VmHWM` in /proc/self/status belongs to the memory map exec created; `getrusage(...).ru_maxrss` is
    not this process's own on Linux (it carries a parent's peak into a child across fork and exec), so it
    is only the fallback off Linux."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


class Measured:
    """What `measure` found, filled in when its block ends (`figures` is None until then)."""

    def __init__(self) -> None:
        self.figures: StageFigures | None = None


@contextmanager
def measure(stage: str, partner: str | None = None) -> Iterator[Measured]:
    """Time a stage and count its rows; logs its start and, when it completes, its figures."""
    label = stage_label(stage, partner)
    log.info("%s: started", label)
    measured = Measured()
    wall, cpu = time.perf_counter(), cpu_seconds()
    with counting() as rows:
        try:
            yield measured
        except BaseException:
            log.info("%s: stopped after %.1f s", label, time.perf_counter() - wall)
            raise
    figures = StageFigures(
        stage=stage,
        partner=partner,
        wall_seconds=round(time.perf_counter() - wall, 3),
        cpu_seconds=round(cpu_seconds() - cpu, 3),
        peak_rss_mb=peak_rss_mb(),
        rows_in=rows.rows_in,
        rows_out=rows.rows_out,
    )
    measured.figures = figures
    log.info(
        "%s: done in %.1f s (CPU %.1f s), %s rows in, %s rows out, peak memory %s MiB",
        label,
        figures.wall_seconds,
        figures.cpu_seconds,
        f"{figures.rows_in:,}",
        f"{figures.rows_out:,}",
        f"{figures.peak_rss_mb:,.0f}",
    )


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]  # StreamHandler is generic only in the stubs
    """Writes to whatever `sys.stderr` is when a line is logged (a test runner swaps it for a while)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def configure(*, quiet: bool = False) -> None:
    """Progress lines on stderr for a command line run (`quiet`: warnings and errors only).

    Calling it again replaces the previous setting; the loggers still propagate, so a host's own
    handlers (pytest's, Airflow's) keep seeing every line."""
    handler = _Stderr()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    for name in PROGRESS_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == _HANDLER_NAME]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING if quiet else logging.INFO)
