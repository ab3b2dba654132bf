"""InitiateLayerUpload and UploadLayerPart against the local backend, over real HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local.helpers import (
    ACCOUNT,
    MIN_PART,
    MODEL_MAX_BLOB,
    PART_SIZE,
    assert_error,
    data,
    send_parts,
    sha256_digest,
    upload,
)


def not_found_message(upload_id: str, repo: str) -> str:
    return (
        f"The upload with id '{upload_id}' does not exist in the repository with name '{repo}' "
        f"in the registry with id '{ACCOUNT}'"
    )


def part_fields(repo: str, upload_id: str, last_valid: int) -> dict[str, Any]:
    return {
        "registryId": ACCOUNT,
        "repositoryName": repo,
        "uploadId": upload_id,
        "lastValidByteReceived": last_valid,
    }


# -- InitiateLayerUpload --------------------------------------------------------------------------


def test_initiate_returns_a_uuid_and_the_10_mib_part_size(ecr_client: Any, repository: str) -> None:
    answer = ecr_client.initiate_layer_upload(repositoryName=repository)

    assert str(uuid.UUID(answer["uploadId"])) == answer["uploadId"]
    assert answer["partSize"] == 10485760
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_initiate_gives_a_new_id_each_time(ecr_client: Any, repository: str) -> None:
    ids = {
        ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"] for _ in range(3)
    }
    assert len(ids) == 3


def test_initiate_in_an_unknown_repository(ecr_client: Any) -> None:
    name = f"missing/{uuid.uuid4().hex[:12]}"
    with pytest.raises(ClientError) as raised:
        ecr_client.initiate_layer_upload(repositoryName=name)
    assert_error(
        raised,
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{ACCOUNT}'",
    )


# -- UploadLayerPart: accepted parts --------------------------------------------------------------


def test_last_byte_received_is_inclusive(ecr_client: Any, repository: str) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    blob = data(100, seed=1)

    first = ecr_client.upload_layer_part(
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=0,
        partLastByte=59,
        layerPartBlob=blob[:60],
    )
    second = ecr_client.upload_layer_part(
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=60,
        partLastByte=99,
        layerPartBlob=blob[60:],
    )

    assert first["lastByteReceived"] == 59
    assert second["lastByteReceived"] == 99
    assert {k: second[k] for k in ("registryId", "repositoryName", "uploadId")} == {
        "registryId": ACCOUNT,
        "repositoryName": repository,
        "uploadId": upload_id,
    }


def test_a_part_of_exactly_the_maximum_size_is_accepted(ecr_client: Any, repository: str) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    assert send_parts(ecr_client, repository, upload_id, data(PART_SIZE, 2), [PART_SIZE]) == (
        PART_SIZE
    )


# -- UploadLayerPart: the first byte must follow the last one received ----------------------------


def test_resending_the_part_just_accepted_is_rejected(ecr_client: Any, repository: str) -> None:
    """kaniko#607 / go-containerregistry#431: ECR rejects a re-sent part; it is no no-op."""
    blob = data(1000, seed=3)
    upload_id = upload(ecr_client, repository, blob)

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=999,
            layerPartBlob=blob,
        )

    assert_error(
        raised,
        "InvalidLayerPartException",
        "First byte of the layer part is 0 instead of 1000",
        **part_fields(repository, upload_id, 999),
    )


def test_a_first_part_not_starting_at_zero_is_rejected(ecr_client: Any, repository: str) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=5,
            partLastByte=14,
            layerPartBlob=data(10),
        )

    assert_error(
        raised,
        "InvalidLayerPartException",
        "First byte of the layer part is 5 instead of 0",
        **part_fields(repository, upload_id, -1),
    )


@pytest.mark.parametrize("first", [99, 101, 500], ids=["overlap", "gap-of-one", "far-ahead"])
def test_a_part_that_does_not_follow_on_is_rejected(
    ecr_client: Any, repository: str, first: int
) -> None:
    upload_id = upload(ecr_client, repository, data(100, seed=4), [40, 60])

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=first + 9,
            layerPartBlob=data(10),
        )

    assert_error(
        raised,
        "InvalidLayerPartException",
        f"First byte of the layer part is {first} instead of 100",
        **part_fields(repository, upload_id, 99),
    )


# -- UploadLayerPart: the byte range must match the blob ------------------------------------------


@pytest.mark.parametrize(
    ("received", "last", "size"),
    [(0, 99, 50), (0, 9, 50), (30, 30, 2), (30, 1000, 100)],
    ids=["range-too-long", "range-too-short", "one-byte-range", "after-a-part"],
)
def test_a_range_that_does_not_match_the_blob_length_is_rejected(
    ecr_client: Any, repository: str, received: int, last: int, size: int
) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    if received:
        send_parts(ecr_client, repository, upload_id, data(received, 5), [received])

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=received,
            partLastByte=last,
            layerPartBlob=data(size, 6),
        )

    assert_error(
        raised,
        "InvalidLayerPartException",
        f"Last byte of the layer part is {last}, but a part of {size} bytes starting at byte "
        f"{received} ends at byte {received + size - 1}",
        **part_fields(repository, upload_id, received - 1),
    )


# -- UploadLayerPart: part size limits ------------------------------------------------------------


def test_a_part_one_byte_over_10_mib_is_rejected(ecr_client: Any, repository: str) -> None:
    upload_id = upload(ecr_client, repository, data(10, 7))
    size = PART_SIZE + 1

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=10,
            partLastByte=10 + size - 1,
            layerPartBlob=data(size, 8),
        )

    assert_error(
        raised,
        "InvalidLayerPartException",
        f"The layer part is {size} bytes, more than the maximum layer part size of 10485760 bytes",
        **part_fields(repository, upload_id, 9),
    )


def test_a_part_of_the_model_maximum_gets_the_backend_limit(
    raw_ecr_client: Any, repository: str
) -> None:
    """20 MiB passes the model's constraint, so the backend's own 10 MiB limit answers."""
    upload_id = raw_ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]

    with pytest.raises(ClientError) as raised:
        raw_ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=MODEL_MAX_BLOB - 1,
            layerPartBlob=bytes(MODEL_MAX_BLOB),
        )

    assert_error(
        raised,
        "InvalidLayerPartException",
        f"The layer part is {MODEL_MAX_BLOB} bytes, more than the maximum layer part size of "
        "10485760 bytes",
        **part_fields(repository, upload_id, -1),
    )


def test_a_part_over_the_model_maximum_is_an_invalid_parameter(
    raw_ecr_client: Any, repository: str
) -> None:
    upload_id = raw_ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    size = MODEL_MAX_BLOB + 1

    with pytest.raises(ClientError) as raised:
        raw_ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=size - 1,
            layerPartBlob=bytes(size),
        )

    assert_error(
        raised,
        "InvalidParameterException",
        "Invalid parameter at 'layerPartBlob' failed to satisfy constraint: "
        "'must have length less than or equal to 20971520'",
    )


# -- UploadLayerPart: unknown uploads -------------------------------------------------------------


def test_an_unknown_upload_id_is_not_found(ecr_client: Any, repository: str) -> None:
    upload_id = str(uuid.uuid4())

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=0,
            layerPartBlob=b"x",
        )

    assert_error(raised, "UploadNotFoundException", not_found_message(upload_id, repository))


def test_an_upload_id_from_another_repository_is_not_found(
    ecr_client: Any, repository: str
) -> None:
    other = f"{repository}-other"
    ecr_client.create_repository(repositoryName=other)
    upload_id = upload(ecr_client, other, data(10, 9))

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=10,
            partLastByte=10,
            layerPartBlob=b"x",
        )

    assert_error(raised, "UploadNotFoundException", not_found_message(upload_id, repository))
    # The upload is still there in its own repository.
    assert send_parts(ecr_client, other, upload_id, b"x", [1], start=10) == 11


def test_an_upper_case_upload_id_of_a_real_upload_is_not_found(
    ecr_client: Any, repository: str
) -> None:
    """The model's UploadId pattern allows upper-case hex, but ids are compared as issued."""
    upload_id = upload(ecr_client, repository, data(10, 10))
    shouted = upload_id.upper()
    assert shouted != upload_id

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=shouted,
            partFirstByte=10,
            partLastByte=10,
            layerPartBlob=b"x",
        )

    assert_error(raised, "UploadNotFoundException", not_found_message(shouted, repository))


# -- UploadLayerPart: the parts quota (4,200 at ECR) --------------------------------------------


def test_the_part_after_the_last_allowed_exceeds_the_limit(
    local_ecr: Any, ecr_client: Any, repository: str
) -> None:
    """ECR allows 4,200 parts an upload (the backend's default); the rule is checked here with a
    limit of 5, over HTTP (test_part_quota.py checks the rule itself), as 4,201 calls would take
    seconds for the same answer."""
    import dataclasses

    from ecrtui.ecr.limits import MAX_PARTS
    from ecrtui.local.rules import BackendSettings

    assert BackendSettings().max_parts == MAX_PARTS == 4200
    rules = local_ecr._rules
    before = rules.settings
    rules.settings = dataclasses.replace(before, max_parts=5)
    try:
        upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
        for offset in range(5):
            answer = ecr_client.upload_layer_part(
                repositoryName=repository,
                uploadId=upload_id,
                partFirstByte=offset,
                partLastByte=offset,
                layerPartBlob=b"\x01",
            )
        assert answer["lastByteReceived"] == 4

        with pytest.raises(ClientError) as raised:
            ecr_client.upload_layer_part(
                repositoryName=repository,
                uploadId=upload_id,
                partFirstByte=5,
                partLastByte=5,
                layerPartBlob=b"\x01",
            )
    finally:
        rules.settings = before

    assert_error(
        raised,
        "LimitExceededException",
        f"The upload with id '{upload_id}' already has 5 layer parts, the maximum number of "
        "layer parts per layer",
    )


# -- a rejected part leaves the upload as it was --------------------------------------------------


HEAD = MIN_PART  # bytes accepted before the rejected part: a whole first part


@pytest.mark.parametrize(
    ("first", "last", "size"),
    [
        (0, 99, 100),
        (HEAD + 50, HEAD + 59, 10),
        (HEAD, HEAD + 9, 5),
        (HEAD, HEAD + PART_SIZE, PART_SIZE + 1),
    ],
    ids=["resent-start", "gap", "length-mismatch", "too-big"],
)
def test_after_a_rejected_part_the_right_next_part_is_accepted(
    ecr_client: Any, repository: str, first: int, last: int, size: int
) -> None:
    head, tail = data(HEAD, 11), data(50, 12)
    upload_id = upload(ecr_client, repository, head)

    with pytest.raises(ClientError) as raised:
        ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=first,
            partLastByte=last,
            layerPartBlob=data(size, 13),
        )
    assert raised.value.response["Error"]["Code"] == "InvalidLayerPartException"
    assert raised.value.response["lastValidByteReceived"] == HEAD - 1

    assert send_parts(ecr_client, repository, upload_id, tail, [50], start=HEAD) == HEAD + 50
    # Nothing of the rejected part was kept: the layer is exactly head + tail.
    answer = ecr_client.complete_layer_upload(
        repositoryName=repository, uploadId=upload_id, layerDigests=[sha256_digest(head + tail)]
    )
    assert answer["layerDigest"] == sha256_digest(head + tail)
