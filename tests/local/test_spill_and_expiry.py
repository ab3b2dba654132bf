"""Upload bytes live on disk, not in memory; and upload ids expire with `--upload-ttl`."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import make_client
from tests.local.helpers import (
    ACCOUNT,
    MIN_PART,
    assert_error,
    data,
    send_parts,
    sha256_digest,
    upload,
)

# -- spill files ----------------------------------------------------------------------------------


def test_parts_are_spilled_to_a_file_the_size_of_what_was_received(
    ecr_client: Any, local_ecr: Any, repository: str
) -> None:
    sizes = [MIN_PART, MIN_PART, 17]
    blob = data(sum(sizes), 1)
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    spill = Path(local_ecr.store_root) / "uploads" / upload_id
    assert spill.is_file()
    assert spill.stat().st_size == 0

    received = 0
    for size in sizes:
        received = send_parts(
            ecr_client, repository, upload_id, blob[received : received + size], [size], received
        )
        assert spill.stat().st_size == received

    with pytest.raises(ClientError):  # a rejected part adds nothing to the file
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=9,
            layerPartBlob=data(10, 2),
        )
    assert spill.stat().st_size == len(blob)
    assert spill.read_bytes() == blob

    digest = sha256_digest(blob)
    ecr_client.complete_layer_upload(
        repositoryName=repository, uploadId=upload_id, layerDigests=[digest]
    )

    layer = Path(local_ecr.store_root) / "layers" / digest.replace(":", "-")
    assert layer.read_bytes() == blob
    assert not spill.exists()


def test_a_failed_complete_keeps_the_spill_file(
    ecr_client: Any, local_ecr: Any, repository: str
) -> None:
    blob = data(100, 3)
    upload_id = upload(ecr_client, repository, blob)
    with pytest.raises(ClientError):
        ecr_client.complete_layer_upload(
            repositoryName=repository, uploadId=upload_id, layerDigests=[sha256_digest(b"no")]
        )

    spill = Path(local_ecr.store_root) / "uploads" / upload_id
    assert spill.read_bytes() == blob
    assert not (
        Path(local_ecr.store_root) / "layers" / sha256_digest(b"no").replace(":", "-")
    ).exists()


def test_the_same_layer_in_two_repositories_is_stored_once(
    ecr_client: Any, local_ecr: Any, repository: str
) -> None:
    other = f"{repository}-other"
    ecr_client.create_repository(repositoryName=other)
    blob = data(200, 4)
    digest = sha256_digest(blob)
    first = upload(ecr_client, repository, blob)
    second = upload(ecr_client, other, blob)
    for repo, upload_id in [(repository, first), (other, second)]:
        ecr_client.complete_layer_upload(
            repositoryName=repo, uploadId=upload_id, layerDigests=[digest]
        )

    root = Path(local_ecr.store_root)
    assert (root / "layers" / digest.replace(":", "-")).read_bytes() == blob
    assert not (root / "uploads" / first).exists()
    assert not (root / "uploads" / second).exists()


def test_closing_a_layer_store_removes_its_directory() -> None:
    from ecrtui.local.rules import LayerStore

    store = LayerStore()
    root = Path(store.root)
    assert (root / "uploads").is_dir()
    assert (root / "layers").is_dir()
    (root / "uploads" / "some-upload").write_bytes(b"spilled")
    (root / "layers" / "sha256-abc").write_bytes(b"stored")

    store.close()

    assert not root.exists()


# -- expiry, through the command line -------------------------------------------------------------


def first_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The first line the process prints, or "" if it prints none within `timeout` seconds."""
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.put(process.stdout.readline()), daemon=True)
    reader.start()
    try:
        return lines.get(timeout=timeout)
    except queue.Empty:
        return ""


@pytest.fixture
def short_ttl_backend(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str], Path]]:
    """`ecrtui local-ecr --upload-ttl 1` in a subprocess; (endpoint URL, process, its TMPDIR)."""
    stderr_path = tmp_path / "local-ecr.stderr"
    temp = tmp_path / "tmp"
    temp.mkdir()
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "ecrtui", "local-ecr", "--upload-ttl", "1"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "TMPDIR": str(temp)},
        )
    try:
        url = first_line(process, timeout=60).strip()
        assert url.startswith("http://127.0.0.1:"), (
            f"expected the endpoint URL as the first line, got {url!r}; "
            f"exit code {process.poll()}; stderr:\n{stderr_path.read_text()}"
        )
        yield url, process, temp
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_an_upload_idle_longer_than_the_ttl_is_forgotten(
    short_ttl_backend: tuple[str, subprocess.Popen[str], Path],
) -> None:
    url, process, temp = short_ttl_backend
    [store] = temp.glob("ecrtui-local-ecr-*")
    client = make_client(url)
    repo = f"ttl/{uuid.uuid4().hex[:8]}"
    client.create_repository(repositoryName=repo)
    idle = client.initiate_layer_upload(repositoryName=repo)["uploadId"]
    kept = client.initiate_layer_upload(repositoryName=repo)["uploadId"]
    send_parts(client, repo, idle, data(10, 5), [10])
    send_parts(client, repo, kept, data(10, 6), [10])
    assert (store / "uploads" / idle).stat().st_size == 10

    # Activity keeps an upload alive: parts 0.6 s apart outlive the 1 s TTL.
    for step in (1, 2):
        time.sleep(0.6)
        send_parts(client, repo, kept, data(10, 6 + step), [10], start=10 * step)
    time.sleep(0.3)

    # `idle` has had no part for 1.5 s: its next part finds no upload.
    with pytest.raises(ClientError) as raised:
        client.upload_layer_part(
            repositoryName=repo,
            uploadId=idle,
            partFirstByte=10,
            partLastByte=19,
            layerPartBlob=data(10, 10),
        )
    assert_error(
        raised,
        "UploadNotFoundException",
        f"The upload with id '{idle}' does not exist in the repository with name '{repo}' "
        f"in the registry with id '{ACCOUNT}'",
    )
    assert not (store / "uploads" / idle).exists()
    send_parts(client, repo, kept, data(10, 9), [10], start=30)
    assert (store / "uploads" / kept).stat().st_size == 40

    time.sleep(1.5)
    with pytest.raises(ClientError) as expired:
        client.complete_layer_upload(
            repositoryName=repo, uploadId=kept, layerDigests=[sha256_digest(b"x")]
        )
    assert expired.value.response["Error"]["Code"] == "UploadNotFoundException"

    # A new upload works as usual.
    blob = data(10, 11)
    fresh = upload(client, repo, blob)
    answer = client.complete_layer_upload(
        repositoryName=repo, uploadId=fresh, layerDigests=[sha256_digest(blob)]
    )
    assert answer["layerDigest"] == sha256_digest(blob)

    assert (store / "layers" / sha256_digest(blob).replace(":", "-")).read_bytes() == blob

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=20) == 0
    assert not store.exists()  # stopping removed every spilled upload and stored layer
