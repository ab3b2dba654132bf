"""What the performance benchmarks share: a local backend, timing, and the side-by-side table.

Every figure is a list of samples from one run; a row prints the median, min and max of ecrtui's
samples and of its peer's, and the ratio of the two medians, beside the target. Only 127.0.0.1 is
contacted: the backend is `ecrtui local-ecr` started here, and every client is pointed at it.

A figure that misses its target can carry a profile of one more run of what it timed, taken with
py-spy: the table is followed by a summary of where that run's time went, per process. With
ECRTUI_BENCH_FORCE_MISS=1 in the environment every target and bound is 0, so every figure that has
one misses: a way to see the profiles without a slow machine.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
ECRTUI = str(BIN / "ecrtui")
AWS = str(BIN / "aws")

# Credentials the local backend accepts; no AWS config of the user's is read.
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "BENCHMARK",
    "AWS_SECRET_ACCESS_KEY": "benchmark",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_PAGER": "",
}

# Every target and bound is 0 (and missed) when this is set: for checking the profiles' path.
FORCE_MISS = os.environ.get("ECRTUI_BENCH_FORCE_MISS") == "1"


@dataclass
class Row:
    """One task, timed for ecrtui and for its peer in the same run."""

    task: str
    ecrtui: list[float]
    peer_name: str
    peer: list[float]
    target: float | None = None  # the highest ratio ecrtui / peer allowed
    unit: str = "s"
    notes: list[str] = field(default_factory=list)
    profile: str | None = None  # where the time of one more run of ecrtui's went, if it misses

    def __post_init__(self) -> None:
        if FORCE_MISS and self.target is not None:
            self.target = 0.0

    @property
    def ratio(self) -> float:
        return statistics.median(self.ecrtui) / statistics.median(self.peer)

    @property
    def holds(self) -> bool:
        return self.target is None or self.ratio <= self.target


@dataclass
class Limit:
    """One figure of ecrtui's against a fixed bound (seconds to first rows, ms per keystroke)."""

    task: str
    samples: list[float]
    bound: float
    unit: str = "s"
    profile: str | None = None  # where the time of one more run went, if it misses

    def __post_init__(self) -> None:
        if FORCE_MISS:
            self.bound = 0.0

    @property
    def holds(self) -> bool:
        return statistics.median(self.samples) <= self.bound


def spread(samples: list[float], unit: str) -> str:
    scale, digits = (1000.0, 1) if unit == "ms" else (1.0, 3)
    if unit == "MiB":
        scale, digits = 1.0, 0
    median = statistics.median(samples) * scale
    return (
        f"{median:.{digits}f} ({min(samples) * scale:.{digits}f}-{max(samples) * scale:.{digits}f})"
    )


def print_rows(rows: list[Row], limits: list[Limit], runs: int) -> bool:
    """The table, in Markdown so the README can carry it as printed; True if every target holds."""
    print(f"medians of {runs} runs, (min-max), in one run on {os.cpu_count()} cores")
    print()
    print("| task | ecrtui | peer | peer figure | ratio | target | holds |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        target = f"≤ {row.target:.2f}x" if row.target is not None else ""
        print(
            f"| {row.task} | {spread(row.ecrtui, row.unit)} {row.unit} | {row.peer_name} "
            f"| {spread(row.peer, row.unit)} {row.unit} | {row.ratio:.2f}x | {target} "
            f"| {'yes' if row.holds else 'NO'} |"
        )
    for limit in limits:
        print(
            f"| {limit.task} | {spread(limit.samples, limit.unit)} {limit.unit} | | | "
            f"| ≤ {limit.bound * (1000 if limit.unit == 'ms' else 1):g} {limit.unit} "
            f"| {'yes' if limit.holds else 'NO'} |"
        )
    for row in rows:
        for note in row.notes:
            print(f"- {row.task}: {note}")
    print_profiles([*rows, *limits])
    return all(row.holds for row in rows) and all(limit.holds for limit in limits)


def print_profiles(figures: Sequence[Row | Limit]) -> None:
    """The profile of each figure that misses, in a fenced block; one taken for several figures
    is printed once."""
    printed: dict[str, str] = {}  # profile: the task it was printed under
    for figure in figures:
        if figure.holds or figure.profile is None:
            continue
        if printed.get(figure.profile) == figure.task:
            continue
        print()
        print(f"where the time goes: {figure.task}")
        print()
        if figure.profile in printed:
            print(f"(the profile under {printed[figure.profile]}, above)")
            continue
        printed[figure.profile] = figure.task
        print(f"```\n{figure.profile}\n```")


def attach_profile(figures: Sequence[Row | Limit], profile: Callable[[], str]) -> None:
    """If any of `figures` misses, take `profile()` once and give it to each that misses."""
    missed = [figure for figure in figures if not figure.holds]
    if missed:
        taken = profile()
        for figure in missed:
            figure.profile = taken


def timed(action: Callable[[], object]) -> float:
    began = time.perf_counter()
    action()
    return time.perf_counter() - began


def run(*command: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        command, check=True, capture_output=True, text=True, env=env or ENV
    ).stdout


@contextmanager
def local_backend(*options: str) -> Iterator[str]:
    """`ecrtui local-ecr` on 127.0.0.1 for the block; yields its endpoint URL."""
    server = subprocess.Popen(
        [ECRTUI, "local-ecr", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        server.kill()
        raise RuntimeError(f"ecrtui local-ecr did not start: {url!r}")
    try:
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def boto3_client(url: str, service: str = "ecr") -> object:
    import boto3

    return boto3.client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="BENCHMARK",
        aws_secret_access_key="benchmark",
    )


def create_repositories(url: str, count: int, prefix: str = "fleet/service-") -> list[str]:
    """`count` repositories named PREFIX00001…, created through the API on a few threads."""
    from concurrent.futures import ThreadPoolExecutor

    names = [f"{prefix}{index:05d}" for index in range(1, count + 1)]
    clients = [boto3_client(url) for _ in range(4)]

    def create(index: int) -> None:
        clients[index % len(clients)].create_repository(  # type: ignore[attr-defined]
            repositoryName=names[index]
        )

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        list(pool.map(create, range(count)))
    return names


def compile_ecrtui() -> None:
    """Write ecrtui's bytecode, as pip does on install: an editable checkout run with
    PYTHONDONTWRITEBYTECODE (set on some machines) would compile each changed module at every
    start, and time that."""
    import compileall

    import ecrtui

    compileall.compile_dir(str(Path(ecrtui.__file__).parent), quiet=1)


def run_alone(rows: Callable[[int], tuple[list[Row], list[Limit]]], default_runs: int) -> int:
    """A group run as a script: `python benchmarks/perf_X.py [RUNS]`; 1 if a target misses."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else default_runs
    compile_ecrtui()
    found, limits = rows(runs)
    return 0 if print_rows(found, limits, runs) else 1
