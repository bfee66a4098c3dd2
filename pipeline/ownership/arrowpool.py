"""Arrow's memory for a block of bulk reading: the C library's allocator instead of Arrow's default.

Invariant: the default pool in force before the block is in force again however the block ends. Every
Arrow buffer keeps the pool it was allocated from, so buffers made inside the block and freed after it
go back to the allocator they came from.

Why: the BODS reader's assembly makes and drops many large, short-lived buffers (concatenations,
takes, sorts of millions of rows). Arrow's bundled mimalloc backs them with fresh (huge) pages each
time, and on our 2-core hosts those page faults cost more than the work: reading 1M statements ran at
184-199k/s with mimalloc and 213-222k/s with the system allocator (4 paired runs, fresh processes).
The engine (`resolve`) does not gain from it (5M entities: 22-24 s with mimalloc, 24-27 s without),
so it is not set for the whole process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


@contextmanager
def system_pool() -> Iterator[None]:
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)
