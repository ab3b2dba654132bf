"""Malformed input never gets a 5xx from the local backend, and never breaks a repository.

Generated request bodies, X-Amz-Targets and image manifests go to the backend over HTTP, through
both faces (the ECR API and the registry's /v2/). Every answer must be a 2xx or 4xx, and after
every example the repository they went to still answers DescribeImages and BatchGetImage (a
malformed manifest is never stored).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import botocore
import botocore.session
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.local.helpers import DOCKER_MANIFEST, config_blob, push_layer
from tests.local.registry_helpers import registry_session

ECR = "AmazonEC2ContainerRegistry_V20150921."
SIGNED = (
    "AWS4-HMAC-SHA256 Credential=AKIAECRTUITESTING000/20260101/us-east-1/ecr/aws4_request, "
    "SignedHeaders=host;x-amz-target, Signature=0"
)
FUZZ = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_MODEL = botocore.session.get_session().get_service_model("ecr")


# What would remove the test's repository or its image, or change the registry for other tests.
NOT_FUZZED = {
    "DeleteRepository",
    "BatchDeleteImage",
    "PutReplicationConfiguration",
    "PutRegistryPolicy",
    "DeleteRegistryPolicy",
    "PutRegistryScanningConfiguration",
}


def _answered_operations() -> list[str]:
    """The operations the backend answers, less NOT_FUZZED."""
    from ecrtui.local import moto_bridge

    return sorted(moto_bridge.implemented_operations() - NOT_FUZZED)


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
DEEP = st.integers(min_value=20, max_value=3000).map(lambda depth: "[" * depth + "]" * depth)


@pytest.fixture(scope="module")
def fuzzed_repository(ecr_client: Any) -> Iterator[tuple[str, str]]:
    """A repository holding one image (tag "kept"), and that image's digest."""
    name = f"test/fuzzed-{uuid.uuid4().hex[:8]}"
    ecr_client.create_repository(repositoryName=name)
    config = config_blob("fuzzed")
    manifest = _manifest([_descriptor(config, push_layer(ecr_client, name, config))])
    answer = ecr_client.put_image(
        repositoryName=name,
        imageManifest=manifest,
        imageTag="kept",
        imageManifestMediaType=DOCKER_MANIFEST,
    )
    yield name, answer["image"]["imageId"]["imageDigest"]


def _descriptor(blob: bytes, digest: str) -> dict[str, Any]:
    return {
        "mediaType": "application/vnd.docker.container.image.v1+json",
        "size": len(blob),
        "digest": digest,
    }


def _manifest(layers: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": layers[0],
            "layers": layers[1:],
        }
    )


def assert_still_describable(ecr_client: Any, repository: str, digest: str) -> None:
    """DescribeImages and BatchGetImage of every image answer, and the kept image is there."""
    details = ecr_client.describe_images(repositoryName=repository)["imageDetails"]
    assert digest in [detail["imageDigest"] for detail in details]
    ids = [{"imageDigest": detail["imageDigest"]} for detail in details]
    got = ecr_client.batch_get_image(repositoryName=repository, imageIds=ids)
    assert got["failures"] == []
    for image in got["images"]:
        assert isinstance(json.loads(image["imageManifest"]), dict)


# -- the ECR API --------------------------------------------------------------------------------


def _member_bodies(draw: st.DrawFn, operation: str, repository: str) -> Any:
    """A body naming the operation's own members, each with any JSON value (often of the wrong
    type), the repository's name mostly right so that the handlers behind the checks run."""
    shape = _MODEL.operation_model(operation).input_shape
    members = list(shape.members) if shape is not None else []
    chosen = draw(st.lists(st.sampled_from(members), unique=True)) if members else []
    body: dict[str, Any] = {name: draw(JSON_VALUES) for name in chosen}
    if "repositoryName" in members and draw(st.booleans()):
        body["repositoryName"] = repository
    return body


@st.composite
def api_calls(draw: st.DrawFn, repository: str) -> tuple[str, bytes]:
    operation = draw(st.sampled_from(_answered_operations()))
    kind = draw(st.sampled_from(["members", "json", "bytes", "deep", "text"]))
    if kind == "members":
        body = json.dumps(_member_bodies(draw, operation, repository)).encode()
    elif kind == "json":
        body = json.dumps(draw(JSON_VALUES)).encode()
    elif kind == "bytes":
        body = draw(st.binary(max_size=200))
    elif kind == "deep":
        body = draw(DEEP).encode()
    else:
        body = draw(
            st.sampled_from(["NaN", '{"a": Infinity}', "{", '{"a":1}{', "\ud800", ""])
        ).encode("utf-8", "surrogatepass")
    target = draw(
        st.sampled_from([ECR + operation])
        | st.sampled_from([ECR + "NoSuchOperation", "Garbage", ECR, "", ECR + operation.lower()])
        | st.text(max_size=40)
    )
    return target, body


def test_generated_api_requests_get_no_5xx(
    endpoint_url: str, ecr_client: Any, fuzzed_repository: tuple[str, str]
) -> None:
    repository, digest = fuzzed_repository
    session = requests.Session()

    @FUZZ
    @given(api_calls(repository))
    def check(request: tuple[str, bytes]) -> None:
        target, body = request
        headers = {"Content-Type": "application/x-amz-json-1.1", "Authorization": SIGNED}
        if target.isprintable() and target.isascii():
            headers["X-Amz-Target"] = target
        answer = session.post(f"{endpoint_url}/", data=body, headers=headers, timeout=60)
        assert answer.status_code < 500, (target, body[:200], answer.status_code, answer.text[:300])
        if answer.status_code >= 400 and target.startswith(ECR):
            assert answer.json()["__type"], answer.text
        assert_still_describable(ecr_client, repository, digest)

    check()


# -- image manifests ------------------------------------------------------------------------------

DIGEST_VALUES = (
    st.sampled_from(["sha256:" + "a" * 64, "sha256:short", "", "not a digest"]) | JSON_VALUES
)
SIZE_VALUES = st.sampled_from([0, 12, -1, 2**64, "abc", "12", 1.5, True, None, [1], {"a": 1}])


@st.composite
def descriptors(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 5)) == 0:
        return draw(JSON_VALUES)
    descriptor: dict[str, Any] = {}
    for name, values in (
        ("mediaType", st.text(max_size=20) | JSON_VALUES),
        ("digest", DIGEST_VALUES),
        ("size", SIZE_VALUES),
        ("annotations", st.dictionaries(st.text(max_size=5), st.text(max_size=5)) | JSON_VALUES),
    ):
        if draw(st.booleans()):
            descriptor[name] = draw(values)
    return descriptor


@st.composite
def manifests(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["document", "json", "text", "deep"]))
    if kind == "json":
        return json.dumps(draw(JSON_VALUES))
    if kind == "text":
        return draw(st.text(max_size=100))
    if kind == "deep":
        depth = draw(st.integers(min_value=20, max_value=3000))
        return '{"layers": ' + "[" * depth + "]" * depth + "}"
    document: dict[str, Any] = {}
    for name, values in (
        ("schemaVersion", st.sampled_from([2, 1, "2", None, 2.0])),
        (
            "mediaType",
            st.sampled_from([DOCKER_MANIFEST, "application/vnd.oci.image.index.v1+json"])
            | JSON_VALUES,
        ),
        ("config", descriptors()),
        ("layers", st.lists(descriptors(), max_size=3) | JSON_VALUES),
        ("manifests", st.lists(descriptors(), max_size=3) | JSON_VALUES),
        ("subject", descriptors()),
        ("annotations", JSON_VALUES),
    ):
        if draw(st.booleans()):
            document[name] = draw(values)
    return json.dumps(document)


def test_generated_manifests_are_refused_or_stored_readably(
    endpoint_url: str, ecr_client: Any, raw_ecr_client: Any, fuzzed_repository: tuple[str, str]
) -> None:
    """Through PutImage and the registry's manifest PUT: 4xx or stored, and the repository reads."""
    repository, digest = fuzzed_repository
    registry = registry_session(ecr_client)

    @FUZZ
    @given(manifests(), st.booleans(), st.booleans())
    def check(manifest: str, through_registry: bool, with_media_type: bool) -> None:
        tag = f"t{uuid.uuid4().hex[:10]}"
        if through_registry:
            headers = {"Content-Type": DOCKER_MANIFEST} if with_media_type else {}
            answer = registry.put(
                f"{endpoint_url}/v2/{repository}/manifests/{tag}",
                data=manifest.encode("utf-8", "surrogatepass"),
                headers=headers,
                timeout=60,
            )
            assert answer.status_code < 500, (manifest[:300], answer.status_code, answer.text[:300])
            assert answer.status_code in (201, 400, 405, 413), answer.text
            errors = [] if answer.status_code == 201 else answer.json()["errors"]
            assert all(error["code"] for error in errors)
        else:
            extra = {"imageManifestMediaType": DOCKER_MANIFEST} if with_media_type else {}
            try:
                raw_ecr_client.put_image(
                    repositoryName=repository, imageManifest=manifest, imageTag=tag, **extra
                )
            except botocore.exceptions.ClientError as error:
                status = error.response["ResponseMetadata"]["HTTPStatusCode"]
                assert 400 <= status < 500, (manifest[:300], error.response)
        assert_still_describable(ecr_client, repository, digest)
        listed = registry.get(f"{endpoint_url}/v2/{repository}/tags/list", timeout=60)
        assert listed.status_code == 200
        for name in listed.json()["tags"]:
            fetched = registry.get(f"{endpoint_url}/v2/{repository}/manifests/{name}", timeout=60)
            assert fetched.status_code == 200, fetched.text

    check()


REGISTRY_PATHS = st.sampled_from(
    [
        "/v2/",
        "/v2/_catalog",
        "/v2/{repo}/tags/list",
        "/v2/{repo}/manifests/{word}",
        "/v2/{repo}/blobs/{word}",
        "/v2/{repo}/blobs/uploads/",
        "/v2/{repo}/blobs/uploads/{word}",
        "/v2/{repo}/blobs/uploads/{upload}",
        "/v2/{word}/blobs/uploads/",
        "/v2/{word}",
    ]
)
WORDS = st.sampled_from(["kept", "sha256:" + "a" * 64, "sha256:short", "..", "%ff", "-"]) | st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="/?#"),
    min_size=1,
    max_size=20,
)
HEADER_VALUES = st.sampled_from(
    ["", "0-0", "bytes 0-9/*", "garbage", "-5", "99999999999999999999"]
) | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20).map(str.strip)


@st.composite
def registry_requests(draw: st.DrawFn, repository: str, upload: str) -> dict[str, Any]:
    path = draw(REGISTRY_PATHS).format(repo=repository, word=draw(WORDS), upload=upload)
    query = draw(
        st.dictionaries(
            st.sampled_from(["digest", "mount", "from", "n", "last"]),
            WORDS | HEADER_VALUES,
            max_size=3,
        )
    )
    headers = {
        name: draw(HEADER_VALUES)
        for name in draw(
            st.lists(st.sampled_from(["Content-Range", "Content-Type", "Accept"]), unique=True)
        )
    }
    return {
        "method": draw(
            st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
        ),
        "url_path": path,
        "params": query,
        "headers": headers,
        "data": draw(st.binary(max_size=300)),
    }


def test_generated_registry_requests_get_no_5xx(
    endpoint_url: str, ecr_client: Any, fuzzed_repository: tuple[str, str]
) -> None:
    repository, digest = fuzzed_repository
    registry = registry_session(ecr_client)
    started = registry.post(f"{endpoint_url}/v2/{repository}/blobs/uploads/")
    upload = started.headers["Location"].rsplit("/", 1)[-1]

    @FUZZ
    @given(registry_requests(repository, upload))
    def check(request: dict[str, Any]) -> None:
        path = request.pop("url_path")
        answer = registry.request(url=f"{endpoint_url}{path}", timeout=60, **request)
        assert answer.status_code < 500, (path, request, answer.status_code, answer.text[:300])
        assert_still_describable(ecr_client, repository, digest)

    check()


def test_manifests_of_the_wrong_shape_get_ecr_errors(
    endpoint_url: str, ecr_client: Any, raw_ecr_client: Any, repository: str
) -> None:
    """Each kind of malformed manifest gets its own message; none is stored."""
    bad = {
        '{"layers": [{"digest": [1], "size": 1}]}': "layers[0].digest must be a string",
        '{"layers": [{"digest": "sha256:aa", "size": "abc"}]}': (
            "layers[0].size must be a non-negative integer"
        ),
        '{"config": {"digest": "sha256:aa"}}': "config.size must be a non-negative integer",
        '{"manifests": "x"}': "manifests must be a list of descriptors",
        '{"mediaType": 5}': "mediaType must be a string",
        '{"schemaVersion": "2"}': "schemaVersion must be an integer",
        '{"annotations": {"a": 1}}': "annotations must map strings to strings",
        '{"layers": ' + "[" * 40 + "]" * 40 + "}": "Manifest nests deeper than 32 levels",
    }
    registry = registry_session(ecr_client)
    for manifest, rule in bad.items():
        message = f"Invalid parameter at 'ImageManifest' failed to satisfy constraint: '{rule}'"
        if not rule.startswith("Manifest"):
            message = message.replace(f"'{rule}'", f"'Invalid manifest: {rule}'")
        with pytest.raises(botocore.exceptions.ClientError) as raised:
            raw_ecr_client.put_image(
                repositoryName=repository,
                imageManifest=manifest,
                imageTag="bad",
                imageManifestMediaType=DOCKER_MANIFEST,
            )
        assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
        assert raised.value.response["Error"]["Message"] == message
        answer = registry.put(
            f"{endpoint_url}/v2/{repository}/manifests/bad",
            data=manifest,
            headers={"Content-Type": DOCKER_MANIFEST},
        )
        assert answer.status_code == 400
        assert answer.json()["errors"][0]["code"] == "MANIFEST_INVALID"
        assert answer.json()["errors"][0]["message"] == message
    for text in ("[1, 2]", "NaN", '{"a": 1', '"x"'):
        answer = registry.put(f"{endpoint_url}/v2/{repository}/manifests/bad", data=text)
        assert answer.status_code == 405
        assert answer.json()["errors"][0]["code"] == "UNSUPPORTED"
    assert ecr_client.describe_images(repositoryName=repository)["imageDetails"] == []


# -- the API's own refusals ---------------------------------------------------------------------


def _post(endpoint_url: str, target: str, body: bytes) -> requests.Response:
    headers = {"Content-Type": "application/x-amz-json-1.1", "Authorization": SIGNED}
    if target:
        headers["X-Amz-Target"] = target
    return requests.post(f"{endpoint_url}/", data=body, headers=headers, timeout=60)


@pytest.mark.parametrize(
    ("target", "body", "status", "code"),
    [
        (ECR + "DescribeRepositories", b"not json", 400, "SerializationException"),
        (ECR + "DescribeRepositories", b"\xff\xfe{}", 400, "SerializationException"),
        (ECR + "DescribeRepositories", b'{"maxResults": NaN}', 400, "SerializationException"),
        (ECR + "DescribeRepositories", b"[" * 5000 + b"]" * 5000, 400, "SerializationException"),
        (ECR + "DescribeRepositories", b'{"nextToken": 5}', 400, "InvalidParameterException"),
        (ECR + "NoSuchOperation", b"{}", 400, "UnknownOperationException"),
        ("Garbage", b"{}", 400, "UnknownOperationException"),
        (ECR + "GetAccountSetting", b'{"name": 5}', 400, "InvalidParameterException"),
        (
            ECR + "GetAccountSetting",
            b'{"name": "BASIC_SCAN_TYPE_VERSION"}',
            501,
            "NotImplementedException",
        ),
        (
            ECR + "UploadLayerPart",
            json.dumps(
                {
                    "repositoryName": "test/any",
                    "uploadId": str(uuid.uuid4()),
                    "partFirstByte": 0,
                    "partLastByte": 2,
                    "layerPartBlob": "!!not base64!!",
                }
            ).encode(),
            400,
            "InvalidParameterException",
        ),
    ],
    ids=[
        "not-json",
        "not-utf8",
        "nan",
        "nested-5000-deep",
        "wrong-type",
        "unknown-operation",
        "unknown-target",
        "unanswered-operation-bad-input",
        "unanswered-operation",
        "bad-base64",
    ],
)
def test_the_api_answers_bad_requests_with_ecr_errors(
    endpoint_url: str, target: str, body: bytes, status: int, code: str
) -> None:
    answer = _post(endpoint_url, target, body)
    assert answer.status_code == status, answer.text
    assert answer.json()["__type"] == code
    assert answer.headers["x-amzn-ErrorType"] == code or code == "InvalidParameterException"


def test_an_action_hidden_in_a_body_calls_nothing_but_the_target(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    """moto reads the JSON body as a query string too; an `Action` found there is not obeyed."""
    body = json.dumps({"repositoryNames": [repository], "x": "&Action=DeleteRepository&"})
    answer = _post(endpoint_url, ECR + "DescribeRepositories", body.encode())
    assert answer.status_code == 200, answer.text  # x is no member: it is ignored
    assert [found["repositoryName"] for found in answer.json()["repositories"]] == [repository]
    assert ecr_client.describe_repositories(repositoryNames=[repository])["repositories"]


def test_a_layer_size_that_is_not_a_number_leaves_describe_images_working(
    ecr_client: Any, raw_ecr_client: Any, repository: str
) -> None:
    config = config_blob("size")
    digest = push_layer(ecr_client, repository, config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": _descriptor(config, digest),
            "layers": [{"mediaType": "x", "digest": digest, "size": "abc"}],
        }
    )
    with pytest.raises(botocore.exceptions.ClientError) as raised:
        raw_ecr_client.put_image(repositoryName=repository, imageManifest=manifest, imageTag="v1")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    assert ecr_client.describe_images(repositoryName=repository)["imageDetails"] == []
