"""CompleteLayerUpload: each check, the order of the checks, and what success consumes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local.helpers import (
    ACCOUNT,
    MIN_PART,
    assert_error,
    data,
    send_parts,
    sha256_digest,
    upload,
)

TOO_SMALL = "All layer parts except the last part should be at least 5MB"
NO_MATCH = "None of the provided layer digests match the calculated layer digest"
WRONG = sha256_digest(b"not the layer")


def not_found_message(upload_id: str, repo: str) -> str:
    return (
        f"The upload with id '{upload_id}' does not exist in the repository with name '{repo}' "
        f"in the registry with id '{ACCOUNT}'"
    )


def empty_message(upload_id: str, repo: str) -> str:
    return (
        f"The upload with id '{upload_id}' in the repository with name '{repo}' in registry with "
        f"id '{ACCOUNT}' cannot be completed because it does not have any parts"
    )


def exists_message(digest: str, repo: str) -> str:
    return (
        f"The layer with digest '{digest}' already exists in the repository with name '{repo}' "
        f"in registry with id '{ACCOUNT}'"
    )


def complete(client: Any, repo: str, upload_id: str, *digests: str) -> Any:
    return client.complete_layer_upload(
        repositoryName=repo, uploadId=upload_id, layerDigests=list(digests)
    )


# -- 1. UploadNotFound ----------------------------------------------------------------------------


def test_an_unknown_upload_id_is_not_found(ecr_client: Any, repository: str) -> None:
    upload_id = str(uuid.uuid4())
    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, WRONG)
    assert_error(raised, "UploadNotFoundException", not_found_message(upload_id, repository))


def test_an_upload_from_another_repository_is_not_found(ecr_client: Any, repository: str) -> None:
    other = f"{repository}-other"
    ecr_client.create_repository(repositoryName=other)
    blob = data(100, 1)
    upload_id = upload(ecr_client, other, blob)

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, sha256_digest(blob))

    assert_error(raised, "UploadNotFoundException", not_found_message(upload_id, repository))
    assert complete(ecr_client, other, upload_id, sha256_digest(blob))["layerDigest"] == (
        sha256_digest(blob)
    )


# -- 2. EmptyUpload -------------------------------------------------------------------------------


def test_an_upload_without_parts_cannot_be_completed(ecr_client: Any, repository: str) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    empty = sha256_digest(b"")

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, empty)

    assert_error(raised, "EmptyUploadException", empty_message(upload_id, repository))


def test_an_upload_with_only_rejected_parts_is_still_empty(
    ecr_client: Any, repository: str
) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    with pytest.raises(ClientError):
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=1,
            partLastByte=1,
            layerPartBlob=b"x",
        )

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, sha256_digest(b"x"))

    assert_error(raised, "EmptyUploadException", empty_message(upload_id, repository))


# -- 3. LayerPartTooSmall -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "part_sizes",
    [[MIN_PART - 1, 10], [MIN_PART, 100, 10]],
    ids=["first-part-one-byte-short", "small-middle-part"],
)
def test_a_part_under_5_mib_before_the_last_is_too_small(
    ecr_client: Any, repository: str, part_sizes: list[int]
) -> None:
    blob = data(sum(part_sizes), 2)
    upload_id = upload(ecr_client, repository, blob, part_sizes)

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, sha256_digest(blob))

    assert_error(raised, "LayerPartTooSmallException", TOO_SMALL)


@pytest.mark.parametrize(
    "part_sizes",
    [[1], [MIN_PART - 1], [MIN_PART, 1], [MIN_PART, MIN_PART + 1, 3]],
    ids=["one-byte", "single-part-under-5-mib", "5-mib-then-1-byte", "three-parts"],
)
def test_only_the_last_part_may_be_small(
    ecr_client: Any, repository: str, part_sizes: list[int]
) -> None:
    blob = data(sum(part_sizes), 3)
    upload_id = upload(ecr_client, repository, blob, part_sizes)

    answer = complete(ecr_client, repository, upload_id, sha256_digest(blob))

    assert answer["layerDigest"] == sha256_digest(blob)


# -- 4. InvalidLayer ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digests",
    [
        [WRONG],
        [WRONG, sha256_digest(b"another"), sha256_digest(b"a third")],
        ["sha512:" + "ab" * 64],
    ],
    ids=["one-wrong", "several-wrong", "other-algorithm"],
)
def test_digests_that_do_not_match_are_rejected(
    ecr_client: Any, repository: str, digests: list[str]
) -> None:
    upload_id = upload(ecr_client, repository, data(100, 4))

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, *digests)

    assert_error(raised, "InvalidLayerException", NO_MATCH)


def test_a_digest_of_only_part_of_the_bytes_is_rejected(ecr_client: Any, repository: str) -> None:
    blob = data(MIN_PART + 10, 5)
    upload_id = upload(ecr_client, repository, blob, [MIN_PART, 10])

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, sha256_digest(blob[:MIN_PART]))

    assert_error(raised, "InvalidLayerException", NO_MATCH)


def test_one_matching_digest_among_several_is_enough(ecr_client: Any, repository: str) -> None:
    blob = data(100, 6)
    upload_id = upload(ecr_client, repository, blob)

    answer = complete(ecr_client, repository, upload_id, WRONG, sha256_digest(blob), WRONG[:-1])

    assert answer["layerDigest"] == sha256_digest(blob)


# -- 5. LayerAlreadyExists ------------------------------------------------------------------------


def test_the_same_layer_twice_in_one_repository_already_exists(
    ecr_client: Any, repository: str
) -> None:
    blob = data(100, 7)
    digest = sha256_digest(blob)
    first = upload(ecr_client, repository, blob)
    second = upload(ecr_client, repository, blob)
    complete(ecr_client, repository, first, digest)

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, second, digest)

    assert_error(raised, "LayerAlreadyExistsException", exists_message(digest, repository))


def test_the_same_layer_in_another_repository_completes(ecr_client: Any, repository: str) -> None:
    other = f"{repository}-other"
    ecr_client.create_repository(repositoryName=other)
    blob = data(100, 8)
    digest = sha256_digest(blob)
    complete(ecr_client, repository, upload(ecr_client, repository, blob), digest)

    answer = complete(ecr_client, other, upload(ecr_client, other, blob), digest)

    assert answer["layerDigest"] == digest
    assert answer["repositoryName"] == other


# -- the order of the checks ----------------------------------------------------------------------


def test_too_small_comes_before_a_wrong_digest(ecr_client: Any, repository: str) -> None:
    part_sizes = [MIN_PART, 100, 10]
    upload_id = upload(ecr_client, repository, data(sum(part_sizes), 9), part_sizes)

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, WRONG)

    assert_error(raised, "LayerPartTooSmallException", TOO_SMALL)


def test_a_wrong_digest_comes_before_already_exists(ecr_client: Any, repository: str) -> None:
    blob = data(100, 10)
    complete(ecr_client, repository, upload(ecr_client, repository, blob), sha256_digest(blob))
    upload_id = upload(ecr_client, repository, blob)

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, WRONG)

    assert_error(raised, "InvalidLayerException", NO_MATCH)


def test_not_found_comes_before_everything(ecr_client: Any, repository: str) -> None:
    """An id completed once is gone, even though its layer now exists in the repository."""
    blob = data(100, 11)
    upload_id = upload(ecr_client, repository, blob)
    complete(ecr_client, repository, upload_id, sha256_digest(blob))

    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, WRONG)

    assert_error(raised, "UploadNotFoundException", not_found_message(upload_id, repository))


# -- success --------------------------------------------------------------------------------------


def test_success_returns_the_computed_digest_and_consumes_the_id(
    ecr_client: Any, repository: str
) -> None:
    blob = data(MIN_PART + 321, 12)
    upload_id = upload(ecr_client, repository, blob, [MIN_PART, 321])
    digest = sha256_digest(blob)

    answer = complete(ecr_client, repository, upload_id, digest)

    assert {k: answer[k] for k in ("registryId", "repositoryName", "uploadId", "layerDigest")} == {
        "registryId": ACCOUNT,
        "repositoryName": repository,
        "uploadId": upload_id,
        "layerDigest": digest,
    }
    with pytest.raises(ClientError) as again:
        complete(ecr_client, repository, upload_id, digest)
    assert_error(again, "UploadNotFoundException", not_found_message(upload_id, repository))
    with pytest.raises(ClientError) as more:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=len(blob),
            partLastByte=len(blob),
            layerPartBlob=b"x",
        )
    assert_error(more, "UploadNotFoundException", not_found_message(upload_id, repository))


# -- a failed complete does not consume the upload ------------------------------------------------


def test_after_a_wrong_digest_the_right_one_completes(ecr_client: Any, repository: str) -> None:
    blob = data(100, 14)
    upload_id = upload(ecr_client, repository, blob)
    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, WRONG)
    assert raised.value.response["Error"]["Code"] == "InvalidLayerException"

    answer = complete(ecr_client, repository, upload_id, sha256_digest(blob))

    assert answer["layerDigest"] == sha256_digest(blob)
    assert answer["uploadId"] == upload_id


def test_after_an_empty_complete_parts_can_still_be_sent(ecr_client: Any, repository: str) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, WRONG)
    assert raised.value.response["Error"]["Code"] == "EmptyUploadException"

    blob = data(100, 15)
    send_parts(ecr_client, repository, upload_id, blob, [100])

    assert complete(ecr_client, repository, upload_id, sha256_digest(blob))["layerDigest"] == (
        sha256_digest(blob)
    )


def test_after_too_small_the_upload_still_takes_parts(ecr_client: Any, repository: str) -> None:
    blob = data(110, 16)
    upload_id = upload(ecr_client, repository, blob, [100, 10])
    with pytest.raises(ClientError) as raised:
        complete(ecr_client, repository, upload_id, sha256_digest(blob))
    assert raised.value.response["Error"]["Code"] == "LayerPartTooSmallException"

    assert send_parts(ecr_client, repository, upload_id, b"x", [1], start=110) == 111


def test_after_already_exists_the_upload_is_still_there(ecr_client: Any, repository: str) -> None:
    blob = data(100, 17)
    digest = sha256_digest(blob)
    complete(ecr_client, repository, upload(ecr_client, repository, blob), digest)
    upload_id = upload(ecr_client, repository, blob)
    with pytest.raises(ClientError) as first:
        complete(ecr_client, repository, upload_id, digest)
    assert first.value.response["Error"]["Code"] == "LayerAlreadyExistsException"

    with pytest.raises(ClientError) as second:
        complete(ecr_client, repository, upload_id, digest)

    assert_error(second, "LayerAlreadyExistsException", exists_message(digest, repository))
