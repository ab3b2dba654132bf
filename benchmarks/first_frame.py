"""How long until the console shows its first frame, beside what it would cost to wait for boto3.

    .venv/bin/python benchmarks/first_frame.py [RUNS]

Starts `ecrtui --demo` in a pseudo-terminal and times the first bytes of the screen (the header
line), then the moment the demo registry is on screen, and prints them next to the import time of
boto3 and of moto's server and the start-up time of `aws --version`, each in a fresh process.
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import os
import pty
import select
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def time_command(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - began


def console_frames() -> tuple[float, float]:
    """Seconds to the first frame, and to the seeded uploads being drawn."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    main, child = pty.openpty()
    began = time.perf_counter()
    process = subprocess.Popen(
        [str(BIN / "ecrtui"), "--demo"], stdin=child, stdout=child, stderr=child, env=env
    )
    os.close(child)
    seen = b""
    first = ready = 0.0
    try:
        while time.perf_counter() - began < 60 and not ready:
            readable, _, _ = select.select([main], [], [], 0.05)
            if not readable:
                continue
            seen += os.read(main, 65536)
            now = time.perf_counter() - began
            if not first and b"ecrtui" in seen:
                first = now
            if b"Uploads (6)" in seen:
                ready = now
    finally:
        process.terminate()
        process.wait(timeout=10)
        os.close(main)
    return first, ready


def main() -> int:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rows: dict[str, list[float]] = {
        "ecrtui --demo: first frame": [],
        "ecrtui --demo: demo registry on screen": [],
        "python -c 'import boto3'": [],
        "python -c 'import moto.server'": [],
        "aws --version": [],
    }
    for _ in range(runs):
        first, ready = console_frames()
        rows["ecrtui --demo: first frame"].append(first)
        rows["ecrtui --demo: demo registry on screen"].append(ready)
        rows["python -c 'import boto3'"].append(
            time_command([sys.executable, "-c", "import boto3"])
        )
        rows["python -c 'import moto.server'"].append(
            time_command([sys.executable, "-c", "import moto.server"])
        )
        rows["aws --version"].append(time_command([str(BIN / "aws"), "--version"]))
    print(f"{'what':<42}{'median s':>10}{'min s':>8}{'max s':>8}   ({runs} runs)")
    for name, values in rows.items():
        print(f"{name:<42}{statistics.median(values):>10.3f}{min(values):>8.3f}{max(values):>8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
