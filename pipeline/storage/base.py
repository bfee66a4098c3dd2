"""The object-store contract shared by the local, S3 and GCS implementations, and URI helpers.

Invariant: URIs are `scheme://bucket/key` (for file://, an absolute path; for abfs://, the bucket is the
container before the `@` of `container@account.dfs.core.windows.net`); `list` returns full URIs of objects
(never "directories"), sorted, whose URI starts with the given prefix. `create` writes an object only
when none exists at its URI, atomically on every backend (the one primitive a lease can be built on).
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

SCHEMES = ("file", "s3", "gs", "az", "abfs")


class StorageError(OSError):
    """An object could not be read, written or listed; the message names the URI."""


def split(uri: str) -> tuple[str, str, str]:
    """(scheme, bucket, key) of an object URI; for file:// the bucket is empty and the key a path."""
    parts = urlsplit(uri)
    if parts.scheme not in SCHEMES:
        raise StorageError(
            f"{uri}: unsupported URI scheme {parts.scheme!r} (use file://, s3://, gs://, az:// or abfs://)"
        )
    if parts.scheme == "file":
        return "file", "", parts.path
    bucket = parts.netloc.split("@", 1)[0] if parts.scheme == "abfs" else parts.netloc
    if not bucket:
        raise StorageError(f"{uri}: missing bucket name")
    return parts.scheme, bucket, parts.path.lstrip("/")


def join(base: str, *parts: str) -> str:
    """Append path segments to a URI with exactly one `/` between them."""
    out = base.rstrip("/")
    for part in parts:
        out = f"{out}/{part.strip('/')}"
    return out


def parent(uri: str) -> str:
    return uri.rstrip("/").rsplit("/", 1)[0]


def uri_from_path_or_uri(value: str, base: Path) -> str:
    """A URI as is, or a local path (relative to `base`) turned into a file:// URI."""
    if "://" in value:
        split(value)
        return value
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = base / path
    return local_uri(path)


def local_uri(path: Path) -> str:
    """The file:// URI of a local path, unquoted like s3:// and gs:// keys.

    `Path.as_uri()` would percent-encode the `=` of Hive-style folders (dt=2026-11-26) and the URI would
    no longer name the folder.
    """
    return "file://" + path.resolve().as_posix()


class ObjectStore(abc.ABC):
    """Whole-object reads and writes addressed by full URIs of one scheme."""

    scheme: str

    @abc.abstractmethod
    def read_bytes(self, uri: str) -> bytes: ...

    @abc.abstractmethod
    def open_read(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        """A binary stream over the object, for inputs too large to hold twice in memory."""

    @abc.abstractmethod
    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None: ...

    @abc.abstractmethod
    def create(self, uri: str, data: bytes, content_type: str | None = None) -> bool:
        """Write the object only if none exists at `uri`: True when this call created it, False when one
        was already there (whoever wrote it). Atomic: of two concurrent calls exactly one returns True."""

    @abc.abstractmethod
    def exists(self, uri: str) -> bool: ...

    @abc.abstractmethod
    def iter_uris(self, prefix: str) -> Iterator[str]: ...

    @abc.abstractmethod
    def delete(self, uri: str) -> None:
        """Remove the object; removing an object that does not exist is not an error."""

    def list(self, prefix: str) -> list[str]:
        return sorted(self.iter_uris(prefix))

    def sweep_temporaries(self, prefix: str, older_than_seconds: float) -> tuple[str, ...]:
        """Remove what interrupted writes left under `prefix` (older than given); the URIs removed.

        Object stores write an object in one request and leave nothing behind: none by default."""
        return ()
