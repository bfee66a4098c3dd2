"""Amazon S3 (and S3-compatible endpoints such as MinIO or moto's server) through a boto3 client.

Invariant: the client is built by the caller from a credential source; nothing here reads credentials.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, closing
from typing import IO, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from pipeline.storage.base import ObjectStore, StorageError, split

_MISSING = {"404", "NoSuchKey", "NotFound"}


class S3Store(ObjectStore):
    scheme = "s3"

    def __init__(self, client: Any) -> None:
        self._client = client

    def read_bytes(self, uri: str) -> bytes:
        with self.open_read(uri) as body:
            return body.read()

    def open_read(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        _, bucket, key = split(uri)
        try:
            body = self._client.get_object(Bucket=bucket, Key=key)["Body"]
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"{uri}: cannot read: {exc}") from exc
        return cast(AbstractContextManager[IO[bytes]], closing(body))

    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None:
        _, bucket, key = split(uri)
        extra = {"ContentType": content_type} if content_type else {}
        try:
            self._client.put_object(Bucket=bucket, Key=key, Body=data, **extra)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"{uri}: cannot write: {exc}") from exc

    def create(self, uri: str, data: bytes, content_type: str | None = None) -> bool:
        _, bucket, key = split(uri)
        extra = {"ContentType": content_type} if content_type else {}
        try:
            # S3 conditional writes: the PUT fails with 412 when an object already exists at the key.
            self._client.put_object(Bucket=bucket, Key=key, Body=data, IfNoneMatch="*", **extra)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in {"PreconditionFailed", "412"}:
                return False
            raise StorageError(f"{uri}: cannot write: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{uri}: cannot write: {exc}") from exc
        return True

    def exists(self, uri: str) -> bool:
        _, bucket, key = split(uri)
        try:
            self._client.head_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                return False
            raise StorageError(f"{uri}: cannot check existence: {exc}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"{uri}: cannot check existence: {exc}") from exc
        return True

    def iter_uris(self, prefix: str) -> Iterator[str]:
        _, bucket, key = split(prefix)
        try:
            for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key):
                for obj in page.get("Contents", []):
                    yield f"s3://{bucket}/{obj['Key']}"
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"{prefix}: cannot list: {exc}") from exc

    def delete(self, uri: str) -> None:
        _, bucket, key = split(uri)
        try:
            self._client.delete_object(Bucket=bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise StorageError(f"{uri}: cannot delete: {exc}") from exc
