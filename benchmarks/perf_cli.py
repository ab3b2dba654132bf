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
first, as pip does when it installs a package. When a target misses, ecrtui's command runs once
more under py-spy, and the table is followed by where its time went. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from perf_common import (
    AWS,
    ECRTUI,
    Limit,
    Row,
    attach_profile,
    create_repositories,
    local_backend,
    run,
    run_alone,
    timed,
)
from perf_profile import profile_command

PEER = "aws CLI"
SKELETON_TARGET = 0.35
LISTING_TARGET = 0.65
SMALL, LARGE = 3, 10_000


def side_by_side(
    task: str, target: float, ours: tuple[str, ...], peer: tuple[str, ...], runs: int
) -> Row:
    """Samples of both commands, taken in turns after one untimed run of each; if the target
    misses, the profile of one more run of ecrtui's."""
    run(*ours), run(*peer)
    ecrtui_samples: list[float] = []
    peer_samples: list[float] = []
    for _ in range(runs):
        ecrtui_samples.append(timed(lambda: run(*ours)))
        peer_samples.append(timed(lambda: run(*peer)))
    row = Row(task, ecrtui_samples, PEER, peer_samples, target=target)
    attach_profile([row], lambda: profile_command(ours))
    return row


def skeleton_row(runs: int) -> Row:
    command = ("complete-layer-upload", "--generate-cli-skeleton")
    return side_by_side(
        " ".join(command), SKELETON_TARGET, (ECRTUI, *command), (AWS, "ecr", *command), runs
    )


def listing_row(url: str, count: int, runs: int) -> Row:
    ours = (ECRTUI, "describe-repositories", "--endpoint-url", url)
    peer = (AWS, "ecr", "describe-repositories", "--endpoint-url", url)
    if run(*ours) != run(*peer):
        raise RuntimeError(f"ecrtui and the aws CLI list the {count} repositories differently")
    task = f"describe-repositories, {count:,} repositories"
    row = side_by_side(task, LISTING_TARGET, ours, peer, runs)
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
