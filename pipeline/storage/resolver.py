"""Picks the object store for a URI and builds its client from a credential source.

Invariant: credentials come only from a `CredentialSource`: on the command line the standard
environment/default chains (boto3's chain and AWS_ENDPOINT_URL*, Google's application-default
credentials or STORAGE_EMULATOR_HOST, Azure's AZURE_STORAGE_CONNECTION_STRING or account URL with the
azure-identity default chain); in the DAG, Airflow connections chosen by URI prefix. Clients are built
lazily, once per (scheme, connection).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import IO, Any, Protocol

from pipeline import jsonio
from pipeline.storage.base import ObjectStore, StorageError, split
from pipeline.storage.local import LocalStore


class CredentialSource(Protocol):
    def s3_client(self, connection_id: str | None) -> Any: ...

    def gcs_client(self, connection_id: str | None) -> Any: ...

    def azure_client(self, connection_id: str | None) -> Any: ...


def _gcs_client(*, project: str | None, endpoint: str | None, service_account_info: Mapping[str, Any] | None) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import storage

    if endpoint:
        # An emulator (gcp-storage-emulator, fake-gcs-server) takes anonymous requests.
        return storage.Client(
            project=project or "local-emulator",
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]  # google-auth: no annotations
            client_options={"api_endpoint": endpoint},
        )
    if service_account_info:
        from google.oauth2 import service_account

        # google-auth's credential classes carry no annotations.
        creds = service_account.Credentials.from_service_account_info(dict(service_account_info))  # type: ignore[no-untyped-call]
        return storage.Client(project=project or service_account_info.get("project_id"), credentials=creds)
    return storage.Client(project=project)


def _azure_client(
    *,
    connection_string: str | None,
    account_url: str | None,
    account_key: str | None = None,
    sas_token: str | None = None,
    service_principal: Mapping[str, str] | None = None,
    where: str,
) -> Any:
    from azure.storage.blob import BlobServiceClient

    if connection_string:
        # Azurite's well-known development connection string is one of these too.
        return BlobServiceClient.from_connection_string(connection_string)
    if not account_url:
        raise StorageError(f"no Azure storage account for az:// URIs: set {where}")
    credential: Any
    if account_key:
        credential = account_key
    elif sas_token:
        credential = sas_token
    elif service_principal:
        from azure.identity import ClientSecretCredential

        credential = ClientSecretCredential(
            service_principal["tenant_id"], service_principal["client_id"], service_principal["client_secret"]
        )
    else:
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential()
    return BlobServiceClient(account_url=account_url, credential=credential)


def _account_url(account_url: str | None, account: str | None) -> str | None:
    return account_url or (f"https://{account}.blob.core.windows.net" if account else None)


class DefaultChains:
    """The command line's credentials: whatever the environment provides, nothing from config files."""

    def s3_client(self, connection_id: str | None) -> Any:
        import boto3

        return boto3.session.Session().client("s3")

    def gcs_client(self, connection_id: str | None) -> Any:
        return _gcs_client(
            project=os.environ.get("GOOGLE_CLOUD_PROJECT"),
            endpoint=os.environ.get("STORAGE_EMULATOR_HOST"),
            service_account_info=None,
        )

    def azure_client(self, connection_id: str | None) -> Any:
        return _azure_client(
            connection_string=os.environ.get("AZURE_STORAGE_CONNECTION_STRING"),
            account_url=_account_url(
                os.environ.get("AZURE_STORAGE_ACCOUNT_URL"), os.environ.get("AZURE_STORAGE_ACCOUNT")
            ),
            where="AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_URL or AZURE_STORAGE_ACCOUNT",
        )


class AirflowConnections:
    """The DAG's credentials: Airflow connections (read at task run time, never at DAG parse time).

    S3 connections are read through the Amazon provider's hook (role chaining, endpoint_url and all).
    A GCS connection is read without the google provider: its extras may hold `keyfile_dict` (the
    service-account JSON, as an object or a string), `project`, and `endpoint` for an emulator.
    An Azure connection is read without the Microsoft Azure provider either: its extras hold
    `connection_string`, or `account_url` (or `account_name`) with one of `account_key`, `sas_token`, or a
    service principal (`tenant_id`, `client_id`, `client_secret`); with none of those, azure-identity's
    default chain (managed identity, workload identity, environment) is used.
    """

    def s3_client(self, connection_id: str | None) -> Any:
        from airflow.providers.amazon.aws.hooks.s3 import S3Hook

        return S3Hook(aws_conn_id=connection_id).get_conn()

    def gcs_client(self, connection_id: str | None) -> Any:
        if connection_id is None:
            return DefaultChains().gcs_client(None)
        from airflow.sdk import BaseHook

        conn = BaseHook.get_connection(connection_id)
        extra = conn.extra_dejson
        keyfile = extra.get("keyfile_dict")
        if isinstance(keyfile, str) and keyfile:
            keyfile = jsonio.loads(keyfile)
        return _gcs_client(
            project=extra.get("project") or None,
            endpoint=extra.get("endpoint") or None,
            service_account_info=keyfile or None,
        )

    def azure_client(self, connection_id: str | None) -> Any:
        if connection_id is None:
            return DefaultChains().azure_client(None)
        from airflow.sdk import BaseHook

        extra = BaseHook.get_connection(connection_id).extra_dejson
        principal = {k: str(extra[k]) for k in ("tenant_id", "client_id", "client_secret") if extra.get(k)}
        return _azure_client(
            connection_string=extra.get("connection_string") or None,
            account_url=_account_url(extra.get("account_url") or None, extra.get("account_name") or None),
            account_key=extra.get("account_key") or None,
            sas_token=extra.get("sas_token") or None,
            service_principal=principal if len(principal) == 3 else None,
            where=f"`connection_string` or `account_url` in the extras of Airflow connection {connection_id!r}",
        )


class Storage:
    """Full-URI object operations over whichever store each URI belongs to."""

    def __init__(
        self,
        credentials: CredentialSource | None = None,
        connections: Mapping[str, str] | None = None,
    ) -> None:
        self._credentials: CredentialSource = credentials or DefaultChains()
        # Longest prefix first, so a specific bucket/prefix mapping wins over a general one.
        self._connections = sorted((connections or {}).items(), key=lambda kv: -len(kv[0]))
        self._stores: dict[tuple[str, str | None], ObjectStore] = {}
        self._lock = threading.Lock()

    def connection_for(self, uri: str) -> str | None:
        for prefix, conn_id in self._connections:
            if uri.startswith(prefix):
                return conn_id
        return None

    def store(self, uri: str) -> ObjectStore:
        scheme, _, _ = split(uri)
        conn_id = None if scheme == "file" else self.connection_for(uri)
        key = (scheme, conn_id)
        with self._lock:
            if key not in self._stores:
                # Each cloud SDK is imported only when a URI of its scheme is used: a run on local files
                # (and every DAG task's process) would otherwise import all three.
                if scheme == "file":
                    self._stores[key] = LocalStore()
                elif scheme == "s3":
                    from pipeline.storage.s3 import S3Store

                    self._stores[key] = S3Store(self._credentials.s3_client(conn_id))
                elif scheme in ("az", "abfs"):
                    from pipeline.storage.azure import AzureBlobStore

                    self._stores[key] = AzureBlobStore(self._credentials.azure_client(conn_id))
                else:
                    from pipeline.storage.gcs import GcsStore

                    self._stores[key] = GcsStore(self._credentials.gcs_client(conn_id))
            return self._stores[key]

    def read_bytes(self, uri: str) -> bytes:
        return self.store(uri).read_bytes(uri)

    def read_text(self, uri: str) -> str:
        data = self.read_bytes(uri)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StorageError(f"{uri}: not UTF-8 text (byte {exc.start}): {exc.reason}") from exc

    def open_read(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        return self.store(uri).open_read(uri)

    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None:
        self.store(uri).write_bytes(uri, data, content_type)

    def write_text(self, uri: str, text: str, content_type: str = "text/plain; charset=utf-8") -> None:
        self.write_bytes(uri, text.encode("utf-8"), content_type)

    def create(self, uri: str, data: bytes, content_type: str | None = None) -> bool:
        """Write only if nothing is at `uri` (see `ObjectStore.create`); True when this call created it."""
        return self.store(uri).create(uri, data, content_type)

    def exists(self, uri: str) -> bool:
        return self.store(uri).exists(uri)

    def list(self, prefix: str) -> list[str]:
        return self.store(prefix).list(prefix)

    def iter_uris(self, prefix: str) -> Iterator[str]:
        return self.store(prefix).iter_uris(prefix)

    def delete(self, uri: str) -> None:
        self.store(uri).delete(uri)

    def sweep_temporaries(self, prefix: str, older_than_seconds: float) -> tuple[str, ...]:
        """Remove what interrupted writes left under `prefix` (see `ObjectStore.sweep_temporaries`)."""
        return self.store(prefix).sweep_temporaries(prefix, older_than_seconds)
