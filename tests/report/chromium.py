"""A real headless Chromium for report tests: installed from Debian if missing, driven over DevTools.

Invariant: a page is judged by what the browser itself reports. Every console message, uncaught
exception and browser log entry (CSP violations, failed loads) is collected over the DevTools protocol,
and the browser runs in its own process group with a fresh profile, stopped by that group's id.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

from tests.servers import free_port

CHROMIUM = "/usr/bin/chromium"

# Without these, Chromium reaches for Google's services at start-up; this machine's closed network
# refuses them and the refusals would read as page errors.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-allow-origins=*",
)


def ensure_chromium() -> str:
    """The Chromium binary, installing Debian's `chromium` package with apt-get when it is missing."""
    found = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(f"{CHROMIUM} is missing and only root can install it: run `apt-get install -y chromium`")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Other engineers share this machine: wait for their dpkg lock rather than failing at once.
    install = ["apt-get", "-o", "DPkg::Lock::Timeout=600", "install", "-y", "chromium"]
    first = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
    if first.returncode != 0:
        # A stale package index names versions the mirror no longer has: refresh it once and retry.
        subprocess.run(["apt-get", "-o", "DPkg::Lock::Timeout=600", "update"], env=env, check=False)
        second = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if second.returncode != 0:
            raise RuntimeError(f"apt-get install chromium failed:\n{first.stderr}\n{second.stderr}")
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"apt-get installed chromium but {CHROMIUM} does not exist")
    return CHROMIUM


@dataclass
class PageReport:
    """What the browser said while loading one page, and what it shows."""

    console: list[dict[str, Any]] = field(default_factory=list)  # Runtime.consoleAPICalled params
    exceptions: list[dict[str, Any]] = field(default_factory=list)  # Runtime.exceptionThrown params
    log: list[dict[str, Any]] = field(default_factory=list)  # Log.entryAdded entries
    text: str = ""  # document.body.innerText
    values: dict[str, Any] = field(default_factory=dict)  # results of the extra expressions

    @property
    def errors(self) -> list[str]:
        """Every error-level message: console errors, uncaught exceptions, browser log errors."""
        out = [
            f"console.{m['type']}: {' '.join(str(a.get('value', a.get('description', ''))) for a in m['args'])}"
            for m in self.console
            if m["type"] in ("error", "assert")
        ]
        out += [f"exception: {e['exceptionDetails'].get('text', '')} {e['exceptionDetails']}" for e in self.exceptions]
        out += [f"log.{e['source']}: {e['text']}" for e in self.log if e["level"] == "error"]
        return out


class _Cdp:
    """A minimal DevTools client over one page's websocket: commands by id, events kept in order."""

    def __init__(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._next = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float = 30.0, **params: Any) -> dict[str, Any]:
        self._next += 1
        ident = self._next
        self._ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == ident:
                if "error" in msg:
                    raise RuntimeError(f"DevTools {method} failed: {msg['error']}")
                result: dict[str, Any] = msg.get("result", {})
                return result
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        for msg in self.events:
            if msg["method"] == event:
                return msg
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self._ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == event:
                    return msg

    def drain(self, quiet: float = 0.5) -> None:
        """Collect events until the page has been quiet for `quiet` seconds."""
        while True:
            try:
                msg = json.loads(self._ws.recv(timeout=quiet))
            except TimeoutError:
                return
            if "method" in msg:
                self.events.append(msg)


def _wait_json(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with code {proc.returncode} before DevTools answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return json.load(resp)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"DevTools at {url} did not answer within {timeout:.0f} s")


@contextmanager
def browser(binary: str) -> Iterator[int]:
    """A headless Chromium with remote debugging on a free local port; yields the port."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        argv = [binary, *FLAGS, f"--user-data-dir={profile}", f"--remote-debugging-port={port}", "about:blank"]
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            _wait_json(f"http://127.0.0.1:{port}/json/version", proc)
            yield port
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=15)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=15)


def load_page(
    port: int,
    url: str,
    expressions: dict[str, str] | None = None,
    *,
    width: int | None = None,
    screenshot: Path | None = None,
) -> PageReport:
    """Open `url` in a new tab, wait for it to load and settle, and report what the browser said.

    `width`: lay the page out in a window this many CSS pixels wide; `screenshot`: save the whole page
    there as PNG."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/json/new?about:blank", method="PUT")
    with urllib.request.urlopen(request, timeout=10) as resp:
        target = json.load(resp)
    report = PageReport()
    with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=10) as ws:
        cdp = _Cdp(ws)
        cdp.call("Runtime.enable")
        cdp.call("Log.enable")
        cdp.call("Page.enable")
        if width is not None:
            cdp.call("Emulation.setDeviceMetricsOverride", width=width, height=800, deviceScaleFactor=1, mobile=False)
        cdp.call("Page.navigate", url=url)
        cdp.wait_for("Page.loadEventFired")
        cdp.drain()
        for name, expression in (expressions or {}).items():
            result = cdp.call("Runtime.evaluate", expression=expression, returnByValue=True)
            if "exceptionDetails" in result:
                raise RuntimeError(f"evaluating {name}: {result['exceptionDetails']}")
            report.values[name] = result["result"].get("value")
        if screenshot is not None:
            shot = cdp.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        text = cdp.call("Runtime.evaluate", expression="document.body.innerText", returnByValue=True)
        report.text = str(text["result"].get("value", ""))
        for msg in cdp.events:
            if msg["method"] == "Runtime.consoleAPICalled":
                report.console.append(msg["params"])
            elif msg["method"] == "Runtime.exceptionThrown":
                report.exceptions.append(msg["params"])
            elif msg["method"] == "Log.entryAdded":
                report.log.append(msg["params"]["entry"])
    return report
