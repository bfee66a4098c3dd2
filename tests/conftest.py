"""Session-wide fixtures: real S3 (moto's server), GCS (gcp-storage-emulator) and Azure Blob (Azurite)
endpoints.

The servers start once per session, on first use; each test gets them empty, with one bucket, and with
the standard environment variables pointing the default credential chains at them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import servers
from tests.servers import Endpoint

# pyspark (the spark extra, installed with mypy's stubs) is imported by Great Expectations and exits a process
# whose main module has neither a spec nor a file (`pyspark.sql.connect.utils.check_dependencies`, meant for
# its doctests). pytest-xdist's workers are such processes: every Great Expectations check would end the
# worker's test with SystemExit. A worker's main module is given a file name; nothing else reads it.
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = "<pytest-xdist worker>"


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with servers.moto_s3(tmp_path_factory.mktemp("moto")) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def gcs_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with servers.gcs_emulator(tmp_path_factory.mktemp("gcs")) as endpoint:
        yield endpoint


@pytest.fixture
def s3(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Endpoint:
    """An empty moto S3 with bucket `moto-test`; boto3's default chain points at it."""
    import boto3

    servers.reset_moto(moto_endpoint)
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    boto3.session.Session().client("s3").create_bucket(Bucket="moto-test")
    return Endpoint(moto_endpoint, "s3", "moto-test")


@pytest.fixture
def gcs(gcs_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Endpoint:
    """An empty GCS emulator with bucket `gcs-test`; google-cloud-storage finds it via the env."""
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    servers.wipe_gcs(gcs_endpoint)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs_endpoint)
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "test-project")
    client = storage.Client(project="test-project", credentials=AnonymousCredentials())
    client.create_bucket("gcs-test")
    return Endpoint(gcs_endpoint, "gs", "gcs-test")


@pytest.fixture(scope="session")
def azurite_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with servers.azurite(tmp_path_factory.mktemp("azurite")) as endpoint:
        yield endpoint


@pytest.fixture
def azure(azurite_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Endpoint:
    """An empty Azurite with container `azure-test`; the default chain finds it through
    AZURE_STORAGE_CONNECTION_STRING."""
    from azure.storage.blob import BlobServiceClient

    connection_string = servers.azurite_connection_string(azurite_endpoint)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string)
    client = BlobServiceClient.from_connection_string(connection_string)
    for container in client.list_containers():
        client.delete_container(container.name)
    client.create_container("azure-test")
    return Endpoint(azurite_endpoint, "az", "azure-test")


@pytest.fixture
def local_root(tmp_path: Path) -> str:
    return (tmp_path / "bucket").as_uri()


# A test that reaches a real server, a browser or Airflow is an integration test whether or not its module
# says so; the fast lane (`make test-fast`) deselects the marker. Fixtures asked for by name are seen here;
# parameters that pick a server at run time carry the marker themselves (tests/servers.py BACKENDS).
_SERVER_FIXTURES = frozenset({"moto_endpoint", "gcs_endpoint", "azurite_endpoint", "browser_port"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
    # The longest modules first: the Makefile hands whole modules to the workers in this order
    # (`--dist loadscope --no-loadscope-reorder`), so the production scheduler test starts at once on one
    # worker while the other works through the rest, instead of starting last and ending alone.
    items.sort(key=_start_early)


def _start_early(item: pytest.Item) -> int:
    """0 for slow tests (`slow`, and `spark`: every Spark round costs a second or more), 1 for other
    integration tests, 2 for the rest; the sort is stable. tests/spark/conftest.py marks its tests before
    this runs (pytest calls the deeper conftest's hook first)."""
    if item.get_closest_marker("slow") or item.get_closest_marker("spark"):
        return 0
    return 1 if item.get_closest_marker("integration") else 2
