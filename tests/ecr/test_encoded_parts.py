"""EncodedPart: an UploadLayerPart body built ahead of the call, sent as botocore would send it."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from ecrtui.ecr.caller import EcrCaller, redacted
from ecrtui.ecr.client import Target, make_client
from ecrtui.ecr.encoded_parts import PAYLOAD_HASH_HEADER, EncodedPart, send_encoded_parts
from ecrtui.ecr.errors import EcrCallError
from ecrtui.ecr.validation import validate
from tests.local.helpers import data

UPLOAD_ID = str(uuid.UUID(int=7, version=4))


class _Raw:
    """What botocore reads an answer's body from."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.body


@pytest.fixture
def sent() -> list[bytes]:
    return []


@pytest.fixture
def payload_hashes() -> list[str | None]:
    return []


@pytest.fixture
def client(sent: list[bytes], payload_hashes: list[str | None]) -> Any:
    """A client whose UploadLayerPart requests stop before the network: each body is kept, and
    the answer is the one ECR gives for the part."""
    made = make_client(Target(endpoint_url="http://127.0.0.1:9", region="us-east-1"))

    def answer(request: Any, **_: Any) -> AWSResponse:
        body = bytes(request.body)
        sent.append(body)
        given = request.headers.get(PAYLOAD_HASH_HEADER)
        payload_hashes.append(None if given is None else _text(given))
        signed = _text(request.headers["Authorization"]).split("SignedHeaders=")[1].split(",")[0]
        assert ("x-amz-content-sha256" in signed.split(";")) is (given is not None)
        last = json.loads(body)["partLastByte"]
        raw = _Raw(json.dumps({"uploadId": UPLOAD_ID, "lastByteReceived": last}).encode())
        return AWSResponse(request.url, 200, {"x-amzn-RequestId": "r"}, raw)

    made.meta.events.register("before-send.ecr.UploadLayerPart", answer)
    assert send_encoded_parts(made)
    return made


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _members(size: int, first: int = 0) -> dict[str, Any]:
    return {
        "repositoryName": "team/app",
        "uploadId": UPLOAD_ID,
        "partFirstByte": first,
        "partLastByte": first + size - 1,
    }


def _encoded(payload: bytes, members: dict[str, Any], chunk: int = 3 * 1024) -> EncodedPart:
    part = EncodedPart(members, len(payload))
    for at in range(0, len(payload), chunk):
        part.add(payload[at : at + chunk])
    return part


@pytest.mark.parametrize("size", [1, 2, 3, 4, 3 * 1024, 3 * 1024 + 1, 100_000])
def test_the_body_is_the_one_botocore_would_send(
    client: Any, sent: list[bytes], payload_hashes: list[str | None], size: int
) -> None:
    payload = data(size, seed=size)
    members = _members(size, first=size * 3)
    answer = client.upload_layer_part(**members, layerPartBlob=payload)
    part = _encoded(payload, members)
    assert part.complete and len(part) == size
    assert client.upload_layer_part(**members, layerPartBlob=part) == answer
    plain, encoded = (json.loads(body) for body in sent)
    assert encoded == plain
    assert base64.b64decode(encoded["layerPartBlob"]) == payload
    assert sent[1] == bytes(part.body)
    assert payload_hashes == [None, hashlib.sha256(sent[1]).hexdigest()]  # what SigV4 signs


def test_a_part_built_for_other_members_is_not_sent(client: Any, sent: list[bytes]) -> None:
    part = _encoded(b"abcdef", _members(6))
    with pytest.raises(ValueError, match="other UploadLayerPart members"):
        client.upload_layer_part(**_members(6, first=6), layerPartBlob=part)
    assert sent == []


def test_a_part_not_filled_is_not_sent(client: Any, sent: list[bytes]) -> None:
    part = EncodedPart(_members(6), 6)
    part.add(b"abc")
    with pytest.raises(ValueError, match="before all its bytes were added"):
        client.upload_layer_part(**_members(6), layerPartBlob=part)
    assert sent == []


def test_chunks_must_keep_to_whole_base64_groups() -> None:
    part = EncodedPart(_members(8), 8)
    part.add(b"ab")  # the last chunk may be any length ...
    with pytest.raises(ValueError, match="multiple of 3"):
        part.add(b"cdef")  # ... but nothing may follow it
    with pytest.raises(ValueError, match="more than the part's 8 bytes"):
        EncodedPart(_members(8), 8).add(b"x" * 9)


def test_a_record_keeps_its_size_and_the_model_checks_its_size(client: Any) -> None:
    part = _encoded(b"x" * 30, _members(30))
    assert redacted({**_members(30), "layerPartBlob": part})["layerPartBlob"] == "<30 bytes>"
    assert validate("UploadLayerPart", {**_members(30), "layerPartBlob": part}) == []
    too_large = EncodedPart(_members(20 * 1024 * 1024 + 1), 20 * 1024 * 1024 + 1)
    [problem] = validate("UploadLayerPart", {**_members(1), "layerPartBlob": too_large})
    assert (problem.field, problem.rule) == ("layerPartBlob", "max-length")


def test_through_the_caller_the_part_is_sent_and_recorded(client: Any, sent: list[bytes]) -> None:
    caller = EcrCaller(client)
    records: list[Any] = []
    caller.listen(records.append)
    part = _encoded(b"y" * 9, _members(9))
    answer = caller.call("UploadLayerPart", {**_members(9), "layerPartBlob": part})
    assert answer["lastByteReceived"] == 8
    [record] = records
    assert record.ok and record.parameters["layerPartBlob"] == "<9 bytes>"
    with pytest.raises(EcrCallError):  # the check before sending still applies
        caller.call("UploadLayerPart", {**_members(9), "uploadId": "nope", "layerPartBlob": part})
    assert len(sent) == 1


def test_a_client_without_botocore_events_is_told_apart() -> None:
    assert send_encoded_parts(object()) is False
