"""Fingerprints of inputs: sha256 computed while a stream is read, so large inputs are read once.

Invariant: `HashingReader.hexdigest()` is the sha256 of exactly the bytes its consumer has read; it is
the whole object's digest only once the consumer has read to the end.
"""

from __future__ import annotations

import hashlib
import io
from typing import IO


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class HashingReader(io.RawIOBase):
    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self._inner = inner
        self._hash = hashlib.sha256()

    def readable(self) -> bool:
        return True

    # RawIOBase declares any writable buffer; io's buffered readers, which call this, pass a memoryview.
    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self._hash.update(data)
        return n

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
