"""DescribeRepositories pages are serialized as moto's own ActionResult serializes them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from moto.core.responses import ActionContext, ActionResult
from moto.core.serialize import get_serializer_class
from moto.core.utils import get_service_model
from moto.ecr.models import ECRBackend
from moto.ecr.responses import ECRResponse

from ecrtui.local.moto_bridge import _ListingResult


def registry() -> ECRBackend:
    backend = ECRBackend("us-east-1", "123456789012")
    backend.create_repository("team/plain", None, None, None, None, [])  # type: ignore[arg-type]
    backend.create_repository(
        "team/kms", None, {"encryptionType": "KMS"}, {"scanOnPush": True}, "IMMUTABLE", []
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


def serialized(result: ActionResult) -> Any:
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
    return json.loads(body)


@pytest.mark.parametrize("times", [1, 2])  # the second time, from the names remembered
def test_a_page_is_what_moto_serializes(times: int) -> None:
    backend = registry()
    page = {"repositories": list(backend.repositories.values()), "failures": [], "nextToken": "t"}
    expected = serialized(ActionResult(page))
    for _ in range(times):
        assert serialized(_ListingResult(page)) == expected
    assert [r["repositoryName"] for r in expected["repositories"]] == [
        "team/plain",
        "team/kms",
        "team/filters",
    ]
    assert expected["repositories"][2]["imageTagMutabilityExclusionFilters"] == [
        {"filterType": "WILDCARD", "filter": "latest*"}
    ]
