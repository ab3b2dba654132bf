"""The demo backend in a process of its own (`ecrtui --demo`), and the seed that fills it.

It must hold the same registry as `ecrtui local-ecr --seed demo`, keep the seed's calls in its
CloudTrail as calls over HTTP are kept, and be gone, with its files, once its console lets go.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import subprocess
import sys
import tarfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

from ecrtui.local.demo_backend import DemoBackendError, DemoBackendProcess, _read_line
from ecrtui.local.seed import (
    LAYER_BLOCK,
    SEED_USER_AGENT,
    STUCK_UPLOADS,
    layer_bytes,
    registry_from_json,
    registry_to_json,
    sha256_digest,
)
from tests.conftest import local_ecr_process, make_client
from tests.processes import gone


def trail_client(endpoint_url: str) -> Any:
    """LookupEvents answers 2 requests a second, as CloudTrail does: retried when throttled."""
    from botocore.config import Config

    retries = Config(retries={"mode": "standard", "max_attempts": 20})
    return boto3.client(
        "cloudtrail", endpoint_url=endpoint_url, region_name="us-east-1", config=retries
    )


def events(endpoint_url: str) -> list[dict[str, Any]]:
    """Every CloudTrail event of the backend, as the documents LookupEvents hands out."""
    pages = trail_client(endpoint_url).get_paginator("lookup_events").paginate()
    return [json.loads(event["CloudTrailEvent"]) for page in pages for event in page["Events"]]


def registry_seen_through_the_api(endpoint_url: str) -> dict[str, Any]:
    """What the API answers about the registry, less what differs from run to run."""
    ecr = make_client(endpoint_url)
    repositories = ecr.describe_repositories()["repositories"]
    seen: dict[str, Any] = {}
    for repository in repositories:
        name = repository["repositoryName"]
        images = ecr.describe_images(repositoryName=name)["imageDetails"]
        seen[name] = {
            "mutability": repository["imageTagMutability"],
            "scan": repository["imageScanningConfiguration"],
            # moto draws a new KMS key for each repository that asks for one
            "encryption": repository["encryptionConfiguration"]["encryptionType"],
            "images": sorted(
                (tuple(i.get("imageTags", [])), i["imageDigest"], i["imageSizeInBytes"])
                for i in images
            ),
        }
    calls = Counter(  # the seed's, and docker's (not this test's own)
        (event["eventName"], event.get("errorCode"), event.get("userAgent"))
        for event in events(endpoint_url)
        if not str(event.get("userAgent")).startswith("Boto3/")
    )
    return {"repositories": seen, "calls": calls}


@contextmanager
def demo_backend(tmp_path: Path) -> Iterator[DemoBackendProcess]:
    backend = DemoBackendProcess(tmp_path / "demo" / "layers").start()
    try:
        yield backend
    finally:
        backend.stop()


def local_ecr_seeded(tmp_path: Path) -> Any:
    return local_ecr_process("demo")


def test_the_demo_backend_holds_the_registry_of_local_ecr_seed_demo(tmp_path: Path) -> None:
    with demo_backend(tmp_path) as backend:
        registry = backend.registry()
        assert registry.endpoint_url == backend.endpoint_url
        assert backend.endpoint_url.startswith("http://127.0.0.1:")
        from_the_demo = registry_seen_through_the_api(backend.endpoint_url)
    with local_ecr_seeded(tmp_path) as endpoint_url:
        from_local_ecr = registry_seen_through_the_api(endpoint_url)
    assert from_the_demo == from_local_ecr
    assert len(from_the_demo["repositories"]) == len(registry.repositories) == 12
    # what the seed did, in the CloudTrail: its uploads' parts and docker's among them
    calls = from_the_demo["calls"]
    assert calls["UploadLayerPart", None, SEED_USER_AGENT] >= 20
    assert sum(n for (name, _, agent), n in calls.items() if "docker/" in str(agent)) >= 4


def test_its_port_is_known_before_it_is_seeded_and_requests_wait_for_it(tmp_path: Path) -> None:
    """The console makes its clients meanwhile; what it sends is answered once the backend
    serves (the socket is bound and listening before the backend process starts)."""
    with demo_backend(tmp_path) as backend:
        began = time.monotonic()
        url = backend.endpoint_url  # at once
        assert time.monotonic() - began < 0.1
        answer = make_client(url).describe_repositories(repositoryNames=["team/api"])
        assert answer["repositories"][0]["repositoryName"] == "team/api"
        assert len(backend.registry().uploads) == 6


def test_stopping_it_ends_the_process_and_removes_its_files(tmp_path: Path) -> None:
    with demo_backend(tmp_path) as backend:
        backend.registry()
        pid = backend.pid
        stores = list(Path(_tmp_dir()).glob(f"ecrtui-local-ecr-{pid}-*"))
        assert len(stores) == 1
    assert backend.pid is None
    assert not stores[0].exists()


def test_its_process_ends_when_its_console_does(tmp_path: Path) -> None:
    """The console's process ending in any way (SIGKILL included) closes the backend's stdin."""
    code = (
        "import sys; from pathlib import Path; "
        "from ecrtui.local.demo_backend import DemoBackendProcess as P; "
        f"b = P(Path({str(tmp_path / 'demo' / 'layers')!r})).start(); b.registry(); "
        "print(b.pid, flush=True); sys.stdin.read()"
    )
    console = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert console.stdout is not None
    backend_pid = int(console.stdout.readline())
    console.kill()
    console.wait(timeout=10)
    deadline = time.monotonic() + 20
    while not gone(backend_pid):
        assert time.monotonic() < deadline, "the demo backend outlived its console"
        time.sleep(0.1)
    assert list(Path(_tmp_dir()).glob(f"ecrtui-local-ecr-{backend_pid}-*")) == []


def test_a_backend_that_fails_to_start_says_why(tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "layers").write_text("not a directory")  # where the seed writes
    backend = DemoBackendProcess(tmp_path / "demo" / "layers").start()
    with pytest.raises(DemoBackendError, match=r"(?s)did not start: .*FileExistsError"):
        backend.registry(timeout=30)
    assert backend.pid is None


def test_the_description_is_read_as_one_line_or_not_at_all() -> None:
    """The console reads the backend's description with a timeout: a line, or b"" when the
    backend wrote nothing in time or ended."""
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as stream:
        began = time.monotonic()
        assert _read_line(stream, 0.2) == b""  # nothing yet
        assert time.monotonic() - began >= 0.2
        os.write(write_end, b'{"endpoint_url": "x"}\n')
        assert _read_line(stream, 5) == b'{"endpoint_url": "x"}\n'
        os.close(write_end)
        assert _read_line(stream, 5) == b""  # the backend ended


def test_the_description_survives_json(demo_registry: Any) -> None:
    assert registry_from_json(registry_to_json(demo_registry)) == demo_registry


def test_the_seed_s_parts_are_in_the_cloudtrail_as_parts_sent_over_http(
    demo_registry: Any, endpoint_url: str, ecr_client: Any
) -> None:
    """The seed hands its parts to the layer rules without a request body; the event must not
    tell them apart from a part sent over HTTP."""
    upload = ecr_client.initiate_layer_upload(repositoryName="team/api")["uploadId"]
    ecr_client.upload_layer_part(
        repositoryName="team/api",
        uploadId=upload,
        partFirstByte=0,
        partLastByte=3,
        layerPartBlob=b"abcd",
    )
    parts = [e for e in events(endpoint_url) if e["eventName"] == "UploadLayerPart"]
    over_http = next(e for e in parts if e["requestParameters"]["uploadId"] == upload)
    ready = demo_registry.upload("ready")
    seeded = next(  # the first part of the upload the seed left ready to complete
        e
        for e in parts
        if e["requestParameters"]["uploadId"] == ready.upload_id
        and e["requestParameters"]["partFirstByte"] == 0
    )

    def shape(event: dict[str, Any]) -> tuple[Any, ...]:
        return (
            sorted(event),
            sorted(event["userIdentity"]),
            sorted(event["requestParameters"]),
            sorted(event["responseElements"]),
            event["sourceIPAddress"],
            event["readOnly"],
        )

    assert shape(seeded) == shape(over_http)
    assert seeded["responseElements"]["lastByteReceived"] == ready.part_sizes[0] - 1


@pytest.mark.parametrize("size", [0, 1, 511, 512, LAYER_BLOCK, 1_400_000, 3 * LAYER_BLOCK + 7])
def test_a_layer_is_a_real_tar_gz_as_tarfile_and_gzip_write_it(size: int) -> None:
    name = "team/api:v1:1"
    block = random.Random(f"{name}:{size}").randbytes(min(size, LAYER_BLOCK))
    payload = (block * (size // max(len(block), 1) + 1))[:size]
    expected = io.BytesIO()
    with tarfile.open(fileobj=expected, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("opt/team-api:v1:1/data.bin")
        info.size, info.mtime, info.mode = size, 1_700_000_000, 0o644
        tar.addfile(info, io.BytesIO(payload))
    made = layer_bytes(name, size)
    assert gzip.decompress(made) == expected.getvalue()
    assert layer_bytes(name, size) == made


def _tmp_dir() -> str:
    import tempfile

    return tempfile.gettempdir()


def test_each_stuck_upload_s_file_and_the_bytes_sent_are_as_described(demo_registry: Any) -> None:
    """The files are made and written on a thread of their own (`SourceFiles`): each is on
    disk with the digest and size described, and `sent_digest` is that of the bytes sent."""
    import hashlib

    for upload in demo_registry.uploads:
        assert upload.source is not None
        data = upload.source.read_bytes()
        assert (len(data), sha256_digest(data)) == (upload.file_size, upload.file_digest)
        held = data[: upload.bytes_uploaded]
        if upload.situation == "digest-mismatch":
            flipped = bytearray(held)
            flipped[len(flipped) // 2] ^= 0x01
            held = bytes(flipped)
        assert upload.sent_digest == "sha256:" + hashlib.sha256(held).hexdigest()
        assert sum(upload.part_sizes) == upload.bytes_uploaded
    assert [u.situation for u in demo_registry.uploads] == [s.situation for s in STUCK_UPLOADS]


def test_a_held_backend_answers_get_caller_identity_then_ecr_reads_then_the_rest(
    local_ecr: Any, endpoint_url: str
) -> None:
    """While the demo backend seeds, its console learns who it is; ECR's reads are answered once
    the registry is whole but for the uploads docker leaves (`release_api`); calls that change
    something and CloudTrail wait for the end (`release`)."""
    import threading

    sts = boto3.client("sts", endpoint_url=endpoint_url, region_name="us-east-1")
    answered: dict[str, threading.Event] = {}

    def ask(name: str, call: Any) -> threading.Thread:
        answered[name] = threading.Event()

        def asking() -> None:
            call()
            answered[name].set()

        thread = threading.Thread(target=asking, daemon=True)
        thread.start()
        return thread

    ecr = make_client(endpoint_url)
    local_ecr.hold()
    try:
        asking = [
            ask("read", lambda: ecr.describe_repositories(maxResults=1)),
            ask("change", lambda: ecr.create_repository(repositoryName=f"held/{time.time_ns()}")),
            ask("trail", lambda: trail_client(endpoint_url).lookup_events(MaxResults=1)),
        ]
        assert sts.get_caller_identity()["Account"]
        assert not any(event.wait(0.3) for event in answered.values())
        local_ecr.release_api()
        assert answered["read"].wait(10)
        assert not answered["change"].wait(0.3) and not answered["trail"].is_set()
    finally:
        local_ecr.release()
    assert answered["change"].wait(10) and answered["trail"].wait(10)
    for thread in asking:
        thread.join(10)
