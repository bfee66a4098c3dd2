"""Rows read and written through `pipeline.storage.frames` while one piece of work runs (a stage).

Invariant: counting never changes what is read or written, and with no tally open nothing is counted.
The tally belongs to the context that opened it (a `ContextVar`): a frame read on a worker thread the
stage started is not counted, which only makes the figure for people a little low, never wrong data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class RowTally:
    rows_in: int = 0
    rows_out: int = 0


_open: ContextVar[RowTally | None] = ContextVar("row_tally", default=None)


@contextmanager
def counting() -> Iterator[RowTally]:
    """Count the rows read and written in this context until the block ends."""
    token = _open.set(RowTally())
    try:
        yield _open.get() or RowTally()
    finally:
        _open.reset(token)


def rows_read(n: int) -> None:
    tally = _open.get()
    if tally is not None:
        tally.rows_in += n


def rows_written(n: int) -> None:
    tally = _open.get()
    if tally is not None:
        tally.rows_out += n
