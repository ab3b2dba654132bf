"""What counts as a valid ECR request, and a server that counts every request it receives.

`problem` judges a request against botocore's service model on its own, without ecrtui's
validator: required members, types, lengths, ranges, enums and patterns, unknown members.
Patterns are read as ECR reads them (Java: `\\d`, `\\w`, `\\s` are ASCII), with RE2 when the
google-re2 package is there; without it, Python's `re` with re.ASCII, and values over 20
characters are not pattern-checked (some model patterns backtrack exponentially in `re`).

`CountingServer` listens on 127.0.0.1, answers each ECR (and CloudTrail LookupEvents) request
as ECR would in shape, keeps the uploads it initiated so parts and probes get ECR's answers, and
records every request with the problem `problem` finds in it, if any.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import functools
import json
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ECR_TARGET = "AmazonEC2ContainerRegistry_V20150921."
TRAIL_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
ACCOUNT = "123456789012"
UNCHECKED_LENGTH = 20  # without RE2: longer values are not pattern-checked
_SURROGATES = re.compile("[\ud800-\udfff]")


@functools.cache
def service(name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(name)


@functools.cache
def _pattern(pattern: str) -> tuple[Any, bool]:
    """A matcher for a model pattern, and whether it is RE2 (linear time)."""
    try:
        import re2  # type: ignore[import-untyped]

        options = re2.Options()
        options.never_capture = True
        options.log_errors = False
        syntax = pattern.replace("\\s", "[:space:]").replace("\\S", "[:^space:]")
        return re2.compile(syntax, options), True
    except ImportError:
        return re.compile(pattern, re.ASCII), False
    except Exception:  # RE2 cannot read it: Python's re, bounded
        return re.compile(pattern, re.ASCII), False


def matches(pattern: str, value: str) -> bool:
    matcher, linear = _pattern(pattern)
    if not linear and len(value) > UNCHECKED_LENGTH:
        return True
    if linear:  # RE2 reads UTF-8: a lone surrogate becomes U+FFFD, which no ASCII class holds
        return matcher.fullmatch(_SURROGATES.sub("\ufffd", value)) is not None
    return matcher.fullmatch(value) is not None


def problem(operation: str, params: Any, wire: bool, service_name: str = "ecr") -> str | None:
    """The first broken rule of a request, or None. `wire`: the JSON a client sent (blobs as
    base64, timestamps as numbers); otherwise the Python values handed to a validator."""
    model = service(service_name)
    if operation not in model.operation_names:
        return f"{operation} is not a {service_name} operation"
    shape = model.operation_model(operation).input_shape
    if shape is None:
        return None if not params else "the operation takes no parameters"
    return _check(shape, params, operation, wire)


def check_value(shape: Any, value: Any, path: str) -> str | None:
    """The first broken rule of one Python value of this shape, or None."""
    return _check(shape, value, path, False)


def _check(shape: Any, value: Any, path: str, wire: bool) -> str | None:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, Mapping):
            return f"{path}: not a structure"
        for name in shape.required_members:
            if value.get(name) is None:
                return f"{path}.{name}: required, and missing"
        for key, item in value.items():
            if key not in shape.members:
                return f"{path}.{key!r}: not a member"
            found = _check(shape.members[key], item, f"{path}.{key}", wire)
            if found:
                return found
        return None
    if value is None:
        return f"{path}: null"
    if kind == "list":
        if not isinstance(value, (list, tuple)):
            return f"{path}: not a list"
        found = _bounds(shape, len(value), path, "items")
        for index, item in enumerate(value):
            if found:
                break
            found = _check(shape.member, item, f"{path}[{index}]", wire)
        return found
    if kind == "map":
        if not isinstance(value, Mapping):
            return f"{path}: not a map"
        for key, item in value.items():
            found = _check(shape.key, key, f"{path} key", wire)
            found = found or _check(shape.value, item, f"{path}.{key}", wire)
            if found:
                return found
        return None
    return _scalar(shape, kind, value, path, wire)


def _scalar(shape: Any, kind: str, value: Any, path: str, wire: bool) -> str | None:
    if kind == "string":
        if not isinstance(value, str):
            return f"{path}: {type(value).__name__}, not a string"
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            return f"{path}: not one of {enum}"
        pattern = shape.metadata.get("pattern")
        if pattern and not matches(pattern, value):
            return f"{path}: does not match {pattern}"
        return _bounds(shape, len(value), path, "characters")
    if kind in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{path}: {type(value).__name__}, not an integer"
        return _bounds(shape, value, path, "")
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{path}: not a boolean"
    if kind in ("float", "double"):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        return None if ok else f"{path}: not a number"
    if kind == "timestamp":
        accepted: tuple[type, ...] = (int, float) if wire else (datetime.datetime, int, float, str)
        ok = isinstance(value, accepted) and not isinstance(value, bool)
        return None if ok else f"{path}: not a timestamp"
    if kind == "blob":
        return _blob(shape, value, path, wire)
    return None


def _blob(shape: Any, value: Any, path: str, wire: bool) -> str | None:
    if wire:
        if not isinstance(value, str):
            return f"{path}: a blob is sent as base64 text"
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, ValueError):
            return f"{path}: not base64"
    elif isinstance(value, (bytes, bytearray)):
        size = len(value)
    elif isinstance(value, str):
        size = len(value.encode("utf-8", "surrogatepass"))
    elif hasattr(value, "read"):
        return None
    else:
        return f"{path}: {type(value).__name__}, not bytes"
    return _bounds(shape, size, path, "bytes")


def _bounds(shape: Any, amount: int, path: str, unit: str) -> str | None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and amount < low:
        return f"{path}: {amount} {unit} is under the minimum {low}".replace("  ", " ")
    if high is not None and amount > high:
        return f"{path}: {amount} {unit} is over the maximum {high}".replace("  ", " ")
    return None


# -- the counting server -----------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """One request the server received, and what is wrong with it (None: valid)."""

    target: str
    problem: str | None


class CountingServer:
    """An ECR-like endpoint on 127.0.0.1 that records every request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._received: list[Received] = []
        self.uploads: dict[str, int] = {}  # upload id -> bytes received
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.counting = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> CountingServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def take(self) -> list[Received]:
        """The requests received since the last take."""
        with self._lock:
            taken, self._received = self._received, []
        return taken

    def record(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)

    def answer(self, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """Record the request; ECR's answer to it (status, JSON document)."""
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = None
        if target.startswith(ECR_TARGET):
            operation, name = target[len(ECR_TARGET) :], "ecr"
        elif target.startswith(TRAIL_TARGET):
            operation, name = target[len(TRAIL_TARGET) :], "cloudtrail"
        else:
            self.record(Received(target or "(no target)", "not an ECR or CloudTrail request"))
            return 400, _error("UnknownOperationException", "unknown target")
        found = "the body is not JSON" if params is None else problem(operation, params, True, name)
        self.record(Received(operation, found))
        if not isinstance(params, dict):
            return 400, _error("SerializationException", "the body is not a JSON object")
        return _ecr_answer(self, operation, params)


def _error(code: str, message: str, **fields: Any) -> dict[str, Any]:
    return {"__type": code, "message": message, **fields}


def _repository(name: Any) -> dict[str, Any]:
    return {
        "repositoryArn": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{name}",
        "registryId": ACCOUNT,
        "repositoryName": name,
        "repositoryUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}",
        "createdAt": 1700000000.0,
        "imageTagMutability": "MUTABLE",
    }


def _ecr_answer(server: CountingServer, operation: str, p: dict[str, Any]) -> tuple[int, Any]:
    repo = p.get("repositoryName", "team/api")
    upload_id = str(p.get("uploadId"))
    if operation == "LookupEvents":
        return 200, {"Events": []}
    if operation == "InitiateLayerUpload":
        new = str(uuid.uuid4())
        server.uploads[new] = 0
        return 200, {"uploadId": new, "partSize": 10 * 1024 * 1024}
    if operation == "UploadLayerPart":
        held = server.uploads.get(upload_id)
        if held is None:
            return 400, _error(
                "UploadNotFoundException", f"The upload with id '{upload_id}' does not exist"
            )
        first, last = p.get("partFirstByte"), p.get("partLastByte")
        if first != held or not isinstance(last, int) or last < first:
            return 400, _error(
                "InvalidLayerPartException",
                f"First byte of the layer part is {first} instead of {held}",
                registryId=ACCOUNT,
                repositoryName=repo,
                uploadId=upload_id,
                lastValidByteReceived=held - 1,
            )
        server.uploads[upload_id] = last + 1
        answer = {"registryId": ACCOUNT, "repositoryName": repo, "uploadId": upload_id}
        return 200, {**answer, "lastByteReceived": last}
    if operation == "CompleteLayerUpload":
        if server.uploads.pop(upload_id, None) is None:
            return 400, _error(
                "UploadNotFoundException", f"The upload with id '{upload_id}' does not exist"
            )
        digests = p.get("layerDigests") or [""]
        answer = {"registryId": ACCOUNT, "repositoryName": repo, "uploadId": upload_id}
        return 200, {**answer, "layerDigest": digests[0]}
    if operation == "BatchCheckLayerAvailability":
        failures = [
            {"layerDigest": d, "failureCode": "MissingLayerDigest", "failureReason": "not found"}
            for d in p.get("layerDigests") or []
        ]
        return 200, {"layers": [], "failures": failures}
    if operation == "DescribeRepositories":
        names = p.get("repositoryNames") or ["team/api"]
        return 200, {"repositories": [_repository(name) for name in names]}
    if operation == "CreateRepository":
        return 200, {"repository": _repository(repo)}
    if operation == "DescribeImages":
        image = {
            "registryId": ACCOUNT,
            "repositoryName": repo,
            "imageDigest": "sha256:" + "0" * 64,
            "imageTags": ["latest"],
            "imageSizeInBytes": 1,
            "imagePushedAt": 1700000000.0,
        }
        return 200, {"imageDetails": [image]}
    if operation == "GetDownloadUrlForLayer":
        return 200, {"downloadUrl": "http://127.0.0.1:9/layer", "layerDigest": p.get("layerDigest")}
    return 200, {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        server: CountingServer = self.server.counting  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, document = server.answer(self.headers.get("X-Amz-Target", ""), body)
        payload = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _unexpected(self) -> None:
        server: CountingServer = self.server.counting  # type: ignore[attr-defined]
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        server.record(Received(f"{self.command} {self.path}", "not an ECR API request"))
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_HEAD = do_DELETE = do_PATCH = _unexpected
