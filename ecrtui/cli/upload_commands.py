"""`push-layer`, `resume`, `probe-upload`, `uploads` and `forget`: uploads in flight, from a shell.

Thin wrappers over `ecrtui.uploads`: the journal remembers every upload ecrtui starts or tracks,
and the engine pushes, resumes and probes. Exit statuses follow the aws CLI v2 (see exit_codes).
Lines on stderr and the uploads table quote paths, upload ids and ECR's words; they are written
with their control characters escaped (`exit_codes.write_line`, `plain_text.visible`).

What ECR did is what the exit status says: a push whose layer ECR stored exits 0 even when the
journal cannot keep up (it warns on stderr, and keeps the change for later; see
`ecrtui.uploads.journal`), and `push-layer` prints the upload id on stderr as soon as ECR gives
it, so an operator always has it. Every parameter is checked against ECR's model, and the part
size against ECR's part rules, before anything is sent (exit 252).
"""

from __future__ import annotations

import argparse
import datetime
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, TextIO

from ecrtui.cli import discover_command, exit_codes
from ecrtui.cli.exit_codes import write_line
from ecrtui.cli.global_options import GlobalOptions, UsageError, add_global_help
from ecrtui.ecr.limits import MAX_PART_SIZE, MIN_PART_SIZE, MiB, size_words
from ecrtui.plain_text import visible

PROBE_NOTE = (
    "Probing relies on observed, not documented, ECR behaviour: ECR refuses a part sent at an "
    "offset it does not expect and, refusing it, reports lastValidByteReceived. The probe sends an "
    "empty part at an offset no upload can reach, so the upload is not changed."
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _size(text: str) -> int:
    from ecrtui.uploads.sizes import parse_size

    try:
        return parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser(command: str) -> argparse.ArgumentParser:
    parser = _Parser(prog=f"ecrtui {command}", description=DESCRIPTIONS[command])
    if command == "push-layer":
        parser.add_argument("file", type=Path, metavar="FILE", help="the layer file to push")
        parser.add_argument("--repository-name", required=True, help="the repository")
        parser.add_argument("--registry-id", help="the registry (default: your account's)")
        parser.add_argument(
            "--part-size",
            type=_size,
            help="bytes per part, e.g. 10MiB (default: the partSize ECR gives; ECR wants "
            f"{MIN_PART_SIZE // MiB}-{size_words(MAX_PART_SIZE)} for every part but the last)",
        )
        parser.add_argument(
            "--no-complete", action="store_true", help="leave the upload pending on purpose"
        )
    elif command == "resume":
        parser.add_argument("upload_id", metavar="UPLOAD_ID")
        parser.add_argument(
            "--no-complete", action="store_true", help="send the parts, but do not complete"
        )
    elif command == "probe-upload":
        parser.epilog = PROBE_NOTE
        parser.add_argument("--repository-name", required=True, help="the repository")
        parser.add_argument("--upload-id", required=True, help="the upload id")
        parser.add_argument("--registry-id", help="the registry (default: your account's)")
    elif command == "uploads":
        parser.add_argument("--all", action="store_true", help="also completed, failed, ...")
    elif command == "forget":
        parser.add_argument("upload_id", metavar="UPLOAD_ID")
    elif command == "discover":
        discover_command.add_arguments(parser)
    if command == "uploads":
        parser.add_argument(
            "--output", choices=("table", "json"), default="table", help="(default: table)"
        )
    add_global_help(parser, skip={"--output"} if command in OWN_OUTPUT else set())
    return parser


DESCRIPTIONS = {
    "push-layer": "Push a layer file to ECR in parts, with a progress bar, retries, and a journal "
    "entry so it can be resumed; prints CompleteLayerUpload's response as JSON.",
    "resume": "Continue an interrupted upload from the byte ECR last accepted, reading the rest "
    "from the source file the journal names, and complete it.",
    "probe-upload": "Learn whether an upload exists and how many bytes ECR holds, without "
    "changing it, and track it in the journal.",
    "uploads": "List the uploads in the journal, newest first (those in flight unless --all).",
    "forget": "Mark an upload as forgotten in the journal; ECR is not told.",
    "discover": discover_command.DESCRIPTION,
}
OWN_OUTPUT = frozenset({"uploads", "discover"})  # commands whose --output is their own
COMMANDS = tuple(DESCRIPTIONS)


def run(
    command: str,
    argv: list[str],
    options: GlobalOptions,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    try:
        parsed = build_parser(command).parse_args(argv)
        _refuse_undecodable(parsed)
        return HANDLERS[command](parsed, options, out, err)
    except UsageError as error:
        write_line(err, f"usage: ecrtui {command} ...\necrtui {command}: error: {error}")
        return exit_codes.USAGE
    except KeyboardInterrupt:
        write_line(err, "\ninterrupted")
        return exit_codes.INTERRUPTED
    except Exception as raised:
        from ecrtui.uploads.engine import Cancelled, PushError

        if isinstance(raised, Cancelled):
            write_line(err, f"\ninterrupted: {raised}; resume with `ecrtui resume`")
            return exit_codes.INTERRUPTED
        if isinstance(raised, PushError):
            write_line(err, f"ecrtui {command}: {raised}")
            return exit_codes.OTHER
        return exit_codes.report_failure(raised, None, err, options.debug)


def _refuse_undecodable(parsed: argparse.Namespace) -> None:
    """Names and ids are text: an argument whose bytes are not UTF-8 (the shell passed them as
    they were) is a usage error, not a crash where it is stored. File paths may hold any bytes."""
    for name, value in vars(parsed).items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                shown = value.encode("utf-8", "backslashreplace").decode("ascii", "replace")
                where = name.upper() if name == "upload_id" else "--" + name.replace("_", "-")
                raise UsageError(f"{where} is not UTF-8 text: {shown[:80]}") from None


@contextmanager
def _engine(options: GlobalOptions, err: TextIO) -> Iterator[Any]:
    """A LayerPusher with a progress bar; Ctrl+C or SIGTERM cancels it between parts."""
    from ecrtui.cli.progress_bar import ProgressBar
    from ecrtui.ecr.caller import EcrCaller
    from ecrtui.ecr.client import make_client
    from ecrtui.uploads.engine import LayerPusher
    from ecrtui.uploads.journal import UploadJournal

    caller = EcrCaller(make_client(options.target(), max_attempts=1))
    bar = ProgressBar(err)
    cancel = threading.Event()
    with UploadJournal(warn=_warner(err)) as journal, _cancel_on_signals(cancel):
        try:
            yield LayerPusher(
                caller,
                journal,
                on_progress=bar,
                cancel=cancel,
                on_initiated=lambda upload_id: _say(err, f"upload id: {upload_id}"),
            )
        finally:
            bar.finish()


def _say(err: TextIO, line: str) -> None:
    """A line on stderr, on a line of its own even while a progress bar is drawn there."""
    if err.isatty():
        err.write("\r\033[K")
    write_line(err, line)


def _warner(err: TextIO) -> Callable[[str], None]:
    """Where the journal's warnings go: stderr, each on a line of its own."""
    return lambda message: _say(err, f"warning: {message}")


@contextmanager
def _cancel_on_signals(cancel: threading.Event) -> Iterator[None]:
    def handle(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _push(parsed: argparse.Namespace, options: GlobalOptions, out: TextIO, err: TextIO) -> int:
    if not parsed.file.is_file():
        raise UsageError(f"no such file: {parsed.file}")
    with _engine(options, err) as pusher:
        result = pusher.push(
            parsed.file,
            parsed.repository_name,
            registry_id=parsed.registry_id,
            part_size=parsed.part_size,
            complete=not parsed.no_complete,
        )
    if result.already_exists:
        write_line(
            err,
            f"{result.digest} already exists in {parsed.repository_name} "
            f"({result.layer_size} bytes); nothing to push",
        )
        return 0
    return _finish(result, out, err)


def _resume(parsed: argparse.Namespace, options: GlobalOptions, out: TextIO, err: TextIO) -> int:
    with _engine(options, err) as pusher:
        result = pusher.resume(parsed.upload_id, complete=not parsed.no_complete)
    return _finish(result, out, err)


def _finish(result: Any, out: TextIO, err: TextIO) -> int:
    if result.response is not None:
        from ecrtui.cli.output import to_json

        out.write(to_json(result.response))
        if result.note:
            _say(err, result.note)
    else:
        record = result.record
        write_line(
            err,
            f"upload {record.upload_id} holds all {record.bytes_confirmed} bytes and is ready to "
            f"complete with {result.digest}",
        )
    return 0


def _probe(parsed: argparse.Namespace, options: GlobalOptions, out: TextIO, err: TextIO) -> int:
    from ecrtui.cli.output import to_json

    with _engine(options, err) as pusher:
        record = pusher.probe(parsed.repository_name, parsed.upload_id, parsed.registry_id)
    out.write(
        to_json(
            {
                "repositoryName": record.repository,
                "uploadId": record.upload_id,
                "bytesHeld": record.bytes_confirmed,
                "lastValidByteReceived": record.bytes_confirmed - 1,
                "state": record.state.value,
            }
        )
    )
    return 0


def _uploads(parsed: argparse.Namespace, options: GlobalOptions, out: TextIO, err: TextIO) -> int:
    from ecrtui.uploads.journal import UploadJournal

    with UploadJournal(warn=_warner(err)) as journal:
        records = journal.uploads(include_finished=parsed.all)
    if parsed.output == "json":
        from ecrtui.cli.output import to_json

        out.write(to_json([_as_dict(record) for record in records]))
        return 0
    out.write(uploads_table(records))
    return 0


def uploads_table(records: list[Any], now: float | None = None) -> str:
    import humanize

    now = time.time() if now is None else now
    header = ("REPOSITORY", "UPLOAD ID", "ECR HOLDS", "OF", "%", "STATE", "LAST ACTIVITY")
    rows = [header]
    for record in records:
        size = record.source_size
        percent = record.percent
        rows.append(
            (
                visible(record.repository),
                visible(record.upload_id),
                humanize.naturalsize(record.bytes_confirmed, binary=True),
                humanize.naturalsize(size, binary=True) if size is not None else "?",
                f"{percent:.0f}" if percent is not None else "?",
                record.state.value,
                humanize.naturaltime(datetime.timedelta(seconds=max(0, now - record.updated_at))),
            )
        )
    if len(rows) == 1:
        return "no uploads in flight (ecrtui uploads --all shows finished ones)\n"
    from ecrtui.cli.output import columns

    return "".join(line + "\n" for line in columns(rows))


def _as_dict(record: Any) -> dict[str, Any]:
    return {
        "repositoryName": record.repository,
        "uploadId": record.upload_id,
        "registryId": record.registry_id,
        "endpoint": record.endpoint,
        "region": record.region,
        "origin": record.origin.value,
        "state": record.state.value,
        "bytesHeld": record.bytes_confirmed,
        "size": record.source_size,
        "partSize": record.part_size,
        "sourcePath": record.source_path,
        "localDigest": record.local_digest,
        "lastErrorCode": record.last_error_code,
        "lastErrorMessage": record.last_error_message,
        "createdAt": record.created_at,
        "updatedAt": record.updated_at,
        "finalResponse": record.final_response,
    }


def _forget(parsed: argparse.Namespace, options: GlobalOptions, out: TextIO, err: TextIO) -> int:
    from ecrtui.uploads.journal import UploadJournal
    from ecrtui.uploads.lifecycle import forget_upload

    with UploadJournal(warn=_warner(err)) as journal:
        record = forget_upload(journal, parsed.upload_id)
    if record is None:
        write_line(err, f"ecrtui forget: upload {parsed.upload_id} is not in the journal")
        return exit_codes.OTHER
    write_line(err, f"forgot upload {parsed.upload_id} ({record.repository})")
    return 0


HANDLERS: dict[str, Callable[[argparse.Namespace, GlobalOptions, TextIO, TextIO], int]] = {
    "push-layer": _push,
    "resume": _resume,
    "probe-upload": _probe,
    "uploads": _uploads,
    "forget": _forget,
    "discover": discover_command.run,
}
