"""The demo seed: believable repositories, real downloadable layers, stuck uploads as described."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import urllib.request
from typing import Any

import botocore.exceptions
import pytest

from ecrtui.ecr.limits import MiB
from ecrtui.local.seed import REPOSITORIES


def test_repositories_are_created_with_their_settings(demo_registry: Any, ecr_client: Any) -> None:
    names = [name for name, *_ in REPOSITORIES]
    found = ecr_client.describe_repositories(repositoryNames=names)["repositories"]
    assert 10 <= len(found) == len(demo_registry.repositories) <= 14
    by_name = {repo["repositoryName"]: repo for repo in found}
    for name, mutability, scan, encryption in REPOSITORIES:
        repo = by_name[name]
        assert repo["imageTagMutability"] == mutability
        assert repo["imageScanningConfiguration"]["scanOnPush"] is scan
        assert repo["encryptionConfiguration"]["encryptionType"] == encryption


def test_images_have_real_layers_that_download(demo_registry: Any, ecr_client: Any) -> None:
    assert len(demo_registry.images) >= 5
    for image in demo_registry.images:
        details = ecr_client.describe_images(
            repositoryName=image.repository, imageIds=[{"imageTag": image.tag}]
        )["imageDetails"]
        assert details[0]["imageTags"] == [image.tag]
        layer = image.layer_digests[-1]
        url = ecr_client.get_download_url_for_layer(
            repositoryName=image.repository, layerDigest=layer
        )["downloadUrl"]
        with urllib.request.urlopen(url, timeout=30) as response:
            data = response.read()
        assert "sha256:" + hashlib.sha256(data).hexdigest() == layer
        with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
            assert tar.getnames()[0].startswith("opt/")


def test_six_situations_are_left_in_flight(demo_registry: Any) -> None:
    assert {upload.situation for upload in demo_registry.uploads} == {
        "ready",
        "small-middle-part",
        "no-parts",
        "digest-mismatch",
        "already-exists",
        "interrupted",
    }
    for upload in demo_registry.uploads:
        assert upload.source is not None
        data = upload.source.read_bytes()
        assert len(data) == upload.file_size
        assert "sha256:" + hashlib.sha256(data).hexdigest() == upload.file_digest
        assert sum(upload.part_sizes) == upload.bytes_uploaded


@pytest.mark.parametrize(
    "situation", ["ready", "small-middle-part", "no-parts", "digest-mismatch", "interrupted"]
)
def test_ecr_holds_the_bytes_the_description_says(
    demo_registry: Any, raw_ecr_client: Any, situation: str
) -> None:
    """An empty part at an offset ECR must reject reveals what it holds, without changing it."""
    upload = demo_registry.upload(situation)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        raw_ecr_client.upload_layer_part(
            repositoryName=upload.repository,
            uploadId=upload.upload_id,
            partFirstByte=upload.bytes_uploaded + 1,
            partLastByte=upload.bytes_uploaded + 1,
            layerPartBlob=b"",
        )
    assert caught.value.response["Error"]["Code"] == "InvalidLayerPartException"
    assert caught.value.response["lastValidByteReceived"] == upload.bytes_uploaded - 1


@pytest.mark.parametrize(
    "situation",
    ["small-middle-part", "no-parts", "digest-mismatch", "already-exists", "interrupted"],
)
def test_completing_gives_the_described_error(
    demo_registry: Any, ecr_client: Any, situation: str
) -> None:
    upload = demo_registry.upload(situation)
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        ecr_client.complete_layer_upload(
            repositoryName=upload.repository,
            uploadId=upload.upload_id,
            layerDigests=[upload.file_digest],
        )
    assert caught.value.response["Error"]["Code"] == upload.expected_error


def test_the_demo_leaves_uploads_docker_left_through_the_registry_face(
    demo_registry: Any, ecr_client: Any
) -> None:
    """In ECR, in no journal: for discovery to find (through the CloudTrail)."""
    from ecrtui.local.seed import DOCKER_USER_AGENT

    journaled = {upload.upload_id for upload in demo_registry.uploads}
    abandoned = demo_registry.left_by("docker-abandoned")
    failed = demo_registry.left_by("docker-small-chunk")
    for left in (abandoned, failed):
        assert left.upload_id not in journaled
        assert left.user_agent == DOCKER_USER_AGENT
        with pytest.raises(botocore.exceptions.ClientError) as probed:
            ecr_client.upload_layer_part(
                repositoryName=left.repository,
                uploadId=left.upload_id,
                partFirstByte=2**50,
                partLastByte=2**50,
                layerPartBlob=b"",
            )
        held = probed.value.response["lastValidByteReceived"] + 1
        assert held == left.bytes_uploaded
    assert abandoned.bytes_uploaded == 7 * MiB and abandoned.last_error is None
    assert failed.last_status == 400 and failed.chunk_sizes == (6 * MiB, 2 * MiB, 3 * MiB)
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        ecr_client.complete_layer_upload(
            repositoryName=failed.repository,
            uploadId=failed.upload_id,
            layerDigests=["sha256:" + "0" * 64],
        )
    assert refused.value.response["Error"]["Code"] == "LayerPartTooSmallException"
