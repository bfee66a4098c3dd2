"""Worker processes that read runs of JSON Lines for `read_bods`, and ship the rows back as Arrow tables.

Invariants:
- A worker computes exactly what `bods_statements.read_lines` computes in the reading process: it runs
  that function, and its `Columns` go back as they are (column buffers, not pickled Python objects).
- Workers are fresh interpreters started with `subprocess` (`python -P -m ...`), never forked from the
  reading process: an Airflow task process may have threads, and a fork would copy their locks. They
  import neither the caller's `__main__` (as multiprocessing's spawn and forkserver would, which under
  Airflow or a script means importing pandas, Airflow and the rest), nor pandas or pyarrow: start-up is
  an interpreter plus orjson, jsonschema_rs and pycountry.
- Workers live only inside `Workers` as a context manager: closed when it ends, killed when it ends with
  an error. A failing worker raises `WorkerError` in the reading process; it never hangs it.
"""

from __future__ import annotations

import array
import contextlib
import gc
import os
import queue
import struct
import subprocess
import sys
import traceback
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from types import TracebackType
from typing import IO

from pipeline.ownership.bods.statements import TABLES, Columns, read_lines

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
        self._pending: set[Future[Columns]] = set()

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close(kill=exc is not None)

    def wait_for_room(self) -> None:
        """Block until a chunk submitted now would be queued at a worker rather than wait in this process.
        A failed chunk counts as done: its error is raised when its result is taken."""
        self._pending = {f for f in self._pending if not f.done()}
        while len(self._pending) >= self.count * QUEUE_DEPTH:
            self._pending = wait(self._pending, return_when=FIRST_COMPLETED).not_done

    def submit(self, data: bytes, uri: str, first_line: int) -> Future[Columns]:
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

    def _round_trip(self, data: bytes, uri: str, first_line: int) -> Columns:
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
                _close(proc.stdin)  # end of input: the worker returns
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
                    _close(pipe)
        self._procs.clear()
        self._pending.clear()
        self._threads = None


def _close(pipe: IO[bytes]) -> None:
    # A worker that died cannot take what is left in the buffer; its error is already on its future.
    with contextlib.suppress(OSError):
        pipe.close()


def _read_exactly(stream: IO[bytes], n: int) -> bytes:
    data = stream.read(n)
    if len(data) != n:
        raise EOFError(f"expected {n} bytes, got {len(data)}")
    return data


def _encode(columns: Columns) -> list[bytes | memoryview]:
    """Header (read, rows per table, buffer lengths), then the buffers, each padded to 8 bytes so that
    the numbers in them stay aligned where the reading process looks at them in place."""
    lengths = [len(b) for b in columns.buffers]
    header = array.array("q", [columns.read, *columns.rows, len(lengths), *lengths])
    out: list[bytes | memoryview] = [_LENGTH.pack(len(header)), header.tobytes()]
    for buffer in columns.buffers:
        out.append(buffer)
        out.append(bytes(-len(buffer) % 8))
    return out


def _decode(payload: bytes) -> Columns:
    view = memoryview(payload)
    (count,) = _LENGTH.unpack_from(view, 0)
    at = _LENGTH.size + 8 * count
    header = array.array("q")
    header.frombytes(view[_LENGTH.size : at])
    tables = len(TABLES)
    read, rows, lengths = header[0], tuple(header[1 : 1 + tables]), header[2 + tables :]
    buffers: list[bytes | memoryview] = []
    for length in lengths:
        buffers.append(view[at : at + length])  # read in place, never copied
        at += length + (-length % 8)
    return Columns(read, rows, buffers)


def main() -> None:
    """The worker: requests on stdin, replies on stdout, until stdin ends."""
    gc.disable()  # a chunk's objects are freed by reference counting; none form cycles
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
            status, payload = 1, [traceback.format_exc().encode()]
        replies.write(_REPLY.pack(status, sum(len(p) for p in payload)))
        replies.writelines(payload)
        replies.flush()


if __name__ == "__main__":
    main()
