"""Hostile inputs to the validator, the command line, the input readers, the part-size parser and
the console's form validators: no crash, no hang, no undefined exit, no invalid request sent.

The inputs (`reliability_cases`) run in worker processes (`reliability_worker`), one at a time,
each within a time budget: an input that overruns it is a hang, its worker is killed and a new
one goes on with the next input. The command line runs in-process through its entry point
(`ecrtui.cli.main.main`) against a counting ECR-like server on 127.0.0.1, which judges every
request it receives against ECR's model; a sample of the command lines also runs as `ecrtui`
processes, as an operator runs them. Each failure is reported with its exact input.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
import resource
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.reliability_cases import ENDPOINT, KINDS, Case, fixed_count, make_case
from benchmarks.reliability_common import ROOT, Outcome, Scale, count, dummy_environment, ecrtui_env
from benchmarks.reliability_generators import DIGEST, UUID, make_files
from benchmarks.reliability_oracle import CountingServer, problem
from benchmarks.reliability_verdicts import SITECUSTOMIZE, judge
from benchmarks.reliability_worker import MEMORY_LIMIT

SHARES = {"validator": 0.45, "cli": 0.2, "documents": 0.1, "part-size": 0.1, "form": 0.15}
BUDGET = 5.0  # seconds one input may take in-process
MAKING = 60.0  # seconds the worker may take to make an input
PROCESS_BUDGET = 20.0  # seconds one `ecrtui` process may take
LANES = 2
EXAMPLES = 2  # inputs shown for each kind of failure
FAILURES = ("harness", "crash", "hang", "bad-exit", "invalid-sent", "invalid-passed", "wrong")


class _Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.outcomes: collections.Counter[str] = collections.Counter()
        self.failed: dict[tuple[str, str, str], list[tuple[str, int, str]]] = {}

    def add(self, kind: str, index: int, outcome: str, detail: str, where: str = "") -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            if outcome != "ok":
                key = (kind + where, outcome, _signature(detail))
                self.failed.setdefault(key, []).append((kind, index, detail))


def _signature(detail: str) -> str:
    """What failures of one cause share: the exception and where it was raised, or the words."""
    error = re.search(r"\b([A-Z]\w*(?:Error|Exception))\b", detail)
    where = re.search(r"\(([\w/.]+\.py:\d+)\)", detail)
    if error and where:
        return f"{error.group(1)} at {where.group(1)}"
    return re.sub(r"\d+", "#", detail)[:90]


def run_hostile(scale: Scale, seed: int = 1) -> Outcome:
    began = time.monotonic()
    plan = {
        kind: max(fixed_count(kind), round(scale.inputs * share)) for kind, share in SHARES.items()
    }
    jobs = sorted(
        ((kind, index) for kind in KINDS for index in range(plan[kind])),
        key=lambda job: (job[1] / plan[job[0]], job[0]),
    )
    tally = _Tally()
    sound = _oracle_sound()
    with dummy_environment(), tempfile.TemporaryDirectory(prefix="ecrtui-hostile-") as temp:
        work = Path(temp)
        files = work / "files"
        make_files(files)
        lanes = [
            threading.Thread(
                target=_in_process, args=(work / f"lane-{n}", files, seed, jobs[n::LANES], tally)
            )
            for n in range(LANES)
        ]
        for lane in lanes:
            lane.start()
        for lane in lanes:
            lane.join()
        processes = _process_sample(scale.process_inputs, plan["cli"], files, seed)
        threads = [
            threading.Thread(
                target=_as_processes,
                args=(work / f"process-{n}", files, seed, processes[n::LANES], tally),
            )
            for n in range(LANES)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failures = _failures(tally, seed, files)
    found = tally.outcomes
    tried = sum(found.values())
    figures = [
        f"{count(tried)} inputs ({len(processes)} as processes)",
        f"{found['crash']} crashes",
        f"{found['hang']} hangs",
        f"{found['bad-exit']} non-designed exits",
        f"{found['invalid-sent']} invalid requests sent",
        f"{found['invalid-passed'] + found['wrong']} invalid passed as valid",
    ]
    targets = {
        "no crash": found["crash"] == 0,
        "no hang": found["hang"] == 0,
        "designed exits": found["bad-exit"] == 0,
        "no invalid request sent": found["invalid-sent"] == 0,
        "nothing invalid passed": found["invalid-passed"] + found["wrong"] == 0,
    }
    if found["harness"] or not sound:
        figures.append(
            f"{found['harness']} inputs the harness could not make, oracle sound: {sound}"
        )
        targets["harness sound"] = False
    outcome = Outcome("hostile", figures, targets, failures)
    outcome.numbers = {"inputs": tried, "processes": len(processes)}
    outcome.seconds = time.monotonic() - began
    return outcome


def _oracle_sound() -> bool:
    """The judge of requests on the wire tells a valid request from invalid ones."""
    valid = {"repositoryName": "team/api", "uploadId": UUID, "layerDigests": [DIGEST]}
    invalid = [{**valid, "repositoryName": "Team/api"}, {**valid, "layerDigests": []}, {}]
    return problem("CompleteLayerUpload", valid, True) is None and all(
        problem("CompleteLayerUpload", params, True) for params in invalid
    )


def _failures(tally: _Tally, seed: int, files: Path) -> list[str]:
    """One entry per kind of failure: how many inputs, what happened, and the first inputs."""
    lines = []
    ranked = sorted(
        tally.failed.items(), key=lambda item: (FAILURES.index(item[0][1]), -len(item[1]))
    )
    for (kind, outcome, _), seen in ranked:
        _, _, detail = seen[0]
        examples = [make_case(k, index, seed, files).show(240) for k, index, _ in seen[:EXAMPLES]]
        lines.append(
            f"{outcome} x{len(seen)} in {kind}: {detail}\n      " + "\n      ".join(examples)
        )
    return lines


# -- in-process workers -------------------------------------------------------------------------


class _Worker:
    """One worker process, restarted after a hang or a death."""

    def __init__(self, work: Path, files: Path) -> None:
        self.work = work
        self.files = files
        self.process: subprocess.Popen[bytes] | None = None
        self.buffer = b""
        work.mkdir(parents=True, exist_ok=True)

    def start(self) -> None:
        env = ecrtui_env(
            self.work / "state",
            RELIABILITY_FILES=str(self.files),
            RELIABILITY_WORK=str(self.work),
            MALLOC_ARENA_MAX="2",
            HOME=str(self.work),
            AWS_MAX_ATTEMPTS="1",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from benchmarks.reliability_worker import serve; serve()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=ROOT,
        )
        self.buffer = b""
        if self._line(120) != "ready":
            raise RuntimeError("a hostile-input worker did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
        if self.process is not None:
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()
        self.process = None

    def run(self, kind: str, index: int, seed: int) -> tuple[str, str]:
        if self.process is None:
            self.start()
        assert self.process is not None and self.process.stdin is not None
        try:
            self.process.stdin.write(f"{kind} {index} {seed}\n".encode())
            self.process.stdin.flush()
            line = self._line(MAKING)  # "made": then the input's own budget starts
            if line == "made":
                line = self._line(BUDGET)
            elif line is None:
                self.stop()
                return "harness", f"the input was not made within {MAKING:.0f} s"
        except OSError:
            line = ""
        if line is None:
            self.stop()
            return "hang", f"over the {BUDGET:.0f} s budget"
        if not line:
            code = self.process.wait()
            self.stop()
            return "crash", f"the worker died ({_death(code)})"
        answer = json.loads(line)
        return answer["outcome"], answer["detail"]

    def _line(self, timeout: float) -> str | None:
        """The next line from the worker; None when none came in time, "" when it died."""
        assert self.process is not None and self.process.stdout is not None
        fd = self.process.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return ""
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.decode()


def _death(code: int) -> str:
    return f"signal {signal.Signals(-code).name}" if code < 0 else f"exit {code}"


def _in_process(
    work: Path, files: Path, seed: int, jobs: list[tuple[str, int]], tally: _Tally
) -> None:
    worker = _Worker(work, files)
    try:
        for kind, index in jobs:
            outcome, detail = worker.run(kind, index, seed)
            tally.add(kind, index, outcome, detail)
    finally:
        worker.stop()


# -- as processes -------------------------------------------------------------------------------


def _process_sample(wanted: int, available: int, files: Path, seed: int) -> list[Case]:
    """Command lines an OS can pass (no huge words), spread over the ones tried in-process."""
    fixed = fixed_count("cli")
    start = 0 if wanted >= 100 else fixed  # the known-hostile ones only in a full run
    step = max(1, (available - start) // max(wanted, 1))
    chosen: list[Case] = []
    for index in range(start, available):
        if len(chosen) >= wanted:
            break
        if (index - start) % step:
            continue
        case = make_case("cli", index, seed, files)
        if _passable(case.payload):
            chosen.append(case)
    return chosen


def _passable(argv: list[str]) -> bool:
    try:
        sizes = [len(os.fsencode(word)) for word in argv]
    except UnicodeEncodeError:
        return False
    return (
        max(sizes, default=0) < 100_000
        and sum(sizes) < 1_000_000
        and all("\x00" not in word for word in argv)
    )


def _as_processes(work: Path, files: Path, seed: int, cases: list[Case], tally: _Tally) -> None:
    site = work / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    raised = work / "raised.jsonl"
    with CountingServer() as server:
        env = ecrtui_env(
            work / "state",
            PYTHONPATH=f"{site}{os.pathsep}{ROOT}",
            RELIABILITY_RAISED=str(raised),
            HOME=str(work),
            AWS_MAX_ATTEMPTS="1",
        )
        for case in cases:
            argv = [server.url if word == ENDPOINT else word for word in case.payload]
            raised.unlink(missing_ok=True)
            server.take()
            code, err = _run_process(argv, env)
            if code is not None and code < 0:
                outcome, detail = "crash", f"killed by {_death(code)}"
            else:
                seen = (
                    [json.loads(line) for line in raised.read_text().splitlines()]
                    if raised.exists()
                    else []
                )
                invalid = [f"{r.target}: {r.problem}" for r in server.take() if r.problem]
                outcome, detail = judge(argv, code, err, seen, invalid)
            tally.add(case.kind, case.index, outcome, detail, where=" as a process")


def _run_process(argv: list[str], env: dict[str, str]) -> tuple[int | None, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ecrtui", *argv],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    with contextlib.suppress(OSError, ValueError):  # it may have ended already
        resource.prlimit(process.pid, resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    try:
        _, err = process.communicate(timeout=PROCESS_BUDGET)
        code: int | None = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        _, err = process.communicate()
        code = None
    return code, err.decode("utf-8", "replace")
