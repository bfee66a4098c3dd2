"""Progress for people and each stage's figures: what `measure` logs and counts, what `run_stage` hands
to `RunContext.observe`, and how the command line turns the lines on and off."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from demo_world import WorldSpec, write_world
from pipeline.cli import app
from pipeline.config import load_config
from pipeline.run import stages
from pipeline.run.context import RunContext
from pipeline.run.progress import PROGRESS_LOGGERS, StageFigures, configure, measure
from pipeline.storage import Storage, local_uri
from pipeline.storage.frames import read_parquet, write_parquet

DATE = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _restore_loggers() -> object:
    saved = {name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers)) for name in PROGRESS_LOGGERS}
    yield None
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers


def test_a_stage_counts_the_rows_it_reads_and_writes(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    storage, uri = Storage(), local_uri(tmp_path / "t.parquet")
    write_parquet(storage, uri, pd.DataFrame({"a": ["x"]}))  # outside any stage: not counted
    with caplog.at_level(logging.INFO, logger="pipeline"), measure("extract_partner", "aws") as measured:
        write_parquet(storage, uri, pd.DataFrame({"a": ["x", "y", "z"]}))
        read_parquet(storage, uri)
        read_parquet(storage, uri)
    figures = measured.figures
    assert figures is not None
    assert (figures.label, figures.rows_in, figures.rows_out) == ("extract_partner[aws]", 6, 3)
    assert figures.wall_seconds >= 0 and figures.cpu_seconds >= 0 and figures.peak_rss_mb > 0
    assert "extract_partner[aws]: started" in caplog.text
    assert "extract_partner[aws]: done in" in caplog.text and "6 rows in, 3 rows out" in caplog.text


def test_a_failing_stage_has_no_figures_and_says_it_stopped(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, logger="pipeline"),
        pytest.raises(ValueError, match="bad"),
        measure("decide") as measured,
    ):
        raise ValueError("bad")
    assert measured.figures is None
    assert "decide: stopped after" in caplog.text


def test_run_stage_hands_each_stage_its_figures(tmp_path: Path) -> None:
    write_world(Storage(), local_uri(tmp_path), WorldSpec(DATE, tenants=10, seed=1))
    seen: list[StageFigures] = []
    ctx = RunContext(load_config(tmp_path / "config.yaml"), DATE, "progress", Storage(), observe=seen.append)
    assert stages.run_stage(ctx, stages.plan) == [p.name for p in ctx.config.partners]
    assert [(f.stage, f.partner, f.rows_in, f.rows_out) for f in seen] == [("plan", None, 0, 0)]


def test_configure_writes_to_the_current_stderr_once_and_quiet_keeps_only_warnings(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = logging.getLogger("pipeline.run.stages")
    configure()
    configure()  # again: still one line per record
    log.info("step one")
    assert capsys.readouterr().err.count("step one") == 1
    configure(quiet=True)
    log.info("step two")
    log.warning("something odd")
    err = capsys.readouterr().err
    assert "step two" not in err and "something odd" in err


def test_demo_world_shows_progress_unless_quiet(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["demo-world", "--out", str(tmp_path / "w"), "--date", "2026-11-26", "--tenants", "10", "--seed", "1"]
    loud = runner.invoke(app, args)
    assert loud.exit_code == 0, loud.output
    assert "population:" in loud.stderr and "writing" in loud.stderr
    quiet = runner.invoke(app, [*args, "--force", "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert "population:" not in quiet.stderr and "config:" in quiet.stdout
