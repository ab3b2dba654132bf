"""How the backend reads an UploadLayerPart's body: parsed and decoded once, checked as before,
and only the JSON body gives parameters (never a header)."""

from __future__ import annotations

import base64
import http.client
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.local.helpers import data

TARGET = "AmazonEC2ContainerRegistry_V20150921."
# The backend does not check signatures; the credential scope routes the request to ECR.
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=TESTING/20260101/us-east-1/ecr/aws4_request, "
    "SignedHeaders=host, Signature=0"
)


def _post(endpoint_url: str, operation: str, body: bytes, **headers: str) -> tuple[int, Any]:
    """One ECR request as plain HTTP: its status and its JSON answer."""
    where = urlsplit(endpoint_url)
    connection = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
    try:
        connection.request(
            "POST",
            "/",
            body,
            {
                "X-Amz-Target": TARGET + operation,
                "Content-Type": "application/x-amz-json-1.1",
                "Authorization": AUTHORIZATION,
                **headers,
            },
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def _counting(original: Callable[..., Any], calls: list[int]) -> Callable[..., Any]:
    def counted(value: Any, *args: Any, **kwargs: Any) -> Any:
        if len(value) > 1024 * 1024:
            calls.append(len(value))
        return original(value, *args, **kwargs)

    return counted


def test_a_part_is_parsed_and_decoded_once(
    ecr_client: Any, repository: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    parsed: list[int] = []
    decoded: list[int] = []
    monkeypatch.setattr(json, "loads", _counting(json.loads, parsed))
    monkeypatch.setattr(base64, "b64decode", _counting(base64.b64decode, decoded))
    answer = ecr_client.upload_layer_part(
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=0,
        partLastByte=2 * 1024 * 1024 - 1,
        layerPartBlob=data(2 * 1024 * 1024, seed=3),
    )
    assert answer["lastByteReceived"] == 2 * 1024 * 1024 - 1
    assert len(parsed) == 1 and len(decoded) == 1


def test_a_blob_that_is_not_base64_is_an_invalid_parameter(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    request = {
        "repositoryName": repository,
        "uploadId": upload_id,
        "partFirstByte": 0,
        "partLastByte": 2,
        "layerPartBlob": "not base64!",
    }
    status, answer = _post(endpoint_url, "UploadLayerPart", json.dumps(request).encode())
    assert (status, answer["__type"]) == (400, "InvalidParameterException")
    assert answer["message"] == (
        "Invalid parameter at 'layerPartBlob' failed to satisfy constraint: "
        "'must be base64-encoded binary data'"
    )


def test_a_header_is_not_read_as_a_parameter(endpoint_url: str, repository: str) -> None:
    body = json.dumps({"repositoryName": repository}).encode()
    status, answer = _post(endpoint_url, "InitiateLayerUpload", body, registryId="111111111111")
    assert status == 200 and answer["partSize"] == 10 * 1024 * 1024  # not another registry's
    status, answer = _post(endpoint_url, "InitiateLayerUpload", b"{}", repositoryName=repository)
    assert (status, answer["__type"]) == (400, "InvalidParameterException")
