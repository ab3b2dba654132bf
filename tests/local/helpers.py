"""Small helpers shared by the local-backend tests: deterministic data, uploads, error checks."""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
MiB = 1024 * 1024
PART_SIZE = 10 * MiB  # what InitiateLayerUpload advertises, and the largest part accepted
MIN_PART = 5 * MiB  # the smallest a part other than the last may be
MODEL_MAX_BLOB = 20 * MiB  # the service model's maximum for layerPartBlob

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"

# Keys of a botocore error response that are not members of the error shape.
_NOT_MEMBERS = {"Error", "ResponseMetadata", "message", "Message"}


def data(size: int, seed: int = 0) -> bytes:
    """`size` deterministic pseudo-random bytes."""
    return random.Random(seed).randbytes(size)


def sha256_digest(blob: bytes) -> str:
    return "sha256:" + hashlib.sha256(blob).hexdigest()


def assert_error(
    raised: pytest.ExceptionInfo[ClientError] | ClientError,
    code: str,
    message: str,
    **fields: Any,
) -> None:
    """The error has this code and exact message, HTTP 400, and exactly these extra members."""
    error = raised.value if isinstance(raised, pytest.ExceptionInfo) else raised
    response = error.response
    assert response["Error"]["Code"] == code
    assert response["Error"]["Message"] == message
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    extra = {name: value for name, value in response.items() if name not in _NOT_MEMBERS}
    assert extra == fields


def send_parts(
    client: Any, repo: str, upload_id: str, blob: bytes, part_sizes: Sequence[int], start: int = 0
) -> int:
    """Send `blob` as consecutive parts of these sizes from byte `start`; the bytes now received."""
    assert sum(part_sizes) == len(blob)
    offset = 0
    for size in part_sizes:
        part = blob[offset : offset + size]
        first = start + offset
        answer = client.upload_layer_part(
            repositoryName=repo,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + size - 1,
            layerPartBlob=part,
        )
        offset += size
        assert answer["lastByteReceived"] == start + offset - 1
        assert answer["uploadId"] == upload_id
        assert answer["repositoryName"] == repo
        assert answer["registryId"] == ACCOUNT
    return start + offset


def upload(client: Any, repo: str, blob: bytes, part_sizes: Sequence[int] | None = None) -> str:
    """Initiate an upload and send `blob` in parts (one part by default); the upload id."""
    upload_id: str = client.initiate_layer_upload(repositoryName=repo)["uploadId"]
    send_parts(client, repo, upload_id, blob, part_sizes or [len(blob)])
    return upload_id


def push_layer(client: Any, repo: str, blob: bytes, part_sizes: Sequence[int] | None = None) -> str:
    """Upload and complete a layer; its digest."""
    upload_id = upload(client, repo, blob, part_sizes)
    digest = sha256_digest(blob)
    answer = client.complete_layer_upload(
        repositoryName=repo, uploadId=upload_id, layerDigests=[digest]
    )
    assert answer["layerDigest"] == digest
    return digest


def config_blob(label: str) -> bytes:
    """A small image config, distinct per label."""
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": {"ecrtui.test": label}},
        "rootfs": {"type": "layers", "diff_ids": []},
    }
    return json.dumps(config, sort_keys=True).encode()


def docker_manifest(config: bytes, layers: Sequence[bytes]) -> str:
    manifest = {
        "schemaVersion": 2,
        "mediaType": DOCKER_MANIFEST,
        "config": {
            "mediaType": DOCKER_CONFIG,
            "size": len(config),
            "digest": sha256_digest(config),
        },
        "layers": [
            {"mediaType": DOCKER_LAYER, "size": len(layer), "digest": sha256_digest(layer)}
            for layer in layers
        ],
    }
    return json.dumps(manifest, indent=3)


def push_image(client: Any, repo: str, layers: Sequence[bytes], config: bytes, tag: str) -> str:
    """Upload the config and layers not yet in `repo`, then PutImage; the image digest."""
    blobs = [config, *layers]
    present = {
        layer["layerDigest"]
        for layer in client.batch_check_layer_availability(
            repositoryName=repo, layerDigests=[sha256_digest(blob) for blob in blobs]
        )["layers"]
    }
    for blob in blobs:
        if sha256_digest(blob) not in present:
            push_layer(client, repo, blob)
            present.add(sha256_digest(blob))
    answer = client.put_image(
        repositoryName=repo, imageManifest=docker_manifest(config, layers), imageTag=tag
    )
    digest: str = answer["image"]["imageId"]["imageDigest"]
    return digest
