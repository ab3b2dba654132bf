"""`ecrtui web --demo` in headless Chromium: the page shows the console with the demo uploads.

Chromium (Debian's package) is driven over its DevTools protocol. textual-serve's page shows a
splash, then an xterm.js terminal drawn on a canvas; the test reads the terminal's buffer (the
text xterm.js holds for its screen) until the console's demo uploads are on it, then saves a
screenshot to screenshots/web-demo.png. Only 127.0.0.1 is contacted: every other host name
resolves to nothing (the page's web-font link fails, which does no harm).

Chromium is installed by `.ci/run` when missing; in CI (the CI variable set) its absence fails the
test rather than skipping it.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.processes import gone

aiohttp = pytest.importorskip("aiohttp", reason="aiohttp comes with textual-serve")
pytest.importorskip("textual_serve", reason="textual-serve serves the web demo")

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc; Debian's chromium"),
    pytest.mark.xdist_group("browser"),
]

SCREENSHOT = Path(__file__).resolve().parents[2] / "screenshots" / "web-demo.png"
WINDOW = (1280, 800)
APP_TIMEOUT = 120.0  # seconds from the page's load to the demo uploads on screen (2 busy cores)
DEMO_UPLOADS = ("complete-able", "team/api")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--mute-audio",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-address=127.0.0.1",
    "--remote-debugging-port=0",
]

# Finds the page's xterm.js Terminal (textual-serve keeps it on an object of its own, not on
# `window`) among the page's objects, and keeps it as window.ecrtuiTerminal.
FIND_TERMINAL = """function () {
    for (const candidate of this) {
        try {
            const terminal = candidate && candidate.fitAddon && candidate.terminal;
            if (terminal && terminal.buffer && terminal.buffer.active) {
                window.ecrtuiTerminal = terminal;
                return true;
            }
        } catch (error) {}
    }
    return false;
}"""

# The terminal's screen as text, one line a row; null before the terminal is found.
SCREEN_TEXT = """(() => {
    const terminal = window.ecrtuiTerminal;
    if (!terminal) return null;
    const buffer = terminal.buffer.active;
    const rows = [];
    for (let row = 0; row < terminal.rows; row++) {
        const line = buffer.getLine(buffer.viewportY + row);
        rows.push(line ? line.translateToString(true) : "");
    }
    return rows.join("\\n");
})()"""

# resolves after the browser has painted twice: what the buffer holds is on the canvas
PAINTED = """new Promise(resolve =>
    requestAnimationFrame(() => requestAnimationFrame(() => resolve(true))))"""


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found is not None:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"gave up after {timeout:.0f}s waiting for {what}"
        time.sleep(0.1)
    return value


def stop(process: subprocess.Popen[bytes], first: signal.Signals, timeout: float) -> int:
    """Send `first`, then SIGKILL to its process group if it has not ended within `timeout`."""
    if process.poll() is None:
        process.send_signal(first)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


@contextmanager
def web_demo(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`ecrtui web --demo` on a free port; yields the process and the URL it printed. Stopped
    at the end (killed, with every process it started, if it does not stop)."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "ECRTUI_STATE_DIR": str(tmp_path / "state")}
    with (tmp_path / "web.err").open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "ecrtui", "web", "--demo", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=err,
            env=env,
            start_new_session=True,  # its own process group, to kill what it leaves
        )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().decode().strip()
        assert url.startswith("http://127.0.0.1:"), (url, (tmp_path / "web.err").read_text())
        yield process, url
    finally:
        stop(process, signal.SIGKILL, 0)
        with suppress(ProcessLookupError):  # what it started and left behind
            os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def headless_chromium(tmp_path: Path, url: str) -> Iterator[int]:
    """Chromium showing `url`; yields its DevTools port. Killed, with its helpers, at the end."""
    profile = tmp_path / "chromium-profile"
    profile.mkdir()
    with (tmp_path / "chromium.log").open("wb") as log:
        process = subprocess.Popen(
            [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", url],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        active_port = profile / "DevToolsActivePort"
        wait_until(
            lambda: (
                process.poll() is not None or (active_port.is_file() and active_port.read_text())
            ),
            30,
            "Chromium's DevTools port",
        )
        assert process.poll() is None, (tmp_path / "chromium.log").read_text(errors="replace")
        yield int(active_port.read_text().split()[0])
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)  # its zygote and renderers too
        process.wait()


class DevToolsError(Exception):
    """Chromium answered a command with an error."""


class DevTools:
    """One page's DevTools protocol session: commands by id; events are ignored."""

    def __init__(self, websocket: Any) -> None:
        self.websocket = websocket
        self.ids = itertools.count(1)

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        number = next(self.ids)
        await self.websocket.send_json({"id": number, "method": method, "params": params})
        async for message in self.websocket:
            reply = json.loads(message.data)
            if reply.get("id") == number:
                if "error" in reply:
                    raise DevToolsError(method, reply["error"])
                result: dict[str, Any] = reply["result"]
                return result
        raise AssertionError(f"the DevTools connection closed during {method}")

    async def evaluate(self, expression: str, await_promise: bool = False) -> Any:
        reply = await self.send(
            "Runtime.evaluate",
            expression=expression,
            returnByValue=True,
            awaitPromise=await_promise,
        )
        assert "exceptionDetails" not in reply, reply["exceptionDetails"]
        return reply["result"].get("value")

    async def find_terminal(self) -> bool:
        """Look for the xterm.js Terminal among the page's objects (see FIND_TERMINAL)."""
        prototype = await self.send("Runtime.evaluate", expression="Object.prototype")
        found = await self.send(
            "Runtime.queryObjects", prototypeObjectId=prototype["result"]["objectId"]
        )
        reply = await self.send(
            "Runtime.callFunctionOn",
            functionDeclaration=FIND_TERMINAL,
            objectId=found["objects"]["objectId"],
            returnByValue=True,
        )
        await self.send("Runtime.releaseObjectGroup", objectGroup="")
        return bool(reply["result"].get("value"))

    async def screen_text(self) -> str | None:
        """The terminal's text; None until the page has a terminal."""
        try:
            text = await self.evaluate(SCREEN_TEXT)
            if text is None and await self.find_terminal():
                text = await self.evaluate(SCREEN_TEXT)
        except DevToolsError:  # the page was loading: its objects were gone before the call
            return None
        return None if text is None else str(text)


@asynccontextmanager
async def devtools(port: int) -> AsyncIterator[DevTools]:
    """A DevTools session on Chromium's one page."""
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json()
        [page] = [target for target in targets if target["type"] == "page"]
        async with session.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as websocket:
            yield DevTools(websocket)


async def wait_for_the_console(page: DevTools, timeout: float) -> str:
    """The terminal's text once it shows every one of DEMO_UPLOADS (not the splash)."""
    deadline = time.monotonic() + timeout
    text: str | None = None
    while time.monotonic() < deadline:
        text = await page.screen_text()
        if text is not None and all(name in text for name in DEMO_UPLOADS):
            return text
        await asyncio.sleep(0.5)
    raise AssertionError(f"no demo uploads on the page after {timeout:.0f}s; it shows:\n{text}")


def demo_backend_pids(tmp_path: Path) -> list[int]:
    """The demo backends the tabs' consoles started, by their scratch directories."""
    return [int(path.name.split("-")[3]) for path in tmp_path.glob("ecrtui-local-ecr-*")]


def test_the_web_demo_shows_the_console_with_the_demo_uploads(tmp_path: Path) -> None:
    chromium()  # skip (or fail in CI) before starting anything
    with web_demo(tmp_path) as (server, url), headless_chromium(tmp_path, url) as port:

        async def look() -> tuple[str, bool, bytes]:
            async with devtools(port) as page:
                text = await wait_for_the_console(page, APP_TIMEOUT)
                await page.evaluate(PAINTED, await_promise=True)
                await asyncio.sleep(0.5)  # the splash fades out in 0.3 s
                splash_gone = await page.evaluate("document.body.classList.contains('-first-byte')")
                shot = await page.send("Page.captureScreenshot", format="png")
                return text, bool(splash_gone), base64.b64decode(shot["data"])

        text, splash_gone, png = asyncio.run(look())
        assert splash_gone
        for name in DEMO_UPLOADS:
            assert name in text
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        (tmp_path / "web-demo.png").write_bytes(png)
        SCREENSHOT.parent.mkdir(exist_ok=True)
        SCREENSHOT.write_bytes(png)

        backends = demo_backend_pids(tmp_path)
        assert len(backends) == 1, backends  # the one tab's console started one
        # SIGINT to the server alone (Ctrl+C signals the whole process group): it tells each
        # tab's console to quit, and each console stops its demo backend
        assert stop(server, signal.SIGINT, 30) == 0, (tmp_path / "web.err").read_text()
        wait_until(lambda: all(gone(pid) for pid in backends), 10, "the demo backend to stop")
        assert list(tmp_path.glob("ecrtui-*")) == []  # every scratch directory removed
