"""Exit statuses as the aws CLI v2 documents them, and how a failure is reported on stderr.

Every error or usage line the command line writes goes through `write_line`: an error message may
quote an image tag, a repository name, a file path or an input key, and whatever control
characters those hold are shown as `\\xNN`, never obeyed by the terminal.
"""

from __future__ import annotations

from typing import TextIO

from ecrtui.plain_text import visible_lines

OK = 0
USAGE = 252  # a bad command line or parameters
CONFIG = 253  # configuration or credentials
SERVICE = 254  # ECR answered with an error
OTHER = 255  # anything else: the network, the local file system, ...
INTERRUPTED = 130  # Ctrl+C

# by the value of ecrtui.ecr.errors.ErrorKind (imported only when a failure is reported)
FOR_KIND = {
    "validation": USAGE,
    "credentials": CONFIG,
    "service": SERVICE,
    "connection": OTHER,
    "other": OTHER,
}


def write_line(stream: TextIO, text: str) -> None:
    """Write `text` and a newline, its line breaks and tabs kept, every other control escaped."""
    stream.write(visible_lines(text) + "\n")
    stream.flush()


def report_failure(raised: BaseException, operation: str | None, err: TextIO, debug: bool) -> int:
    """Print the failure as the aws CLI does, then ecrtui's hint; return the exit status.

    A Python traceback appears only with --debug, redacted as the error is (it quotes the
    exception botocore raised, whose message may hold a session token)."""
    import traceback

    from ecrtui.ecr.errors import EcrCallError
    from ecrtui.ecr.redaction import redact

    error = EcrCallError.from_exception(raised, operation)
    if debug:
        write_line(err, redact("".join(traceback.format_exception(raised)).rstrip("\n")))
    write_line(err, f"\n{error}")
    if error.hint:
        write_line(err, f"hint: {error.hint}")
    return FOR_KIND[error.kind.value]
