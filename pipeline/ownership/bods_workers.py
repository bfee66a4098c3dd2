"""Worker processes that read runs of JSON Lines for `read_bods`, and ship the rows back as Arrow tables.

Invariants:
- A worker computes exactly what `bods_statements.read_lines` computes in the reading process: it runs
  that function, and the tables go back as Arrow IPC streams (columns, not pickled Python objects).
- Workers are fresh interpreters started with `subprocess` (`python -P -m ...`), never forked from the
  reading process: an Airflow task process may have threads, and a fork would copy their locks. They
  import neither the caller's `__main__` (as multiprocessing's spawn and forkserver would, which under
  Airflow or a script means importing pandas, Airflow and the rest) nor pandas: start-up is an
  interpreter plus orjson, jsonschema_rs, pyarrow and pycountry, a few tenths of a second.
- Workers live only inside `Workers` as a context manager: closed when it ends, killed when it ends with
  an error. A failing worker raises `WorkerError` in the reading process; it never hangs it.
"""

from __future__ import annotations

import gc
import importlib.abc
import os
import queue
import struct
import subprocess
import sys
import traceback
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType, TracebackType
from typing import IO

import pyarrow as pa

from pipeline.ownership.bods_statements import Parts, read_lines

# More would only compete for memory bandwidth and pipe traffic with the reading process.
MAX_WORKERS = 8
# Chunks queued per worker, so that a worker finishing one finds the next waiting.
QUEUE_DEPTH = 2

_REQUEST = struct.Struct("<IQQ")  # uri length, first line number, data length
_REPLY = struct.Struct("<BQ")  # status (0 ok, 1 error), payload length
_LENGTH = struct.Struct("<Q")
_CLOSE_SECONDS = 10.0


class WorkerError(RuntimeError):
    """A worker process failed: the traceback it sent, or how it ended."""


def worker_count(requested: int | None) -> int:
    """Workers to use: `requested`, or one per CPU this process may use (capped); none on a single CPU."""
    if requested is not None:
        return max(0, requested)
    cpus = (os.process_cpu_count() if hasattr(os, "process_cpu_count") else None) or _affinity() or os.cpu_count()
    cpus = cpus or 1
    return 0 if cpus < 2 else min(cpus, MAX_WORKERS)


def _affinity() -> int | None:
    # os.process_cpu_count is Python 3.13+; before it, the affinity mask is what a container allows.
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


class Workers:
    """A lazily started set of worker processes; `submit` hands a chunk to the next free one."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._procs: list[subprocess.Popen[bytes]] = []
        self._idle: queue.SimpleQueue[subprocess.Popen[bytes]] = queue.SimpleQueue()
        self._threads: ThreadPoolExecutor | None = None
        self._pending: set[Future[Parts]] = set()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close(kill=exc is not None)

    def has_room(self) -> bool:
        """Whether a chunk submitted now would be queued at a worker rather than wait for the parent."""
        self._pending = {f for f in self._pending if not f.done()}
        return len(self._pending) < self.count * QUEUE_DEPTH

    def submit(self, data: bytes, uri: str, first_line: int) -> Future[Parts]:
        if self._threads is None:
            self._start()
        assert self._threads is not None
        future = self._threads.submit(self._round_trip, data, uri, first_line)
        self._pending.add(future)
        return future

    def _start(self) -> None:
        root = str(Path(__file__).resolve().parents[2])  # the folder holding the `pipeline` package
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        # -P: no script or current folder on sys.path, so the worker imports this same package.
        command = [sys.executable, "-P", "-m", __name__]
        for _ in range(self.count):
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, close_fds=True)
            self._procs.append(proc)
            self._idle.put(proc)
        self._threads = ThreadPoolExecutor(max_workers=self.count, thread_name_prefix="bods-worker")

    def _round_trip(self, data: bytes, uri: str, first_line: int) -> Parts:
        proc = self._idle.get()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            name = uri.encode()
            try:
                proc.stdin.write(_REQUEST.pack(len(name), first_line, len(data)))
                proc.stdin.write(name)
                proc.stdin.write(data)
                proc.stdin.flush()
                status, length = _REPLY.unpack(_read_exactly(proc.stdout, _REPLY.size))
                payload = _read_exactly(proc.stdout, length)
            except (OSError, EOFError) as exc:
                raise WorkerError(f"BODS reader worker {proc.pid} ended (exit code {proc.poll()}): {exc}") from exc
            if status != 0:
                raise WorkerError(f"BODS reader worker {proc.pid} failed on {uri}:\n{payload.decode()}")
            return _decode(payload)
        finally:
            self._idle.put(proc)

    def close(self, *, kill: bool = False) -> None:
        threads = self._threads
        if threads is not None:
            threads.shutdown(wait=False, cancel_futures=True)
        for proc in self._procs:
            if kill:
                proc.kill()  # its thread then reads the end of the pipe and stops
            elif proc.stdin is not None:
                proc.stdin.close()  # end of input: the worker returns
        if threads is not None:
            threads.shutdown(wait=True)
        for proc in self._procs:
            try:
                proc.wait(timeout=_CLOSE_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for pipe in (proc.stdin, proc.stdout):
                if pipe is not None:
                    pipe.close()
        self._procs.clear()
        self._pending.clear()
        self._threads = None


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError(f"expected {n} bytes, got {len(data)}")
    return data


def _encode(parts: Parts) -> bytes:
    out = [_LENGTH.pack(parts.read)]
    for table in parts[:-1]:
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        buffer = sink.getvalue()
        out.append(_LENGTH.pack(buffer.size))
        out.append(buffer.to_pybytes())
    return b"".join(out)


def _decode(payload: bytes) -> Parts:
    view = memoryview(payload)
    (read,) = _LENGTH.unpack_from(view, 0)
    at = _LENGTH.size
    tables = []
    for _ in range(len(Parts._fields) - 1):
        (size,) = _LENGTH.unpack_from(view, at)
        at += _LENGTH.size
        tables.append(pa.ipc.open_stream(pa.py_buffer(view[at : at + size])).read_all())
        at += size
    statements, entities, identifiers, interests, quarantine, replaces = tables
    return Parts(statements, entities, identifiers, interests, quarantine, replaces, read)


class _NoPandas(importlib.abc.MetaPathFinder):
    """pyarrow imports pandas on its first conversion of a Python list, only to ask whether the values
    are pandas objects (they never are here); that import would be most of a worker's start-up. Refused,
    pyarrow carries on without pandas."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.split(".", 1)[0] == "pandas":
            raise ModuleNotFoundError(f"{fullname} is not imported in a BODS reader worker", name=fullname)
        return None


def main() -> None:
    """The worker: requests on stdin, replies on stdout, until stdin ends."""
    gc.disable()  # a chunk's objects are freed by reference counting; none form cycles
    sys.meta_path.insert(0, _NoPandas())
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr  # a stray print must not corrupt the replies
    while header := requests.read(_REQUEST.size):
        name_length, first_line, length = _REQUEST.unpack(header)
        uri = _read_exactly(requests, name_length).decode()
        data = _read_exactly(requests, length)
        try:
            status, payload = 0, _encode(read_lines(data, uri, first_line))
        except Exception:  # sent to the reading process, which raises it there
            status, payload = 1, traceback.format_exc().encode()
        replies.write(_REPLY.pack(status, len(payload)))
        replies.write(payload)
        replies.flush()


if __name__ == "__main__":
    main()
