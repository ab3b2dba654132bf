"""Several processes at once on one journal: pushes, resumes, discovery, probes and forget.

Each of `processes` actors runs, for each round, these `ecrtui` commands one after another, all
with the same ECRTUI_STATE_DIR, against one `ecrtui local-ecr`, in one shared repository:

    push-layer A                      A completed (the upload id from its JSON)
    push-layer B --no-complete        B ready to complete (the id from its stderr)
    (another tool starts upload C with boto3 and sends one part: the journal does not know it)
    discover --repository-name R      C in its output; afterwards C is in the journal
    resume B                          B completed
    push-layer D --no-complete, forget D    D forgotten
    probe-upload C                    C in the state it prints
    uploads --all --output json       every upload this actor expects so far, in its state

At the end each upload an actor started (or found) must be in the journal exactly once, in the
state its last command printed; no row may be unreadable, and PRAGMA integrity_check says ok.
Every command must succeed.
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks.reliability_common import (
    Backend,
    Done,
    MiB,
    Outcome,
    Scale,
    dummy_environment,
    ecrtui,
    ecrtui_env,
    journal_rows,
    row_problem,
    write_layer,
)

REPOSITORY = "reliability/shared"
_STARTED = re.compile(r"upload id: ([0-9a-fA-F-]{36})")
_READY = re.compile(r"upload ([0-9a-fA-F-]{36}) holds all \d+ bytes and is ready to complete")


class _Actor:
    """One process's commands, and what it expects of the journal afterwards."""

    def __init__(self, number: int, work: Path, env: dict[str, str], url: str, seed: int) -> None:
        self.number = number
        self.work = work
        self.env = env
        self.url = url
        self.rng = random.Random(f"{seed}:{number}")
        self.expected: dict[str, str | None] = {}  # upload id -> state (None: unknown)
        self.failures: list[str] = []
        self.commands = 0
        self.failed_commands = 0
        self.misread = 0  # what `discover` or `uploads` showed that the journal should not
        self.files = 0
        self.broken = False

    def play(self, rounds: int, start: threading.Barrier, ecr: Any) -> None:
        start.wait()
        for round_ in range(rounds):
            self._round(round_, ecr)

    def _round(self, round_: int, ecr: Any) -> None:
        where = f"process {self.number}, round {round_}"
        done = self._run(where, "push-layer", self._layer(), "--repository-name", REPOSITORY)
        if done is not None:
            self._expect(done.json().get("uploadId"), "completed")
        ready = self._push_ready(where)
        other = self._other_tool(ecr)
        done = self._run(
            where, "discover", "--repository-name", REPOSITORY, "--since", "1h", "--output", "json"
        )
        if done is not None:
            found = {entry.get("uploadId") for entry in json.loads(done.stdout or "[]")}
            if other not in found:
                self.misread += 1
                self.failures.append(
                    f"{where}: discover did not list upload {other} of another tool"
                )
            self.expected[other] = None
        if ready and self._run(where, "resume", ready) is not None:
            self._expect(ready, "completed")
        dropped = self._push_ready(where)
        if dropped and self._run(where, "forget", dropped) is not None:
            self._expect(dropped, "forgotten")
        done = self._run(
            where, "probe-upload", "--repository-name", REPOSITORY, "--upload-id", other
        )
        if done is not None:
            self._expect(other, done.json().get("state"))
        done = self._run(where, "uploads", "--all", "--output", "json")
        if done is not None:
            listed = {row["uploadId"]: row["state"] for row in json.loads(done.stdout)}
            for upload_id, state in self.expected.items():
                if upload_id not in listed:
                    self.misread += 1
                    self.failures.append(
                        f"{where}: `ecrtui uploads --all` does not list {upload_id}"
                    )
                elif state is not None and listed[upload_id] != state:
                    self.misread += 1
                    self.failures.append(
                        f"{where}: `ecrtui uploads --all` lists {upload_id} as "
                        f"{listed[upload_id]!r}, its process printed {state!r}"
                    )

    def _push_ready(self, where: str) -> str | None:
        layer = self._layer()
        done = self._run(
            where, "push-layer", layer, "--repository-name", REPOSITORY, "--no-complete"
        )
        if done is None:
            return None
        found = _READY.search(done.stderr)
        if found is None:
            self.failures.append(
                f"{where}: push-layer --no-complete said nothing of its upload: {done.tail()}"
            )
            return None
        self._expect(found.group(1), "ready to complete")
        return found.group(1)

    def _other_tool(self, ecr: Any) -> str:
        """An upload started by another client (boto3), with one 5 MiB part sent."""
        upload_id = str(ecr.initiate_layer_upload(repositoryName=REPOSITORY)["uploadId"])
        part = self.rng.randbytes(5 * MiB)
        ecr.upload_layer_part(
            repositoryName=REPOSITORY,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=len(part) - 1,
            layerPartBlob=part,
        )
        return upload_id

    def _layer(self) -> str:
        self.files += 1
        layer = self.work / f"layer-{self.number}-{self.files}.bin"
        write_layer(layer, self.rng.randint(6 * MiB, 12 * MiB), self.rng.randrange(2**32))
        return str(layer)

    def _expect(self, upload_id: Any, state: Any) -> None:
        if isinstance(upload_id, str):
            self.expected[upload_id] = state if isinstance(state, str) else None

    def _run(self, where: str, *args: str) -> Done | None:
        """Run one command; None (and a failure noted) unless it succeeded."""
        self.commands += 1
        command = [*args, "--endpoint-url", self.url]
        if args[0] == "push-layer":
            command += ["--part-size", "5MiB"]
        done = ecrtui(command, self.env)
        for upload_id in _STARTED.findall(done.stderr):
            self.expected.setdefault(upload_id, None)
        prints_json = args[0] != "forget" and "--no-complete" not in args
        if done.returncode == 0:
            try:
                if prints_json:
                    json.loads(done.stdout)
                return done
            except ValueError:
                problem = f"printed no JSON: {done.stdout[:120]!r}"
        elif done.returncode is None:
            problem = f"hung ({done.seconds:.0f} s)"
        else:
            problem = f"exited {done.returncode}: {done.tail()}"
        self.failed_commands += 1
        self.failures.append(f"{where}: `ecrtui {' '.join(args[:2])}` {problem}")
        return None


def run_concurrency(scale: Scale, seed: int = 1) -> Outcome:
    began = time.monotonic()
    with dummy_environment(), tempfile.TemporaryDirectory(prefix="ecrtui-concurrency-") as temp:
        work = Path(temp)
        state = work / "state"
        with Backend(work / "backend") as backend:
            ecr = backend.client()
            ecr.create_repository(repositoryName=REPOSITORY)
            env = ecrtui_env(state)
            actors = [_Actor(n, work, env, backend.url, seed) for n in range(scale.processes)]
            start = threading.Barrier(len(actors))
            threads = [
                threading.Thread(target=_play, args=(actor, scale.rounds, start, ecr))
                for actor in actors
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            integrity, rows = journal_rows(state)
    failures = [failure for actor in actors for failure in actor.failures]
    expected = {upload_id: state for actor in actors for upload_id, state in actor.expected.items()}
    by_id: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_id.setdefault(row["upload_id"], []).append(row)
    lost = [upload_id for upload_id in expected if upload_id not in by_id]
    doubled = [upload_id for upload_id, found in by_id.items() if len(found) > 1]
    corrupt = [(row["upload_id"], row_problem(row)) for row in rows if row_problem(row)]
    wrong = [
        (upload_id, by_id[upload_id][-1]["state"], state)
        for upload_id, state in expected.items()
        if state is not None and upload_id in by_id and by_id[upload_id][-1]["state"] != state
    ]
    failures += [f"upload {upload_id} is not in the journal" for upload_id in lost]
    failures += [f"upload {upload_id} has {len(by_id[upload_id])} rows" for upload_id in doubled]
    failures += [f"upload {upload_id}: row {problem}" for upload_id, problem in corrupt]
    failures += [
        f"upload {u}: journal says {had!r}, its process printed {printed!r}"
        for u, had, printed in wrong
    ]
    if integrity != "ok":
        failures.append(f"journal integrity_check: {integrity}")
    commands = sum(actor.commands for actor in actors)
    failed_commands = sum(actor.failed_commands for actor in actors)
    misread = sum(actor.misread for actor in actors)
    figures = [
        f"{len(actors)} processes, {commands} commands on one journal",
        f"{len(expected)} uploads",
        f"{len(lost)} lost",
        f"{len(corrupt) + len(doubled)} corrupt or doubled",
        f"{len(wrong)} in another state than printed",
        f"{failed_commands} commands failed",
        f"{misread} wrong in a reader's view",
        f"journal {integrity}",
    ]
    targets = {
        "no row lost": not lost,
        "no row corrupt": not corrupt and not doubled and integrity == "ok",
        "states as printed": not wrong,
        "every command succeeded": failed_commands == 0,
        "readers see the truth": misread == 0,
    }
    if any(actor.broken for actor in actors):
        targets["every process played to the end"] = False
    outcome = Outcome("concurrency", figures, targets, failures)
    outcome.numbers = {"processes": len(actors), "commands": commands, "uploads": len(expected)}
    outcome.seconds = time.monotonic() - began
    return outcome


def _play(actor: _Actor, rounds: int, start: threading.Barrier, ecr: Any) -> None:
    try:
        actor.play(rounds, start, ecr)
    except Exception as error:  # a step of the harness itself failed: say so, and stop
        actor.broken = True
        actor.failures.append(f"process {actor.number} stopped: {type(error).__name__}: {error}")
