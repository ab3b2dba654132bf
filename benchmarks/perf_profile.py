"""Where the time goes when a figure misses its target: one more run of what it timed, under py-spy.

A benchmark attaches the summary to the figure (`perf_common.attach_profile`), and the table is
followed by it: per process, the share spent importing modules, the heaviest functions of
ecrtui's own code (inclusive) and the heaviest functions at the top of the stack (self time).
py-spy is in ecrtui's dev extra; without it the summary says so.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from perf_common import BIN, ENV

PROFILE_RATE = 250  # samples a second
PY_SPY_MISSING = (
    "no profile: py-spy is not installed; it is in ecrtui's dev extra "
    "(`pip install -e '.[dev]'`), or `pip install py-spy`"
)
PROCESSES_SHOWN = 3
FUNCTIONS_SHOWN = {1: 8, 2: 5, 3: 3}  # per list, by the number of processes shown


def py_spy() -> str | None:
    """py-spy beside this Python (the virtualenv's), else on PATH; None if neither."""
    beside = BIN / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def py_spy_options(output: Path) -> list[str] | None:
    """`py-spy record` writing collapsed stacks (one line per stack, function and file, no line
    numbers) of a process and its subprocesses to `output`, without pausing them to sample."""
    spy = py_spy()
    if spy is None:
        return None
    return [
        spy,
        "record",
        "--subprocesses",
        "--nonblocking",
        "--rate",
        str(PROFILE_RATE),
        "--format",
        "raw",
        "--nolineno",
        "--output",
        str(output),
    ]


def py_spy_command(output: Path) -> list[str] | None:
    """The argv prefix running a command under py-spy (see py_spy_options); None without py-spy.
    py-spy writes `output` when the command ends, or when py-spy gets SIGINT (not SIGTERM), and
    then kills the command it started."""
    options = py_spy_options(output)
    return None if options is None else [*options, "--"]


def profile_text(raw: Path, error: str, command: str = "") -> str:
    """The summary of the stacks py-spy wrote to `raw` (see summarize_profile), or why there are
    none."""
    if raw.exists() and raw.stat().st_size > 0:
        return summarize_profile(raw, command)
    reason = next((line for line in error.splitlines() if line.strip()), "it said nothing")
    return f"no profile: py-spy wrote no stacks ({reason.strip()})"


def profile_command(argv: Sequence[str], env: dict[str, str] | None = None) -> str:
    """Run a command that ends by itself once more, under py-spy; the summary of its profile."""
    with tempfile.TemporaryDirectory(prefix="ecrtui-profile-") as temp:
        raw = Path(temp) / "stacks.txt"
        spy = py_spy_command(raw)
        if spy is None:
            return PY_SPY_MISSING
        done = subprocess.run(
            [*spy, *argv],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env or ENV,
        )
        return profile_text(raw, done.stderr, " ".join(argv))


@contextmanager
def traceable_by_children() -> Iterator[None]:
    """Where Yama lets a process be read only by its ancestors (kernel.yama.ptrace_scope 1), let
    processes of this user read this one for the block, so that py-spy, a child, can attach."""
    pr_set_ptracer, any_process = 0x59616D61, ctypes.c_ulong(-1)
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (AttributeError, OSError):  # not Linux
        yield
        return
    allowed = prctl(pr_set_ptracer, any_process, 0, 0, 0) == 0  # fails without Yama: fine
    try:
        yield
    finally:
        if allowed:
            prctl(pr_set_ptracer, ctypes.c_ulong(0), 0, 0, 0)


def not_attached(pid: int, error: str) -> str:
    """Why there is no profile of a process py-spy could not attach to."""
    reason = next((line for line in error.splitlines() if line.strip()), "it said nothing")
    try:
        scope = Path("/proc/sys/kernel/yama/ptrace_scope").read_text().strip()
    except OSError:
        scope = "not set: no Yama"
    return (
        f"no profile: py-spy could not attach to this process (pid {pid}): {reason.strip()}\n"
        "attaching needs ptrace permission over it: a user's processes have it over each other\n"
        f"unless kernel.yama.ptrace_scope is 2 or 3 (here: {scope}) or a container withholds\n"
        "ptrace; root with CAP_SYS_PTRACE (sudo) has it"
    )


def profile_this_process(action: Callable[[], object], pid: int | None = None) -> str:
    """Run `action` once with py-spy attached to this process (or `pid`) and its subprocesses,
    stopped with SIGINT after; the summary of the profile, or why py-spy could not attach."""
    pid = os.getpid() if pid is None else pid
    with tempfile.TemporaryDirectory(prefix="ecrtui-profile-") as temp:
        raw = Path(temp) / "stacks.txt"
        options = py_spy_options(raw)
        if options is None:
            return PY_SPY_MISSING
        with traceable_by_children():
            spy = subprocess.Popen(
                [*options, "--pid", str(pid)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert spy.stdout is not None
            if not spy.stdout.readline():  # "py-spy> Sampling process …" once attached
                return not_attached(pid, spy.communicate()[1])
            try:
                action()
            finally:
                spy.send_signal(signal.SIGINT)  # py-spy writes its stacks on SIGINT
                error = spy.communicate(timeout=60)[1]
        return profile_text(raw, error, " ".join([sys.executable, *sys.argv]))


@dataclass
class Sampled:
    """One process's samples in a profile: how many, how many while importing, and per function
    (name and file) those in ecrtui's own code (inclusive) and at the top of the stack (self)."""

    pid: str
    command: str = ""  # its command line, as the first sample that shows one has it
    outermost: bool = True  # not a subprocess of another process sampled
    samples: int = 0
    importing: int = 0
    own: Counter[str] = field(default_factory=Counter)
    leaves: Counter[str] = field(default_factory=Counter)


# `process PID:"command line"`: the command line runs to the first quote that ends the element
# (followed by ";" or the end of the stack); it can hold ";", quotes and newlines
PROCESS = re.compile(r'process (\d+):"(.*?)"(?:;|\Z)', re.DOTALL)
THREAD = re.compile(r"thread \(\w+\)(?:: .*)?")
COUNT = re.compile(r" (\d+)$")


def raw_stacks(raw: Path) -> Iterator[tuple[list[str], str, str, int]]:
    """(pids, command line, "frame;…;frame", count) of each line of py-spy's raw output: the pids
    of its `process` elements, the last (innermost) being the sampled process, whose command line
    this is; a line that does not end with a count goes on in the next (a command line with
    newlines)."""
    pending = ""
    for line in raw.read_text(errors="replace").splitlines():
        pending += line
        count = COUNT.search(pending)
        if count is None:
            pending += "\n"
            continue
        stack, pending = pending[: count.start()], ""
        pids, command = [], ""
        while (element := PROCESS.match(stack)) is not None:
            pids.append(element.group(1))
            command = element.group(2)
            stack = stack[element.end() :]
        yield pids or [""], command, stack, int(count.group(1))


def command_label(pid: str, command: str) -> str:
    """A short name for a process: `ecrtui --demo`, `python -m ecrtui.local.demo_backend …`."""
    words = command.split()
    if words and Path(words[0]).name.startswith("python"):
        # a script run by the interpreter, as its shebang line does, goes by the script's name
        is_script = len(words) > 1 and words[1] not in ("-m", "-c")
        words = words[1:] if is_script else ["python", *words[1:]]
    if not words:
        return f"pid {pid}"
    kept = [Path(words[0]).name]
    for word in words[1:]:
        if "/" in word or len(kept) == 3 or kept[-1] == "-c":
            kept.append("…")
            break
        kept.append(word)
    label = " ".join(kept)[:60]
    return f"{label} (pid {pid})" if pid else label


def frame_parts(element: str) -> tuple[str, str]:
    """(function, file) of a frame `function (path/file.py)`."""
    function, _, file = element.rpartition(" (")
    return (function, file.rstrip(")")) if function else (element, "")


def short_name(function: str, file: str) -> str:
    return f"{function} ({'/'.join(Path(file).parts[-2:])})" if file else function


def in_ecrtui(file: str) -> bool:
    return file.startswith("ecrtui/") or "/ecrtui/" in file


def add_stack(sampled: Sampled, command: str, stack: str, count: int) -> None:
    sampled.command = sampled.command or command
    elements = [element for element in stack.split(";") if element]
    frames = [frame_parts(element) for element in elements if not THREAD.fullmatch(element)]
    sampled.samples += count
    if any(function == "_find_and_load" for function, _ in frames):
        sampled.importing += count
    for name in {short_name(*frame) for frame in frames if in_ecrtui(frame[1])}:
        sampled.own[name] += count
    sampled.leaves[short_name(*frames[-1]) if frames else "(no Python frame)"] += count


def heaviest(title: str, counts: Counter[str], samples: int, shown: int) -> list[str]:
    if not counts:
        return [f"  {title}: none sampled"]
    lines = [f"  {title}:"]
    for name, count in counts.most_common(shown):
        lines.append(f"  {100 * count / samples:5.1f}%  {name}")
    return lines


def summarize_profile(raw: Path, command: str = "") -> str:
    """Per process (the busiest first), from py-spy's raw output: its samples, the share spent
    importing modules, the heaviest functions of ecrtui's own code (inclusive) and the heaviest
    functions at the top of the stack (self time). `command`: the command line of the process
    py-spy started or attached to, should py-spy have read none (it sometimes reads an empty one
    from a process just started)."""
    processes: dict[str, Sampled] = {}
    for pids, process_command, stack, count in raw_stacks(raw):
        sampled = processes.setdefault(pids[-1], Sampled(pids[-1], outermost=len(pids) == 1))
        add_stack(sampled, process_command, stack, count)
    for sampled in processes.values():
        if sampled.outermost:
            sampled.command = sampled.command or command
    busiest = sorted(processes.values(), key=lambda sampled: -sampled.samples)
    total = sum(sampled.samples for sampled in busiest)
    shown = busiest[:PROCESSES_SHOWN]
    functions = FUNCTIONS_SHOWN[max(1, len(shown))]
    processes_sampled = f"{len(busiest)} process{'' if len(busiest) == 1 else 'es'}"
    lines = [f"py-spy, {PROFILE_RATE} samples a second: {total} samples, {processes_sampled}"]
    for sampled in shown:
        label = command_label(sampled.pid, sampled.command)
        share = 100 * sampled.importing / sampled.samples
        lines.append(f"{label}: {sampled.samples} samples, {share:.0f}% importing modules")
        lines += heaviest("ecrtui's code, inclusive", sampled.own, sampled.samples, functions)
        lines += heaviest("self time", sampled.leaves, sampled.samples, functions)
    rest = busiest[PROCESSES_SHOWN:]
    if rest:
        lines.append(f"{len(rest)} more processes: {sum(s.samples for s in rest)} samples")
    return "\n".join(lines)
