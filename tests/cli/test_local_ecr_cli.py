"""`ecrtui local-ecr` as a user runs it: a subprocess, its first line, signals, exit codes."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ecrtui.local.seed import MiB, layer_bytes, sha256_digest
from tests.conftest import AwsCli, make_client

URL = re.compile(r"http://127\.0\.0\.1:\d+")


@contextmanager
def local_ecr_process(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ecrtui", "local-ecr", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline().rstrip("\n")
        yield process, first_line
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def test_first_line_is_the_endpoint_url_and_sigterm_exits_zero() -> None:
    with local_ecr_process() as (process, url):
        assert URL.fullmatch(url)
        client = make_client(url)
        client.create_repository(repositoryName="cli/check")
        upload = client.initiate_layer_upload(repositoryName="cli/check")
        assert upload["partSize"] == 10 * MiB
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_sigint_exits_zero_and_removes_the_spill_directory() -> None:
    with local_ecr_process() as (process, url):
        client = make_client(url)
        client.create_repository(repositoryName="cli/spill")
        upload_id = client.initiate_layer_upload(repositoryName="cli/spill")["uploadId"]
        client.upload_layer_part(
            repositoryName="cli/spill",
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=2,
            layerPartBlob=b"abc",
        )
        # its own: the name holds the owner's pid (other tests' backends come and go meanwhile)
        created = set(Path("/tmp").glob(f"ecrtui-local-ecr-{process.pid}-*"))
        assert len(created) == 1
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    assert not any(path.exists() for path in created)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.com"])
def test_other_hosts_are_refused_without_allow_remote(host: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecrtui", "local-ecr", "--host", host],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"refusing to listen on {host}" in done.stderr
    assert "--allow-remote" in done.stderr


def test_bad_ttl_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecrtui", "local-ecr", "--upload-ttl", "soon"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 2
    assert "not a number of seconds: 'soon'" in done.stderr


def test_demo_seed_lists_uploads_and_the_ready_one_completes_with_the_aws_cli() -> None:
    with local_ecr_process("--seed", "demo") as (process, url):
        assert URL.fullmatch(url)
        assert process.stderr is not None
        listing = []
        while not (line := process.stderr.readline()).startswith("local ECR backend ready"):
            assert line, "stderr ended before the ready line"
            listing.append(line)
        text = "".join(listing)
        assert "seeded 12 repositories, 7 images and 6 uploads in flight" in text
        ready = re.search(r"team/api\s+([0-9a-f-]{36})\s+every part is in", text)
        assert ready, text
        # The seed is deterministic: the "ready" upload holds exactly this file's bytes.
        digest = sha256_digest(layer_bytes("team/api:v1.5.0:1", 12 * MiB))
        done = AwsCli(url)(
            "ecr",
            "complete-layer-upload",
            "--repository-name",
            "team/api",
            "--upload-id",
            ready.group(1),
            "--layer-digests",
            digest,
        )
        assert done.returncode == 0, done.stderr
        assert done.json()["layerDigest"] == digest
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_help_explains_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecrtui", "local-ecr", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0
    for option in ("--host", "--port", "--seed", "--upload-ttl", "--allow-remote"):
        assert option in done.stdout


def _rss_bytes(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match
    return int(match.group(1)) * 1024


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_memory_stays_flat_while_a_large_layer_is_uploaded() -> None:
    """120 MiB go through the backend; its resident memory grows by far less than that."""
    part = bytes(range(256)) * (10 * MiB // 256)
    with local_ecr_process() as (process, url):
        client = make_client(url)
        client.create_repository(repositoryName="cli/large")
        upload_id = client.initiate_layer_upload(repositoryName="cli/large")["uploadId"]

        def send(index: int) -> None:
            client.upload_layer_part(
                repositoryName="cli/large",
                uploadId=upload_id,
                partFirstByte=index * len(part),
                partLastByte=(index + 1) * len(part) - 1,
                layerPartBlob=part,
            )

        for index in range(2):  # warm up: the first parts allocate the request buffers
            send(index)
        before = _rss_bytes(process.pid)
        for index in range(2, 12):
            send(index)
        grown = _rss_bytes(process.pid) - before
        assert grown < 40 * MiB, f"the backend grew by {grown / MiB:.1f} MiB for 100 MiB of parts"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
