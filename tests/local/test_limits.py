"""The local backend's limits: request bodies, connections and their timeouts, browsers.

Most tests change the running backend's settings for their own duration (tests in one process
run one after another; each process has its own backend). Waits are bounded by GUARD, which only
a hang reaches; nothing here asserts how long anything took.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import http.client
import json
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from botocore.exceptions import ClientError

from ecrtui.local import moto_bridge
from ecrtui.local.connections import REFUSAL_THREADS
from tests.local.helpers import MiB, data, sha256_digest
from tests.local.registry_helpers import registry_password, registry_session, start_upload

ECR = "AmazonEC2ContainerRegistry_V20150921."
SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIAECRTUITESTING000/20260101/us-east-1/ecr/aws4_request, "
    "SignedHeaders=host;x-amz-target, Signature=0"
)
GUARD = 30.0  # seconds: only a hang waits this long
ALLOWED = "http://localhost:5173"
EVIL = "https://evil.example"


@pytest.fixture
def settings(local_ecr: Any) -> Iterator[Callable[..., None]]:
    """Change the backend's settings for this test: `settings(name=value, ...)`."""
    rules = local_ecr._rules
    before = rules.settings

    def change(**fields: Any) -> None:
        rules.settings = dataclasses.replace(before, **fields)

    yield change
    rules.settings = before


def address(endpoint_url: str) -> tuple[str, int]:
    where = urlsplit(endpoint_url)
    assert where.hostname and where.port
    return where.hostname, where.port


def connect(endpoint_url: str, sent: bytes = b"") -> socket.socket:
    """A connection to the backend that has sent `sent`, and reads with GUARD as its timeout."""
    connection = socket.create_connection(address(endpoint_url), timeout=GUARD)
    if sent:
        connection.sendall(sent)
    return connection


def api_head(operation: str, length: int | None, extra: str = "") -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else ""
    return (
        f"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: {ECR}{operation}\r\n"
        f"Content-Type: application/x-amz-json-1.1\r\nAuthorization: {SIGNED}\r\n"
        f"{extra}{size}\r\n"
    ).encode()


def answer_of(connection: socket.socket) -> http.client.HTTPResponse:
    """The answer the backend sent on this connection (it closes every connection after one)."""
    response = http.client.HTTPResponse(connection)
    response.begin()
    return response


def dropped(connection: socket.socket) -> bool:
    """Whether the backend closed the connection without an answer (within GUARD)."""
    try:
        return connection.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + GUARD
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def request_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name in ("local-ecr-request", "local-ecr-busy")]


# -- request bodies -------------------------------------------------------------------------------


def test_the_api_limit_is_the_largest_valid_upload_layer_part() -> None:
    largest_part = 4 * -(-20_971_520 // 3)  # the model's largest blob, base64-encoded
    assert largest_part < moto_bridge.largest_request_size() <= largest_part + 64 * 1024


def test_an_api_body_over_the_limit_is_refused_before_it_is_read(endpoint_url: str) -> None:
    """A 2 GiB Content-Length, and not one byte of it sent: the answer comes at once."""
    with connect(endpoint_url, api_head("UploadLayerPart", 2 * 1024**3)) as connection:
        answer = answer_of(connection)
        document = json.loads(answer.read())
    limit = moto_bridge.largest_request_size()
    assert answer.status == 413
    assert document == {
        "__type": "RequestEntityTooLargeException",
        "message": f"The request body is {2 * 1024**3} bytes; the largest request ECR accepts is "
        f"{limit} bytes (an UploadLayerPart of the largest part, base64-encoded)",
    }


def test_a_chunked_api_body_is_cut_off_at_the_limit(endpoint_url: str) -> None:
    limit = moto_bridge.largest_request_size()
    chunk = b"x" * MiB
    body = (
        b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(limit // MiB + 2))
        + b"0\r\n\r\n"
    )
    with connect(
        endpoint_url, api_head("UploadLayerPart", None, "Transfer-Encoding: chunked\r\n")
    ) as connection:
        sender = threading.Thread(target=_send_ignoring_errors, args=(connection, body))
        sender.start()
        answer = answer_of(connection)
        document = json.loads(answer.read())
        sender.join(GUARD)
    assert answer.status == 413
    assert document["__type"] == "RequestEntityTooLargeException"
    assert document["message"].startswith(f"The request body is over {limit} bytes")


def _send_ignoring_errors(connection: socket.socket, body: bytes) -> None:
    with contextlib.suppress(OSError):  # the backend stops reading once it has answered
        connection.sendall(body)


def test_the_largest_valid_part_reaches_the_layer_rules(
    raw_ecr_client: Any, repository: str
) -> None:
    """20 MiB (the model's maximum) is within the body limit: the part-size rule answers it."""
    upload_id = raw_ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    with pytest.raises(ClientError) as raised:
        raw_ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=0,
            partLastByte=20 * MiB - 1,
            layerPartBlob=bytes(20 * MiB),
        )
    assert raised.value.response["Error"]["Code"] == "InvalidLayerPartException"
    assert "more than the maximum layer part size" in raised.value.response["Error"]["Message"]


def test_a_patch_past_the_maximum_layer_size_is_refused(
    settings: Any, endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    settings(max_layer_size=8 * MiB)
    layer = data(8 * MiB, seed=70)
    session = registry_session(ecr_client)
    location = start_upload(session, endpoint_url, repository)
    assert session.patch(location, data=layer[: 6 * MiB]).status_code == 201

    path = urlsplit(location).path
    token = base64.b64encode(f"AWS:{registry_password(ecr_client)}".encode()).decode()
    head = f"PATCH {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n"
    with connect(endpoint_url, (head + f"Content-Length: {4 * MiB}\r\n\r\n").encode()) as early:
        answer = answer_of(early)  # before a byte of the body is sent
        errors = json.loads(answer.read())["errors"]
    assert answer.status == 413
    assert errors == [
        {
            "code": "BLOB_UPLOAD_INVALID",
            "message": "The layer would be 10485760 bytes, more than the maximum layer size of "
            "8 MiB",
            "detail": None,
        }
    ]

    chunked = session.patch(location, data=iter([layer[: MiB + 1]] * 2))  # no length: chunked
    assert chunked.status_code == 413
    assert chunked.json()["errors"][0]["message"] == (
        "The layer would be more than the maximum layer size of 8 MiB"
    )
    assert session.get(location).headers["Range"] == f"0-{6 * MiB - 1}"  # kept what it had
    assert session.patch(location, data=layer[6 * MiB :]).status_code == 201
    done = session.put(location, params={"digest": sha256_digest(layer)})
    assert done.status_code == 201, done.text


def test_a_large_patch_is_streamed_to_disk(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    """64 MiB through one chunked PATCH: the backend holds no more than a few MiB of it."""
    chunk = data(MiB, seed=71)
    session = registry_session(ecr_client)
    location = start_upload(session, endpoint_url, repository)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        answer = session.patch(location, data=(chunk for _ in range(64)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert answer.status_code == 201, answer.text
    assert session.get(location).headers["Range"] == f"0-{64 * MiB - 1}"
    assert peak < 16 * MiB, f"{peak / MiB:.1f} MiB traced during a 64 MiB PATCH"


def test_a_manifest_over_the_model_limit_is_refused(
    endpoint_url: str, ecr_client: Any, raw_ecr_client: Any, repository: str
) -> None:
    longest = moto_bridge.max_manifest_length()
    assert longest == 4_194_304
    session = registry_session(ecr_client)
    url = f"{endpoint_url}/v2/{repository}/manifests/big"
    token = base64.b64encode(f"AWS:{registry_password(ecr_client)}".encode()).decode()
    head = (
        f"PUT {urlsplit(url).path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n"
        f"Content-Length: {4 * longest + 1}\r\n\r\n"
    )
    with connect(endpoint_url, head.encode()) as early:
        answer = answer_of(early)
        errors = json.loads(answer.read())["errors"]
    assert answer.status == 413
    assert errors[0]["code"] == "MANIFEST_INVALID"
    assert errors[0]["message"] == (
        f"The manifest is {4 * longest + 1} bytes; ECR accepts manifests of up to {longest} "
        "characters"
    )

    manifest = '{"schemaVersion": 2}' + " " * (longest - 19)
    put = session.put(url, data=manifest.encode())
    assert put.status_code == 413
    assert put.json()["errors"][0]["message"] == (
        f"The manifest is {longest + 1} characters; ECR accepts up to {longest}"
    )
    with pytest.raises(ClientError) as raised:
        raw_ecr_client.put_image(repositoryName=repository, imageManifest=manifest, imageTag="big")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    assert str(longest) in raised.value.response["Error"]["Message"]


# -- connections ----------------------------------------------------------------------------------

STALLS = {
    "sends-nothing": b"",
    "half-the-headers": b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    "headers-then-nothing": api_head("DescribeRepositories", 100),
    "body-cut-short": api_head("DescribeRepositories", 1000) + b'{"repositoryNames": [',
    "chunked-body-stops": api_head("DescribeRepositories", None, "Transfer-Encoding: chunked\r\n")
    + b'10\r\n{"a"',
}


@pytest.mark.parametrize("sent", STALLS.values(), ids=STALLS.keys())
def test_a_client_that_stalls_is_dropped(settings: Any, endpoint_url: str, sent: bytes) -> None:
    settings(request_timeout=0.5)
    with connect(endpoint_url, sent) as stalled:
        assert dropped(stalled)


def test_a_stalled_patch_is_dropped_and_the_upload_keeps_its_earlier_bytes(
    settings: Any, endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    settings(request_timeout=0.5)
    layer = data(6 * MiB, seed=72)
    session = registry_session(ecr_client)
    location = start_upload(session, endpoint_url, repository)
    assert session.patch(location, data=layer[: 5 * MiB]).status_code == 201
    token = base64.b64encode(f"AWS:{registry_password(ecr_client)}".encode()).decode()
    head = (
        f"PATCH {urlsplit(location).path} HTTP/1.1\r\nHost: x\r\nAuthorization: Basic {token}\r\n"
        f"Content-Length: {MiB}\r\n\r\n"
    )
    with connect(endpoint_url, head.encode() + layer[5 * MiB : 5 * MiB + 1000]) as stalled:
        assert dropped(stalled)
    assert session.get(location).headers["Range"] == f"0-{5 * MiB - 1}"
    assert session.patch(location, data=layer[5 * MiB :]).status_code == 201
    done = session.put(location, params={"digest": sha256_digest(layer)})
    assert done.status_code == 201, done.text


def test_half_open_connections_hold_no_more_threads_than_the_cap(
    settings: Any, local_ecr: Any, endpoint_url: str, ecr_client: Any
) -> None:
    """40 clients send headers and one byte of their body, and hang: 8 (the cap) are served, a
    thread each, 32 wait in the queue (4 per thread) holding none, and a normal request meanwhile
    gets 503; once the clients go, the threads go too and the backend answers again."""
    settings(max_connections=8, request_timeout=GUARD)
    idle = threading.active_count()
    hanging = [
        connect(endpoint_url, api_head("DescribeRepositories", 1000) + b"{") for _ in range(40)
    ]
    try:
        assert wait_for(lambda: local_ecr.connections == 8)
        during = threading.active_count()
        served = [t for t in request_threads() if t.name == "local-ecr-request"]
        assert len(served) == 8
        assert during <= idle + 8 + REFUSAL_THREADS
        assert wait_for(lambda: not [t for t in request_threads() if t.name == "local-ecr-busy"])
        busy = requests.get(f"{endpoint_url}/v2/", timeout=GUARD)
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "1"
        assert "max_connections" in busy.text
    finally:
        for connection in hanging:
            connection.close()
    assert wait_for(lambda: not request_threads())
    after = threading.active_count()
    print(f"threads: {idle} idle, {during} under 40 half-open connections (cap 8), {after} after")
    assert after <= idle
    assert ecr_client.describe_repositories()["repositories"] is not None


# -- browsers -------------------------------------------------------------------------------------


def _create_repository_from(endpoint_url: str, origin: str, name: str) -> requests.Response:
    return requests.post(
        f"{endpoint_url}/",
        data=json.dumps({"repositoryName": name}),
        headers={
            "Origin": origin,
            "X-Amz-Target": ECR + "CreateRepository",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": SIGNED,
        },
        timeout=GUARD,
    )


def _preflight(endpoint_url: str, origin: str) -> requests.Response:
    return requests.options(
        f"{endpoint_url}/",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-amz-target",
        },
        timeout=GUARD,
    )


def _cors_headers(answer: requests.Response) -> dict[str, str]:
    return {
        k.lower(): v for k, v in answer.headers.items() if k.lower().startswith("access-control")
    }


def test_a_page_on_another_site_gets_no_cors_and_creates_nothing(
    endpoint_url: str, ecr_client: Any
) -> None:
    name = f"test/cors-{uuid.uuid4().hex[:8]}"
    created = _create_repository_from(endpoint_url, EVIL, name)
    assert created.status_code == 403
    assert _cors_headers(created) == {}
    preflight = _preflight(endpoint_url, EVIL)
    assert preflight.status_code == 403
    assert _cors_headers(preflight) == {}
    with pytest.raises(ClientError) as raised:
        ecr_client.describe_repositories(repositoryNames=[name])
    assert raised.value.response["Error"]["Code"] == "RepositoryNotFoundException"
    plain = ecr_client.describe_repositories()["ResponseMetadata"]["HTTPHeaders"]
    assert not [header for header in plain if header.startswith("access-control")]  # not moto's *


def test_one_origin_can_be_allowed(settings: Any, endpoint_url: str, ecr_client: Any) -> None:
    settings(cors_origin=ALLOWED)
    preflight = _preflight(endpoint_url, ALLOWED)
    assert preflight.status_code == 204
    assert _cors_headers(preflight) == {
        "access-control-allow-origin": ALLOWED,
        "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
        "access-control-allow-headers": "authorization,content-type,x-amz-target",
        "access-control-max-age": "600",
    }
    name = f"test/cors-{uuid.uuid4().hex[:8]}"
    created = _create_repository_from(endpoint_url, ALLOWED, name)
    assert created.status_code == 200, created.text
    assert created.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "x-amzn-RequestId" in created.headers["Access-Control-Expose-Headers"]
    assert ecr_client.describe_repositories(repositoryNames=[name])["repositories"]
    assert _create_repository_from(endpoint_url, EVIL, name + "x").status_code == 403
    assert _preflight(endpoint_url, EVIL).status_code == 403


# -- the command line -----------------------------------------------------------------------------


def test_the_command_line_sets_the_limits(tmp_path: Any) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ecrtui",
            "local-ecr",
            "--cors",
            ALLOWED,
            "--request-timeout",
            "0.5",
            "--max-connections",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        endpoint_url = process.stdout.readline().strip()
        assert endpoint_url.startswith("http://127.0.0.1:")
        assert _preflight(endpoint_url, ALLOWED).headers["Access-Control-Allow-Origin"] == ALLOWED
        assert _preflight(endpoint_url, EVIL).status_code == 403
        with connect(endpoint_url) as first, connect(endpoint_url) as second:
            stop = threading.Event()
            trickle = threading.Thread(target=_trickle, args=([first, second], stop))
            trickle.start()
            try:
                assert wait_for(lambda: _busy(endpoint_url))  # both held: a third waits
            finally:
                stop.set()
                trickle.join(GUARD)
            assert dropped(first) and dropped(second)  # once they stop sending
    finally:
        process.terminate()
        process.wait(GUARD)
    assert process.returncode == 0


def _trickle(connections: list[socket.socket], stop: threading.Event) -> None:
    """Keep these connections busy: a header sent a byte at a time, well within the timeout."""
    for connection in connections:
        connection.sendall(b"GET /v2/ HTTP/1.1\r\nX-Slow: ")
    while not stop.wait(0.05):
        for connection in connections:
            connection.sendall(b"a")


def _busy(endpoint_url: str) -> bool:
    """A request waits (in the queue for a thread) or is refused: it is not served now."""
    try:
        return requests.get(f"{endpoint_url}/v2/", timeout=1).status_code == 503
    except requests.exceptions.ReadTimeout:
        return True


@pytest.mark.parametrize(
    ("flag", "value", "complaint"),
    [
        ("--cors", "evil.example", "not an origin"),
        ("--cors", "https://evil.example/path", "not an origin"),
        ("--request-timeout", "0", "must be more than 0 seconds"),
        ("--max-connections", "0", "must be at least 1"),
    ],
)
def test_the_command_line_refuses_bad_limits(flag: str, value: str, complaint: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "ecrtui", "local-ecr", flag, value],
        capture_output=True,
        text=True,
        timeout=GUARD,
    )
    assert done.returncode == 2
    assert complaint in done.stderr


def test_a_burst_over_the_cap_waits_its_turn_and_is_served(
    settings: Any, local_ecr: Any, endpoint_url: str
) -> None:
    """20 clients at once against a cap of 4: 4 served at once, 16 waiting in the queue (4 per
    thread); every one is served, none refused."""
    from concurrent.futures import ThreadPoolExecutor

    settings(max_connections=4, request_timeout=GUARD)
    with ThreadPoolExecutor(20) as pool:
        answers = list(
            pool.map(lambda _: requests.get(f"{endpoint_url}/v2/", timeout=GUARD), range(20))
        )
    assert sorted({answer.status_code for answer in answers}) == [401]  # asks for credentials
    assert wait_for(lambda: not request_threads())
