"""How a run of `ecrtui` on a hostile input is judged, in-process or as a process.

    crash          an exception escaped (in a process: a traceback, and not an exit status of
                   --debug's report), or an exception that is not an ECR, botocore, file system,
                   journal or ecrtui error reached the command's last-resort handler (a bug that
                   handler only hid)
    invalid-sent   a request that breaks ECR's model reached the network, or a request went to a
                   host other than the endpoint
    bad-exit       an exit status the aws CLI v2 does not define for the case: anything but 0, 252,
                   253 and 254, or 255 without a designed reason (the network, a local file, the
                   journal, botocore's own refusal, an upload that cannot go on)

`observe` wraps the last-resort handler (`ecrtui.cli.exit_codes.report_failure`) to note what
reached it; a process gets it from the `sitecustomize` the hostile scenario writes for it.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import traceback
from collections.abc import Callable
from typing import Any

DESIGNED_EXITS = frozenset({0, 252, 253, 254})
# stderr lines of the designed 255s that do not pass through the last-resort handler
_DESIGNED_255 = re.compile(r"^ecrtui [a-z-]+: ", re.MULTILINE)
TRACEBACK = "Traceback (most recent call last)"


def describe(error: BaseException) -> str:
    """'OverflowError: cannot convert float infinity to integer (ecrtui/uploads/sizes.py:21)'."""
    message = str(error).replace("\n", " ")
    if len(message) > 200:
        message = message[:200] + "…"
    where = location(error)
    return f"{type(error).__name__}: {message}" + (f" ({where})" if where else "")


def location(error: BaseException) -> str:
    """The innermost frame of ecrtui's own code the exception passed through (or the last)."""
    frames = traceback.extract_tb(error.__traceback__)
    cause = error.__cause__ or error.__context__
    if cause is not None and cause.__traceback__ is not None:
        frames = frames + traceback.extract_tb(cause.__traceback__)
    own = [frame for frame in frames if "/ecrtui/" in frame.filename]
    frame = (own or frames or [None])[-1]
    if frame is None:
        return ""
    name = frame.filename
    name = name[name.rfind("/ecrtui/") + 1 :] if "/ecrtui/" in name else os.path.basename(name)
    return f"{name}:{frame.lineno}"


def designed(error: BaseException, seen: int = 0) -> bool:
    """Whether an exception is one a command is meant to report (exit 252-255), not a bug."""
    import botocore.exceptions

    from ecrtui.ecr.errors import EcrCallError, ErrorKind

    if isinstance(error, EcrCallError):
        if error.kind is not ErrorKind.OTHER or error.code in ("LocalFileError", "JournalError"):
            return True
        cause = error.__cause__ or error.__context__
        return cause is not None and seen < 5 and designed(cause, seen + 1)
    if type(error).__module__.startswith("ecrtui."):
        return True  # ecrtui's own typed errors
    kinds = (
        botocore.exceptions.BotoCoreError,
        botocore.exceptions.ClientError,
        OSError,
        sqlite3.Error,
    )
    return isinstance(error, kinds) and not isinstance(error, (MemoryError, RecursionError))


def left_for_another_host(error: BaseException) -> bool:
    """A request meant for a host other than the loopback (stopped by the closed proxy)."""
    seen: BaseException | None = error
    for _ in range(6):
        if seen is None:
            return False
        if type(seen).__name__ in ("ProxyConnectionError", "ProxyError"):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def judge(
    argv: list[str],
    code: int | None,
    stderr: str,
    raised: list[dict[str, Any]],
    invalid: list[str],
    escaped: str | None = None,
) -> tuple[str, str]:
    """The verdict on one run: (outcome, what happened). `raised`: what reached the last-resort
    handler, as `note` wrote it; `invalid`: the invalid requests the network saw."""
    if escaped:
        return "crash", f"uncaught {escaped}"
    if code is None:
        return "hang", "no exit within the time budget"
    if TRACEBACK in stderr and ("--debug" not in argv or code not in (252, 253, 254, 255)):
        return "crash", "a traceback on stderr: " + _last_line(stderr)
    for seen in raised:
        if not seen["designed"]:
            return "crash", f"{seen['error']} reached the last-resort handler (exit {code})"
    if any(seen["elsewhere"] for seen in raised):
        return "invalid-sent", "a request went to a host other than the endpoint"
    if invalid:
        return "invalid-sent", "; ".join(invalid[:3])
    if code in DESIGNED_EXITS:
        return "ok", ""
    if code == 255 and (raised or _DESIGNED_255.search(stderr)):
        return "ok", ""
    return "bad-exit", f"exit {code}: {_last_line(stderr)}"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    last = lines[-1] if lines else ""
    return last if len(last) <= 200 else last[:200] + "…"


def note(error: BaseException) -> dict[str, Any]:
    return {
        "error": describe(error),
        "designed": designed(error),
        "elsewhere": left_for_another_host(error),
    }


def observe(sink: Callable[[dict[str, Any]], None]) -> None:
    """Tell `sink` about every exception that reaches the command line's last-resort handler."""
    import importlib
    import sys

    from ecrtui.cli import exit_codes

    original = getattr(exit_codes.report_failure, "__wrapped__", exit_codes.report_failure)

    def report_failure(raised: BaseException, *args: Any, **kwargs: Any) -> Any:
        sink(note(raised))
        return original(raised, *args, **kwargs)

    report_failure.__wrapped__ = original  # type: ignore[attr-defined]
    exit_codes.report_failure = report_failure
    for name in ("main", "api_command", "upload_commands", "discover_command"):
        module = sys.modules.get(f"ecrtui.cli.{name}") or importlib.import_module(
            f"ecrtui.cli.{name}"
        )
        if getattr(module, "report_failure", None) is original:
            module.report_failure = report_failure  # type: ignore[attr-defined]


def observe_to_file(path: str) -> None:
    """For a process: each exception the last-resort handler sees, one JSON line in `path`."""

    def sink(seen: dict[str, Any]) -> None:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(seen) + "\n")

    observe(sink)


SITECUSTOMIZE = """\
import os

if os.environ.get("RELIABILITY_RAISED"):
    from benchmarks.reliability_verdicts import observe_to_file

    observe_to_file(os.environ["RELIABILITY_RAISED"])
"""
