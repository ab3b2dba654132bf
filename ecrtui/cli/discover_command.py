"""`ecrtui discover`: the uploads other tools left in flight, found in CloudTrail.

Reads LookupEvents (`ecrtui.uploads.discovery`), probes each upload that did not complete for the
bytes ECR holds, and adds it to the journal as found in CloudTrail (a known upload is never
duplicated). Prints them as a table or as JSON; what CloudTrail cannot tell goes to stderr.
"""

from __future__ import annotations

import argparse
import re
import time
from typing import Any, TextIO

from ecrtui.cli import exit_codes
from ecrtui.cli.exit_codes import write_line
from ecrtui.cli.global_options import GlobalOptions
from ecrtui.plain_text import shortened, visible

DESCRIPTION = (
    "Find the uploads other tools (docker, buildkit, containerd, podman/skopeo, kaniko, oras, CI) "
    "left in flight, from CloudTrail's event history: who started each, with which client, when, "
    "its parts, its last error, and the bytes ECR holds. Uploads that did not complete are probed "
    "and added to the journal. Needs cloudtrail:LookupEvents (and ecr:UploadLayerPart for the "
    "probe). CloudTrail delivers events about 5 minutes after the call and keeps 90 days."
)
# ASCII digits, few enough to make a finite number of seconds
_DURATION = re.compile(r"([0-9]{1,6}(?:\.[0-9]{1,6})?)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MISSING_PERMISSION = (
    "CloudTrail refused LookupEvents: add the IAM action cloudtrail:LookupEvents to the caller's "
    "policy (discovery reads the event history; it needs no trail)"
)


def duration(text: str) -> float:
    """'90m', '24h', '7d', '30s' -> seconds."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: a number and s, m, h or d, such as 24h or 7d"
        )
    seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the duration must be more than 0")
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since",
        type=duration,
        default=duration("24h"),
        metavar="DURATION",
        help="how far back to look, e.g. 90m, 24h, 7d (default: 24h; CloudTrail keeps 90d)",
    )
    parser.add_argument("--repository-name", help="only this repository")
    parser.add_argument(
        "--all", action="store_true", help="also list completed and expired uploads"
    )
    parser.add_argument(
        "--output", choices=("table", "json"), default="table", help="(default: table)"
    )


def run(parsed: argparse.Namespace, options: GlobalOptions, out: TextIO, err: TextIO) -> int:
    from ecrtui.cli.output import to_json
    from ecrtui.ecr.caller import EcrCaller
    from ecrtui.ecr.client import make_client
    from ecrtui.ecr.errors import EcrCallError
    from ecrtui.uploads.discovery import Lookup, discover, journal_found
    from ecrtui.uploads.engine import LayerPusher
    from ecrtui.uploads.journal import UploadJournal

    if parsed.repository_name is not None:
        _check_repository_name(parsed.repository_name)
    trail = make_client(options.target(), "cloudtrail")
    try:
        findings = discover(
            Lookup(trail.lookup_events),
            since=time.time() - parsed.since,
            repository=parsed.repository_name,
        )
    except Exception as raised:
        error = EcrCallError.from_exception(raised, "LookupEvents")
        if error.code in ("AccessDeniedException", "UnauthorizedOperation", "AccessDenied"):
            write_line(err, f"ecrtui discover: {MISSING_PERMISSION}")
            return exit_codes.SERVICE
        raise
    caller = EcrCaller(make_client(options.target(), max_attempts=1))
    with UploadJournal() as journal:
        pusher = LayerPusher(caller, journal)
        before = len(journal.uploads(include_finished=True))
        for found in findings.uploads:
            journal_found(pusher, journal, found)
        added = len(journal.uploads(include_finished=True)) - before
    shown = [
        found for found in findings.uploads if parsed.all or not (found.completed or found.expired)
    ]
    if parsed.output == "json":
        out.write(to_json([found.as_json() for found in shown]))
    else:
        out.write(table(shown))
    for note in findings.notes:
        write_line(err, f"note: {note}")
    if added:
        write_line(err, f"added {added} upload(s) to the journal: `ecrtui uploads` lists them")
    return 0


def table(found: list[Any]) -> str:
    """The uploads as a table, with the next step for each."""
    import humanize

    from ecrtui.cli.output import columns
    from ecrtui.uploads.discovery import hint

    if not found:
        return "no uploads in flight found in CloudTrail (--all lists completed ones too)\n"
    header = ("REPOSITORY", "UPLOAD ID", "CLIENT", "STARTED", "PARTS", "ECR HOLDS", "LAST ERROR")
    rows = [header]
    for upload in found:
        held = upload.bytes_held
        rows.append(
            (
                visible(upload.repository),
                visible(upload.upload_id or "(id not in CloudTrail)"),
                visible(shortened(upload.client, 32)),
                time.strftime("%Y-%m-%d %H:%M", time.localtime(upload.started_at or 0))
                if upload.started_at
                else "?",
                str(upload.parts),
                humanize.naturalsize(held, binary=True) if held is not None else "?",
                visible(upload.last_error_code or ("completed" if upload.completed else "-")),
            )
        )
    lines = columns(rows)
    steps = [
        f"  {visible(upload.upload_id or upload.repository)[:8]}: {hint(upload)}"
        for upload in found
    ]
    return "\n".join(lines) + "\n\nnext steps:\n" + "\n".join(steps) + "\n"


def _check_repository_name(name: str) -> None:
    """A name ECR's model refuses names no repository: a usage error, before anything is sent."""
    from ecrtui.cli.global_options import UsageError
    from ecrtui.ecr.validation import validate

    problems = validate("DescribeImages", {"repositoryName": name})
    if problems:
        raise UsageError(
            "--repository-name: " + problems[0].message.removeprefix("repositoryName: ")
        )
