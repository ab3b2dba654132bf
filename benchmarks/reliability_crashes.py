"""`ecrtui push-layer` killed with SIGKILL at random moments, then `ecrtui resume`d.

A first push, left alone, measures how long a push takes and when its first request arrives;
each killed push then gets a random moment between the two (scaled to its layer's size), so kills
land while the file is hashed, around InitiateLayerUpload, between and during parts, and around
the completion. Pushes go in 5 MiB parts through a proxy that only forwards (it shows when the
first request comes).

After each kill the journal must pass PRAGMA integrity_check, and the push's row must agree with
what ECR holds: a row in flight never claims more bytes than ECR holds (at most one part fewer),
a completed row's layer is AVAILABLE, and a row ECR no longer knows is one that was completing.
Then the upload is resumed with `ecrtui resume` (or pushed again when the kill came before any row
was written, or left as it is when it had completed), and the layer must be AVAILABLE, serve bytes
that hash to the file's sha256, and be journaled completed with that digest.
"""

from __future__ import annotations

import collections
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.reliability_common import (
    ROOT,
    Backend,
    Done,
    MiB,
    Outcome,
    Scale,
    dummy_environment,
    ecr_holds,
    ecrtui,
    ecrtui_env,
    journal_rows,
    layer_size,
    stored_digest,
    write_layer,
)
from benchmarks.reliability_proxy import ChaosProxy

REPOSITORY = "reliability/crashes"
PART = 5 * MiB
IN_FLIGHT = ("initiated", "uploading", "interrupted", "ready to complete")


class _Run:
    """What the kills found, for the figures."""

    def __init__(self) -> None:
        self.kills = 0
        self.recovered: collections.Counter[str] = collections.Counter()
        self.phases: collections.Counter[str] = collections.Counter()
        self.mismatches = 0
        self.integrity_ok = 0
        self.failures: list[str] = []


def run_crashes(scale: Scale, seed: int = 1) -> Outcome:
    began = time.monotonic()
    rng = random.Random(seed)
    run = _Run()
    with dummy_environment(), tempfile.TemporaryDirectory(prefix="ecrtui-crashes-") as temp:
        work = Path(temp)
        state = work / "state"
        env = ecrtui_env(state)
        with Backend(work / "backend") as backend, ChaosProxy(backend.url, 0, seed, 0) as proxy:
            ecr = backend.client()
            ecr.create_repository(repositoryName=REPOSITORY)
            middle = (scale.kill_mib[0] + scale.kill_mib[1]) * MiB // 2
            first, whole = _calibrate(work, env, proxy, middle)
            tries = 0
            while run.kills < scale.kills and tries < scale.kills * 4:
                tries += 1
                size = rng.randint(scale.kill_mib[0] * MiB, scale.kill_mib[1] * MiB)
                moment = rng.uniform(first * 0.9, first + (whole - first) * size / middle)
                layer = work / f"layer-{tries}.bin"
                digest = write_layer(layer, size, seed * 100_000 + tries)
                what = f"push {tries} ({size:,} bytes, killed at {moment:.2f} s)"
                if _push_and_kill(layer, env, proxy.url, moment):
                    run.kills += 1
                    _after_kill(run, what, layer, digest, size, state, env, proxy.url, ecr)
                layer.unlink()
            integrity, rows = journal_rows(state)
            matching = 0
            for row in rows:
                problem = _row_problem(row, ecr, None, None)
                if problem:
                    run.failures.append(f"at the end, upload {row['upload_id']}: {problem}")
                else:
                    matching += 1
            if not backend.alive():
                run.failures.append(f"the backend died: {backend.log_tail()}")
    recovered = sum(run.recovered.values())
    how = ", ".join(f"{n} {way}" for way, n in run.recovered.most_common())
    phases = ", ".join(f"{n} {phase}" for phase, n in run.phases.most_common())
    figures = [
        f"{recovered}/{run.kills} recovered ({how or 'none'})",
        f"{run.mismatches} digest mismatches",
        f"journal ok after {run.integrity_ok}/{run.kills} kills, {integrity} at the end",
        f"{matching}/{len(rows)} rows match ECR",
        f"killed: {phases or 'never'}",
    ]
    targets = {
        "every kill recovered": run.kills == scale.kills and recovered == run.kills,
        "no digest mismatch": run.mismatches == 0,
        "journal intact": run.integrity_ok == run.kills and integrity == "ok",
        "rows match ECR": matching == len(rows)
        and not any("after the kill" in failure for failure in run.failures),
    }
    if run.kills < scale.kills:
        run.failures.append(f"only {run.kills} of {tries} pushes were still running at their kill")
    outcome = Outcome("crashes", figures, targets, run.failures)
    outcome.numbers = {"kills": run.kills, "rows": len(rows)}
    outcome.seconds = time.monotonic() - began
    return outcome


def _command(layer: Path, url: str) -> list[str]:
    return [
        "push-layer",
        str(layer),
        "--repository-name",
        REPOSITORY,
        "--endpoint-url",
        url,
        "--part-size",
        f"{PART // MiB}MiB",
    ]


def _calibrate(
    work: Path, env: dict[str, str], proxy: ChaosProxy, size: int
) -> tuple[float, float]:
    """Seconds from the start of a push to its first request, and to its end."""
    layer = work / "calibration.bin"
    write_layer(layer, size, 0)
    began = time.monotonic()
    process = _start(layer, env, proxy.url)
    first = 0.0
    while process.poll() is None:
        if not first and proxy.count("BatchCheckLayerAvailability"):
            first = time.monotonic() - began
        time.sleep(0.005)
    whole = time.monotonic() - began
    layer.unlink()
    if process.returncode != 0:
        raise RuntimeError(f"a push without kills failed ({process.returncode})")
    return first or whole / 4, whole


def _start(layer: Path, env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "ecrtui", *_command(layer, url)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        cwd=ROOT,
    )


def _push_and_kill(layer: Path, env: dict[str, str], url: str, moment: float) -> bool:
    """Start a push and SIGKILL it `moment` seconds later; False if it had already ended."""
    process = _start(layer, env, url)
    try:
        process.wait(timeout=moment)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return True
    return False


def _after_kill(
    run: _Run,
    what: str,
    layer: Path,
    digest: str,
    size: int,
    state: Path,
    env: dict[str, str],
    url: str,
    ecr: Any,
) -> None:
    integrity, rows = journal_rows(state)
    if integrity == "ok":
        run.integrity_ok += 1
    else:
        run.failures.append(f"{what}: integrity_check after the kill: {integrity}")
    mine = [row for row in rows if row["source_path"] == str(layer.resolve())]
    row = mine[-1] if mine else None
    run.phases[row["state"] if row else "before a row"] += 1
    if len(mine) > 1:
        run.failures.append(f"{what}: {len(mine)} rows for one push after the kill")
    if row is not None:
        problem = _row_problem(row, ecr, digest, size)
        if problem:
            run.failures.append(f"{what}: after the kill, {problem}")
    if row is None:
        way, done = "pushed again", ecrtui(_command(layer, url), env)
    elif row["state"] == "completed":
        way, done = "already complete", None
    else:
        way, done = "resumed", ecrtui(["resume", row["upload_id"], "--endpoint-url", url], env)
    problem = _recovery_problem(run, done, digest, size, layer, state, ecr)
    if problem:
        step = f"`ecrtui resume {row['upload_id']}`" if row else "pushing again"
        run.failures.append(f"{what}, {row['state'] if row else 'no row'}: {step}: {problem}")
    else:
        run.recovered[way] += 1


def _recovery_problem(
    run: _Run, done: Done | None, digest: str, size: int, layer: Path, state: Path, ecr: Any
) -> str | None:
    if done is not None:
        if done.returncode != 0:
            return f"exited {done.returncode}: {done.tail()}"
        try:
            printed = done.json().get("layerDigest")
        except (ValueError, AttributeError):
            return f"printed no JSON: {done.stdout[:200]!r}"
        if printed != digest:
            run.mismatches += 1
            return f"printed {printed}, the file hashes to {digest}"
    try:
        held = layer_size(ecr, REPOSITORY, digest)
        served = stored_digest(ecr, REPOSITORY, digest, size) if held == size else None
    except Exception as error:
        return f"checking the layer failed: {type(error).__name__}: {error}"
    if held != size:
        return f"ECR holds {held} bytes under {digest}, not {size}"
    if served != digest:
        run.mismatches += 1
        return f"ECR serves bytes hashing to {served} under {digest}"
    integrity, rows = journal_rows(state)
    mine = [row for row in rows if row["source_path"] == str(layer.resolve())]
    completed = [row for row in mine if row["state"] == "completed"]
    if integrity != "ok" or not completed:
        return f"journal {integrity}, rows {[row['state'] for row in mine]}"
    answer = json.loads(completed[-1]["final_response"] or "{}")
    if answer.get("layerDigest") != digest or completed[-1]["local_digest"] != digest:
        run.mismatches += 1
        return f"journaled digest {answer.get('layerDigest')}, the file hashes to {digest}"
    return None


def _row_problem(row: dict[str, Any], ecr: Any, digest: str | None, size: int | None) -> str | None:
    """Why a journal row disagrees with what ECR holds, or None."""
    digest = digest or row["local_digest"]
    size = size if size is not None else row["source_size"]
    state, claimed = row["state"], row["bytes_confirmed"]
    if row["local_digest"] not in (None, digest):
        return f"journaled digest {row['local_digest']}, the file hashes to {digest}"
    try:
        available = layer_size(ecr, REPOSITORY, digest) if digest else None
        held = ecr_holds(ecr, REPOSITORY, row["upload_id"]) if state in IN_FLIGHT else None
    except Exception as error:
        return f"asking ECR failed: {type(error).__name__}: {error}"
    if state == "completed":
        return None if available == size else f"completed, but ECR holds {available} bytes"
    if state not in IN_FLIGHT:
        return f"state {state!r} after a kill"
    if held is None:
        if state == "ready to complete" and available == size:
            return None  # ECR completed it; the answer died with the process
        return f"{state} with {claimed} bytes, but ECR no longer knows the upload"
    if claimed > held:
        return f"{state}: journal claims {claimed} bytes, ECR holds {held}"
    if held - claimed > PART:
        return f"{state}: ECR holds {held} bytes, more than a part beyond the journal's {claimed}"
    if state == "ready to complete" and claimed != size:
        return f"ready to complete with {claimed} of {size} bytes"
    return None
