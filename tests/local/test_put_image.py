"""PutImage checks the layers a manifest names and the digest a client claims for it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local.helpers import (
    ACCOUNT,
    DOCKER_MANIFEST,
    assert_error,
    config_blob,
    data,
    docker_manifest,
    push_layer,
    sha256_digest,
)


def test_a_manifest_naming_a_missing_layer_is_refused(ecr_client: Any, repository: str) -> None:
    config, layer = config_blob("missing"), data(1000, seed=41)
    push_layer(ecr_client, repository, config)
    with pytest.raises(ClientError) as raised:
        ecr_client.put_image(
            repositoryName=repository,
            imageManifest=docker_manifest(config, [layer]),
            imageManifestMediaType=DOCKER_MANIFEST,
            imageTag="v1",
        )
    assert_error(
        raised,
        "LayersNotFoundException",
        f"Layers with digests '['{sha256_digest(layer)}']' required for pushing image into "
        f"repository with name '{repository}' in the registry with id '{ACCOUNT}' do not exist",
    )


def test_a_wrong_image_digest_is_refused(ecr_client: Any, repository: str) -> None:
    config, layer = config_blob("digest"), data(1000, seed=42)
    push_layer(ecr_client, repository, config)
    push_layer(ecr_client, repository, layer)
    manifest = docker_manifest(config, [layer])
    wrong = "sha256:" + "0" * 64
    with pytest.raises(ClientError) as raised:
        ecr_client.put_image(
            repositoryName=repository,
            imageManifest=manifest,
            imageManifestMediaType=DOCKER_MANIFEST,
            imageDigest=wrong,
            imageTag="v1",
        )
    assert_error(
        raised,
        "ImageDigestDoesNotMatchException",
        "Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The image digest "
        f"{wrong} does not match the calculated digest {sha256_digest(manifest.encode())}'",
    )
    answer = ecr_client.put_image(
        repositoryName=repository,
        imageManifest=manifest,
        imageManifestMediaType=DOCKER_MANIFEST,
        imageDigest=sha256_digest(manifest.encode()),
        imageTag="v1",
    )
    assert answer["image"]["imageId"]["imageDigest"] == sha256_digest(manifest.encode())


def test_an_image_size_is_the_sum_of_its_layers(ecr_client: Any, repository: str) -> None:
    config, layers = config_blob("size"), [data(1000, seed=43), data(2500, seed=44)]
    for blob in (config, *layers):
        push_layer(ecr_client, repository, blob)
    ecr_client.put_image(
        repositoryName=repository,
        imageManifest=docker_manifest(config, layers),
        imageManifestMediaType=DOCKER_MANIFEST,
        imageTag="v1",
    )
    details = ecr_client.describe_images(repositoryName=repository)["imageDetails"]
    assert [detail["imageSizeInBytes"] for detail in details] == [3500]
