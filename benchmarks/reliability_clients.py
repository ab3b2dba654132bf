"""The clients of the backend scenario: plain HTTP to ECR's JSON API and the registry face.

`Api` sends one request at a time, retried as botocore retries (a 503 or 429 after its
Retry-After, a connection closed unanswered), and counts every final answer in a `Tally`: a 5xx
or no answer is an error. `client` pushes images the way docker's registry proxy calls ECR, and
sends one malformed manifest per round through PutImage and through the registry face alike.
"""

from __future__ import annotations

import base64
import collections
import hashlib
import http.client
import json
import random
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from benchmarks.reliability_common import MiB, short

ATTEMPTS = 10
TARGET = "AmazonEC2ContainerRegistry_V20150921."
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=AKIARELIABILITY00000/20250101/us-east-1/ecr/aws4_request, "
    "SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
ZERO = "sha256:" + "0" * 64


def malformed_manifests() -> list[tuple[str, str]]:
    layer = '{"mediaType": "x", "digest": "' + ZERO + '", "size": 1}'
    return [
        ("empty", ""),
        ("unclosed", "{"),
        ("a list", "[]"),
        ("null", "null"),
        ("a number", "1"),
        ("empty object", "{}"),
        ("schemaVersion a string", '{"schemaVersion": "2"}'),
        ("layers a string", '{"schemaVersion": 2, "layers": "x"}'),
        ("layers of scalars", '{"schemaVersion": 2, "layers": [1, "a", null]}'),
        ("config null", '{"schemaVersion": 2, "config": null, "layers": null}'),
        ("digest a number", '{"schemaVersion": 2, "layers": [{"digest": 5}]}'),
        ("manifests of nulls", '{"schemaVersion": 2, "manifests": [{"digest": null}, null]}'),
        ("nested 100,000 deep", "[" * 100_000),
        ("objects nested 50,000 deep", '{"a":' * 50_000 + "1" + "}" * 50_000),
        ("schemaVersion of 5,000 digits", '{"schemaVersion": 1' + "0" * 5000 + "}"),
        ("NaN", '{"schemaVersion": NaN}'),
        ("lone surrogate", '{"schemaVersion": 2, "x": "\\ud800"}'),
        ("byte order mark", "\ufeff{}"),
        ("mediaType a number", '{"schemaVersion": 2, "mediaType": 5}'),
        (
            "10,000 missing layers",
            '{"schemaVersion": 2, "layers": [' + ",".join([layer] * 10_000) + "]}",
        ),
        ("200,000 keys", "{" + '"a": 1, ' * 200_000 + '"b": 2}'),
        ("over 4 MiB", '{"schemaVersion": 2, "x": "' + "x" * (4 * MiB) + '"}'),
        ("negative size", '{"schemaVersion": 2, "config": {"digest": "' + ZERO + '", "size": -1}}'),
    ]


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.statuses: collections.Counter[str] = collections.Counter()
        self.errors: list[str] = []
        self.retried: collections.Counter[str] = collections.Counter()
        self.flows = 0
        self.broken_flows: list[str] = []
        self.refused_malformed = 0
        self.accepted_malformed: list[str] = []
        self.disagreements: list[str] = []

    def seen(self, status: int | None, what: str, body: bytes = b"") -> None:
        with self.lock:
            self.statuses[f"{status // 100}xx" if status else "no answer"] += 1
            if status is None or status >= 500:
                said = (
                    "no answer"
                    if status is None
                    else f"{status} {short(body.decode('utf-8', 'replace'), 160)}"
                )
                self.errors.append(f"{what}: {said}")


class Api:
    """ECR's JSON API and the registry face of one backend, by plain HTTP."""

    def __init__(self, url: str, tally: Tally) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.tally = tally
        self.basic = ""

    def exchange(
        self, method: str, path: str, headers: dict[str, str], body: bytes, what: str
    ) -> tuple[int | None, bytes]:
        """One request, retried as botocore retries: a 503 or 429 (after its Retry-After) and a
        connection closed without an answer; recorded once, with its last outcome."""
        status: int | None = None
        answer = b""
        for attempt in range(ATTEMPTS):
            connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
            wait = min(5.0, 0.1 * 2**attempt) * random.uniform(0.5, 1.0)
            try:
                connection.request(method, path, body=body, headers=headers)
                response = connection.getresponse()
                status, answer = response.status, response.read()
                wait = float(response.getheader("Retry-After") or wait)
            except (OSError, http.client.HTTPException):
                status, answer = None, b""
            finally:
                connection.close()
            if status not in (None, 429, 503) or attempt == ATTEMPTS - 1:
                break
            with self.tally.lock:
                self.tally.retried["dropped" if status is None else str(status)] += 1
            time.sleep(min(wait, 5.0))
        self.tally.seen(status, what, answer)
        return status, answer

    def call(self, operation: str, params: Any, what: str = "") -> tuple[int | None, Any]:
        body = params if isinstance(params, bytes) else json.dumps(params).encode()
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": TARGET + operation,
            "X-Amz-Date": "20250101T000000Z",
            "Authorization": AUTHORIZATION,
        }
        status, answer = self.exchange("POST", "/", headers, body, what or operation)
        try:
            return status, json.loads(answer) if answer else None
        except ValueError:
            return status, None

    def registry(
        self, method: str, path: str, body: bytes = b"", kind: str = ""
    ) -> tuple[int | None, bytes]:
        headers = {"Authorization": self.basic}
        if kind:
            headers["Content-Type"] = kind
        return self.exchange(method, path, headers, body, f"{method} {short(path, 60)}")


# -- the legitimate load ------------------------------------------------------------------------


class _Broken(Exception):
    """A step of a legitimate push did not succeed."""


def _ok(api: Api, operation: str, params: Any) -> Any:
    status, answer = api.call(operation, params)
    if status != 200:
        code = answer.get("__type") if isinstance(answer, dict) else None
        raise _Broken(f"{operation} answered {status} {code or ''}".rstrip())
    return answer


def _push_blob(api: Api, repository: str, blob: bytes) -> str:
    upload_id = _ok(api, "InitiateLayerUpload", {"repositoryName": repository})["uploadId"]
    part = {
        "repositoryName": repository,
        "uploadId": upload_id,
        "partFirstByte": 0,
        "partLastByte": len(blob) - 1,
        "layerPartBlob": base64.b64encode(blob).decode(),
    }
    _ok(api, "UploadLayerPart", part)
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    complete = {"repositoryName": repository, "uploadId": upload_id, "layerDigests": [digest]}
    _ok(api, "CompleteLayerUpload", complete)
    return digest


def _flow(api: Api, repository: str, round_: int, rng: random.Random) -> None:
    """One push of an image and the reads after it; _Broken says which step failed."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "round": round_}).encode()
    layer = rng.randbytes(256 * 1024)
    config_digest, layer_digest = (
        _push_blob(api, repository, config),
        _push_blob(api, repository, layer),
    )
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": config_digest,
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest,
                    "size": len(layer),
                }
            ],
        }
    )
    tag = f"r{round_}"
    _ok(api, "PutImage", {"repositoryName": repository, "imageManifest": manifest, "imageTag": tag})
    _ok(
        api,
        "BatchCheckLayerAvailability",
        {"repositoryName": repository, "layerDigests": [layer_digest]},
    )
    answer = _ok(
        api, "GetDownloadUrlForLayer", {"repositoryName": repository, "layerDigest": layer_digest}
    )
    url = urlsplit(answer["downloadUrl"])
    status, body = api.exchange("GET", f"{url.path}?{url.query}", {}, b"", "layer download")
    if status != 200 or "sha256:" + hashlib.sha256(body).hexdigest() != layer_digest:
        raise _Broken(f"the layer download gave {status}, {len(body)} bytes")
    status = api.registry("GET", f"/v2/{repository}/manifests/{tag}")[0]
    if status != 200:
        raise _Broken(f"the registry face answered {status} for the manifest")


def client(api: Api, number: int, rounds: int, start: threading.Barrier, seed: int) -> None:
    repository = f"reliability/load-{number}"
    rng = random.Random(f"{seed}:{number}")
    start.wait()
    try:
        _ok(api, "CreateRepository", {"repositoryName": repository})
    except _Broken as broken:
        api.tally.broken_flows.append(f"client {number}: {broken}")
        return
    for round_ in range(rounds):
        try:
            _flow(api, repository, round_, rng)
        except _Broken as broken:
            with api.tally.lock:
                api.tally.broken_flows.append(f"client {number}, round {round_}: {broken}")
        else:
            with api.tally.lock:
                api.tally.flows += 1
        _malformed(api, repository, number * rounds + round_)


def _malformed(api: Api, repository: str, turn: int) -> None:
    """One malformed manifest, through PutImage and through a registry manifest PUT."""
    manifests = malformed_manifests()
    name, manifest = manifests[turn % len(manifests)]
    kinds = (OCI_MANIFEST, "application/vnd.docker.distribution.manifest.v2+json", "", "text/plain")
    kind = kinds[turn % len(kinds)]  # as the turns go round, each manifest meets each type
    put = {"repositoryName": repository, "imageManifest": manifest}
    if kind:
        put["imageManifestMediaType"] = kind  # what the registry face takes from Content-Type
    by_api, _ = api.call("PutImage", put, f"PutImage ({name})")
    body = manifest.encode("utf-8", "surrogatepass")
    path = f"/v2/{repository}/manifests/bad{turn}"
    by_registry, _ = api.registry("PUT", path, body, kind)
    with api.tally.lock:
        for status in (by_api, by_registry):
            if status is not None and 400 <= status < 500:
                api.tally.refused_malformed += 1
            elif status is not None and status < 300:
                api.tally.accepted_malformed.append(name)
        if by_api and by_registry and (by_api < 300) != (by_registry < 300):
            api.tally.disagreements.append(
                f"manifest {name!r} ({kind or 'no media type'}): PutImage answered {by_api}, "
                f"the registry PUT {by_registry}"
            )
