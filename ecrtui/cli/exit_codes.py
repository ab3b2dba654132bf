"""Exit statuses as the aws CLI v2 documents them, and how a failure is reported on stderr."""

from __future__ import annotations

import traceback
from typing import TextIO

from ecrtui.ecr.errors import EcrCallError, ErrorKind

OK = 0
USAGE = 252  # a bad command line or parameters
CONFIG = 253  # configuration or credentials
SERVICE = 254  # ECR answered with an error
OTHER = 255  # anything else: the network, the local file system, ...
INTERRUPTED = 130  # Ctrl+C

FOR_KIND = {
    ErrorKind.VALIDATION: USAGE,
    ErrorKind.CREDENTIALS: CONFIG,
    ErrorKind.SERVICE: SERVICE,
    ErrorKind.CONNECTION: OTHER,
    ErrorKind.OTHER: OTHER,
}


def report_failure(raised: BaseException, operation: str | None, err: TextIO, debug: bool) -> int:
    """Print the failure as the aws CLI does, then ecrtui's hint; return the exit status.

    A Python traceback appears only with --debug."""
    error = EcrCallError.from_exception(raised, operation)
    if debug:
        traceback.print_exception(raised, file=err)
    err.write(f"\n{error}\n")
    if error.hint:
        err.write(f"hint: {error.hint}\n")
    return FOR_KIND[error.kind]
