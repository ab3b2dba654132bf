"""DescribeRepositories pages are written byte for byte as moto's own ActionResult writes them."""

from __future__ import annotations

import json

import pytest
from moto.core.responses import ActionContext, ActionResult
from moto.core.serialize import get_serializer_class
from moto.core.utils import get_service_model
from moto.ecr.models import ECRBackend
from moto.ecr.responses import ECRResponse

from ecrtui.local.moto_bridge import _RepositoryPage


def registry() -> ECRBackend:
    backend = ECRBackend("us-east-1", "123456789012")
    backend.create_repository("team/plain", None, None, None, None, [])  # type: ignore[arg-type]
    backend.create_repository(
        "team/kms", None, {"encryptionType": "KMS"}, {"scanOnPush": True}, "IMMUTABLE", []
    )
    backend.create_repository(
        "team/key",
        None,
        {"encryptionType": "KMS", "kmsKey": "arn:aws:kms:us-east-1:123456789012:key/k"},
        {"scanOnPush": False},
        "MUTABLE",
        [],
    )
    backend.create_repository(
        "team/filters",
        "123456789012",
        {"encryptionType": "AES256"},
        None,
        "MUTABLE_WITH_EXCLUSION",
        [{"Key": "team", "Value": "core"}],
        [{"filterType": "WILDCARD", "filter": "latest*"}],
    )
    return backend


def serialized(result: ActionResult) -> str:
    service = get_service_model("ecr")
    response = ECRResponse()
    context = ActionContext(
        service,
        service.operation_model("DescribeRepositories"),
        get_serializer_class("ecr", "json"),
        response,
    )
    status, _headers, body = result.execute_result(context)
    assert status == 200
    return str(body)


@pytest.mark.parametrize("token", ["t", None])  # a page with a next one, and the last page
def test_a_page_is_what_moto_serializes(token: str | None) -> None:
    repositories = list(registry().repositories.values())
    page = {"repositories": repositories, "failures": [], "nextToken": token}
    expected = serialized(ActionResult(page))
    assert serialized(_RepositoryPage(repositories, token)) == expected
    answer = json.loads(expected)
    assert [r["repositoryName"] for r in answer["repositories"]] == [
        "team/plain",
        "team/kms",
        "team/key",
        "team/filters",
    ]
    assert answer["repositories"][2]["encryptionConfiguration"]["kmsKey"].endswith(":key/k")
    assert answer["repositories"][3]["imageTagMutabilityExclusionFilters"] == [
        {"filterType": "WILDCARD", "filter": "latest*"}
    ]
    assert ("nextToken" in answer) is (token is not None)


def test_an_empty_page_is_what_moto_serializes() -> None:
    expected = serialized(ActionResult({"repositories": [], "failures": [], "nextToken": None}))
    assert serialized(_RepositoryPage([], None)) == expected
