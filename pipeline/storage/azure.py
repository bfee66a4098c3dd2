"""Azure Blob Storage (and Azurite, its emulator) through azure-storage-blob.

URIs: `az://<container>/<path>`; `abfs://<container>@<account>.dfs.core.windows.net/<path>` names the same
blob (the account comes from the credential source either way, so the two must agree on it).

Invariant: the client is built by the caller from a credential source; nothing here reads credentials.
Block blobs are committed whole on upload, so a reader sees the old object or the new one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, closing
from typing import IO, Any, cast

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobServiceClient, ContentSettings

from pipeline.storage.base import ObjectStore, StorageError, split


class _Stream:
    """A read-only binary stream over a blob download (the parts of `IO[bytes]` our readers use)."""

    def __init__(self, downloader: Any) -> None:
        self._chunks = downloader.chunks()
        self._buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk
        if size < 0:
            out, self._buffer = self._buffer, b""
        else:
            out, self._buffer = self._buffer[:size], self._buffer[size:]
        return out

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._buffer = b""


class AzureBlobStore(ObjectStore):
    scheme = "az"

    def __init__(self, client: BlobServiceClient) -> None:
        self._client = client

    def _blob(self, uri: str) -> Any:
        _, container, key = split(uri)
        return self._client.get_blob_client(container, key)

    def read_bytes(self, uri: str) -> bytes:
        try:
            return cast(bytes, self._blob(uri).download_blob().readall())
        except AzureError as exc:
            raise StorageError(f"{uri}: cannot read: {_reason(exc)}") from exc

    def open_read(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        try:
            downloader = self._blob(uri).download_blob()
        except AzureError as exc:
            raise StorageError(f"{uri}: cannot read: {_reason(exc)}") from exc
        return cast(AbstractContextManager[IO[bytes]], closing(_Stream(downloader)))

    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None:
        try:
            self._blob(uri).upload_blob(data, overwrite=True, content_settings=_settings(content_type))
        except AzureError as exc:
            raise StorageError(f"{uri}: cannot write: {_reason(exc)}") from exc

    def create(self, uri: str, data: bytes, content_type: str | None = None) -> bool:
        try:
            self._blob(uri).upload_blob(data, overwrite=False, content_settings=_settings(content_type))
        except ResourceExistsError:
            return False
        except AzureError as exc:
            raise StorageError(f"{uri}: cannot write: {_reason(exc)}") from exc
        return True

    def exists(self, uri: str) -> bool:
        try:
            return bool(self._blob(uri).exists())
        except AzureError as exc:
            raise StorageError(f"{uri}: cannot check existence: {_reason(exc)}") from exc

    def iter_uris(self, prefix: str) -> Iterator[str]:
        _, container, key = split(prefix)
        base = prefix[: len(prefix) - len(key)] if key else prefix.rstrip("/") + "/"
        try:
            for blob in self._client.get_container_client(container).list_blobs(name_starts_with=key or None):
                yield base + blob.name
        except ResourceNotFoundError:
            return
        except AzureError as exc:
            raise StorageError(f"{prefix}: cannot list: {_reason(exc)}") from exc

    def delete(self, uri: str) -> None:
        try:
            self._blob(uri).delete_blob()
        except ResourceNotFoundError:
            return
        except AzureError as exc:
            raise StorageError(f"{uri}: cannot delete: {_reason(exc)}") from exc


def _settings(content_type: str | None) -> ContentSettings:
    return ContentSettings(content_type=content_type or "application/octet-stream")


def _reason(exc: AzureError) -> str:
    # The SDK's message carries the whole HTTP exchange; the first line says what went wrong.
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
