"""The fault proxy itself does what the other tests rely on."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecrtui.ecr.client import Target, make_client
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from tests.uploads.fault_proxy import FaultProxy
from tests.uploads.helpers import ecr_holds


def _client(proxy: FaultProxy, read_timeout: float | None = None) -> Any:
    return make_client(Target(endpoint_url=proxy.url, read_timeout=read_timeout), max_attempts=1)


def _part(client: Any, repository: str, upload_id: str, first: int, blob: bytes) -> Any:
    return client.upload_layer_part(
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=first,
        partLastByte=first + len(blob) - 1,
        layerPartBlob=blob,
    )


def test_it_binds_the_loopback_address_only(proxy: FaultProxy) -> None:
    assert proxy.url.startswith("http://127.0.0.1:")


def test_unplanned_requests_pass_through(proxy: FaultProxy, repository: str) -> None:
    client = _client(proxy)
    upload_id = client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    answer = _part(client, repository, upload_id, 0, b"abc")
    assert answer["lastByteReceived"] == 2
    assert answer["ResponseMetadata"]["RequestId"]
    assert [(seen.operation, seen.nth, seen.forwarded, seen.status) for seen in proxy.log] == [
        ("InitiateLayerUpload", 1, True, 200),
        ("UploadLayerPart", 1, True, 200),
    ]


@pytest.mark.parametrize(
    ("fault", "reaches_backend"), [("reset_before", False), ("reset_after", True)]
)
def test_resets_drop_the_connection(
    proxy: FaultProxy, repository: str, raw_ecr_client: Any, fault: str, reaches_backend: bool
) -> None:
    client = _client(proxy)
    upload_id = client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    proxy.plan("UploadLayerPart", nth=1, fault=fault)
    with pytest.raises(Exception) as raised:
        _part(client, repository, upload_id, 0, b"abcd")
    error = EcrCallError.from_exception(raised.value)
    assert error.kind is ErrorKind.CONNECTION, raised.value
    assert ecr_holds(raw_ecr_client, repository, upload_id) == (4 if reaches_backend else 0)
    assert proxy.log[-1].forwarded is reaches_backend
    # The next request on a new connection goes through.
    assert _part(client, repository, upload_id, 4 if reaches_backend else 0, b"ef")


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("http500", 500, "ServerException"),
        ("http429", 429, "ThrottlingException"),
        ("limit", 400, "LimitExceededException"),
    ],
)
def test_error_answers_are_not_forwarded(
    proxy: FaultProxy, repository: str, raw_ecr_client: Any, fault: str, status: int, code: str
) -> None:
    client = _client(proxy)
    upload_id = client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    proxy.plan("UploadLayerPart", nth=1, fault=fault)
    with pytest.raises(ClientError) as raised:
        _part(client, repository, upload_id, 0, b"abcd")
    response = raised.value.response
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["ResponseMetadata"]["RequestId"] == "injected-UploadLayerPart-1"
    assert ecr_holds(raw_ecr_client, repository, upload_id) == 0


def test_slow_times_out_and_the_backend_may_apply_it_later(
    proxy: FaultProxy, repository: str, raw_ecr_client: Any
) -> None:
    client = _client(proxy, read_timeout=0.5)
    upload_id = client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    proxy.plan("UploadLayerPart", nth=1, fault="slow", seconds=1.0)
    with pytest.raises(Exception) as raised:
        _part(client, repository, upload_id, 0, b"abcd")
    assert EcrCallError.from_exception(raised.value).code == "Timeout"
    deadline = time.monotonic() + 10
    while ecr_holds(raw_ecr_client, repository, upload_id) != 4:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_hold_and_hold_after(proxy: FaultProxy, repository: str, raw_ecr_client: Any) -> None:
    client = _client(proxy)
    upload_id = client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    answers: list[Any] = []
    for nth, fault, first, blob, held_while_holding in (
        (1, "hold", 0, b"ab", 0),
        (2, "hold_after", 2, b"cd", 4),
    ):
        plan = proxy.plan("UploadLayerPart", nth=nth, fault=fault)
        sender = threading.Thread(
            target=lambda f=first, b=blob: answers.append(
                _part(client, repository, upload_id, f, b)
            )
        )
        sender.start()
        plan.wait_reached(10)
        time.sleep(0.1)
        assert sender.is_alive() and len(answers) == nth - 1
        assert ecr_holds(raw_ecr_client, repository, upload_id) == held_while_holding
        plan.release()
        sender.join(10)
        assert not sender.is_alive()
    assert [answer["lastByteReceived"] for answer in answers] == [1, 3]


def test_stop_drops_held_requests(endpoint_url: str, repository: str) -> None:
    with FaultProxy(endpoint_url) as proxy:
        client = _client(proxy)
        plan = proxy.plan("DescribeRepositories", nth=1, fault="hold")
        failures: list[BaseException] = []

        def describe() -> None:
            try:
                client.describe_repositories()
            except Exception as error:
                failures.append(error)

        sender = threading.Thread(target=describe)
        sender.start()
        plan.wait_reached(10)
    sender.join(10)
    assert not sender.is_alive()
    assert len(failures) == 1
