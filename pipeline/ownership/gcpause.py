"""A pause of Python's cyclic garbage collector around bulk work that creates many long-lived objects.

Invariant: the collector is restored to exactly the state it had (enabled or not), however the block ends.
Reading millions of statements, or building evidence for hundreds of thousands of records, keeps many
small containers alive; the collector would rescan them again and again (reading was several times
slower with it). None of them form reference cycles, so nothing is leaked by pausing it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
