"""A progress bar on stderr for pushes: bytes, percent, rate and time left, in human units."""

from __future__ import annotations

import datetime
import sys
import time
from typing import TextIO

import humanize

from ecrtui.uploads.engine import Progress

WIDTH = 24


def describe(progress: Progress, now: float | None = None) -> str:
    """One line: phase, bytes of total, percent, a bar, rate and time left."""
    now = time.time() if now is None else now
    done, total = progress.done, progress.total
    percent = 100 * progress.fraction
    filled = int(WIDTH * progress.fraction)
    bar = "#" * filled + "-" * (WIDTH - filled)
    line = f"{progress.phase:<10} {_size(done)} / {_size(total)} {percent:5.1f}% [{bar}]"
    elapsed = now - progress.started_at
    if progress.phase == "uploading" and elapsed > 0.5 and done:
        rate = done / elapsed
        left = (total - done) / rate if rate else 0
        line += f" {_size(rate)}/s, {humanize.naturaldelta(datetime.timedelta(seconds=left))} left"
    return line


def _size(count: float) -> str:
    return str(humanize.naturalsize(count, binary=True, format="%.1f"))


class ProgressBar:
    """Redraws one line on a terminal; on anything else, writes a line per phase change."""

    def __init__(self, stream: TextIO | None = None, min_interval: float = 0.1) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.min_interval = min_interval
        self._last_draw = 0.0
        self._last_phase = ""

    def __call__(self, progress: Progress) -> None:
        now = time.time()
        changed = progress.phase != self._last_phase
        if self.tty:
            if changed or now - self._last_draw >= self.min_interval:
                self.stream.write("\r\033[K" + describe(progress, now))
                self.stream.flush()
                self._last_draw = now
        elif changed:
            self.stream.write(describe(progress, now) + "\n")
        self._last_phase = progress.phase

    def finish(self) -> None:
        if self.tty and self._last_phase:
            self.stream.write("\n")
            self.stream.flush()
