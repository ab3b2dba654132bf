"""BatchCheckLayerAvailability and GetDownloadUrlForLayer, down to the bytes of a download."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local.helpers import (
    ACCOUNT,
    MIN_PART,
    assert_error,
    config_blob,
    data,
    push_image,
    push_layer,
    sha256_digest,
)

UNKNOWN = sha256_digest(b"never uploaded anywhere")


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        body: bytes = response.read()
        return body


def with_query(url: str, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def forbidden(url: str) -> int:
    with pytest.raises(urllib.error.HTTPError) as raised:
        fetch(url)
    code: int = raised.value.code
    return code


def not_found_message(digest: str, repo: str) -> str:
    return (
        f"The layer with digest {digest} does not exist within the repository with name "
        f"'{repo}' in the registry with id '{ACCOUNT}'"
    )


def inaccessible_message(digest: str, repo: str) -> str:
    return (
        f"The layer with digest {digest} is not associated with an image in the repository "
        f"with name '{repo}' in the registry with id '{ACCOUNT}'"
    )


# -- BatchCheckLayerAvailability ------------------------------------------------------------------


def test_a_completed_layer_is_available(ecr_client: Any, repository: str) -> None:
    blob = data(1234, 1)
    digest = push_layer(ecr_client, repository, blob)

    answer = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )

    assert answer["failures"] == []
    [layer] = answer["layers"]
    assert layer["layerDigest"] == digest
    assert layer["layerAvailability"] == "AVAILABLE"
    assert layer["layerSize"] == 1234
    assert isinstance(layer["mediaType"], str)
    assert layer["mediaType"]


def test_a_multi_part_layer_reports_its_whole_size(ecr_client: Any, repository: str) -> None:
    blob = data(MIN_PART + 7, 2)
    digest = push_layer(ecr_client, repository, blob, [MIN_PART, 7])

    answer = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )

    assert [layer["layerSize"] for layer in answer["layers"]] == [MIN_PART + 7]


def test_an_unknown_digest_is_a_missing_layer(ecr_client: Any, repository: str) -> None:
    answer = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[UNKNOWN]
    )

    assert answer["layers"] == []
    [failure] = answer["failures"]
    assert failure["layerDigest"] == UNKNOWN
    assert failure["failureCode"] == "MissingLayerDigest"
    assert failure["failureReason"]


def test_an_uncompleted_upload_is_not_available(ecr_client: Any, repository: str) -> None:
    blob = data(100, 3)
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    ecr_client.upload_layer_part(
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=0,
        partLastByte=99,
        layerPartBlob=blob,
    )

    answer = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[sha256_digest(blob)]
    )

    assert answer["layers"] == []
    assert [f["failureCode"] for f in answer["failures"]] == ["MissingLayerDigest"]


def test_a_layer_of_another_repository_is_missing_here(ecr_client: Any, repository: str) -> None:
    other = f"{repository}-other"
    ecr_client.create_repository(repositoryName=other)
    digest = push_layer(ecr_client, other, data(100, 4))

    answer = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )

    assert answer["layers"] == []
    assert [(f["layerDigest"], f["failureCode"]) for f in answer["failures"]] == [
        (digest, "MissingLayerDigest")
    ]


@pytest.mark.parametrize("digest", ["sha256:xyz", "md5:abc", "sha256:" + "a" * 63, "nonsense"])
def test_a_malformed_digest_is_an_invalid_layer_digest(
    ecr_client: Any, repository: str, digest: str
) -> None:
    answer = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )

    assert answer["layers"] == []
    [failure] = answer["failures"]
    assert failure["layerDigest"] == digest
    assert failure["failureCode"] == "InvalidLayerDigest"
    assert failure["failureReason"]


def test_a_mixed_request_sorts_each_digest(ecr_client: Any, repository: str) -> None:
    digest = push_layer(ecr_client, repository, data(100, 5))

    answer = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=["md5:abc", digest, UNKNOWN]
    )

    assert [layer["layerDigest"] for layer in answer["layers"]] == [digest]
    assert sorted((f["layerDigest"], f["failureCode"]) for f in answer["failures"]) == sorted(
        [("md5:abc", "InvalidLayerDigest"), (UNKNOWN, "MissingLayerDigest")]
    )


def test_availability_in_an_unknown_repository(ecr_client: Any) -> None:
    name = f"missing/{uuid.uuid4().hex[:12]}"
    with pytest.raises(ClientError) as raised:
        ecr_client.batch_check_layer_availability(repositoryName=name, layerDigests=[UNKNOWN])
    assert_error(
        raised,
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{ACCOUNT}'",
    )


def test_availability_in_another_registry(ecr_client: Any, repository: str) -> None:
    with pytest.raises(ClientError) as raised:
        ecr_client.batch_check_layer_availability(
            repositoryName=repository, registryId="210987654321", layerDigests=[UNKNOWN]
        )
    assert_error(
        raised,
        "RepositoryNotFoundException",
        f"The repository with name '{repository}' does not exist in the registry with id "
        "'210987654321'",
    )


# -- GetDownloadUrlForLayer -----------------------------------------------------------------------


def test_an_unknown_layer_is_not_found(ecr_client: Any, repository: str) -> None:
    with pytest.raises(ClientError) as raised:
        ecr_client.get_download_url_for_layer(repositoryName=repository, layerDigest=UNKNOWN)
    assert_error(raised, "LayersNotFoundException", not_found_message(UNKNOWN, repository))


def test_an_unreferenced_layer_is_inaccessible(ecr_client: Any, repository: str) -> None:
    digest = push_layer(ecr_client, repository, data(100, 6))

    with pytest.raises(ClientError) as raised:
        ecr_client.get_download_url_for_layer(repositoryName=repository, layerDigest=digest)

    assert_error(raised, "LayerInaccessibleException", inaccessible_message(digest, repository))


def test_a_layer_referenced_only_in_another_repository_is_inaccessible(
    ecr_client: Any, repository: str
) -> None:
    other = f"{repository}-other"
    ecr_client.create_repository(repositoryName=other)
    layer = data(100, 7)
    push_image(ecr_client, other, [layer], config_blob("elsewhere"), "v1")
    digest = push_layer(ecr_client, repository, layer)

    with pytest.raises(ClientError) as raised:
        ecr_client.get_download_url_for_layer(repositoryName=repository, layerDigest=digest)

    assert_error(raised, "LayerInaccessibleException", inaccessible_message(digest, repository))


def test_download_url_in_an_unknown_repository(ecr_client: Any) -> None:
    name = f"missing/{uuid.uuid4().hex[:12]}"
    with pytest.raises(ClientError) as raised:
        ecr_client.get_download_url_for_layer(repositoryName=name, layerDigest=UNKNOWN)
    assert_error(
        raised,
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{ACCOUNT}'",
    )


@pytest.fixture
def pushed_image(ecr_client: Any, repository: str) -> tuple[bytes, bytes]:
    """A two-part layer and its config, pushed as an image with a docker v2 manifest."""
    layer = data(MIN_PART + 999, 8)
    config = config_blob(repository)
    digest = push_layer(ecr_client, repository, layer, [MIN_PART, 999])
    assert digest == sha256_digest(layer)
    push_image(ecr_client, repository, [layer], config, "latest")
    return layer, config


def test_a_referenced_layer_downloads_exactly(
    ecr_client: Any, repository: str, endpoint_url: str, pushed_image: tuple[bytes, bytes]
) -> None:
    layer, _ = pushed_image
    digest = sha256_digest(layer)

    answer = ecr_client.get_download_url_for_layer(repositoryName=repository, layerDigest=digest)

    assert answer["layerDigest"] == digest
    url = answer["downloadUrl"]
    assert url.startswith(endpoint_url + "/")
    assert dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["X-Amz-Expires"] == (
        "3600"
    )
    body = fetch(url)
    assert len(body) == len(layer)
    assert body == layer


def test_the_config_blob_downloads_too(
    ecr_client: Any, repository: str, pushed_image: tuple[bytes, bytes]
) -> None:
    _, config = pushed_image
    answer = ecr_client.get_download_url_for_layer(
        repositoryName=repository, layerDigest=sha256_digest(config)
    )
    assert fetch(answer["downloadUrl"]) == config


def test_a_tampered_signature_is_forbidden(
    ecr_client: Any, repository: str, pushed_image: tuple[bytes, bytes]
) -> None:
    layer, _ = pushed_image
    url = ecr_client.get_download_url_for_layer(
        repositoryName=repository, layerDigest=sha256_digest(layer)
    )["downloadUrl"]
    signature = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["X-Amz-Signature"]
    flipped = ("1" if signature[0] == "0" else "0") + signature[1:]

    assert forbidden(with_query(url, **{"X-Amz-Signature": flipped})) == 403
    assert forbidden(with_query(url, **{"X-Amz-Expires": "7200"})) == 403
    assert fetch(url) == layer  # the untouched URL still works


def test_a_url_for_one_layer_does_not_serve_another(
    ecr_client: Any, repository: str, pushed_image: tuple[bytes, bytes]
) -> None:
    layer, config = pushed_image
    url = ecr_client.get_download_url_for_layer(
        repositoryName=repository, layerDigest=sha256_digest(layer)
    )["downloadUrl"]

    other = url.replace(sha256_digest(layer), sha256_digest(config))

    assert other != url
    assert forbidden(other) == 403


def test_a_layer_of_a_deleted_image_is_inaccessible_again(
    ecr_client: Any, repository: str, pushed_image: tuple[bytes, bytes]
) -> None:
    layer, _ = pushed_image
    digest = sha256_digest(layer)
    ecr_client.get_download_url_for_layer(repositoryName=repository, layerDigest=digest)

    deleted = ecr_client.batch_delete_image(
        repositoryName=repository, imageIds=[{"imageTag": "latest"}]
    )
    assert deleted["failures"] == []

    with pytest.raises(ClientError) as raised:
        ecr_client.get_download_url_for_layer(repositoryName=repository, layerDigest=digest)
    assert_error(raised, "LayerInaccessibleException", inaccessible_message(digest, repository))
