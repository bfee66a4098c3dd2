"""docker-compose.yml, checked for structure since no Docker engine runs on our machines: the services,
their start order and health, pinned images, mounts, the executor and database, and that what airflow-init
creates (connections, the config Variable) is what the run configurations name."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from deploy.stack import (
    AWS_BUCKET,
    AWS_CONN,
    AZURE_CONN,
    GCP_CONN,
    GCP_WORLD,
    OPS_BUCKET,
    OPS_CONN,
    bucket_config,
    connections,
)
from pipeline.config import RunConfig, load_config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
AIRFLOW_SERVICES = {"airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"}
BACKING_SERVICES = {"postgres", "minio", "fake-gcs", "azurite"}
ONE_SHOT = {"minio-init", "airflow-init"}
ALL_SERVICES = {*AIRFLOW_SERVICES, *BACKING_SERVICES, *ONE_SHOT}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())  # resolves the x-airflow-common anchors
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


def _env(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in service.get("environment", {}).items()}


def _depends(service: dict[str, Any]) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def _default(value: str) -> str:
    """`${VAR:-default}` -> default (what compose uses without a .env)."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_the_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(services) == ALL_SERVICES


def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    assert services["postgres"]["image"] == "postgres:15"
    assert re.fullmatch(r"minio/minio:RELEASE\.\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z", services["minio"]["image"])
    assert re.fullmatch(r"fsouza/fake-gcs-server:\d+\.\d+\.\d+", services["fake-gcs"]["image"])
    assert re.fullmatch(r"mcr\.microsoft\.com/azure-storage/azurite:\d+\.\d+\.\d+", services["azurite"]["image"])
    for name, service in services.items():
        image = service["image"]
        assert ":" in image and not image.endswith((":latest", ":main")), name


def test_the_airflow_image_is_the_tested_airflow_and_python(services: dict[str, dict[str, Any]]) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    [pin] = [d for d in project["dependencies"] if d.startswith("apache-airflow==")]
    version = pin.split("==")[1]
    dockerfile = ROOT / "deploy" / "airflow" / "Dockerfile"
    [base] = re.findall(r"^FROM (\S+)", dockerfile.read_text(), flags=re.MULTILINE)
    assert base == f"apache/airflow:{version}-python3.11"
    assert ">=3.11,<3.12" in project["requires-python"]
    assert f'"apache-airflow=={version}"' in dockerfile.read_text()
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        build = services[name]["build"]
        assert (ROOT / build["context"] / build["dockerfile"]).resolve() == dockerfile, name
        assert services[name]["image"].endswith(f":{version}-python3.11"), name


def test_long_running_services_have_healthchecks(services: dict[str, dict[str, Any]]) -> None:
    for name in ALL_SERVICES - ONE_SHOT:
        check = services[name].get("healthcheck")
        assert check and check["test"] and check["test"][0] in {"CMD", "CMD-SHELL"}, name
        assert {"interval", "timeout", "retries"} <= set(check), name
        assert services[name]["restart"] == "unless-stopped", name
    # One-shot jobs: they must finish, not be restarted.
    for name in ONE_SHOT:
        assert "healthcheck" not in services[name], name
        assert services[name]["restart"] == "no", name


def test_start_order(services: dict[str, dict[str, Any]]) -> None:
    healthy_backing = dict.fromkeys(BACKING_SERVICES, "service_healthy")
    assert _depends(services["minio-init"]) == {"minio": "service_healthy"}
    assert _depends(services["airflow-init"]) == {**healthy_backing, "minio-init": "service_completed_successfully"}
    for name in AIRFLOW_SERVICES:
        needs = _depends(services[name])
        assert {k: needs[k] for k in BACKING_SERVICES} == healthy_backing, name
        assert needs["airflow-init"] == "service_completed_successfully", name
    # Task processes and the triggerer report to the api-server's execution API.
    for name in ("airflow-scheduler", "airflow-triggerer"):
        assert _depends(services[name])["airflow-apiserver"] == "service_healthy"
    for name, service in services.items():
        for target, condition in _depends(service).items():
            assert target in services, (name, target)
            if condition == "service_healthy":
                assert "healthcheck" in services[target], (name, target)


def test_volumes_are_declared_and_mounts_exist(compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
    declared = set(compose["volumes"])
    used = set()
    for name, service in services.items():
        for mount in service.get("volumes", []):
            source, target = mount.split(":")[:2]
            if source.startswith("."):
                assert (ROOT / source).is_dir(), (name, source)
            else:
                used.add(source)
            assert target.startswith("/"), (name, mount)
    assert used == declared
    for name in ("postgres", "minio", "fake-gcs", "azurite"):
        assert any(not m.startswith(".") for m in services[name]["volumes"]), f"{name} keeps its data in a volume"


def test_airflow_services_mount_the_dags_package_and_contracts(services: dict[str, dict[str, Any]]) -> None:
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        service = services[name]
        env = _env(service)
        mounts = dict(m.split(":")[:2] for m in service["volumes"])
        assert mounts["./dags"] == env["AIRFLOW__CORE__DAGS_FOLDER"], name
        # `import pipeline` resolves to the mounted package, whose contracts sit beside it
        # (pipeline/quality/contracts.py: CONTRACTS_DIR is <package parent>/data_contracts).
        assert mounts["./pipeline"] == f"{env['PYTHONPATH']}/pipeline", name
        assert mounts["./data_contracts"] == f"{env['PYTHONPATH']}/data_contracts", name
        assert mounts["./deploy"] == f"{env['PYTHONPATH']}/deploy", name
        # deploy/config.example.yaml finds the policy at ../policies/.
        assert mounts["./policies"] == f"{env['PYTHONPATH']}/policies", name


def test_local_executor_on_postgres(services: dict[str, dict[str, Any]]) -> None:
    port = services["airflow-apiserver"]["ports"][0].split(":")[-1]
    secrets = set()
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        env = _env(services[name])
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
        assert re.fullmatch(
            r"postgresql\+psycopg2://airflow:.+@postgres:5432/airflow", env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        ), name
        assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == f"http://airflow-apiserver:{port}/execution/", name
        assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "False", name
        secrets.add(env["AIRFLOW__API_AUTH__JWT_SECRET"])
    assert len(secrets) == 1, "the scheduler signs task tokens the api-server must accept: one secret"
    assert _env(services["postgres"])["POSTGRES_DB"] == "airflow"


def test_init_migrates_and_creates_connections_and_the_config_variable(services: dict[str, dict[str, Any]]) -> None:
    init = services["airflow-init"]
    env = _env(init)
    script_in_container = init["entrypoint"][-1]
    assert script_in_container == f"{env['PYTHONPATH']}/deploy/init.sh"
    script = (ROOT / "deploy" / "init.sh").read_text()
    steps = ["airflow db migrate", "python -m deploy.stack", "airflow connections import", "airflow variables set"]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "set -euo pipefail" in script
    assert 'airflow variables set recon_config "${RECON_CONFIG}"' in script
    # The one-slot pool the DAG's heavy stages run in (a task in a pool that does not exist never runs).
    assert "airflow pools set recon_heavy 1 " in script
    # The init service reaches the emulators at their compose names and ports.
    assert _default(env["MINIO_ENDPOINT"]) == "http://minio:9000"
    assert _default(env["GCS_ENDPOINT"]) == "http://fake-gcs:4443"
    assert "4443" in services["fake-gcs"]["command"]
    assert _default(env["AZURITE_BLOB_ENDPOINT"]) == "http://azurite:10000"
    assert "10000" in services["azurite"]["command"]


def _routed(config: RunConfig) -> list[tuple[str, str | None]]:
    uris = [config.workspace, config.reports, config.audit, config.policy, *config.ownership.uris]
    uris += [config.exemptions] if config.exemptions else []
    for p in config.partners:
        uris += [p.inbox, p.outbox]
    return [(u, next((c for prefix, c in config.connections.items() if u.startswith(prefix)), None)) for u in uris]


def test_the_example_production_config_uses_only_the_connections_init_creates() -> None:
    config = load_config(ROOT / "deploy" / "config.example.yaml")
    created = set(
        connections(
            s3_endpoint="http://x",
            access_key="k",
            secret_key="s",
            gcs_endpoint="http://y",
            azure_blob_endpoint="http://z",
        )
    )
    assert created == {AWS_CONN, GCP_CONN, AZURE_CONN, OPS_CONN}
    for uri, conn in _routed(config):
        if uri.startswith("file://"):
            # Deployed with the code (the policy and exemptions under policies/).
            assert Path(uri.removeprefix("file://")).is_file(), uri
        else:
            assert uri.startswith(("s3://", "gs://", "az://")), uri
            assert conn in created, uri
    assert {c for _, c in _routed(config)} - {None} == created


def test_the_demo_bucket_config_is_valid_and_routed(tmp_path: Path) -> None:
    from demo_world.world import config_yaml

    world = yaml.safe_load(config_yaml("seller-guid"))
    config_path = tmp_path / "demo-config.yaml"
    config_path.write_text(yaml.safe_dump(bucket_config(config_yaml("seller-guid"))))
    config = load_config(config_path)
    # Every ownership source, a path or `{uri, format}`, is the world's file on the GCP bucket.
    paths = [s if isinstance(s, str) else s["uri"] for s in world["ownership"]["sources"]]
    assert list(config.ownership.uris) == [f"{GCP_WORLD}/{p}" for p in paths]
    for uri, conn in _routed(config):
        assert conn is not None, uri
    assert {c for _, c in _routed(config)} == {AWS_CONN, GCP_CONN, AZURE_CONN, OPS_CONN}
    assert {p.name: p.inbox.split("://")[0] for p in config.partners} == {"aws": "s3", "gcp": "gs", "azure": "az"}


def test_compose_refuses_to_start_without_a_fernet_key(services: dict[str, dict[str, Any]]) -> None:
    # `${VAR:?message}`: compose stops with the message when VAR is unset or empty, before starting anything.
    for name in (*AIRFLOW_SERVICES, "airflow-init"):
        key = _env(services[name])["AIRFLOW__CORE__FERNET_KEY"]
        assert re.fullmatch(r"\$\{AIRFLOW_FERNET_KEY:\?[^}]+\}", key), (name, key)
    # And airflow-init checks the value it was given before it migrates anything.
    script = (ROOT / "deploy" / "init.sh").read_text()
    check = script.index('if [[ -z "${AIRFLOW__CORE__FERNET_KEY:-}" ]]; then')
    assert check < script.index("exit 1") < script.index("airflow db migrate")


def _policy() -> dict[str, Any]:
    policy: dict[str, Any] = json.loads((ROOT / "deploy" / "minio" / "recon-pipeline-policy.json").read_text())
    return policy


def test_the_pipelines_minio_user_is_limited_to_its_buckets() -> None:
    buckets = {f"arn:aws:s3:::{AWS_BUCKET}", f"arn:aws:s3:::{OPS_BUCKET}"}
    resources: set[str] = set()
    for statement in _policy()["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = set(statement["Action"])
        assert all(a.startswith("s3:") and "*" not in a for a in actions), actions
        # No bucket administration (creating, deleting, policies, versioning): objects and listing only.
        assert not {a for a in actions if a.startswith(("s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucket"))}
        resources |= set(statement["Resource"])
    assert resources == buckets | {f"{b}/*" for b in buckets}


def test_minio_init_creates_the_user_and_attaches_the_policy(services: dict[str, dict[str, Any]]) -> None:
    init = services["minio-init"]
    assert init["image"] == services["minio"]["image"]  # the server's image carries `mc`
    mounts = dict(m.split(":")[:2] for m in init["volumes"])
    script_in_container = init["entrypoint"][-1]
    assert script_in_container.startswith(mounts["./deploy"] + "/")
    script = (ROOT / "deploy" / script_in_container.removeprefix(mounts["./deploy"] + "/")).read_text()
    policy_in_container = f"{mounts['./deploy']}/minio/recon-pipeline-policy.json"
    steps = [
        f"mc mb --ignore-existing local/{AWS_BUCKET} local/{OPS_BUCKET}",
        f"mc admin policy create local recon-pipeline {policy_in_container}",
        'mc admin user add local "${MINIO_PIPELINE_USER}" "${MINIO_PIPELINE_PASSWORD}"',
        'mc admin policy attach local recon-pipeline --user "${MINIO_PIPELINE_USER}"',
    ]
    positions = [script.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "set -eu" in script
    env = _env(init)
    assert _default(env["MINIO_ENDPOINT"]) == "http://minio:9000"
    assert _default(env["MINIO_PIPELINE_USER"]) != _default(env["MINIO_ROOT_USER"])


def test_only_minio_and_its_init_job_see_the_root_credentials(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        holds_root = {k for k, v in _env(service).items() if "MINIO_ROOT" in k or "MINIO_ROOT" in v}
        assert bool(holds_root) == (name in {"minio", "minio-init"}), (name, holds_root)
    # airflow-init makes the S3 connections with the pipeline's user, the one minio-init created.
    init, minio_init = _env(services["airflow-init"]), _env(services["minio-init"])
    for key in ("MINIO_PIPELINE_USER", "MINIO_PIPELINE_PASSWORD"):
        assert init[key] == minio_init[key]
    stack = (ROOT / "deploy" / "stack.py").read_text()
    assert "MINIO_ROOT" not in stack
