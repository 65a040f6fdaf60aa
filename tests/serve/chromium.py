"""Headless Chromium driven over the DevTools protocol, with aiohttp (already installed
for textual-serve): open a page, read the board's text, press keys, take a screenshot.

The page is textual-serve's: an xterm.js terminal drawn on a canvas, so the board's text
is not in the DOM. It is read from xterm's own buffer (its public API, `buffer.active`),
reached through a hook installed before the page's scripts run: textual.js keeps its
terminal as `this.terminal`, and a setter for that name records it. If a textual-serve
release renames it, `screen_text` says so instead of timing out silently.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

# Debian's Chromium as root in a sandbox-less container, offline: no background
# networking (its connections would be refused many at a time), a fresh profile.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-port=0", "--hide-scrollbars", "--mute-audio")

TERMINAL_HOOK = """
(() => {
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    get() { return undefined; },
    set(value) {
      Object.defineProperty(this, "terminal",
        {value, writable: true, configurable: true, enumerable: true});
      if (value && value.buffer && value.buffer.active && !window.__kanbanTerminal) {
        window.__kanbanTerminal = value;
      }
    },
  });
  window.__kanbanScreen = () => {
    const term = window.__kanbanTerminal;
    if (!term) return null;
    const buffer = term.buffer.active, lines = [];
    for (let row = 0; row < term.rows; row++) {
      const line = buffer.getLine(buffer.viewportY + row);
      lines.push(line ? line.translateToString(true) : "");
    }
    return lines.join("\\n");
  };
})();
"""

# Key name -> what DevTools' Input.dispatchKeyEvent needs to make the browser's events.
_KEYS: dict[str, dict[str, Any]] = {
    ">": {"key": ">", "code": "Period", "windowsVirtualKeyCode": 190, "text": ">",
          "modifiers": 8},
    "<": {"key": "<", "code": "Comma", "windowsVirtualKeyCode": 188, "text": "<",
          "modifiers": 8},
    "enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
}


def _key(name: str) -> dict[str, Any]:
    if name in _KEYS:
        return _KEYS[name]
    if len(name) == 1 and name.isalnum():
        code = f"Key{name.upper()}" if name.isalpha() else f"Digit{name}"
        return {"key": name, "code": code, "windowsVirtualKeyCode": ord(name.upper()),
                "text": name, "modifiers": 8 if name.isupper() else 0}
    raise ValueError(f"no key {name!r} in tests/serve/chromium.py")


class Page:
    """One browser tab, spoken to over its DevTools websocket."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self._socket = socket
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self._socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            waiting = self._replies.pop(data.get("id", -1), None)
            if waiting is not None and not waiting.done():
                waiting.set_result(data)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        """Call a DevTools method and return its result (raising on its error)."""
        number = next(self._ids)
        reply: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[number] = reply
        await self._socket.send_str(json.dumps({"id": number, "method": method,
                                                "params": params}))
        data = await asyncio.wait_for(reply, 30)
        if "error" in data:
            raise RuntimeError(f"{method}: {data['error']}")
        return data.get("result", {})

    async def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = await self.send("Runtime.evaluate", expression=expression,
                                 returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def open(self, url: str, *, width: int, height: int) -> None:
        """Load `url` in a window of width x height CSS pixels, the hook installed first."""
        await self.send("Page.enable")
        await self.send("Emulation.setDeviceMetricsOverride", width=width, height=height,
                        deviceScaleFactor=1, mobile=False)
        await self.send("Page.addScriptToEvaluateOnNewDocument", source=TERMINAL_HOOK)
        await self.send("Page.navigate", url=url)

    async def screen_text(self) -> str:
        """The terminal's visible text, one line per row ('' before it exists)."""
        return await self.evaluate("window.__kanbanScreen ? window.__kanbanScreen() : null") \
            or ""

    async def wait_for_text(self, *needles: str, timeout: float = 30) -> str:
        """Wait until every needle is on the screen; return the screen."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = await self.screen_text()
            if all(needle in text for needle in needles):
                return text
            await asyncio.sleep(0.2)
        hooked = await self.evaluate("!!window.__kanbanTerminal")
        raise AssertionError(
            f"not on the page after {timeout}s: {needles!r}"
            + ("" if hooked else " (the xterm terminal was never found: did textual.js "
               "stop keeping it as `this.terminal`?)") + f"\n--- screen ---\n{text}")

    async def press(self, *keys: str) -> None:
        """Press keys in the terminal, as a person typing (keydown, keypress, keyup)."""
        await self.evaluate("window.__kanbanTerminal.focus()")
        for name in keys:
            key = _key(name)
            down = {k: v for k, v in key.items()}
            await self.send("Input.dispatchKeyEvent", type="keyDown", **down)
            up = {k: v for k, v in key.items() if k != "text"}
            await self.send("Input.dispatchKeyEvent", type="keyUp", **up)
            await asyncio.sleep(0.15)

    async def screenshot(self, path: Path) -> None:
        """Save what the tab shows as a PNG."""
        shot = await self.send("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[Page]:
    """A headless Chromium with a fresh profile, and its first tab."""
    profile = Path(tempfile.mkdtemp(prefix="kanban-chromium-"))
    process = subprocess.Popen(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port = await _devtools_port(profile, process)
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/json/list") as answer:
                targets = await answer.json()
            page_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
            async with session.ws_connect(page_url, max_msg_size=0) as socket:
                page = Page(socket)
                try:
                    yield page
                finally:
                    page._reader.cancel()
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


async def _devtools_port(profile: Path, process: subprocess.Popen[bytes]) -> int:
    """The port Chromium chose, from the DevToolsActivePort file it writes."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"chromium exited with {process.returncode} before it listened")
        if marker.exists():
            first = marker.read_text().splitlines()[:1]
            if first and first[0].isdigit():
                return int(first[0])
        await asyncio.sleep(0.1)
    raise RuntimeError("chromium did not open its DevTools port within 30 s")
