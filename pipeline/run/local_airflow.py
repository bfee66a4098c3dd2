"""Run the nightly DAG once through Airflow itself, embedded: SQLite metadata DB, AIRFLOW_HOME under var/.

Invariant: this only prepares an isolated Airflow home and calls Airflow's own commands
(`airflow db migrate`, `airflow dags test`); the DAG run is Airflow's, the stages are the DAG's. Airflow's
verbose output goes to a log file whose tail is shown when something fails.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline import jsonio

DAG_ID = "marketplace_access_reconciliation"


class AirflowRunFailed(RuntimeError):
    """Airflow reported a failure; the message holds the tail of its log."""


# Set in the environment of the embedded Airflow (read by the DAG file; see `LocalAirflow.env`).
EMBEDDED_VARIABLE = "RECON_EMBEDDED_AIRFLOW"


@dataclass(frozen=True)
class LocalAirflow:
    home: Path
    dags_folder: Path

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            {
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{self.home / 'airflow.db'}",
                # `airflow dags test` cannot finish a run of a DAG with deadline alerts (Airflow 3.3.2 looks
                # them up by ids only the dag-processor assigns): the DAG leaves its alert out here.
                EMBEDDED_VARIABLE: "1",
            }
        )
        return env

    def _airflow(self, args: list[str], log_name: str) -> tuple[int, Path]:
        self.home.mkdir(parents=True, exist_ok=True)
        log_path = self.home / "logs" / log_name
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log:
            proc = subprocess.run(
                [_airflow_bin(), *args], env=self.env(), stdout=log, stderr=subprocess.STDOUT, check=False
            )
        return proc.returncode, log_path

    @staticmethod
    def _failed(args: list[str], code: int, log_path: Path) -> AirflowRunFailed:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
        return AirflowRunFailed(f"`airflow {' '.join(args[:2])}` exited {code}; log {log_path}:\n{tail}")

    def migrate(self) -> None:
        args = ["db", "migrate"]
        code, log_path = self._airflow(args, "db-migrate.log")
        if code != 0:
            raise self._failed(args, code, log_path)

    def run_dag(self, config: Path, logical_date: dt.date, conf: dict[str, object] | None = None) -> tuple[str, str]:
        """Run the DAG once for the logical date; (run id, state) as Airflow recorded it.

        A run that fails (a stage stopped it) is a result, not an error; `AirflowRunFailed` means Airflow
        itself could not run the DAG, with the tail of its log.
        """
        run_conf = {"config": str(config.resolve()), **(conf or {})}
        args = ["dags", "test", DAG_ID, logical_date.isoformat(), "--conf", jsonio.compact(run_conf)]
        code, log_path = self._airflow(args, f"dags-test-{logical_date.isoformat()}.log")
        try:
            return self.latest_run(logical_date)
        except AirflowRunFailed:
            raise self._failed(args, code, log_path) from None

    def latest_run(self, logical_date: dt.date) -> tuple[str, str]:
        """(run id, state) of the newest run of the DAG for the logical date, as Airflow recorded it."""
        proc = subprocess.run(
            [_airflow_bin(), "dags", "list-runs", DAG_ID, "--output", "json"],
            env=self.env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise AirflowRunFailed(f"`airflow dags list-runs` exited {proc.returncode}: {proc.stderr[-2000:]}")
        runs = [
            r
            for r in jsonio.loads(proc.stdout.strip().splitlines()[-1])
            if str(r.get("logical_date", "")).startswith(logical_date.isoformat())
        ]
        if not runs:
            raise AirflowRunFailed(f"Airflow has no run of {DAG_ID} for {logical_date}")
        newest = max(runs, key=lambda r: str(r["run_after"]))
        return str(newest["run_id"]), str(newest["state"])


def _airflow_bin() -> str:
    return str(Path(sys.executable).parent / "airflow")
