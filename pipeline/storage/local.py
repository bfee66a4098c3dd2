"""Local directories standing in for buckets (file:// URIs): the embedded default.

Invariant: a write goes to a temporary file (`.<name>.<random>.tmp`) in the target's own directory, is
flushed to disk and then renamed over the target (`create`: hard-linked to it, which fails when the
target exists), so a concurrent reader never sees a partial file. Files are created with the process's
umask (mode 0666 masked), never a forced mode: register data names people, and whoever runs the
pipeline decides who may read its outputs. A process killed between the two steps leaves its temporary
file behind; `sweep_temporaries` removes those older than a write could take (the run's plan does it).
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO

from pipeline.storage.base import ObjectStore, StorageError, local_uri, split

TEMPORARY_SUFFIX = ".tmp"


def _path(uri: str) -> Path:
    _, _, key = split(uri)
    return Path(key)


class LocalStore(ObjectStore):
    scheme = "file"

    def read_bytes(self, uri: str) -> bytes:
        try:
            return _path(uri).read_bytes()
        except OSError as exc:
            raise StorageError(f"{uri}: cannot read: {exc.strerror}") from exc

    def open_read(self, uri: str) -> AbstractContextManager[IO[bytes]]:
        try:
            return _path(uri).open("rb")
        except OSError as exc:
            raise StorageError(f"{uri}: cannot read: {exc.strerror}") from exc

    def write_bytes(self, uri: str, data: bytes, content_type: str | None = None) -> None:
        self._write(uri, data, exclusive=False)

    def create(self, uri: str, data: bytes, content_type: str | None = None) -> bool:
        return self._write(uri, data, exclusive=True)

    def _write(self, uri: str, data: bytes, *, exclusive: bool) -> bool:
        target = _path(uri)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = str(target.parent / f".{target.name}.{secrets.token_hex(8)}{TEMPORARY_SUFFIX}")
            # Not mkstemp: it creates 0600 whatever the umask says; O_EXCL keeps its safety.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                if not exclusive:
                    Path(tmp).replace(target)
                    return True
                try:
                    os.link(tmp, target)  # fails when the target exists: exactly one creator wins
                except FileExistsError:
                    return False
                return True
            finally:
                Path(tmp).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"{uri}: cannot write: {exc.strerror}") from exc

    def exists(self, uri: str) -> bool:
        return _path(uri).is_file()

    def iter_uris(self, prefix: str) -> Iterator[str]:
        path = _path(prefix)
        # A prefix is a string prefix, as in the object stores: list the folder it falls in.
        root = path if prefix.endswith("/") or path.is_dir() else path.parent
        if not root.is_dir():
            return
        for dirpath, _dirnames, filenames in os.walk(root):
            for name in filenames:
                if name.startswith(".") and name.endswith(TEMPORARY_SUFFIX):
                    continue
                # Unquoted, like s3:// and gs:// URIs and like `split` reads them: `as_uri()` would
                # percent-encode the `=` of Hive-style folders (dt=...) and the URI would not read back.
                uri = local_uri(Path(dirpath, name))
                if uri.startswith(prefix):
                    yield uri

    def delete(self, uri: str) -> None:
        try:
            _path(uri).unlink(missing_ok=True)
        except OSError as exc:
            raise StorageError(f"{uri}: cannot delete: {exc.strerror}") from exc

    def sweep_temporaries(self, prefix: str, older_than_seconds: float) -> tuple[str, ...]:
        path = _path(prefix)
        root = path if prefix.endswith("/") or path.is_dir() else path.parent
        if not root.is_dir():
            return ()
        removed, cutoff = [], time.time() - older_than_seconds
        for dirpath, _dirnames, filenames in os.walk(root):
            for name in filenames:
                if not (name.startswith(".") and name.endswith(TEMPORARY_SUFFIX)):
                    continue
                leftover = Path(dirpath, name)
                try:
                    if leftover.stat().st_mtime < cutoff:
                        leftover.unlink()
                        removed.append(local_uri(leftover))
                except FileNotFoundError:
                    continue  # its writer finished (renamed it) or another sweep took it
        return tuple(sorted(removed))
