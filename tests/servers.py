"""Real S3, GCS and Azure Blob endpoints over HTTP for integration tests: moto's server,
gcp-storage-emulator and Azurite.

Invariant: each server runs in its own process group, started once per test session and stopped by
that group's id, so no child survives the session holding a port.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from deploy import stack


@dataclass(frozen=True)
class Endpoint:
    url: str
    scheme: str
    bucket: str

    @property
    def root(self) -> str:
        """The bucket's URI (s3://bucket, gs://bucket or az://container)."""
        return f"{self.scheme}://{self.bucket}"


# Every storage backend, as pytest parameters: the remote ones start a server, so they are integration
# tests and the fast lane (`make test-fast`) leaves them out.
BACKENDS = [
    pytest.param("file"),
    pytest.param("s3", marks=pytest.mark.integration),
    pytest.param("gs", marks=pytest.mark.integration),
    pytest.param("az", marks=pytest.mark.integration),
]
_BACKEND_FIXTURES = {"s3": "s3", "gs": "gcs", "az": "azure"}


def root_on(request: pytest.FixtureRequest, backend: str, prefix: str = "prefix") -> str:
    """An empty directory (file) or a folder of an empty bucket on `backend`, as a URI."""
    if backend == "file":
        return str(request.getfixturevalue("local_root"))
    endpoint: Endpoint = request.getfixturevalue(_BACKEND_FIXTURES[backend])
    return f"{endpoint.root}/{prefix}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _venv_bin(name: str) -> str:
    candidate = Path(sys.executable).parent / name
    found = str(candidate) if candidate.exists() else shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} is not installed in this environment (run `uv sync --frozen`)")
    return found


def _wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server for {url} exited with code {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # it answered, even if not 200
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server for {url} did not answer within {timeout:.0f} s")


@contextmanager
def _server(argv: list[str], probe: str, log: Path) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_http(probe, proc)
            yield
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@contextmanager
def moto_s3(log_dir: Path) -> Iterator[str]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with _server([_venv_bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)], endpoint, log_dir / "moto.log"):
        yield endpoint


@contextmanager
def gcs_emulator(log_dir: Path) -> Iterator[str]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    argv = [
        _venv_bin("gcp-storage-emulator"),
        "start",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--in-memory",
    ]
    with _server(argv, endpoint, log_dir / "gcs-emulator.log"):
        yield endpoint


def reset_moto(endpoint: str) -> None:
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    urllib.request.urlopen(req, timeout=10).close()


def wipe_gcs(endpoint: str) -> None:
    urllib.request.urlopen(f"{endpoint}/wipe", timeout=10).close()


AZURITE = Path(__file__).parent / "azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's documented development account: one definition, the stack's (deploy/stack.py).
AZURITE_ACCOUNT, AZURITE_KEY = stack.AZURITE_ACCOUNT, stack.AZURITE_KEY


def azurite_connection_string(endpoint: str) -> str:
    return stack.azurite_connection_string(endpoint)


def wipe_azurite(endpoint: str) -> None:
    """Delete every container of the development account."""
    from azure.storage.blob import BlobServiceClient

    client = BlobServiceClient.from_connection_string(azurite_connection_string(endpoint))
    for container in client.list_containers():
        client.delete_container(container.name)


@contextmanager
def azurite(log_dir: Path) -> Iterator[str]:
    if not AZURITE.exists():
        raise RuntimeError(f"{AZURITE} is missing: run `make setup` (it installs Azurite with npm)")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    argv = [
        str(AZURITE),
        "--blobHost",
        "127.0.0.1",
        "--blobPort",
        str(port),
        "--inMemoryPersistence",
        "--skipApiVersionCheck",
        "--loose",
        "--disableProductStyleUrl",
    ]
    with _server(argv, endpoint, log_dir / "azurite.log"):
        yield endpoint


@dataclass
class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps every message it is sent (no TLS, no authentication)."""

    port: int
    messages: list[bytes]


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    """The smallest SMTP server a client can deliver to (RFC 5321's commands, one message per DATA)."""
    import socketserver
    import threading

    messages: list[bytes] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 sink ESMTP\r\n")
            while line := self.rfile.readline():
                verb = line.strip().split(b" ", 1)[0].upper()
                if verb == b"EHLO":
                    self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                elif verb == b"DATA":
                    self.wfile.write(b"354 end with .\r\n")
                    body = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        body += chunk
                    messages.append(body)
                    self.wfile.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:  # HELO, MAIL, RCPT, RSET, NOOP
                    self.wfile.write(b"250 ok\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SmtpSink(server.server_address[1], messages)
    finally:
        server.shutdown()
        server.server_close()
