"""A progress bar on stderr for pushes: bytes, percent, rate and time left, in human units."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from ecrtui.uploads.engine import Progress
from ecrtui.uploads.progress_text import describe


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
