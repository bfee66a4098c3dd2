"""Process-wide switches a stage may turn on around bulk work: Python's cyclic GC and Arrow's memory pool.

Invariant: each switch restores exactly the state it found (collector enabled or not, the default pool in
force before), however the block ends. They live at the stage edge, never inside the readers or the
engine: those stay free of process-wide state, and a caller embedding them (a test, a benchmark, a Spark
executor) decides for its own process.

- `paused_gc`: reading millions of statements, or building evidence for hundreds of thousands of
  records, keeps many small containers alive; the collector would rescan them again and again (reading
  was several times slower with it). None of them form reference cycles, so nothing is leaked.
- `system_pool`: the BODS reader's assembly makes and drops many large, short-lived buffers
  (concatenations, takes, sorts of millions of rows). Arrow's bundled mimalloc backs them with fresh
  (huge) pages each time, and on our 2-core hosts those page faults cost more than the work: reading 1M
  statements ran at 184-199k/s with mimalloc and 213-222k/s with the system allocator (4 paired runs,
  fresh processes). Every Arrow buffer keeps the pool it was allocated from, so buffers made inside the
  block and freed after it go back to the allocator they came from. The engine (`resolve`) does not gain
  from it (5M entities: 22-24 s with mimalloc, 24-27 s without), so it is not set for the whole process.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def system_pool() -> Iterator[None]:
    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


@contextmanager
def bulk_reading() -> Iterator[None]:
    """Both switches, as the ownership extraction uses them around `read_bods`."""
    with system_pool(), paused_gc():
        yield
