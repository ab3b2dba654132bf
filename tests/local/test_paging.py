"""DescribeRepositories and DescribeImages honour maxResults and nextToken.

Other tests create repositories in the same session backend, so repository pages are filtered by a
prefix unique to this module.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.local.helpers import config_blob, data, docker_manifest, push_image, sha256_digest

REPOSITORY_COUNT = 25
IMAGE_COUNT = 12


@pytest.fixture(scope="module")
def prefix(ecr_client: Any) -> str:
    """25 repositories named <prefix>/rNN, created once for the module."""
    stem = f"paging-{uuid.uuid4().hex[:10]}"
    for index in range(REPOSITORY_COUNT):
        ecr_client.create_repository(repositoryName=f"{stem}/r{index:02d}")
    return stem + "/"


@pytest.fixture(scope="module")
def image_repository(ecr_client: Any) -> tuple[str, dict[str, str]]:
    """A repository with 12 images, each with its own layer, config and tag; digest -> tag."""
    name = f"paging-images-{uuid.uuid4().hex[:10]}"
    ecr_client.create_repository(repositoryName=name)
    images = {}
    for index in range(IMAGE_COUNT):
        tag = f"v{index}"
        layer, config = data(300, index), config_blob(f"{name}-{index}")
        images[push_image(ecr_client, name, [layer], config, tag)] = tag
    assert len(images) == IMAGE_COUNT
    return name, images


def pages(call: Callable[..., Any], key: str, **params: Any) -> list[dict[str, Any]]:
    """Every page of a describe call, following nextToken; guards against a token loop."""
    collected = []
    token = None
    for _ in range(1000):
        answer = call(**params, **({"nextToken": token} if token else {}))
        collected.append(answer)
        token = answer.get("nextToken")
        if token is None:
            return collected
    raise AssertionError(f"more than 1000 pages of {key}")


# -- DescribeRepositories -------------------------------------------------------------------------


def test_repository_pages_hold_every_repository_once(ecr_client: Any, prefix: str) -> None:
    answers = pages(ecr_client.describe_repositories, "repositories", maxResults=7)

    sizes = [len(answer["repositories"]) for answer in answers]
    assert all(size == 7 for size in sizes[:-1])
    assert 1 <= sizes[-1] <= 7
    assert len(answers) >= 4  # 25 of ours alone need four pages of 7
    assert all("nextToken" in answer for answer in answers[:-1])
    assert "nextToken" not in answers[-1]
    names = [repo["repositoryName"] for answer in answers for repo in answer["repositories"]]
    assert len(names) == len(set(names))
    ours = [name for name in names if name.startswith(prefix)]
    assert sorted(ours) == [f"{prefix}r{index:02d}" for index in range(REPOSITORY_COUNT)]


def test_the_repository_paginator_agrees(ecr_client: Any, prefix: str) -> None:
    by_hand = [
        repo["repositoryName"]
        for answer in pages(ecr_client.describe_repositories, "repositories", maxResults=7)
        for repo in answer["repositories"]
    ]
    paginator = ecr_client.get_paginator("describe_repositories")
    by_paginator = [
        repo["repositoryName"]
        for page in paginator.paginate(PaginationConfig={"PageSize": 7})
        for repo in page["repositories"]
    ]

    assert sorted(by_paginator) == sorted(by_hand)
    assert len(by_paginator) == len(set(by_paginator))
    assert sum(name.startswith(prefix) for name in by_paginator) == REPOSITORY_COUNT


def test_without_max_results_a_page_holds_up_to_100(ecr_client: Any, prefix: str) -> None:
    total = sum(
        len(answer["repositories"])
        for answer in pages(ecr_client.describe_repositories, "repositories", maxResults=1000)
    )

    first = ecr_client.describe_repositories()

    assert len(first["repositories"]) == min(total, 100)
    assert ("nextToken" in first) == (total > 100)


@pytest.mark.parametrize("token", ["garbage", "e30=", "eyJvZmZzZXQiOiAtMX0=", "!!!"])
def test_a_garbage_token_is_an_invalid_parameter(ecr_client: Any, prefix: str, token: str) -> None:
    with pytest.raises(ClientError) as raised:
        ecr_client.describe_repositories(maxResults=7, nextToken=token)

    response = raised.value.response
    assert response["Error"]["Code"] == "InvalidParameterException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Message"].startswith("Invalid parameter at 'nextToken'")


@pytest.mark.parametrize(
    "extra", [{"maxResults": 7}, {"nextToken": "e30="}], ids=["maxResults", "nextToken"]
)
def test_paging_cannot_be_combined_with_repository_names(
    ecr_client: Any, prefix: str, extra: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as raised:
        ecr_client.describe_repositories(repositoryNames=[f"{prefix}r00"], **extra)

    response = raised.value.response
    assert response["Error"]["Code"] == "InvalidParameterException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_repository_names_alone_are_not_paged(ecr_client: Any, prefix: str) -> None:
    names = [f"{prefix}r{index:02d}" for index in range(REPOSITORY_COUNT)]
    answer = ecr_client.describe_repositories(repositoryNames=names)

    assert sorted(repo["repositoryName"] for repo in answer["repositories"]) == names
    assert "nextToken" not in answer


# -- DescribeImages -------------------------------------------------------------------------------


def test_image_pages_hold_every_image_once(
    ecr_client: Any, image_repository: tuple[str, dict[str, str]]
) -> None:
    name, images = image_repository

    answers = pages(ecr_client.describe_images, "imageDetails", repositoryName=name, maxResults=5)

    assert [len(answer["imageDetails"]) for answer in answers] == [5, 5, 2]
    assert all("nextToken" in answer for answer in answers[:-1])
    assert "nextToken" not in answers[-1]
    details = [detail for answer in answers for detail in answer["imageDetails"]]
    assert sorted(detail["imageDigest"] for detail in details) == sorted(images)
    assert {detail["imageDigest"]: detail["imageTags"] for detail in details} == {
        digest: [tag] for digest, tag in images.items()
    }


def test_the_image_paginator_agrees(
    ecr_client: Any, image_repository: tuple[str, dict[str, str]]
) -> None:
    name, images = image_repository
    paginator = ecr_client.get_paginator("describe_images")

    found = [
        detail["imageDigest"]
        for page in paginator.paginate(repositoryName=name, PaginationConfig={"PageSize": 5})
        for detail in page["imageDetails"]
    ]

    assert sorted(found) == sorted(images)


def test_a_page_as_large_as_the_list_has_no_token(
    ecr_client: Any, image_repository: tuple[str, dict[str, str]]
) -> None:
    name, _ = image_repository
    answer = ecr_client.describe_images(repositoryName=name, maxResults=IMAGE_COUNT)
    assert len(answer["imageDetails"]) == IMAGE_COUNT
    assert "nextToken" not in answer


def test_a_garbage_image_token_is_an_invalid_parameter(
    ecr_client: Any, image_repository: tuple[str, dict[str, str]]
) -> None:
    name, _ = image_repository
    with pytest.raises(ClientError) as raised:
        ecr_client.describe_images(repositoryName=name, maxResults=5, nextToken="garbage")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_image_paging_cannot_be_combined_with_image_ids(
    ecr_client: Any, image_repository: tuple[str, dict[str, str]]
) -> None:
    name, images = image_repository
    digest = next(iter(images))
    with pytest.raises(ClientError) as raised:
        ecr_client.describe_images(
            repositoryName=name, imageIds=[{"imageDigest": digest}], maxResults=5
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_image_digest_is_the_sha256_of_its_manifest(ecr_client: Any, repository: str) -> None:
    """Two images that share their layers but not their config are two images."""
    layer = data(300, 99)
    configs = [config_blob(f"{repository}-a"), config_blob(f"{repository}-b")]

    digests = [
        push_image(ecr_client, repository, [layer], config, f"t{index}")
        for index, config in enumerate(configs)
    ]

    assert digests == [sha256_digest(docker_manifest(c, [layer]).encode()) for c in configs]
    listed = ecr_client.describe_images(repositoryName=repository)["imageDetails"]
    assert sorted(detail["imageDigest"] for detail in listed) == sorted(digests)
