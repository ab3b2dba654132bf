"""InvalidParameterException for every kind of model constraint the server must enforce itself.

botocore checks only required members, types and minimums, so these go through `raw_ecr_client`,
whose own validation is off: every bad value reaches the backend.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError

from tests.local.helpers import assert_error

_MODEL = botocore.session.get_session().get_service_model("ecr")


def pattern(shape: str) -> str:
    value: str = _MODEL.shape_for(shape).metadata["pattern"]
    return value


def violation(field: str, rule: str) -> str:
    return f"Invalid parameter at '{field}' failed to satisfy constraint: '{rule}'"


REPO_PATTERN = f"must satisfy regular expression '{pattern('RepositoryName')}'"
GOOD_DIGEST = "sha256:" + "0" * 64


@pytest.fixture
def upload_id(ecr_client: Any, repository: str) -> str:
    value: str = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    return value


Call = Callable[[Any, str, str], Any]  # (raw client, repository, upload id) -> response

CASES: list[tuple[str, Call, str, str]] = [
    (
        "upper-case-name",
        lambda c, r, u: c.create_repository(repositoryName="Team/API"),
        "repositoryName",
        REPO_PATTERN,
    ),
    (
        "name-too-short",
        lambda c, r, u: c.create_repository(repositoryName="a"),
        "repositoryName",
        "must have length greater than or equal to 2",
    ),
    (
        "name-too-long",
        lambda c, r, u: c.create_repository(repositoryName="a" * 257),
        "repositoryName",
        "must have length less than or equal to 256",
    ),
    (
        "name-with-trailing-slash",
        lambda c, r, u: c.initiate_layer_upload(repositoryName=f"{r}/"),
        "repositoryName",
        REPO_PATTERN,
    ),
    (
        "short-registry-id",
        lambda c, r, u: c.initiate_layer_upload(repositoryName=r, registryId="123"),
        "registryId",
        f"must satisfy regular expression '{pattern('RegistryId')}'",
    ),
    (
        "upload-id-not-a-uuid",
        lambda c, r, u: c.upload_layer_part(
            repositoryName=r,
            uploadId="not-a-uuid",
            partFirstByte=0,
            partLastByte=0,
            layerPartBlob=b"x",
        ),
        "uploadId",
        f"must satisfy regular expression '{pattern('UploadId')}'",
    ),
    (
        "complete-with-no-digests",
        lambda c, r, u: c.complete_layer_upload(repositoryName=r, uploadId=u, layerDigests=[]),
        "layerDigests",
        "must have length greater than or equal to 1",
    ),
    (
        "complete-with-101-digests",
        lambda c, r, u: c.complete_layer_upload(
            repositoryName=r, uploadId=u, layerDigests=[GOOD_DIGEST] * 101
        ),
        "layerDigests",
        "must have length less than or equal to 100",
    ),
    (
        "complete-with-a-malformed-digest",
        lambda c, r, u: c.complete_layer_upload(
            repositoryName=r, uploadId=u, layerDigests=["sha256:xyz"]
        ),
        "layerDigests[0]",
        f"must satisfy regular expression '{pattern('LayerDigest')}'",
    ),
    (
        "complete-with-a-second-malformed-digest",
        lambda c, r, u: c.complete_layer_upload(
            repositoryName=r, uploadId=u, layerDigests=[GOOD_DIGEST, "md5:"]
        ),
        "layerDigests[1]",
        f"must satisfy regular expression '{pattern('LayerDigest')}'",
    ),
    (
        "download-url-malformed-digest",
        lambda c, r, u: c.get_download_url_for_layer(repositoryName=r, layerDigest="sha256:xyz"),
        "layerDigest",
        f"must satisfy regular expression '{pattern('LayerDigest')}'",
    ),
    (
        "availability-with-no-digests",
        lambda c, r, u: c.batch_check_layer_availability(repositoryName=r, layerDigests=[]),
        "layerDigests",
        "must have length greater than or equal to 1",
    ),
    (
        "availability-digest-over-1000-chars",
        lambda c, r, u: c.batch_check_layer_availability(
            repositoryName=r, layerDigests=[GOOD_DIGEST, "sha256:" + "a" * 994]
        ),
        "layerDigests[1]",
        "must have length less than or equal to 1000",
    ),
    (
        "negative-first-byte",
        lambda c, r, u: c.upload_layer_part(
            repositoryName=r, uploadId=u, partFirstByte=-1, partLastByte=0, layerPartBlob=b"x"
        ),
        "partFirstByte",
        "must be greater than or equal to 0",
    ),
    (
        "negative-last-byte",
        lambda c, r, u: c.upload_layer_part(
            repositoryName=r, uploadId=u, partFirstByte=0, partLastByte=-1, layerPartBlob=b""
        ),
        "partLastByte",
        "must be greater than or equal to 0",
    ),
    (
        "max-results-over-1000",
        lambda c, r, u: c.describe_repositories(maxResults=1001),
        "maxResults",
        "must be less than or equal to 1000",
    ),
    (
        "max-results-zero",
        lambda c, r, u: c.describe_repositories(maxResults=0),
        "maxResults",
        "must be greater than or equal to 1",
    ),
]


@pytest.mark.parametrize(
    ("call", "field", "rule"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_broken_constraint_is_an_invalid_parameter(
    raw_ecr_client: Any, repository: str, upload_id: str, call: Call, field: str, rule: str
) -> None:
    with pytest.raises(ClientError) as raised:
        call(raw_ecr_client, repository, upload_id)
    assert_error(raised, "InvalidParameterException", violation(field, rule))


def test_a_rejected_name_creates_no_repository(raw_ecr_client: Any, ecr_client: Any) -> None:
    name = f"rejected/{uuid.uuid4().hex[:12]}"
    with pytest.raises(ClientError):
        raw_ecr_client.create_repository(repositoryName=name.upper())
    with pytest.raises(ClientError) as raised:
        ecr_client.describe_repositories(repositoryNames=[name])
    assert raised.value.response["Error"]["Code"] == "RepositoryNotFoundException"


def test_a_rejected_part_leaves_the_upload_alone(
    raw_ecr_client: Any, ecr_client: Any, repository: str, upload_id: str
) -> None:
    with pytest.raises(ClientError) as raised:
        raw_ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=-1,
            partLastByte=0,
            layerPartBlob=b"xx",
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"

    answer = ecr_client.upload_layer_part(
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=0,
        partLastByte=1,
        layerPartBlob=b"xx",
    )
    assert answer["lastByteReceived"] == 1


@pytest.mark.parametrize("stem", ["team__api", "team--api", "team---api/v1__x"])
def test_names_only_the_newer_model_pattern_allows_are_accepted(ecr_client: Any, stem: str) -> None:
    name = f"{stem}-{uuid.uuid4().hex[:8]}"

    answer = ecr_client.create_repository(repositoryName=name)

    assert answer["repository"]["repositoryName"] == name
    found = ecr_client.describe_repositories(repositoryNames=[name])["repositories"]
    assert [repo["repositoryName"] for repo in found] == [name]
