"""The headless command line beside the aws CLI: a skeleton, and describe-repositories.

    .venv/bin/python benchmarks/perf_cli.py [RUNS]

Each figure is a whole command, as an operator runs it (process start to exit):

- `complete-layer-upload --generate-cli-skeleton`: nothing is sent; the command reads the
  operation's model and prints the input skeleton.
- `describe-repositories` against `ecrtui local-ecr` holding 3 repositories, then 10,000 (the
  whole listing, every page fetched). Both commands print the same JSON, byte for byte; this
  script checks it once before timing.

ecrtui and the aws CLI run in turns in the same loop, after one untimed run of each (caches warm);
the table shows the medians of RUNS runs (default 5). ecrtui's modules are compiled to bytecode
first, as pip does when it installs a package. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from perf_common import (
    AWS,
    ECRTUI,
    Limit,
    Row,
    create_repositories,
    local_backend,
    run,
    run_alone,
    timed,
)

PEER = "aws CLI"
SKELETON_TARGET = 0.35
LISTING_TARGET = 0.65
SMALL, LARGE = 3, 10_000


def side_by_side(
    task: str, target: float, ours: Callable[[], object], peer: Callable[[], object], runs: int
) -> Row:
    """Samples of both commands, taken in turns after one untimed run of each."""
    ours(), peer()
    ecrtui_samples: list[float] = []
    peer_samples: list[float] = []
    for _ in range(runs):
        ecrtui_samples.append(timed(ours))
        peer_samples.append(timed(peer))
    return Row(task, ecrtui_samples, PEER, peer_samples, target=target)


def skeleton_row(runs: int) -> Row:
    command = ("complete-layer-upload", "--generate-cli-skeleton")
    return side_by_side(
        " ".join(command),
        SKELETON_TARGET,
        lambda: run(ECRTUI, *command),
        lambda: run(AWS, "ecr", *command),
        runs,
    )


def listing_row(url: str, count: int, runs: int) -> Row:
    ours = (ECRTUI, "describe-repositories", "--endpoint-url", url)
    peer = (AWS, "ecr", "describe-repositories", "--endpoint-url", url)
    if run(*ours) != run(*peer):
        raise RuntimeError(f"ecrtui and the aws CLI list the {count} repositories differently")
    task = f"describe-repositories, {count:,} repositories"
    row = side_by_side(task, LISTING_TARGET, lambda: run(*ours), lambda: run(*peer), runs)
    if count > 100:
        row.notes.append(
            "ecrtui fetches a whole listing in pages of 1,000 (the model's maxResults), "
            "the aws CLI in the service's default pages of 100"
        )
    return row


def rows(runs: int) -> tuple[list[Row], list[Limit]]:
    found = [skeleton_row(runs)]
    with local_backend() as url:
        create_repositories(url, SMALL, prefix="small/service-")
        found.append(listing_row(url, SMALL, runs))
        create_repositories(url, LARGE - SMALL)
        found.append(listing_row(url, LARGE, runs))
    return found, []


def main() -> int:
    return run_alone(rows, 5)


if __name__ == "__main__":
    raise SystemExit(main())
