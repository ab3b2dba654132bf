"""How ecrtui holds up: faults on the wire, kills, hostile input, shared journals, a loaded backend.

    .venv/bin/python benchmarks/reliability.py [--scale small|full] [--only SCENARIO] [--seed N]
        [--layers N] [--kills N] [--inputs N] [--process-inputs N] [--processes N] [--rounds N]
        [--clients N] [--client-rounds N]

Prints one line per scenario: its figures, then `ok` or `FAIL: <targets missed>`; what failed a
target (the layer, the kill, the exact input, the request) follows on stderr. Exits 1 if any
target is missed. Everything runs on 127.0.0.1, against the local backend (`ecrtui local-ecr`)
or, for hostile input, a counting ECR-like server; never against AWS.

    faults       layers of 6-60 MiB pushed with `ecrtui push-layer` through a proxy that breaks
                 about 10% of requests (resets, timeouts, 5xx, throttling, truncated answers, ...):
                 every layer must end with the right digest
    crashes      pushes killed with SIGKILL at random moments, then `ecrtui resume`d: every one
                 recovered, no digest mismatch, the journal intact and true to what ECR holds
    hostile      generated inputs to the model validator, the command line (in-process, and some
                 as processes), the --cli-input-json/yaml readers, the part-size parser and the
                 console's form validators: no crash, no hang, no exit the aws CLI does not
                 define, no invalid request on the network
    concurrency  pushes, resumes, discovery and forget from several processes on one journal: no
                 row lost or corrupt, each in the state its process printed
    backend      the backend under concurrent clients, half-open connections, oversize bodies and
                 malformed manifests: no error but 4xx, bounded memory, no thread left behind

`--scale small` runs each scenario small, in about a minute in all (tests/test_reliability.py
runs it so); `full` at full size, in about half an hour on two cores. The size options change one
figure of the chosen scale, for a quick trial. Each scenario lives in its benchmarks/reliability_*
module; `--seed` makes every random choice again, so a failure can be run again.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.reliability_common import Outcome, Scale

ROOT = Path(__file__).resolve().parent.parent


# scenario -> (module, function), imported when it runs
SCENARIOS = {
    "faults": ("benchmarks.reliability_faults", "run_faults"),
    "crashes": ("benchmarks.reliability_crashes", "run_crashes"),
    "hostile": ("benchmarks.reliability_inputs", "run_hostile"),
    "concurrency": ("benchmarks.reliability_concurrency", "run_concurrency"),
    "backend": ("benchmarks.reliability_backend", "run_backend"),
}


def scenario(name: str) -> Callable[[Scale, int], Outcome]:
    """The function that runs a scenario: (scale, seed) -> Outcome."""
    module, function = SCENARIOS[name]
    run: Callable[[Scale, int], Outcome] = getattr(importlib.import_module(module), function)
    return run


def main() -> int:
    sys.path.insert(0, str(ROOT))  # benchmarks and tests import as packages, from anywhere
    from benchmarks.reliability_common import SCALES, scaled

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=["small", "full"], default="full")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(SCENARIOS),
        help="run this scenario (repeat for several; default: all)",
    )
    parser.add_argument("--seed", type=int, default=1, help="the seed of every random choice")
    parser.add_argument("--layers", type=int, help="faults: layers to push")
    parser.add_argument("--kills", type=int, help="crashes: pushes to kill")
    parser.add_argument("--inputs", type=int, help="hostile: inputs to try")
    parser.add_argument("--process-inputs", type=int, help="hostile: of which run as processes")
    parser.add_argument("--processes", type=int, help="concurrency: processes on one journal")
    parser.add_argument("--rounds", type=int, help="concurrency: rounds of commands each")
    parser.add_argument("--clients", type=int, help="backend: concurrent clients")
    parser.add_argument("--client-rounds", type=int, help="backend: pushes each client makes")
    args = parser.parse_args()
    scale = scaled(
        SCALES[args.scale],
        layers=args.layers,
        kills=args.kills,
        inputs=args.inputs,
        process_inputs=args.process_inputs,
        processes=args.processes,
        rounds=args.rounds,
        clients=args.clients,
        client_rounds=args.client_rounds,
    )
    names = args.only or list(SCENARIOS)
    print(f"ecrtui reliability, scale {scale.name}, seed {args.seed}", flush=True)
    began = time.monotonic()
    failed = False
    for name in names:
        outcome = scenario(name)(scale, args.seed)
        print(f"{outcome.line()}   ({outcome.seconds:.0f} s)", flush=True)
        if outcome.failures:
            print(outcome.report(limit=60).split("\n", 1)[1], file=sys.stderr, flush=True)
        failed = failed or not outcome.ok
    print(f"{time.monotonic() - began:.0f} s in all", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
