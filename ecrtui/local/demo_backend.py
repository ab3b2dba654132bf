"""The demo's local backend in a process of its own, so `ecrtui --demo` uses a second core.

The console starts it before its first frame (`DemoBackendProcess.start`, which only spawns);
the backend imports moto, starts on 127.0.0.1, seeds the demo registry (`LocalEcr.seed_demo`, as
`ecrtui local-ecr --seed demo` does) and writes one line of JSON on its stdout: the description of
the registry (`ecrtui.local.seed.registry_to_json`), once the seed's own uploads are in flight.
The console reads it off the UI thread (`DemoBackendProcess.registry`). Until the seed is done,
the backend answers the console's GetCallerIdentity, then its ECR calls; CloudTrail and the
registry face wait for the end (`LocalEcr.hold`).

The backend stops, removing what it stored, when its stdin ends: the console closing it, or the
console's process ending in any way, SIGKILL included, since the kernel closes the pipe then. It
stops the same way on SIGTERM, SIGINT or SIGHUP (its terminal hanging up). Its stderr goes to a
file beside the demo journal, shown when it fails to start.

    python -m ecrtui.local.demo_backend --files-dir DIR --listen-fd FD [--upload-id-seed N]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from ecrtui.local.seed import DemoRegistry

LISTEN_BACKLOG = 128
BACKEND_NICENESS = 5
START_TIMEOUT = 60.0  # seconds to start and seed; a loaded machine took 5
STOP_TIMEOUT = 10.0  # seconds to stop and remove its files before it is killed


class DemoBackendError(RuntimeError):
    """The demo backend did not start; the message ends with what it wrote on stderr."""


class DemoBackendProcess:
    """The console's handle on the demo backend process."""

    def __init__(self, files_dir: Path, port: int = 0, upload_id_seed: int | None = None) -> None:
        self.files_dir = files_dir
        self.port = port
        self.upload_id_seed = upload_id_seed
        self.log_path = files_dir.parent / "demo-backend.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._endpoint_url: str | None = None
        self._registry: DemoRegistry | None = None
        self._lock = threading.Lock()

    @classmethod
    def in_scratch_dir(cls, port: int = 0, upload_id_seed: int | None = None) -> DemoBackendProcess:
        """One whose files (and the demo journal beside them) go in a new demo scratch
        directory (`ecrtui.local.scratch`), removed when the console ends."""
        from ecrtui.local.scratch import scratch_dir

        return cls(scratch_dir("demo") / "layers", port, upload_id_seed)

    @property
    def demo_dir(self) -> Path:
        """The directory of its files, where the console keeps the demo journal too."""
        return self.files_dir.parent

    def start(self) -> DemoBackendProcess:
        """Bind its socket here (so `endpoint_url` is known at once), spawn the backend on it,
        and return; `registry` waits for the seed. Requests sent meanwhile wait in the socket's
        backlog until the backend serves them."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listening:
            # a fixed port is free again as soon as the last backend on it stopped, even while
            # its closed connections linger (TIME_WAIT); a backend still listening keeps it
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listening.bind(("127.0.0.1", self.port))
            listening.listen(LISTEN_BACKLOG)
            host, port = listening.getsockname()[:2]
            argv = [sys.executable, "-m", "ecrtui.local.demo_backend"]
            argv += ["--files-dir", str(self.files_dir), "--listen-fd", str(listening.fileno())]
            if self.upload_id_seed is not None:
                argv += ["--upload-id-seed", str(self.upload_id_seed)]
            self.files_dir.parent.mkdir(parents=True, exist_ok=True)
            with self.log_path.open("wb") as log:
                self._process = subprocess.Popen(
                    argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=log,
                    pass_fds=(listening.fileno(),),
                )
        # this process keeps no copy of the socket: when the backend ends, so does the port
        self._endpoint_url = f"http://{host}:{port}"
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def registry(self, timeout: float = START_TIMEOUT) -> DemoRegistry:
        """The seeded registry's description, once the backend is ready (blocks until then)."""
        from ecrtui.local.seed import registry_from_json

        with self._lock:
            if self._registry is not None:
                return self._registry
            process = self._process
            if process is None or process.stdout is None:
                raise DemoBackendError("the demo backend was not started")
            line = _read_line(process.stdout, timeout)
            if not line:
                self.stop()
                raise DemoBackendError(f"the demo backend did not start: {self._log_tail()}")
            self._registry = registry_from_json(line.decode())
            return self._registry

    @property
    def endpoint_url(self) -> str:
        if self._endpoint_url is None:
            raise DemoBackendError("the demo backend was not started")
        return self._endpoint_url

    def stop(self) -> None:
        """Close its stdin, so it stops and removes its files; kill it if it takes too long."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()

    def _log_tail(self) -> str:
        try:
            text = self.log_path.read_text(errors="replace").strip()
        except OSError:
            text = ""
        return text[-2000:] or "it wrote nothing"


def _read_line(stream: IO[bytes], timeout: float) -> bytes:
    """One line, or b"" when the stream ends or nothing comes within `timeout` seconds. Read
    on the calling thread: a reader thread would wait its turn for the interpreter while the
    console draws its first frames."""
    readable, _, _ = select.select([stream], [], [], timeout)
    return stream.readline() if readable else b""


# -- the backend process itself -------------------------------------------------------------------

STOP_SIGNALS = tuple(
    getattr(signal.Signals, name)
    for name in ("SIGTERM", "SIGINT", "SIGHUP")
    if hasattr(signal, name)
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecrtui.local.demo_backend")
    parser.add_argument("--files-dir", type=Path, required=True)
    parser.add_argument("--listen-fd", type=int, required=True)
    parser.add_argument("--upload-id-seed", type=int, default=None)
    args = parser.parse_args(argv)
    # Off until the seed is in: what moto loads and the seed makes all lives on, and walking it
    # again and again slowed the start by a tenth.
    gc.disable()
    if hasattr(os, "nice"):  # where the two share a core, the console's frames come first
        os.nice(BACKEND_NICENESS)

    stopped = threading.Event()
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda *_: stopped.set())
    threading.Thread(target=_wait_for_end_of_input, args=(stopped,), daemon=True).start()

    from ecrtui.local.seed import SourceFiles, registry_to_json

    # the stuck uploads' files are made and written while moto is imported
    sources = SourceFiles(args.files_dir)

    from ecrtui.local.rules import BackendSettings
    from ecrtui.local.server import LocalEcr

    settings = BackendSettings(upload_id_seed=args.upload_id_seed)
    backend = LocalEcr(settings=settings, listen_fd=args.listen_fd)
    try:
        backend.start(serving=False)
        if not stopped.is_set():
            # The console's requests wait for the registry, but for its GetCallerIdentity; its
            # journal is written from the description meanwhile. Its ECR calls go on while the
            # uploads docker leaves (seen only in CloudTrail and through /v2/) are made.
            backend.hold()
            backend.serve()

            def describe(registry: DemoRegistry) -> None:
                with contextlib.suppress(BrokenPipeError):  # the console is gone already
                    sys.stdout.write(registry_to_json(registry) + "\n")
                    sys.stdout.flush()
                backend.release_api()

            backend.seed_demo(args.files_dir, sources, uploads_left=describe)
            del sources  # ~40 MB of bytes, on disk now
            backend.release()
            gc.freeze()
            gc.enable()
        stopped.wait()
    finally:
        backend.stop()
    return 0


def _wait_for_end_of_input(stopped: threading.Event) -> None:
    """Set `stopped` when stdin ends: the console closed it, or its process is gone."""
    try:
        while os.read(sys.stdin.fileno(), 4096):
            pass
    except OSError:
        pass
    stopped.set()


if __name__ == "__main__":
    raise SystemExit(main())
