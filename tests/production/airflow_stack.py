"""A real Airflow 3 deployment for one test: scheduler, dag-processor and api-server as separate processes
on a fresh PostgreSQL database, LocalExecutor, driven through the REST API.

Invariants: every process runs in its own process group and is stopped by that group's id, also when the
test fails; every process carries a marker in its environment, so `survivors()` finds any that escaped its
group (a task process, say); the database exists only for the stack's lifetime.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import free_port

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
# The deployment's Airflow local settings (the scheduler preloads the stages' libraries), as
# docker-compose.yml mounts them into $AIRFLOW_HOME/config.
LOCAL_SETTINGS = Path(__file__).resolve().parents[2] / "deploy" / "airflow" / "config" / "airflow_local_settings.py"
MARKER_VAR = "RECON_E2E_STACK"
TERMINAL_RUN_STATES = {"success", "failed"}
# Task states that mean the run will not succeed soon: fail fast instead of waiting out retry delays.
BAD_TASK_STATES = {"failed", "up_for_retry", "upstream_failed"}


class StackError(RuntimeError):
    """The stack did not come up or a run did not go as expected; the message holds the logs' tails."""


def _airflow_bin() -> str:
    return str(Path(sys.executable).parent / "airflow")


def _tail(path: Path, lines: int = 40, chars: int = 4000) -> str:
    if not path.exists():
        return f"({path} does not exist)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])[-chars:]


# --- PostgreSQL ------------------------------------------------------------------------------


def _pg_admin() -> Any:
    import psycopg2

    conn = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=10)
    conn.autocommit = True  # CREATE/DROP DATABASE cannot run inside a transaction
    return conn


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty database `recon_e2e_<random>` on the local server; dropped afterwards."""
    name = f"recon_e2e_{secrets.token_hex(6)}"
    admin = _pg_admin()
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        yield name
    finally:
        with admin.cursor() as cur:
            # FORCE: a connection a killed process left half-open must not keep the database alive.
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def database_exists(name: str) -> bool:
    admin = _pg_admin()
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            return cur.fetchone() is not None
    finally:
        admin.close()


# --- processes -------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_group(proc: Process, grace: float = 20.0) -> None:
    """SIGTERM to the process's group, SIGKILL to what is left after `grace` seconds; reaps the leader."""
    pgid = proc.popen.pid  # start_new_session: the leader's pid is the group's id
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        proc.popen.poll()
        if not _group_alive(pgid):
            break
        time.sleep(0.2)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.popen.wait(timeout=10)


def processes_with_marker(marker: str) -> list[int]:
    """Pids of live processes whose environment carries `MARKER_VAR=marker` (whatever their group)."""
    needle = f"{MARKER_VAR}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def processes_naming(marker: str, text: str) -> list[int]:
    """Pids of the stack's live processes whose command line (process title) contains `text`."""
    found = []
    for pid in processes_with_marker(marker):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if text.encode() in cmdline:
            found.append(pid)
    return found


# --- the stack -------------------------------------------------------------------------------


@dataclass
class AirflowStack:
    home: Path
    dags_folder: Path
    database: str
    connections: dict[str, dict[str, Any]]  # connection id -> REST body (without connection_id)
    port: int = field(default_factory=free_port)
    marker: str = field(default_factory=lambda: secrets.token_hex(8))
    processes: list[Process] = field(default_factory=list)
    _token: str | None = None
    _user: str = "recon_e2e"
    _password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    # Shared by all the processes: the scheduler signs the task tokens the api-server checks.
    _jwt_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    _secret_key: str = field(default_factory=lambda: secrets.token_hex(32))

    @property
    def user(self) -> str:
        """The user the REST calls authenticate as (what Airflow records as the approver)."""
        return self._user

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        # Nothing Airflow-related leaks in from the test process (another test may have set AIRFLOW_HOME).
        env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
        env.update(
            {
                MARKER_VAR: self.marker,
                "AIRFLOW_HOME": str(self.home),
                "AIRFLOW__CORE__DAGS_FOLDER": str(self.dags_folder),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                # Two cores shared with others: a few task processes at a time are plenty.
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base_url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{self._user}:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(self.home / "passwords.json"),
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
                    f"postgresql+psycopg2://{PG_USER}@{PG_HOST}:{PG_PORT}/{self.database}"
                ),
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.base_url,
                "AIRFLOW__API__WORKERS": "1",
                "AIRFLOW__API_AUTH__JWT_SECRET": self._jwt_secret,
                "AIRFLOW__API__SECRET_KEY": self._secret_key,
                # Runs only when triggered: unpausing must not start the cron schedule's latest run.
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "10",
                "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
                "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.home / "logs"),
            }
        )
        return env

    # -- lifecycle --

    def migrate(self, timeout: float = 300) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "config").mkdir(exist_ok=True)
        shutil.copyfile(LOCAL_SETTINGS, self.home / "config" / LOCAL_SETTINGS.name)
        # The api-server reads the users' passwords from here; written before it starts, it keeps them.
        (self.home / "passwords.json").write_text(json.dumps({self._user: self._password}))
        log = self.home / "db-migrate.log"
        with log.open("wb") as out:
            proc = subprocess.run(
                [_airflow_bin(), "db", "migrate"],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
                start_new_session=True,
            )
        if proc.returncode != 0:
            raise StackError(f"`airflow db migrate` exited {proc.returncode}:\n{_tail(log)}")

    def start(self, component: str, *args: str) -> Process:
        log = self.home / f"{component}.log"
        out = log.open("wb")
        try:
            popen = subprocess.Popen(
                [_airflow_bin(), component, *args],
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            out.close()  # the child holds its own descriptor
        proc = Process(component, popen, log)
        self.processes.append(proc)
        return proc

    def start_all(self) -> None:
        self.start("api-server", "--port", str(self.port), "--host", "127.0.0.1", "--workers", "1")
        self.start("dag-processor")
        self.start("scheduler")

    def stop_all(self) -> None:
        for proc in reversed(self.processes):
            stop_group(proc)

    def survivors(self) -> list[int]:
        return processes_with_marker(self.marker)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name} ({p.log}) ---\n{_tail(p.log, 25)}" for p in self.processes)

    def _check_alive(self) -> None:
        for p in self.processes:
            if p.popen.poll() is not None:
                raise StackError(f"{p.name} exited with code {p.popen.returncode}\n{self.logs()}")

    # -- REST --

    def _headers(self) -> dict[str, str]:
        if self._token is None:
            resp = httpx.post(
                f"{self.base_url}/auth/token",
                json={"username": self._user, "password": self._password},
                timeout=30,
            )
            if resp.status_code != 201:
                raise StackError(f"POST /auth/token: {resp.status_code} {resp.text[:500]}")
            self._token = resp.json()["access_token"]
        return {"Authorization": f"Bearer {self._token}"}

    def api(self, method: str, path: str, *, expect: tuple[int, ...] = (200,), **kwargs: Any) -> Any:
        resp = httpx.request(method, f"{self.base_url}/api/v2{path}", headers=self._headers(), timeout=60, **kwargs)
        if resp.status_code not in expect:
            raise StackError(f"{method} /api/v2{path}: {resp.status_code} {resp.text[:1000]}")
        return resp.json() if resp.content else None

    def wait_healthy(self, timeout: float = 240) -> None:
        """Until the api-server answers and reports the metadata DB, scheduler and dag-processor healthy."""
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                resp = httpx.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
                last = resp.json() if resp.status_code == 200 else resp.status_code
                if isinstance(last, dict) and all(
                    (last.get(part) or {}).get("status") == "healthy"
                    for part in ("metadatabase", "scheduler", "dag_processor")
                ):
                    return
            except (httpx.HTTPError, ValueError) as exc:
                last = repr(exc)
            time.sleep(2)
        raise StackError(f"not healthy within {timeout:.0f} s (last: {last})\n{self.logs()}")

    def create_connections(self) -> None:
        for conn_id, body in self.connections.items():
            self.api("POST", "/connections", json={"connection_id": conn_id, **body}, expect=(201,))

    def create_pools(self, pools: dict[str, int]) -> None:
        """The pools deploy/init.sh creates (`airflow pools set`), through the REST API."""
        for name, slots in pools.items():
            self.api("POST", "/pools", json={"name": name, "slots": slots}, expect=(201,))

    def wait_for_dag(self, dag_id: str, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            errors = self.api("GET", "/importErrors")
            if errors["total_entries"]:
                raise StackError(f"DAG import errors: {json.dumps(errors['import_errors'], indent=1)[:3000]}")
            if self.api("GET", f"/dags/{dag_id}", expect=(200, 404)).get("dag_id") == dag_id:
                return
            time.sleep(2)
        raise StackError(f"the dag-processor did not register {dag_id} within {timeout:.0f} s\n{self.logs()}")

    def task_log(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1, attempt: int = 1) -> str:
        """A task's log as Airflow stored it (the same file the UI shows)."""
        folder = self.home / "logs" / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
        if map_index >= 0:
            folder = folder / f"map_index={map_index}"
        return (folder / f"attempt={attempt}.log").read_text(errors="replace")

    def wait_for_task(self, dag_id: str, run_id: str, task_id: str, states: set[str], timeout: float) -> str:
        """Until the task reaches one of `states` (its state); a failing task elsewhere stops the wait."""
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            self._check_alive()
            tis = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
            mine = [t for t in tis["task_instances"] if t["task_id"] == task_id]
            state = mine[0]["state"] if mine else None
            if state in states:
                return str(state)
            bad = [t for t in tis["task_instances"] if t["state"] in BAD_TASK_STATES]
            if bad:
                raise StackError(f"task {bad[0]['task_id']} is {bad[0]['state']} in {run_id}\n{self.logs()}")
            time.sleep(3)
        raise StackError(f"task {task_id} of {run_id} still {state} after {timeout:.0f} s\n{self.logs()}")

    def wait_until_let_go(self, ti_id: str, timeout: float) -> None:
        """Until the task instance `ti_id` is parked for good: no process of the stack runs it any more
        (LocalExecutor titles its worker, and the task runner titles itself, with the instance's id while it
        runs) and the scheduler has taken in the executor's report of it (its "TaskInstance Finished" line).
        An instance changed before both (a human-in-the-loop answer, say) is failed by one of them."""
        deadline = time.monotonic() + timeout
        log = self.home / "scheduler.log"
        while (pids := processes_naming(self.marker, ti_id)) or not any(
            "TaskInstance Finished:" in line and f"ti_id={ti_id}" in line
            for line in log.read_text(errors="replace").splitlines()
        ):
            if time.monotonic() > deadline:
                raise StackError(f"task instance {ti_id} not let go after {timeout:.0f} s (runs in {pids})")
            self._check_alive()
            time.sleep(0.5)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float, *, may_fail: bool = False) -> str:
        """The run's final state; a failing or retrying task stops the wait at once, with its log (unless
        the run `may_fail`: then its final state is awaited)."""
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            self._check_alive()
            state = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            if state in TERMINAL_RUN_STATES:
                return str(state)
            tis = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
            bad = [t for t in tis["task_instances"] if t["state"] in BAD_TASK_STATES and not may_fail]
            if bad:
                t = bad[0]
                log = ""
                with contextlib.suppress(OSError):
                    log = self.task_log(dag_id, run_id, t["task_id"], t["map_index"], max(t["try_number"], 1))
                raise StackError(
                    f"task {t['task_id']}[{t['map_index']}] is {t['state']} in {run_id}:\n{log[-6000:]}\n{self.logs()}"
                )
            time.sleep(3)
        raise StackError(f"run {run_id} still {state} after {timeout:.0f} s\n{self.logs()}")


@contextlib.contextmanager
def airflow_stack(
    home: Path, dags_folder: Path, connections: dict[str, dict[str, Any]], pools: dict[str, int] | None = None
) -> Iterator[AirflowStack]:
    """A migrated, healthy stack with `connections` and `pools` created; every process stopped and the
    database dropped on the way out, whatever happened."""
    with fresh_database() as database:
        stack = AirflowStack(home=home, dags_folder=dags_folder, database=database, connections=connections)
        try:
            stack.migrate()
            stack.start_all()
            stack.wait_healthy()
            stack.create_connections()
            stack.create_pools(pools or {})
            yield stack
        finally:
            stack.stop_all()
            leftover = stack.survivors()
            for pid in leftover:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            if leftover:
                raise StackError(f"processes outlived their process groups: {leftover}")
