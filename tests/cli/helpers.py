"""Running `ecrtui` as a user does (a subprocess) and the bits the CLI tests share."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import AwsCli, CliResult

# Nothing listens on the discard port of the loopback address: any connection attempt is refused
# at once, so a command that reaches the network exits 255 with "Could not connect".
CLOSED_PORT_URL = "http://127.0.0.1:9"
NOT_CONNECTED = "Could not connect to the endpoint URL"

UUID_EXAMPLE = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"
DIGEST_EXAMPLE = "sha256:" + "ab" * 32

USAGE = 252
CONFIG = 253
SERVICE = 254
OTHER = 255
INTERRUPTED = 130
AWS_V1_SERVICE_ERROR = 255


def ecrtui(
    *args: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> CliResult:
    """`python -m ecrtui ARGS`; env defaults to the session's environment (dummy AWS_* values)."""
    done = subprocess.run(
        [sys.executable, "-m", "ecrtui", *args],
        capture_output=True,
        text=True,
        env=dict(os.environ if env is None else env),
        cwd=cwd,
        timeout=timeout,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def error_block(code: str, operation: str, message: str) -> str:
    """The aws CLI's error text on stderr."""
    return f"\nAn error occurred ({code}) when calling the {operation} operation: {message}\n"


def error_line(stderr: str) -> str:
    """The one line of stderr that begins "An error occurred"."""
    lines = [line for line in stderr.splitlines() if line.startswith("An error occurred")]
    assert len(lines) == 1, stderr
    return lines[0]


def hint_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("hint: ")]


@dataclass
class BytesResult:
    """A finished command's exit status and its output as the bytes a terminal would receive."""

    returncode: int
    stdout: bytes
    stderr: bytes


def ecrtui_bytes(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> BytesResult:
    """Like `ecrtui`, but stdout and stderr stay bytes: tests of what reaches the terminal."""
    return _run_bytes([sys.executable, "-m", "ecrtui", *args], env, timeout)


def aws_bytes(endpoint_url: str, *args: str, timeout: float = 120) -> BytesResult:
    """`aws --endpoint-url URL ARGS` with the installed aws CLI (v1), output as bytes: the
    reference for byte-exact comparisons."""
    aws = AwsCli(endpoint_url)
    return _run_bytes([aws.executable, "--endpoint-url", endpoint_url, *args], None, timeout)


def _run_bytes(command: list[str], env: Mapping[str, str] | None, timeout: float) -> BytesResult:
    done = subprocess.run(
        command,
        capture_output=True,
        env=dict(os.environ if env is None else env),
        timeout=timeout,
    )
    return BytesResult(done.returncode, done.stdout, done.stderr)
