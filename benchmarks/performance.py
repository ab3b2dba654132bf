"""Every performance figure of ecrtui, beside its peers, in one run.

    .venv/bin/python benchmarks/performance.py [--runs N] [--only cli,push,console,demo]

Runs the groups one after the other (each starts its own `ecrtui local-ecr` on 127.0.0.1) and
prints one Markdown table: for each task ecrtui's median (min-max), its peer's from the same run
(the aws CLI, a plain boto3 loop, ecrtui's own CLI or a minimal Textual app), the ratio of the
medians and the target. Exits 1 if a target does not hold. Run it on a quiet machine: the figures
are wall times. The groups also run alone: `python benchmarks/perf_push.py 3`.

Where a target does not hold, the group profiles one more run of what missed with py-spy (in the
dev extra) and the table is followed by where its time went, per process: the share spent
importing modules, the heaviest functions of ecrtui's code, the heaviest functions overall. To see
that path on any machine, set ECRTUI_BENCH_FORCE_MISS=1: every target and bound is then 0, so
every figure that has one misses (`ECRTUI_BENCH_FORCE_MISS=1 python benchmarks/perf_demo.py 1`).
"""

from __future__ import annotations

import argparse
import importlib
import multiprocessing
import os
import platform
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from perf_common import AWS, Limit, Row, compile_ecrtui, print_rows

SETTLE = 3.0  # seconds between groups, once the disk has what they wrote

GROUPS = {
    "cli": "perf_cli",
    "push": "perf_push",
    "console": "perf_console",
    "demo": "perf_demo",
}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    aws = subprocess.run([AWS, "--version"], capture_output=True, text=True).stdout.split()
    return (
        f"{model}, {len(os.sched_getaffinity(0))} cores, "
        f"Python {platform.python_version()}, {aws[0] if aws else 'aws CLI'}"
    )


def run_group(name: str, runs: int) -> tuple[list[Row], list[Limit]]:
    rows: tuple[list[Row], list[Limit]] = importlib.import_module(GROUPS[name]).rows(runs)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="samples per figure (default: 5)")
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"comma-separated groups to run (default: {','.join(GROUPS)})",
    )
    options = parser.parse_args()
    chosen = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s): {', '.join(unknown)}")

    rows: list[Row] = []
    limits: list[Limit] = []
    compile_ecrtui()
    began = time.perf_counter()
    for name in chosen:
        group_began = time.perf_counter()
        print(f"running {name} …", file=sys.stderr, flush=True)
        # what the last group wrote (layers, journals, 10,000 repositories) reaches the disk
        # before this one is timed: writeback slows every process start meanwhile
        os.sync()
        time.sleep(SETTLE)
        # each group in a fresh process: one group's imports and threads cannot slow another's
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
            group_rows, group_limits = pool.submit(run_group, name, options.runs).result()
        rows += group_rows
        limits += group_limits
        print(f"  {name}: {time.perf_counter() - group_began:.0f} s", file=sys.stderr, flush=True)
    print(machine())
    holds = print_rows(rows, limits, options.runs)
    print(f"\n{time.perf_counter() - began:.0f} s in all; every target holds: {holds}")
    return 0 if holds else 1


if __name__ == "__main__":
    raise SystemExit(main())
