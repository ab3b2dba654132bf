"""How long `ecrtui --demo` takes to show its first frame, and the demo registry, from start.

    .venv/bin/python benchmarks/perf_demo.py [RUNS]

Starts `ecrtui --demo` in a pseudo-terminal (120x40) and times, from the moment the process is
started, the first bytes of its screen (the header's "ecrtui"); the moment the demo registry is
drawn: the uploads in flight with their verdicts, the last of them being the one only ECR's
layer check can give ("complete-able" and "needs resume" need the backend seeded and the journal
read; "already there" needs ECR's answer to BatchCheckLayerAvailability too);
and the moment the two uploads "docker" left are added, found in the demo backend's CloudTrail.
That last one reads CloudTrail at its documented 2 requests a second: three LookupEvents (one
per layer call) take half a second of waiting at least, so it has no bound here. The peer is a
minimal Textual app (a Header and a Label) started the same way, timed to its first frame. Each
run starts both, one after the other, so they share the machine's load. Only 127.0.0.1 is
contacted (the demo's own backend).

When the demo registry takes longer than its bound, one more `ecrtui --demo` runs under py-spy
until the registry is on screen, and the table is followed by where its time went.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from perf_common import (
    ECRTUI,
    ENV,
    Limit,
    Row,
    attach_profile,
    run_alone,
)
from perf_profile import PY_SPY_MISSING, profile_text, py_spy_command

COLUMNS, LINES = 120, 40
# On screen once the demo registry is drawn: verdicts from the journal, and the one from ECR's
# layer check (the seed's second push of a layer base/python has)
DEMO_REGISTRY_DRAWN = (b"complete-able", b"needs resume", b"already there")
# and once the uploads found in CloudTrail are added: all eight counted, docker's among them
CLOUDTRAIL_FINDS_DRAWN = (b"Uploads (8)", b"platform/otel-collector")
FIRST_FRAME = b"ecrtui"
PEER_TEXT = b"peer is ready"
REGISTRY_BOUND = 1.0  # seconds from start to the demo registry on screen
GIVE_UP = 60.0
STOP_WAIT = 30.0  # seconds for a stopped command, then for what it left in its session, to end

MINIMAL_APP = f"""
from textual.app import App
from textual.widgets import Header, Label


class Minimal(App[None]):
    def compose(self):
        yield Header()
        yield Label("{PEER_TEXT.decode()}")


Minimal().run()
"""


def on_screen(
    argv: list[str],
    *texts: bytes,
    stop: signal.Signals = signal.SIGTERM,
    env: dict[str, str] | None = None,
) -> list[float]:
    """Start `argv` in a pseudo-terminal, in a session of its own; seconds from its start until
    each text has appeared in what it wrote (each text on its own), then stop it with `stop` and
    end what it left in its session. `env` is added to the environment."""
    environment = {
        **ENV,
        "TERM": "xterm-256color",
        "COLUMNS": str(COLUMNS),
        "LINES": str(LINES),
        **(env or {}),
    }
    main, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    began = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=child, stdout=child, stderr=child, env=environment, start_new_session=True
    )
    os.close(child)
    seen = b""
    found: dict[bytes, float] = {}
    try:
        while len(found) < len(texts):
            if time.perf_counter() - began > GIVE_UP:
                raise RuntimeError(f"{argv[0]} showed none of {texts!r} in {GIVE_UP:.0f} s")
            readable, _, _ = select.select([main], [], [], 0.02)
            if not readable:
                continue
            seen += os.read(main, 65536)
            now = time.perf_counter() - began
            for text in texts:
                if text not in found and text in seen:
                    found[text] = now
    finally:
        # SIGTERM: the console stops its demo backend; SIGINT: py-spy writes its stacks
        process.send_signal(stop)
        wait_reading(process, main)
        end_session(process.pid)
        os.close(main)
    return [found[text] for text in texts]


def wait_reading(process: subprocess.Popen[bytes], main: int) -> None:
    """Wait for `process` to end, reading what it writes meanwhile, so that it never waits on a
    full terminal; kill it if it takes longer than STOP_WAIT."""
    deadline = time.monotonic() + STOP_WAIT
    while process.poll() is None and time.monotonic() < deadline:
        if select.select([main], [], [], 0.05)[0]:
            try:
                os.read(main, 65536)
            except OSError:  # no process holds the terminal any more
                break
    try:
        process.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def end_session(leader: int) -> None:
    """SIGTERM to what is left in the process group `leader` led (a demo backend whose console
    py-spy killed), and wait for it to end (SIGKILL after STOP_WAIT)."""
    deadline = time.monotonic() + STOP_WAIT
    try:
        os.killpg(leader, signal.SIGTERM)
        while time.monotonic() < deadline:
            time.sleep(0.05)
            os.killpg(leader, 0)
        os.killpg(leader, signal.SIGKILL)
    except ProcessLookupError:  # nothing left
        pass


def demo_profile() -> str:
    """One more `ecrtui --demo` under py-spy, stopped (SIGINT) once the demo registry is on
    screen; the summary of its profile."""
    with tempfile.TemporaryDirectory(prefix="ecrtui-profile-") as temp:
        raw = Path(temp) / "stacks.txt"
        spy = py_spy_command(raw)
        if spy is None:
            return PY_SPY_MISSING
        demo = [ECRTUI, "--demo"]
        try:  # the demo's scratch directory in `temp` too
            on_screen([*spy, *demo], *DEMO_REGISTRY_DRAWN, stop=signal.SIGINT, env={"TMPDIR": temp})
        except RuntimeError as error:
            return f"{error}\n{profile_text(raw, str(error), ' '.join(demo))}"
        return profile_text(raw, "", " ".join(demo))


def demo_times() -> tuple[float, float, float]:
    """(first frame, demo registry on screen, CloudTrail's finds on screen) of one
    `ecrtui --demo`."""
    texts = (FIRST_FRAME, *DEMO_REGISTRY_DRAWN, *CLOUDTRAIL_FINDS_DRAWN)
    first, *drawn = on_screen([ECRTUI, "--demo"], *texts)
    registry = len(DEMO_REGISTRY_DRAWN)
    return first, max(drawn[:registry]), max(drawn[registry:])


def peer_time() -> float:
    return on_screen([sys.executable, "-c", MINIMAL_APP], PEER_TEXT)[0]


def rows(runs: int) -> tuple[list[Row], list[Limit]]:
    first_frames: list[float] = []
    registries: list[float] = []
    finds: list[float] = []
    peers: list[float] = []
    for _ in range(runs):
        os.sync()  # the last run's 80 MB of demo layers are on disk, not being written back
        first, registry, found = demo_times()
        first_frames.append(first)
        registries.append(registry)
        finds.append(found)
        peers.append(peer_time())
    peer_name = "a minimal Textual app's first frame"
    bounded = Limit("ecrtui --demo, demo registry on screen", registries, REGISTRY_BOUND)
    attach_profile([bounded], demo_profile)
    return (
        [
            Row("ecrtui --demo, first frame", first_frames, peer_name, peers),
            Row("ecrtui --demo, demo registry on screen", registries, peer_name, peers),
            Row("ecrtui --demo, CloudTrail's finds added", finds, peer_name, peers),
        ],
        [bounded],
    )


def main() -> int:
    return run_alone(rows, 5)


if __name__ == "__main__":
    raise SystemExit(main())
