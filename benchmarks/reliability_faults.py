"""Layers pushed with `ecrtui push-layer` through a proxy that breaks a share of all requests.

Each layer (random sizes from a fixed seed) is pushed by its own `ecrtui push-layer` process,
with a short read timeout, through `ChaosProxy` in front of `ecrtui local-ecr`. A layer counts
as right when the command exits 0 printing the file's sha256 as the layer digest, the backend
reports the layer AVAILABLE with the file's size, the bytes it serves hash to that digest, and
the journal says completed.

Retries are the requests beyond those a push without faults sends (BatchCheckLayerAvailability,
InitiateLayerUpload, one UploadLayerPart per part, CompleteLayerUpload); bytes re-sent are the
UploadLayerPart bytes the proxy received beyond the layers' sizes.
"""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.reliability_common import (
    Backend,
    Done,
    MiB,
    Outcome,
    Scale,
    count,
    dummy_environment,
    ecrtui,
    ecrtui_env,
    journal_rows,
    layer_size,
    short,
    stored_digest,
    write_layer,
)
from benchmarks.reliability_proxy import KINDS, ChaosProxy

REPOSITORY = "reliability/faults"
READ_TIMEOUT = 1.5  # the pushes' --cli-read-timeout
FAULT_SECONDS = READ_TIMEOUT + 0.5  # how long "slow" and "stall_after" keep an answer back
ECR_PART_SIZE = 10 * MiB  # what the backend's InitiateLayerUpload advertises


def run_faults(scale: Scale, seed: int = 1) -> Outcome:
    began = time.monotonic()
    rng = random.Random(seed)
    sizes = [
        rng.randint(scale.layer_mib[0] * MiB, scale.layer_mib[1] * MiB) for _ in range(scale.layers)
    ]
    part_size = scale.part_mib * MiB if scale.part_mib else ECR_PART_SIZE
    options = ["--part-size", f"{scale.part_mib}MiB"] if scale.part_mib else []
    failures: list[str] = []
    right = 0
    with dummy_environment(), tempfile.TemporaryDirectory(prefix="ecrtui-faults-") as temp:
        work = Path(temp)
        with Backend(work / "backend") as backend:
            ecr = backend.client()
            ecr.create_repository(repositoryName=REPOSITORY)
            env = ecrtui_env(work / "state")
            with ChaosProxy(backend.url, scale.fault_rate, seed, FAULT_SECONDS) as proxy:
                for index, size in enumerate(sizes):
                    layer = work / f"layer-{index}.bin"
                    digest = write_layer(layer, size, seed * 100_000 + index)
                    seen = len(proxy.log)
                    done = ecrtui(
                        [
                            "push-layer",
                            str(layer),
                            "--repository-name",
                            REPOSITORY,
                            "--endpoint-url",
                            proxy.url,
                            "--cli-read-timeout",
                            str(READ_TIMEOUT),
                            *options,
                        ],
                        env,
                        timeout=120 + size / MiB * 2,
                    )
                    met = [
                        f"{s.fault} on {s.operation} #{s.nth}" for s in proxy.log[seen:] if s.fault
                    ]
                    problem = _layer_problem(done, digest, size, ecr)
                    if problem is None:
                        right += 1
                    else:
                        failures.append(
                            f"layer {index} ({size:,} bytes, seed {seed}): {problem}; "
                            f"faults met: {', '.join(met) or 'none'}"
                        )
                    layer.unlink()
                requests, part_bytes = proxy.requests, proxy.part_bytes
                injected = dict(proxy.injected)
            integrity, rows = journal_rows(work / "state")
            completed = sum(1 for row in rows if row["state"] == "completed")
            if integrity != "ok":
                failures.append(f"journal integrity_check: {integrity}")
            if not backend.alive():
                failures.append(f"the backend died: {backend.log_tail()}")
    clean = sum(3 + -(-size // part_size) for size in sizes)
    resent = part_bytes - sum(sizes)
    faults = sum(injected.values())
    missing = [kind for kind in KINDS if not injected.get(kind)]
    figures = [
        f"{right}/{len(sizes)} layers right digest",
        f"{count(faults)} faults injected ({len(KINDS) - len(missing)} kinds)",
        f"{count(max(0, requests - clean))} retries",
        f"{max(0, resent) / MiB:,.0f} MiB re-sent",
        f"journal {integrity}, {completed} completed",
    ]
    targets = {
        "every layer right": right == len(sizes),
        "journal intact": integrity == "ok" and completed == len(sizes),
    }
    if faults >= len(KINDS):  # the kinds come round in a cycle: enough faults show them all
        targets["every kind of fault injected"] = not missing
        if missing:
            failures.append(f"kinds of fault never injected: {', '.join(missing)}")
    outcome = Outcome("faults", figures, targets, failures)
    outcome.numbers = {"layers": len(sizes), "faults": faults, "kinds": len(KINDS) - len(missing)}
    outcome.seconds = time.monotonic() - began
    return outcome


def _layer_problem(done: Done, digest: str, size: int, ecr: Any) -> str | None:
    """Why a push did not leave the right layer, or None."""
    if done.returncode is None:
        return f"push-layer hung ({done.seconds:.0f} s): {done.tail()}"
    if done.returncode != 0:
        return f"push-layer exited {done.returncode}: {done.tail()}"
    try:
        printed = done.json().get("layerDigest")
    except (ValueError, AttributeError):
        return f"push-layer printed no JSON: {done.stdout[:200]!r}"
    if printed is None:
        return f"push-layer exited 0 printing {short(done.stdout.strip(), 80)}: no layer digest"
    if printed != digest:
        return f"push-layer printed {printed}, the file hashes to {digest}"
    try:
        held = layer_size(ecr, REPOSITORY, digest)
        if held != size:
            return f"the backend holds {held} bytes under {digest}, not {size}"
        served = stored_digest(ecr, REPOSITORY, digest, size)
    except Exception as error:  # the check itself failed: say so, and go on
        return f"checking the layer failed: {type(error).__name__}: {error}"
    if served != digest:
        return f"the backend serves bytes hashing to {served} under {digest}"
    return None
