"""Helpers for the upload tests: layer files, digests, what ECR holds, pushers, `ecrtui` runs."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecrtui.ecr.caller import EcrCaller
from ecrtui.ecr.client import Target, make_client
from ecrtui.uploads.engine import Cancelled, LayerPusher, Progress
from ecrtui.uploads.journal import UploadJournal, UploadState
from ecrtui.uploads.retries import RetryPolicy
from tests.conftest import DUMMY_ENV, CliResult
from tests.local.helpers import data

MiB = 1024 * 1024


def write_layer(directory: Path, size: int, seed: int = 0, name: str | None = None) -> Path:
    """A file of `size` deterministic pseudo-random bytes."""
    path = directory / (name or f"layer-{size}-{seed}.bin")
    path.write_bytes(data(size, seed))
    return path


def file_digest(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


def sha256sum(path: Path) -> str:
    """The digest as coreutils' sha256sum computes it: an independent check."""
    done = subprocess.run(
        ["sha256sum", str(path)], capture_output=True, text=True, check=True, timeout=60
    )
    return "sha256:" + done.stdout.split()[0]


def ecr_holds(raw_client: Any, repository: str, upload_id: str) -> int:
    """How many bytes the backend holds of an upload: it refuses a part at a wrong offset and
    says where it is."""
    offset = 2**50
    try:
        raw_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=offset,
            partLastByte=offset,
            layerPartBlob=b"x",
        )
    except ClientError as error:
        assert error.response["Error"]["Code"] == "InvalidLayerPartException", error.response
        return int(error.response["lastValidByteReceived"]) + 1
    raise AssertionError("the backend accepted a part at byte 2**50")


def make_pusher(
    endpoint_url: str,
    journal: UploadJournal,
    *,
    progress: list[Progress] | Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
    read_timeout: float | None = None,
    attempts: int = 8,
) -> LayerPusher:
    """A LayerPusher as the commands make it (no botocore retries), with instant backoff."""
    client = make_client(
        Target(endpoint_url=endpoint_url, read_timeout=read_timeout), max_attempts=1
    )
    on_progress = progress.append if isinstance(progress, list) else progress
    return LayerPusher(
        EcrCaller(client),
        journal,
        on_progress=on_progress,
        cancel=cancel,
        retry=RetryPolicy(attempts=attempts, sleep=lambda seconds: None),
    )


def push_and_cancel(endpoint_url: str, journal: UploadJournal, repository: str, layer: Path) -> str:
    """Push `layer` in 5 MiB parts, cancelling once the first part is confirmed; the upload id."""
    cancel = threading.Event()

    def on_progress(progress: Progress) -> None:
        if progress.phase == "uploading" and progress.done > 0:
            cancel.set()

    pusher = make_pusher(endpoint_url, journal, progress=on_progress, cancel=cancel)
    with pytest.raises(Cancelled):
        pusher.push(layer, repository, part_size=5 * MiB)
    record = journal.uploads()[0]
    assert record.state is UploadState.INTERRUPTED
    return record.upload_id


def part_calls(journal: UploadJournal, upload_id: str) -> list[dict[str, Any]]:
    return [call for call in journal.calls(upload_id) if call["operation"] == "UploadLayerPart"]


def assert_parts_in_order(calls: Sequence[dict[str, Any]], size: int) -> None:
    """The parts ECR accepted (answered ok, or refused as already received after a lost answer)
    cover bytes 0..size-1 in order, and the ok ones were sent at strictly increasing offsets."""
    ok = [call["parameters"]["partFirstByte"] for call in calls if call["outcome"] == "ok"]
    assert ok == sorted(set(ok)), ok
    accepted = [
        (call["parameters"]["partFirstByte"], call["parameters"]["partLastByte"])
        for call in calls
        if call["outcome"] in ("ok", "InvalidLayerPartException")
        and call["parameters"]["partFirstByte"] < 2**40  # not a probe
    ]
    expected_first = 0
    for first, last in accepted:
        assert first == expected_first, accepted
        expected_first = last + 1
    assert expected_first == size, accepted


def ecrtui_env() -> dict[str, str]:
    """The environment for `ecrtui` subprocesses: this test's state directory, dummy AWS."""
    return {**os.environ, **DUMMY_ENV, "PYTHONUNBUFFERED": "1"}


def ecrtui(*args: str, timeout: float = 120) -> CliResult:
    """`python -m ecrtui ARGS` in this test's state directory."""
    done = subprocess.run(
        [sys.executable, "-m", "ecrtui", *args],
        capture_output=True,
        text=True,
        env=ecrtui_env(),
        timeout=timeout,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)
