"""`ecrtui push-layer` killed with SIGKILL at chosen points, then `ecrtui resume`d to the end.

The push goes through the fault proxy, which holds one request so the test knows where the process
is when it kills it. The journal must survive the kill intact and never claim more than ECR holds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ecrtui.uploads.journal import UploadJournal, UploadState, default_path
from tests.uploads.fault_proxy import Fault, FaultProxy
from tests.uploads.helpers import MiB, ecr_holds, ecrtui, ecrtui_env, sha256sum, write_layer

SIZE = 23 * MiB  # five parts of 5 MiB: 5, 5, 5, 5, 3

UPLOADING, READY = UploadState.UPLOADING, UploadState.READY

# point -> (operation held, its nth request, fault, journaled state and bytes, bytes ECR holds)
POINTS = {
    "before-the-first-part": ("UploadLayerPart", 1, "hold", UPLOADING, 0, 0),
    "mid-way": ("UploadLayerPart", 3, "hold", UPLOADING, 10 * MiB, 10 * MiB),
    "after-the-last-part": ("UploadLayerPart", 5, "hold_after", UPLOADING, 20 * MiB, SIZE),
    "before-completion": ("CompleteLayerUpload", 1, "hold", READY, SIZE, SIZE),
}


def _start_push(layer: Path, repository: str, url: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "ecrtui", "push-layer", str(layer)]
    command += ["--repository-name", repository, "--endpoint-url", url, "--part-size", "5MiB"]
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ecrtui_env()
    )


def _kill_when_held(process: subprocess.Popen[str], plan: Fault) -> None:
    deadline = time.monotonic() + 60
    while not plan.reached.wait(0.1):
        assert time.monotonic() < deadline, f"push-layer did not reach {plan} in 60 s"
        if process.poll() is not None:
            _, err = process.communicate()
            raise AssertionError(f"push-layer ended ({process.returncode}) before {plan}:\n{err}")
    os.kill(process.pid, signal.SIGKILL)


@pytest.mark.parametrize("point", list(POINTS))
def test_a_killed_push_resumes_to_the_right_digest(
    proxy: FaultProxy, repository: str, tmp_path: Path, raw_ecr_client: Any, point: str
) -> None:
    operation, nth, fault, state, journaled, held_by_ecr = POINTS[point]
    layer = write_layer(tmp_path, SIZE, seed=20 + nth)
    plan = proxy.plan(operation, nth=nth, fault=fault)
    process = _start_push(layer, repository, proxy.url)
    try:
        _kill_when_held(process, plan)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert out == ""

    with UploadJournal(default_path()) as journal:
        assert journal.integrity_check() == "ok"
        (record,) = journal.uploads()
        held = ecr_holds(raw_ecr_client, repository, record.upload_id)
        assert record.bytes_confirmed <= held
        assert (record.bytes_confirmed, held) == (journaled, held_by_ecr)
        assert record.state is state

    # Resume where the push ran: the journal knows the upload by the endpoint it was pushed to.
    proxy.reset()
    resumed = ecrtui("resume", record.upload_id, "--endpoint-url", proxy.url)
    assert resumed.returncode == 0, resumed.stderr
    digest = sha256sum(layer)
    assert resumed.json()["layerDigest"] == digest

    with UploadJournal(default_path()) as journal:
        assert journal.integrity_check() == "ok"
        done = journal.find(record.upload_id)
        assert done is not None
        assert done.state is UploadState.COMPLETED
        assert done.bytes_confirmed == SIZE
        assert done.final_response is not None and done.final_response["layerDigest"] == digest


def test_a_push_killed_after_ecr_completed_it_resumes(
    proxy: FaultProxy, repository: str, tmp_path: Path, ecr_client: Any
) -> None:
    """Killed while CompleteLayerUpload's answer is on its way: ECR has the layer, the journal
    says "ready to complete". Resuming must not fail on an upload ECR has already completed."""
    layer = write_layer(tmp_path, 12 * MiB, seed=29)
    digest = sha256sum(layer)
    plan = proxy.plan("CompleteLayerUpload", nth=1, fault="hold_after")
    process = _start_push(layer, repository, proxy.url)
    try:
        _kill_when_held(process, plan)
        process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    found = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )["layers"]
    assert [entry["layerAvailability"] for entry in found] == ["AVAILABLE"]
    with UploadJournal(default_path()) as journal:
        assert journal.integrity_check() == "ok"
        (record,) = journal.uploads()
        assert record.state is UploadState.READY

    proxy.reset()
    resumed = ecrtui("resume", record.upload_id, "--endpoint-url", proxy.url)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.json()["layerDigest"] == digest
    with UploadJournal(default_path()) as journal:
        done = journal.find(record.upload_id)
        assert done is not None and done.state is UploadState.COMPLETED


def test_sigterm_cancels_between_parts(
    proxy: FaultProxy, repository: str, tmp_path: Path, raw_ecr_client: Any
) -> None:
    """SIGTERM lets the part in flight finish, journals the upload as interrupted, exits 130."""
    layer = write_layer(tmp_path, 23 * MiB, seed=28)
    plan = proxy.plan("UploadLayerPart", nth=2, fault="hold")
    process = _start_push(layer, repository, proxy.url)
    try:
        plan.wait_reached(60)
        process.send_signal(signal.SIGTERM)
        plan.release()
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
    assert process.returncode == 130, err
    assert out == ""
    assert "resume" in err
    with UploadJournal(default_path()) as journal:
        (record,) = journal.uploads()
        assert record.state is UploadState.INTERRUPTED
        assert record.bytes_confirmed == 10 * MiB
        assert ecr_holds(raw_ecr_client, repository, record.upload_id) == 10 * MiB
    resumed = ecrtui("resume", record.upload_id, "--endpoint-url", proxy.url)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.json()["layerDigest"] == sha256sum(layer)
