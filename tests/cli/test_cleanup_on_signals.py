"""`ecrtui local-ecr` and `ecrtui --demo` remove their temp directories however they are stopped.

Each run gets its own TMPDIR, so what a process made there is all that is listed. A stop signal,
or the terminal hanging up, must leave nothing behind; SIGKILL cannot be caught, so what it leaves
the next start removes.
"""

from __future__ import annotations

import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import make_client
from tests.processes import gone

pty = pytest.importorskip("pty", reason="these tests need POSIX signals and a pseudo-terminal")
fcntl = pytest.importorskip("fcntl")
termios = pytest.importorskip("termios")

STOP_SIGNALS = [signal.SIGTERM, signal.SIGINT, signal.SIGHUP]


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test's environment (dummy AWS credentials), with TMPDIR and the state dir in tmp_path."""
    return {
        **os.environ,
        "TMPDIR": str(tmp_path),
        "ECRTUI_STATE_DIR": str(tmp_path / "state"),
        **extra,
    }


def scratch_dirs(tmp_path: Path) -> list[Path]:
    """Every ecrtui scratch directory in tmp_path, whoever made it."""
    return sorted(tmp_path.glob("ecrtui-*"))


def made_by(process: subprocess.Popen[str], tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob(f"ecrtui-local-ecr-{process.pid}-*"))


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up after {timeout:.0f}s waiting for {what}"
        time.sleep(0.1)


# -- ecrtui local-ecr --------------------------------------------------------------------------


@contextmanager
def local_ecr(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`ecrtui local-ecr` in the background, and the endpoint URL it printed first."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ecrtui", "local-ecr"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=child_env(tmp_path),
    )
    try:
        assert process.stdout is not None
        yield process, process.stdout.readline().strip()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        assert process.stdout is not None
        process.stdout.close()


def spill_an_upload(url: str) -> None:
    """Send one part, so the backend's directory holds a spill file."""
    client = make_client(url)
    client.create_repository(repositoryName="cleanup/check")
    upload_id = client.initiate_layer_upload(repositoryName="cleanup/check")["uploadId"]
    client.upload_layer_part(
        repositoryName="cleanup/check",
        uploadId=upload_id,
        partFirstByte=0,
        partLastByte=2,
        layerPartBlob=b"abc",
    )


@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_local_ecr_removes_its_directory_when_stopped_by(
    signum: signal.Signals, tmp_path: Path
) -> None:
    with local_ecr(tmp_path) as (process, url):
        spill_an_upload(url)
        made = scratch_dirs(tmp_path)
        assert made == made_by(process, tmp_path) and len(made) == 1
        assert any((made[0] / "uploads").iterdir())
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
    assert scratch_dirs(tmp_path) == []


def test_a_killed_local_ecr_leaves_its_directory_and_the_next_start_removes_it(
    tmp_path: Path,
) -> None:
    with local_ecr(tmp_path) as (process, url):
        spill_an_upload(url)
        process.kill()
        process.wait(timeout=10)
    left = scratch_dirs(tmp_path)
    assert len(left) == 1 and any((left[0] / "uploads").iterdir())

    with local_ecr(tmp_path) as (process, url):
        assert url.startswith("http://")
        assert not left[0].exists()
        made = scratch_dirs(tmp_path)
        assert made == made_by(process, tmp_path) and len(made) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert scratch_dirs(tmp_path) == []


# -- ecrtui --demo in a terminal ---------------------------------------------------------------


class Console:
    """`ecrtui --demo` on a pseudo-terminal it controls, its output read and thrown away."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        env = child_env(tmp_path, TERM="xterm-256color", COLUMNS="160", LINES="48")
        argv = [sys.executable, "-m", "ecrtui", "--demo"]
        self.pid, self.master = pty.fork()
        if self.pid == 0:  # the child: a session leader, the pty its controlling terminal
            try:
                os.execve(sys.executable, argv, env)
            finally:
                os._exit(127)
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))
        self.status: int | None = None
        self.output = bytearray()  # the last of what the console wrote, for failure messages
        self._reading = threading.Event()
        self._reading.set()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Keep the terminal drained, so the console never blocks writing a frame."""
        while self._reading.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.1)
                data = os.read(self.master, 65536) if ready else b"."
            except OSError:  # the console exited and the terminal went with it
                return
            if not data:
                return
            self.output = (self.output + data)[-4000:] if ready else self.output

    def dirs(self) -> tuple[list[Path], list[Path]]:
        """The demo's directories, named for this console, and the local backend's (named for
        the demo backend process the console started)."""
        return (
            list(self.tmp_path.glob(f"ecrtui-demo-{self.pid}-*")),
            list(self.tmp_path.glob("ecrtui-local-ecr-*")),
        )

    def backend_pids(self) -> list[int]:
        """The demo backend processes this console started, by their directories."""
        return [int(path.name.split("-")[3]) for path in self.dirs()[1]]

    def ready(self) -> bool:
        """Both directories exist and the demo journal is in place."""
        if self.exited():
            tail = bytes(self.output).decode(errors="replace")
            raise AssertionError(f"the console exited on its own ({self.status}): {tail}")
        demo, backend = self.dirs()
        return len(demo) == len(backend) == 1 and (demo[0] / "journal.sqlite3").exists()

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = status
        return self.status is not None

    def hang_up(self) -> None:
        """Close the terminal, as closing a terminal window or `tmux kill-session` does."""
        self._reading.clear()
        self._reader.join()
        os.close(self.master)
        self.master = -1

    def close(self) -> None:
        if not self.exited():
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        if self.master != -1:
            self._reading.clear()
            self._reader.join()
            os.close(self.master)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[Console]:
    running = Console(tmp_path)
    try:
        wait_until(running.ready, 30, "the demo's directories and journal")
        yield running
    finally:
        running.close()


def exit_code(console: Console, timeout: float = 20) -> int:
    wait_until(console.exited, timeout, "the console to exit")
    assert console.status is not None
    return os.waitstatus_to_exitcode(console.status)


@pytest.mark.parametrize("signum", STOP_SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_the_demo_console_removes_its_directories_when_stopped_by(
    signum: signal.Signals, console: Console, tmp_path: Path
) -> None:
    [backend] = console.backend_pids()
    os.kill(console.pid, signum)
    assert exit_code(console) == 0
    assert scratch_dirs(tmp_path) == []
    assert gone(backend)


def test_the_demo_console_removes_its_directories_when_its_terminal_closes(
    console: Console, tmp_path: Path
) -> None:
    console.hang_up()
    assert exit_code(console) == 0
    assert scratch_dirs(tmp_path) == []


def test_a_killed_demo_console_leaves_its_directory_and_a_backend_start_removes_it(
    console: Console, tmp_path: Path
) -> None:
    """Its demo backend, a process of its own, sees the console's end and removes its files;
    the console's own directory stays until the next start."""
    [backend] = console.backend_pids()
    os.kill(console.pid, signal.SIGKILL)
    assert exit_code(console) == -signal.SIGKILL
    wait_until(lambda: gone(backend), 20, "the demo backend to stop on its own")
    assert console.dirs()[1] == []
    demo, _ = console.dirs()
    assert (demo[0] / "journal.sqlite3").exists()

    with local_ecr(tmp_path) as (process, _url):
        assert not demo[0].exists()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert scratch_dirs(tmp_path) == []


@pytest.mark.parametrize("pause", [0.0, 0.2, 0.5])
def test_the_demo_console_exits_when_its_terminal_closes_while_it_quits(
    pause: float, console: Console, tmp_path: Path
) -> None:
    """ctrl+q, then the window closes mid-exit (`tmux kill-session` right after a quit key): the
    process ends, rather than spin on a terminal that is gone."""
    os.write(console.master, b"\x11")  # ctrl+q
    time.sleep(pause)
    console.hang_up()
    os.kill(console.pid, signal.SIGHUP)
    assert exit_code(console) == 0
    assert scratch_dirs(tmp_path) == []
