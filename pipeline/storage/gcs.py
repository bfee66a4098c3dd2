"""Google Cloud Storage through google-cloud-storage (not the Airflow google provider).

Invariant: the client is built by the caller from a credential source; nothing here reads credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import IO, Any, cast

from google.api_core import exceptions as gexc

from pipeline.storage.base import ObjectStore, StorageError, split


class GcsStore(ObjectStore):
    scheme = "gs"

    def __init__(self, client: Any) -> None:
        self._client = client

    def _blob(self, uri: str) -> Any:
        _, bucket, key = split(uri)
        return self._client.bucket(bucket).blob(key)

    def read_bytes(self, uri: str) -> bytes:
        try:
            return cast(bytes, self._blob(uri).download_as_bytes())
        except gexc.GoogleAPIError as exc:
            raise StorageError(f"{uri}: cannot read: {exc}") from exc

    def open_read(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        try:
            return cast(AbstractContextManager[IO[bytes]], self._blob(uri).open("rb"))
        except gexc.GoogleAPIError as exc:
            raise StorageError(f"{uri}: cannot read: {exc}") from exc

    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None:
        try:
            self._blob(uri).upload_from_string(data, content_type=content_type or "application/octet-stream")
        except gexc.GoogleAPIError as exc:
            raise StorageError(f"{uri}: cannot write: {exc}") from exc

    def create(self, uri: str, data: bytes, content_type: str | None = None) -> bool:
        try:
            # Generation 0 means "no live object": the upload fails with 412 when one exists.
            self._blob(uri).upload_from_string(
                data, content_type=content_type or "application/octet-stream", if_generation_match=0
            )
        except gexc.PreconditionFailed:
            return False
        except gexc.GoogleAPIError as exc:
            raise StorageError(f"{uri}: cannot write: {exc}") from exc
        return True

    def exists(self, uri: str) -> bool:
        try:
            return bool(self._blob(uri).exists())
        except gexc.GoogleAPIError as exc:
            raise StorageError(f"{uri}: cannot check existence: {exc}") from exc

    def iter_uris(self, prefix: str) -> Iterator[str]:
        _, bucket, key = split(prefix)
        try:
            for blob in self._client.list_blobs(bucket, prefix=key):
                yield f"gs://{bucket}/{blob.name}"
        except gexc.GoogleAPIError as exc:
            raise StorageError(f"{prefix}: cannot list: {exc}") from exc

    def delete(self, uri: str) -> None:
        try:
            self._blob(uri).delete()
        except gexc.NotFound:
            return
        except gexc.GoogleAPIError as exc:
            raise StorageError(f"{uri}: cannot delete: {exc}") from exc
