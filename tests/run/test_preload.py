"""The scheduler preloads the stages' libraries for the task processes it forks; nothing else does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.run.preload import HEAVY_MODULES, preload

ROOT = Path(__file__).resolve().parents[2]
LOCAL_SETTINGS = ROOT / "deploy" / "airflow" / "config" / "airflow_local_settings.py"

# Runs the deployment's local settings as Airflow would import them, under a given command line, and
# prints which of the heavy modules the process then holds.
PROBE = f"""
import runpy, sys
sys.argv = ["airflow", *sys.argv[1:]]
runpy.run_path({str(LOCAL_SETTINGS)!r})
print(",".join(m for m in {HEAVY_MODULES!r} if m in sys.modules))
"""


def _modules_after_local_settings(tmp_path: Path, *argv: str) -> set[str]:
    # A script, not `python -c`: pyspark (imported by Great Expectations when installed) takes a main
    # module without a file for its own doctest runner and exits.
    probe = tmp_path / "probe.py"
    probe.write_text(PROBE)
    out = subprocess.run([sys.executable, probe, *argv], capture_output=True, text=True, check=True, cwd=ROOT)
    return set(filter(None, out.stdout.strip().split(",")))


def test_the_scheduler_holds_every_heavy_module_before_it_forks(tmp_path: Path) -> None:
    assert _modules_after_local_settings(tmp_path, "scheduler") == set(HEAVY_MODULES)


@pytest.mark.parametrize("component", ["api-server", "dag-processor", "dags"])
def test_other_airflow_processes_stay_light(tmp_path: Path, component: str) -> None:
    assert _modules_after_local_settings(tmp_path, component) == set()


def test_a_module_that_cannot_be_imported_is_named_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="pipeline.run.preload")
    preload(("json", "no_such_module_for_recon"))
    assert "json" in sys.modules
    assert "preload: no_such_module_for_recon not imported" in caplog.text
    assert "preloaded 2 modules" in caplog.text
