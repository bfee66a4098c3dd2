"""The nightly DAG under a real Airflow deployment: scheduler, dag-processor and api-server as their own
processes, LocalExecutor, a fresh PostgreSQL database, credentials from Airflow connections, partner
buckets on real S3 (moto's server), GCS (gcp-storage-emulator) and Azure Blob (Azurite) endpoints, runs
triggered through the REST API.

One module-scoped run does the expensive part once: bring the stack up, run the date, rerun it (a clear
of the run, Airflow's way to run a logical date again), then run the date twice more with a gate that
blocks (separate outboxes and workspace, runs without a logical date for the same day), answering the
approval step through the REST API once with Approve and once with Reject, and stop everything. The tests
then check what it recorded: the run states, the lists and manifests in the partner buckets, that the
rerun changed no byte, the asset events, the task logs, the approval step's request and the verdicts in
manifests and audit, and that no process or database outlived the test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.stack import (
    AWS_WORLD,
    GCP_WORLD,
    EnvCredentials,
    as_airflow_fields,
    connections,
    create_buckets,
    seed_demo,
)
from pipeline.publish.approval import ApprovalRecord, read_approval_records
from pipeline.run.layout import list_folder, safe_run_id
from pipeline.run.tasks import published_list_asset_name, published_list_asset_uri
from pipeline.storage import Storage, join
from pipeline.storage.frames import read_json
from tests import servers
from tests.production.airflow_stack import airflow_stack, database_exists, processes_with_marker

# Four runs (a night, its rerun, an approved and a rejected blocked night) of up to RUN_TIMEOUT each.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(3600)]

ROOT = Path(__file__).resolve().parents[2]
DAG_ID = "marketplace_access_reconciliation"
DATE = dt.date(2026, 11, 26)
PARTNERS = ("aws", "gcp", "azure")
SCHEME = {"aws": "s3://", "gcp": "gs://", "azure": "az://"}
RUN_ID = f"e2e__{DATE.isoformat()}"
# Bounded, generous: a run takes about 2 minutes on a quiet 2-core machine and over 5 when other work
# shares its cores; a hang still ends within the module timeout.
RUN_TIMEOUT = 900.0


@dataclass
class Approval:
    """A run whose gate blocked and what a person answered in its approval step (REST API)."""

    answer: str  # the option chosen
    config: dict[str, Any]
    request: dict[str, Any]  # the approval step's Human-in-the-loop detail, as the API shows it
    state: str
    task_states: dict[str, str]
    manifests: dict[str, dict[str, Any]]  # partner -> the manifest published (absent: none)
    verdicts: list[ApprovalRecord]
    gate: dict[str, Any]  # the run's gate.json


@dataclass
class Outcome:
    config: dict[str, Any]
    states: list[str]
    first: dict[str, bytes]  # every object under the partners' outboxes after the first run
    second: dict[str, bytes]  # ... and after the rerun
    events_first: list[dict[str, Any]]
    events_second: list[dict[str, Any]]
    publish_first: dict[str, dict[str, Any]]  # partner -> the publish step's outcome (publish.json)
    publish_second: dict[str, dict[str, Any]]
    task_logs: dict[str, str]
    survivors: list[int]
    database: str
    database_left: bool
    approvals: dict[str, Approval] = field(default_factory=dict)  # "Approve" / "Reject" -> its run
    user: str = ""
    timings: dict[str, float] = field(default_factory=dict)

    def outbox(self, partner: str) -> str:
        return next(p["outbox"] for p in self.config["partners"] if p["name"] == partner)


def _outbox_objects(storage: Storage, config: dict[str, Any]) -> dict[str, bytes]:
    # A publish lease is taken by every run that publishes, a rerun too; the lists are what must not change.
    uris = [
        u for p in config["partners"] for u in storage.list(p["outbox"].rstrip("/") + "/") if "/publish-lease/" not in u
    ]
    return {uri: storage.read_bytes(uri) for uri in uris}


def _publish_outcomes(storage: Storage, config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    run = join(config["workspace"], f"dt={DATE.isoformat()}", f"run={safe_run_id(RUN_ID)}")
    names = [p["name"] for p in config["partners"]]
    return {name: read_json(storage, join(run, f"partner={name}", "publish.json")) for name in names}


def _blocking(config: dict[str, Any], tag: str) -> dict[str, Any]:
    """The configuration with outboxes, workspace, reports and audit of its own (so this run's list is a
    first list: every row is added) and a gate that blocks it."""
    out = {**config, "gate": {"max_added": 1, "max_lifted": 1, "max_added_share": 0.01, "max_lifted_share": 0.01}}
    for key in ("workspace", "reports", "audit"):
        out[key] = f"{config[key].rstrip('/')}-{tag}"
    out["partners"] = [{**p, "outbox": f"{p['outbox'].rstrip('/')}-{tag}"} for p in config["partners"]]
    return out


def _approval_run(stack: Any, storage: Storage, base: Path, config: dict[str, Any], answer: str) -> Approval:
    tag = answer.lower()
    blocking = _blocking(config, tag)
    path = base / f"config-{tag}.yaml"
    path.write_text(yaml.safe_dump(blocking, sort_keys=False))
    run_id = f"e2e__{tag}"
    # Airflow keeps one run per logical date: these runs have none, and run for the day they run after.
    body = {"dag_run_id": run_id, "logical_date": None, "run_after": f"{DATE.isoformat()}T06:00:00Z"}
    stack.api("POST", f"/dags/{DAG_ID}/dagRuns", json={**body, "conf": {"config": str(path)}})
    stack.wait_for_task(DAG_ID, run_id, "approve", {"awaiting_input"}, RUN_TIMEOUT)
    hitl = f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/approve/-1/hitlDetails"
    request = stack.api("GET", hitl)
    # A person reads the request before answering. An answer that comes while the parked task's process is
    # still exiting, or before the scheduler has taken in the executor's report of it (Airflow 3.3.2: within
    # a second or two of parking, on a loaded machine), fails the task: answer once both let go of it.
    ti = stack.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/approve")
    stack.wait_until_let_go(ti["id"], RUN_TIMEOUT)
    assert stack.wait_for_task(DAG_ID, run_id, "approve", {"awaiting_input"}, RUN_TIMEOUT) == "awaiting_input"
    stack.api("PATCH", hitl, json={"chosen_options": [answer]})
    state = stack.wait_for_run(DAG_ID, run_id, RUN_TIMEOUT, may_fail=True)
    # What the request says once answered: who answered, and with what.
    request = {**request, **{k: v for k, v in stack.api("GET", hitl).items() if k.startswith(("responded", "chosen"))}}
    tis = stack.api("GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
    task_states = {t["task_id"]: t["state"] for t in tis["task_instances"]}
    manifests = {}
    for p in blocking["partners"]:
        uri = join(list_folder(p["outbox"], DATE), "manifest.json")
        if storage.exists(uri):
            manifests[p["name"]] = json.loads(storage.read_bytes(uri))
    run_folder = join(blocking["workspace"], f"dt={DATE.isoformat()}", f"run={safe_run_id(run_id)}")
    return Approval(
        answer=answer,
        config=blocking,
        request=request,
        state=state,
        task_states=task_states,
        manifests=manifests,
        verdicts=read_approval_records(storage, blocking["audit"], DATE),
        gate=read_json(storage, join(run_folder, "gate.json")),
    )


def _asset_events(stack: Any) -> list[dict[str, Any]]:
    events = stack.api("GET", "/assets/events", params={"source_dag_id": DAG_ID, "limit": 100})
    return list(events["asset_events"])


@pytest.fixture(scope="module")
def outcome(
    tmp_path_factory: pytest.TempPathFactory, moto_endpoint: str, gcs_endpoint: str, azurite_endpoint: str
) -> Outcome:
    t0 = time.monotonic()
    timings: dict[str, float] = {}
    servers.reset_moto(moto_endpoint)
    servers.wipe_gcs(gcs_endpoint)
    servers.wipe_azurite(azurite_endpoint)
    # What airflow-init does in docker-compose.yml (deploy/stack.py), against this test's servers and
    # with a smaller world: buckets, the demo world in both partners' buckets, its bucket configuration.
    env = {
        "MINIO_ENDPOINT": moto_endpoint,
        "MINIO_PIPELINE_USER": "testing",
        "MINIO_PIPELINE_PASSWORD": "testing",
        "GCS_ENDPOINT": gcs_endpoint,
        "AZURITE_BLOB_ENDPOINT": azurite_endpoint,
    }
    creds = EnvCredentials(env)
    create_buckets(creds)
    storage = Storage(creds)
    config = seed_demo(storage, DATE, tenants=80, seed=3)
    base = tmp_path_factory.mktemp("production")
    config_path = base / "config.yaml"
    config_path.write_text(yaml.safe_dump(config, sort_keys=False))
    timings["world"] = time.monotonic() - t0

    conf = {"config": str(config_path)}
    task_logs: dict[str, str] = {}
    # The connections airflow-init creates in docker-compose.yml, pointed at this test's servers.
    conns = as_airflow_fields(
        connections(
            s3_endpoint=moto_endpoint,
            access_key=env["MINIO_PIPELINE_USER"],
            secret_key=env["MINIO_PIPELINE_PASSWORD"],
            gcs_endpoint=gcs_endpoint,
            azure_blob_endpoint=azurite_endpoint,
        )
    )
    # The one-slot pool of the heavy stages, as deploy/init.sh creates it.
    with airflow_stack(base / "airflow", ROOT / "dags", conns, pools={"recon_heavy": 1}) as stack:
        database, marker = stack.database, stack.marker
        timings["stack_up"] = time.monotonic() - t0 - timings["world"]
        stack.wait_for_dag(DAG_ID)
        stack.api("PATCH", f"/dags/{DAG_ID}", json={"is_paused": False})
        timings["dag_registered"] = time.monotonic() - t0

        body = {"dag_run_id": RUN_ID, "logical_date": f"{DATE.isoformat()}T00:00:00Z", "conf": conf}
        started = time.monotonic()
        stack.api("POST", f"/dags/{DAG_ID}/dagRuns", json=body)
        states = [stack.wait_for_run(DAG_ID, RUN_ID, RUN_TIMEOUT)]
        timings["first_run"] = time.monotonic() - started
        first = _outbox_objects(storage, config)
        events_first = _asset_events(stack)
        publish_first = _publish_outcomes(storage, config)

        # Airflow keeps one run per logical date: a second trigger of the date is refused, and the way to
        # run the date again is to clear its run.
        again = {**body, "dag_run_id": f"{RUN_ID}__again"}
        stack.api("POST", f"/dags/{DAG_ID}/dagRuns", json=again, expect=(409,))
        started = time.monotonic()
        cleared = stack.api("POST", f"/dags/{DAG_ID}/dagRuns/{RUN_ID}/clear", json={"dry_run": False})
        assert cleared["state"] == "queued", cleared
        states.append(stack.wait_for_run(DAG_ID, RUN_ID, RUN_TIMEOUT))
        timings["rerun"] = time.monotonic() - started
        second = _outbox_objects(storage, config)
        events_second = _asset_events(stack)
        publish_second = _publish_outcomes(storage, config)

        for task_id, map_index in (("extract_partner", 0), ("extract_ownership", -1), ("publish_partner", 1)):
            key = f"{task_id}[{map_index}]" if map_index >= 0 else task_id
            task_logs[key] = stack.task_log(DAG_ID, RUN_ID, task_id, map_index, attempt=2)

        started = time.monotonic()
        approvals = {answer: _approval_run(stack, storage, base, config, answer) for answer in ("Approve", "Reject")}
        timings["approval_runs"] = time.monotonic() - started
        user = stack.user
    timings["total"] = time.monotonic() - t0
    print(f"\nproduction e2e timings (s): {json.dumps({k: round(v, 1) for k, v in timings.items()})}")
    return Outcome(
        config=config,
        states=states,
        first=first,
        second=second,
        events_first=events_first,
        events_second=events_second,
        publish_first=publish_first,
        publish_second=publish_second,
        task_logs=task_logs,
        survivors=processes_with_marker(marker),
        database=database,
        database_left=database_exists(database),
        approvals=approvals,
        user=user,
        timings=timings,
    )


def test_both_runs_succeed(outcome: Outcome) -> None:
    assert outcome.states == ["success", "success"]


@pytest.mark.parametrize("partner", PARTNERS)
def test_lists_and_manifests_are_in_the_partner_buckets(outcome: Outcome, partner: str) -> None:
    folder = list_folder(outcome.outbox(partner), DATE)
    assert folder.startswith(SCHEME[partner])
    manifest = json.loads(outcome.first[join(folder, "manifest.json")])
    assert manifest["run_id"] == RUN_ID
    assert manifest["logical_date"] == DATE.isoformat()
    for entry in (manifest["snapshot"], manifest["delta"]):
        data = outcome.first[join(folder, entry["name"])]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
    assert manifest["snapshot"]["rows"] > 0


def test_the_rerun_changes_no_byte(outcome: Outcome) -> None:
    assert outcome.first
    assert outcome.second.keys() == outcome.first.keys()
    changed = [uri for uri, data in outcome.first.items() if outcome.second[uri] != data]
    assert changed == []
    # The publish step knew: the first run wrote, the rerun found its own identical files and wrote nothing.
    for partner in PARTNERS:
        first, second = outcome.publish_first[partner], outcome.publish_second[partner]
        assert (first["event"], first["noop"]) == ("published", False), first
        assert (second["event"], second["noop"]) == ("published", True), second
        assert second["manifest_uri"] == first["manifest_uri"]


def test_each_partner_list_is_announced_as_an_asset(outcome: Outcome) -> None:
    def by_asset(events: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, Any]]]:
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for e in events:
            out.setdefault((e["name"], e["uri"]), []).append(e["extra"])
        return out

    expected = {
        (published_list_asset_name(p), published_list_asset_uri(outcome.outbox(p)).rstrip("/")) for p in PARTNERS
    }
    first = by_asset(outcome.events_first)
    assert set(first) == expected
    for (name, _uri), extras in first.items():
        [extra] = extras
        partner = name.rsplit(".", 1)[1]
        assert extra["logical_date"] == DATE.isoformat()
        assert extra["run_id"] == RUN_ID
        assert extra["manifest"] == join(list_folder(outcome.outbox(partner), DATE), "manifest.json")
    # The rerun of the publishing run re-affirms the same lists: the same event once more (at least
    # once; consumers key on the manifest), never a different manifest.
    second = by_asset(outcome.events_second)
    assert set(second) == expected
    for key, extras in second.items():
        assert len(extras) == 2
        assert all(e["manifest"] == first[key][0]["manifest"] for e in extras)


def test_task_logs_say_what_was_read_and_written(outcome: Outcome) -> None:
    aws_extract = outcome.task_logs["extract_partner[0]"]
    assert f"read {AWS_WORLD}/inbox/aws/" in aws_extract
    assert "output tenants: s3://" in aws_extract
    ownership = outcome.task_logs["extract_ownership"]
    assert f"read {GCP_WORLD}/ownership/" in ownership
    gcp_publish = outcome.task_logs["publish_partner[1]"]
    assert f"output manifest: {list_folder(outcome.outbox('gcp'), DATE)}/manifest.json" in gcp_publish
    assert "asset event for marketplace_revocation_list.gcp" in gcp_publish


def test_the_first_runs_gate_passed_so_its_approval_step_was_skipped(outcome: Outcome) -> None:
    # The passing runs above succeeded with the step in the DAG: it was skipped, and publishing went on.
    assert outcome.publish_first["aws"]["event"] == "published"


@pytest.mark.parametrize("answer", ["Approve", "Reject"])
def test_a_blocked_gate_waits_for_a_person_with_the_diff_summary(outcome: Outcome, answer: str) -> None:
    run = outcome.approvals[answer]
    assert run.gate["status"] == "blocked"
    request = run.request
    assert request["options"] == ["Approve", "Reject"]
    assert DATE.isoformat() in request["subject"]
    body = request["body"]
    assert "| partner | added | lifted | changed | listed | active tenants |" in body
    assert "| aws |" in body and "| gcp |" in body
    assert run.gate["diff_sha256"] in body and "exceeds the limit of 1" in body
    assert request["responded_by_user"]["name"] == outcome.user
    assert request["chosen_options"] == [answer]


def test_approve_publishes_and_records_the_airflow_user(outcome: Outcome) -> None:
    run = outcome.approvals["Approve"]
    assert run.state == "success", run.task_states
    assert run.task_states["approve"] == "success"
    assert set(run.manifests) == set(PARTNERS)
    for manifest in run.manifests.values():
        approval = manifest["approval"]
        assert approval["gate_status"] == "approved"
        assert approval["approved_by"] == outcome.user
    [verdict] = run.verdicts
    assert (verdict.verdict.value, verdict.by) == ("approved", outcome.user)
    assert verdict.diff_sha256 == run.gate["diff_sha256"]


def test_reject_stops_the_run_and_publishes_nothing(outcome: Outcome) -> None:
    run = outcome.approvals["Reject"]
    assert run.state == "failed", run.task_states
    assert run.task_states["approve"] == "failed"
    assert run.task_states["publish_partner"] == "upstream_failed"
    assert run.task_states["report_stopped"] == "failed"  # it wrote the report of the stopped run
    assert run.manifests == {}
    [verdict] = run.verdicts
    assert (verdict.verdict.value, verdict.by) == ("rejected", outcome.user)


def test_nothing_outlives_the_test(outcome: Outcome) -> None:
    assert outcome.survivors == []
    assert not outcome.database_left, outcome.database
