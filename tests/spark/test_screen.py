"""`recon screen --engine spark`: the same CSV as the local engine, from the same files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from typer.testing import CliRunner

from pipeline.cli import app
from tests.run.test_screen import _world

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def test_screen_on_spark_writes_the_local_engines_csv(spark: SparkSession, tmp_path: Path) -> None:
    """`spark` (the test session) is running, so the command uses it rather than starting a second JVM."""
    a, b, policy = _world(tmp_path)
    outs = {}
    for engine in ("local", "spark"):
        out = tmp_path / f"{engine}.csv"
        args = ["screen", "--ownership", str(a), str(b), "--policy", str(policy), "--as-of", "2025-01-31",
                "--out", str(out), "--engine", engine]  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        outs[engine] = out.read_bytes()
    assert outs["spark"] == outs["local"]
    assert b"restricted" in outs["local"]
