"""Progress in words: bytes, percent, a bar, rate and time left, in human units."""

from __future__ import annotations

import datetime
import time

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
    line = f"{progress.phase:<10} {size(done)} / {size(total)} {percent:5.1f}% [{bar}]"
    rate = rate_and_time_left(progress, now)
    return f"{line} {rate}" if rate else line


def size(count: float) -> str:
    return str(humanize.naturalsize(count, binary=True, format="%.1f"))


def rate_and_time_left(progress: Progress, now: float | None = None) -> str:
    """'41.2 MiB/s, 2 seconds left', or '' before there is a rate to tell."""
    now = time.time() if now is None else now
    elapsed = now - progress.started_at
    if progress.phase != "uploading" or elapsed <= 0.5 or not progress.done:
        return ""
    rate = progress.done / elapsed
    left = (progress.total - progress.done) / rate
    return f"{size(rate)}/s, {humanize.naturaldelta(datetime.timedelta(seconds=left))} left"
