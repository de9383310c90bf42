"""A minimal headless-Chromium driver over the DevTools protocol (no extra dependency).

Chromium is started with ``--remote-debugging-pipe``: it reads protocol messages from file
descriptor 3 and writes to 4, each a JSON text ending in a NUL byte. A shell ``exec`` wires the
child's stdin/stdout pipes to those descriptors, so no websocket library and no ``preexec_fn``
is needed. Used by the browser test to load a report, collect console errors and failed loads,
check every image, and take a full-page screenshot.
"""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.report.pdf import FLAGS as HEADLESS_FLAGS

FLAGS = (*HEADLESS_FLAGS, "--hide-scrollbars", "--remote-debugging-pipe")

IMAGES_JS = """JSON.stringify({
  title: document.title,
  images: Array.from(document.images).map(i => ({
    id: i.closest('figure') ? i.closest('figure').id : '',
    complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})),
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
  height: document.documentElement.scrollHeight})"""


@dataclass
class PageResult:
    """What loading a page showed."""

    title: str
    images: list[dict[str, Any]]
    errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    scroll_width: int = 0
    client_width: int = 0
    height: int = 0


class Browser:
    """One headless Chromium; use as a context manager."""

    def __init__(self, exe: str, timeout_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self._profile = tempfile.TemporaryDirectory(prefix="restoresim-chromium-")
        args = [exe, *FLAGS, f"--user-data-dir={self._profile.name}", "about:blank"]
        self.proc = subprocess.Popen(
            ["sh", "-c", 'exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null', *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the browser (politely, then by force) and remove its profile."""
        if self.proc.poll() is None:
            try:
                self._send("Browser.close")
                self.proc.wait(timeout=10)
            except (OSError, TimeoutError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream:
                stream.close()
        self._profile.cleanup()

    # -- protocol ---------------------------------------------------------------------------

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> int:
        self._next_id += 1
        msg: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(msg).encode() + b"\0")
        self.proc.stdin.flush()
        return self._next_id

    def _read(self, deadline: float) -> dict[str, Any]:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the browser")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise OSError("the browser closed its protocol pipe")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _keep(self, msg: dict[str, Any], session: str | None) -> None:
        """Keep an event; if the current page crashed, fail at once with the reason."""
        gone = msg.get("method") in ("Inspector.detached", "Inspector.targetCrashed")
        if gone and session is not None and msg.get("sessionId") == session:
            raise RuntimeError(f"the page is gone: {msg.get('params')}")
        self._events.append(msg)

    def call(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        """Send a command and return its result; events that arrive meanwhile are kept."""
        mid = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout_s
        while True:
            msg = self._read(deadline)
            if msg.get("id") == mid:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self._keep(msg, session)

    def wait_for(self, method: str, session: str) -> None:
        """Wait for an event of a session."""
        deadline = time.monotonic() + self.timeout_s
        seen = [e for e in self._events if e.get("method") == method]
        while not seen:
            msg = self._read(deadline)
            self._keep(msg, session)
            if msg.get("method") == method and msg.get("sessionId") == session:
                return

    # -- pages ------------------------------------------------------------------------------

    def load(
        self,
        url: str,
        screenshot: Path | None = None,
        *,
        full_page: bool = True,
        width: int = 1100,
        height: int = 900,
    ) -> PageResult:
        """Load ``url`` in a new tab; report errors, images and (optionally) a PNG screenshot
        of the whole page or of its first screen."""
        self._events.clear()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable", session=session)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        self._events.clear()
        self.call("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session)
        value = self.call(
            "Runtime.evaluate", {"expression": IMAGES_JS, "returnByValue": True}, session=session
        )["result"]["value"]
        info = json.loads(value)
        result = PageResult(
            title=info["title"],
            images=info["images"],
            scroll_width=info["scrollWidth"],
            client_width=info["clientWidth"],
            height=info["height"],
        )
        if screenshot is not None:
            shot = self.call(
                "Page.captureScreenshot",
                {
                    "format": "png",
                    "captureBeyondViewport": True,
                    "clip": {
                        "x": 0,
                        "y": 0,
                        "width": width,
                        "height": info["height"] if full_page else height,
                        "scale": 1,
                    },
                },
                session=session,
            )
            screenshot.write_bytes(base64.b64decode(shot["data"]))
        for e in self._events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                result.errors.append(f"exception: {p['exceptionDetails'].get('text')}")
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                result.errors.append(f"console.{p['type']}: {p.get('args')}")
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                result.errors.append(f"log: {p['entry'].get('text')} {p['entry'].get('url', '')}")
            elif method == "Network.loadingFailed":
                result.errors.append(f"load failed: {p.get('errorText')}")
            elif method == "Network.requestWillBeSent":
                url_ = p["request"]["url"]
                if not url_.startswith(("data:", "file:", "about:")):
                    result.external_requests.append(url_)
        self.call("Target.closeTarget", {"targetId": target})
        return result
