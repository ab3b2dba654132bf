"""Every failure becomes one EcrCallError carrying what an operator needs, and a hint."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ecrtui.ecr.client import Target, make_client
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.ecr.hints import HINTS, hint_for
from ecrtui.ecr.model import operation_model

LAYER_OPERATIONS = (
    "InitiateLayerUpload",
    "UploadLayerPart",
    "CompleteLayerUpload",
    "BatchCheckLayerAvailability",
    "GetDownloadUrlForLayer",
)


def call(function: Any, **params: Any) -> EcrCallError:
    try:
        function(**params)
    except Exception as raised:
        return EcrCallError.from_exception(raised)
    raise AssertionError("the call succeeded")


def test_service_error_keeps_code_status_request_id_and_extra_fields(
    endpoint_url: str, repository: str
) -> None:
    client = make_client(Target(endpoint_url=endpoint_url))
    upload_id = client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    client.upload_layer_part(
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=0,
        partLastByte=3,
        layerPartBlob=b"abcd",
    )
    error = call(
        client.upload_layer_part,
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=0,
        partLastByte=3,
        layerPartBlob=b"abcd",
    )
    assert error.kind is ErrorKind.SERVICE
    assert error.code == "InvalidLayerPartException"
    assert error.message == "First byte of the layer part is 0 instead of 4"
    assert error.operation == "UploadLayerPart"
    assert error.http_status == 400
    assert error.request_id
    assert error.fields["lastValidByteReceived"] == 3
    assert error.fields["uploadId"] == upload_id
    assert error.fields["repositoryName"] == repository
    assert str(error) == (
        "An error occurred (InvalidLayerPartException) when calling the UploadLayerPart "
        "operation: First byte of the layer part is 0 instead of 4"
    )
    assert error.hint == (
        "ECR holds bytes 0-3 of this upload; send the next part from byte 4 "
        "(ecrtui resume does this) instead of starting over"
    )


def test_unreachable_endpoint_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = make_client(Target(endpoint_url=f"http://127.0.0.1:{port}"), max_attempts=1)
    error = call(client.describe_repositories)
    assert error.kind is ErrorKind.CONNECTION
    assert error.code == "EndpointConnection"
    assert f"127.0.0.1:{port}" in error.message
    assert error.hint and "--endpoint-url" in error.hint


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    server.close()


def test_read_timeout_is_a_connection_error(silent_server: int) -> None:
    target = Target(endpoint_url=f"http://127.0.0.1:{silent_server}", read_timeout=0.3)
    error = call(make_client(target, max_attempts=1).describe_repositories)
    assert error.kind is ErrorKind.CONNECTION
    assert error.code == "Timeout"


def test_missing_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    client = make_client(Target(region="us-east-1", endpoint_url="http://127.0.0.1:9"))
    error = call(client.describe_repositories)
    assert error.kind is ErrorKind.CREDENTIALS
    assert error.code == "NoCredentials"
    assert error.message == "Unable to locate credentials"


def test_unknown_profile() -> None:
    try:
        make_client(Target(profile="no-such-profile"))
    except Exception as raised:
        error = EcrCallError.from_exception(raised)
    assert error.kind is ErrorKind.CREDENTIALS
    assert error.code == "ProfileNotFound"


def test_botocore_parameter_validation(endpoint_url: str) -> None:
    client = make_client(Target(endpoint_url=endpoint_url))
    error = call(client.complete_layer_upload, repositoryName="x")
    assert error.kind is ErrorKind.VALIDATION
    assert "Missing required parameter" in error.message


def test_expired_token_is_a_credentials_problem() -> None:
    from botocore.exceptions import ClientError

    raised = ClientError(
        {"Error": {"Code": "ExpiredTokenException", "Message": "The security token expired"}},
        "DescribeRepositories",
    )
    error = EcrCallError.from_exception(raised)
    assert (error.kind, error.operation) == (ErrorKind.CREDENTIALS, "DescribeRepositories")
    assert error.hint and "refresh the credentials" in error.hint


@pytest.mark.parametrize("operation", LAYER_OPERATIONS)
def test_every_error_of_the_layer_calls_has_a_hint(operation: str) -> None:
    for shape in operation_model(operation).error_shapes:
        assert shape.name in HINTS, f"{operation}: no hint for {shape.name}"


def test_layer_part_too_small_hint_says_what_to_do() -> None:
    assert hint_for("LayerPartTooSmallException") == (
        "a part other than the last is under 5 MiB; this upload cannot be completed; push the "
        "layer again with parts of 5-10 MiB"
    )


def test_invalid_layer_part_hint_on_a_fresh_upload() -> None:
    hint = hint_for("InvalidLayerPartException", {"lastValidByteReceived": -1})
    assert hint == "ECR holds no bytes of this upload yet; send the first part from byte 0"
