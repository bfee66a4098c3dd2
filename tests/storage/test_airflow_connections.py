"""The DAG's credential source: Airflow connections, S3 through the Amazon provider's hook, GCS and Azure
read from connection extras without the google or Microsoft Azure providers. The connections come from
AIRFLOW_CONN_* variables (one of Airflow's secrets backends), the stores are the real servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.storage import AirflowConnections, Storage
from tests.servers import Endpoint

pytestmark = pytest.mark.integration  # runs Airflow


@pytest.fixture(autouse=True)
def _airflow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path / "airflow"))


def _connection(monkeypatch: pytest.MonkeyPatch, conn_id: str, fields: dict[str, object]) -> None:
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(fields))


def test_s3_connection_carries_credentials_and_endpoint(s3: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the connection can lead to the server: the default chain's endpoint and keys are gone.
    for var in ("AWS_ENDPOINT_URL_S3", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(var)
    _connection(
        monkeypatch,
        "partner_s3",
        {"conn_type": "aws", "login": "testing", "password": "testing", "extra": {"endpoint_url": s3.url}},
    )
    storage = Storage(AirflowConnections(), {f"{s3.root}/": "partner_s3"})
    storage.write_text(f"{s3.root}/x/list.csv", "a,b\n")
    assert storage.read_text(f"{s3.root}/x/list.csv") == "a,b\n"


def test_gcs_connection_with_an_emulator_endpoint(gcs: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STORAGE_EMULATOR_HOST")
    _connection(
        monkeypatch,
        "partner_gcs",
        {"conn_type": "google_cloud_platform", "extra": {"project": "p-1", "endpoint": gcs.url}},
    )
    storage = Storage(AirflowConnections(), {f"{gcs.root}/": "partner_gcs"})
    storage.write_bytes(f"{gcs.root}/drop/accounts.jsonl", b"{}\n")
    assert storage.list(f"{gcs.root}/drop/") == [f"{gcs.root}/drop/accounts.jsonl"]


@pytest.mark.parametrize("as_text", [True, False])
def test_gcs_connection_with_a_service_account_keyfile(monkeypatch: pytest.MonkeyPatch, as_text: bool) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    keyfile = {
        "type": "service_account",
        "project_id": "keyfile-project",
        "private_key_id": "k1",
        "private_key": pem,
        "client_email": "recon@keyfile-project.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token",
    }
    # The google provider's connection form stores the keyfile as JSON text; an object is accepted too.
    _connection(
        monkeypatch,
        "gcp_sa",
        {"conn_type": "google_cloud_platform", "extra": {"keyfile_dict": json.dumps(keyfile) if as_text else keyfile}},
    )
    client = AirflowConnections().gcs_client("gcp_sa")
    assert client.project == "keyfile-project"
    assert client._credentials.service_account_email == keyfile["client_email"]


def test_azure_connection_with_a_connection_string(azure: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.servers import azurite_connection_string

    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING")
    extra = {"connection_string": azurite_connection_string(azure.url)}
    _connection(monkeypatch, "partner_azure", {"conn_type": "generic", "extra": extra})
    storage = Storage(AirflowConnections(), {f"{azure.root}/": "partner_azure"})
    storage.write_bytes(f"{azure.root}/drop/customers.csv", b"a\n")
    assert storage.list(f"{azure.root}/drop/") == [f"{azure.root}/drop/customers.csv"]


def test_azure_connection_with_an_account_key(azure: Endpoint, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.servers import AZURITE_ACCOUNT, AZURITE_KEY

    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING")
    extra = {"account_url": f"{azure.url}/{AZURITE_ACCOUNT}", "account_key": AZURITE_KEY}
    _connection(monkeypatch, "partner_azure_key", {"conn_type": "generic", "extra": extra})
    storage = Storage(AirflowConnections(), {f"{azure.root}/": "partner_azure_key"})
    storage.write_text(f"{azure.root}/out/list.csv", "subscription_id\n")
    assert storage.read_text(f"{azure.root}/out/list.csv") == "subscription_id\n"


def test_azure_without_an_account_names_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.storage import StorageError

    for var in ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_URL", "AZURE_STORAGE_ACCOUNT"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(StorageError, match="AZURE_STORAGE_CONNECTION_STRING"):
        Storage().read_bytes("az://container/x")
    _connection(monkeypatch, "empty_azure", {"conn_type": "generic", "extra": {}})
    with pytest.raises(StorageError, match="extras of Airflow connection 'empty_azure'"):
        Storage(AirflowConnections(), {"az://container/": "empty_azure"}).read_bytes("az://container/x")


def test_a_missing_connection_is_an_error_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(Exception, match="no_such_conn"):
        AirflowConnections().gcs_client("no_such_conn")
