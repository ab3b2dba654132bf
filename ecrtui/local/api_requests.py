"""What the local backend checks of an AWS API request before moto sees it, and the errors it
answers itself in the json 1.1 protocol, as AWS front ends answer before a call is made:

- 413 RequestEntityTooLargeException: a body over the largest valid ECR request (checked by its
  Content-Length before a byte is read; a chunked body as it passes the limit);
- 400 SerializationException: a body that is not UTF-8 JSON, nests deeper than any ECR request,
  or whose HTTP framing is broken;
- 400 UnknownOperationException: an X-Amz-Target (or a request signed for ECR) that names no
  operation of ECR's service model, and a request for none of the APIs the backend serves (ECR,
  STS's GetCallerIdentity, CloudTrail's LookupEvents; moto would answer any service it knows);
  400 InvalidAction (STS's XML) for any other STS action;
- 501 NotImplementedException: an ECR operation moto does not answer, once its parameters pass
  the model's checks (InvalidParameterException otherwise), instead of moto's HTML 500;
- 400 InvalidParameterException: an ECR call moto fails on (`unprocessable`);
- 503 ServiceUnavailableException: large requests queued longer than the request timeout.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from ecrtui.local import bodies, moto_bridge
from ecrtui.local.manifests import nested_deeper_than

StartResponse = Callable[..., Any]

ECR_TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
# The access key id, Region and service of a SigV4 Authorization header's credential scope.
CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/")
# An API request nests a few levels (a replication rule's destinations are the deepest, at 5).
MAX_REQUEST_DEPTH = 32


class Refused(Exception):
    """A request answered with an error before moto sees it, in the json 1.1 protocol (ECR's)
    or the query protocol (STS's)."""

    def __init__(self, status: str, code: str, message: str, protocol: str = "json") -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message, self.protocol = status, code, message, protocol

    def answer(self, start_response: StartResponse) -> list[bytes]:
        request_id = str(uuid.uuid4())
        if self.protocol == "query":
            body = (
                "<ErrorResponse><Error><Type>Sender</Type>"
                f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message>"
                f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
            ).encode()
            content_type = "text/xml"
        else:
            body = json.dumps({"__type": self.code, "message": self.message}).encode()
            content_type = "application/x-amz-json-1.1"
        start_response(
            self.status,
            [
                ("Content-Type", content_type),
                ("Content-Length", str(len(body))),
                ("x-amzn-RequestId", request_id),
                ("x-amzn-ErrorType", self.code),
            ],
        )
        return [body]


def read_body(environ: dict[str, Any]) -> bytes:
    """The whole body, at most the largest valid ECR request."""
    try:
        return bodies.read(environ, moto_bridge.largest_request_size())
    except bodies.BodyTooLarge as error:
        size = f"{error.size} bytes" if error.size is not None else f"over {error.limit} bytes"
        raise Refused(
            "413 Request Entity Too Large",
            "RequestEntityTooLargeException",
            f"The request body is {size}; the largest request ECR accepts is {error.limit} bytes "
            "(an UploadLayerPart of the largest part, base64-encoded)",
        ) from None
    except bodies.MalformedBody as error:
        raise Refused("400 Bad Request", "SerializationException", str(error)) from None


def is_ecr_request(environ: dict[str, Any], target: str) -> bool:
    """Whether the request is for ECR: by its X-Amz-Target, or by its signature."""
    return target.startswith(ECR_TARGET_PREFIX) or signed_service(environ) == "ecr"


def check_sts_request(environ: dict[str, Any], body: bytes) -> None:
    """Refused unless the request is STS's GetCallerIdentity (what ecrtui and the aws CLI ask of
    STS here), which moto answers as it is."""
    if signed_service(environ) != "sts":
        raise Refused(
            "400 Bad Request",
            "UnknownOperationException",
            "The local ECR backend answers the ECR API, STS's GetCallerIdentity, CloudTrail's "
            "LookupEvents and the registry (/v2/); this request is for none of them",
        )
    try:
        form = parse_qs(body.decode("utf-8") or str(environ.get("QUERY_STRING", "")))
    except UnicodeDecodeError:
        form = {}
    actions = form.get("Action", [])
    if actions != ["GetCallerIdentity"]:
        action = repr(actions[0][:100]) if actions else "(none)"
        raise Refused(
            "400 Bad Request",
            "InvalidAction",
            f"The action {action} is not valid for the local ECR backend's STS",
            protocol="query",
        )


def ecr_call(target: str, body: bytes) -> tuple[str, Any]:
    """The operation an ECR request calls and its parsed parameters, or Refused."""
    operation = target.removeprefix(ECR_TARGET_PREFIX)
    if not target.startswith(ECR_TARGET_PREFIX) or operation not in moto_bridge.ecr_operations():
        raise Refused(
            "400 Bad Request",
            "UnknownOperationException",
            f"{target[:200]!r} is not an ECR operation",
        )
    parameters = parse_body(body)
    if operation not in moto_bridge.implemented_operations():
        problem = moto_bridge.parameter_problem(operation, parameters)
        if problem:
            raise Refused("400 Bad Request", "InvalidParameterException", problem)
        raise Refused(
            "501 Not Implemented",
            "NotImplementedException",
            f"The local ECR backend does not implement {operation}",
        )
    return operation, parameters


def parse_body(body: bytes) -> Any:
    """The parsed body of a JSON 1.1 request (empty: {}); SerializationException when it is not
    UTF-8, not JSON (NaN and Infinity included), or nested deeper than MAX_REQUEST_DEPTH."""
    try:
        value = json.loads(body.decode("utf-8") or "{}", parse_constant=_not_json)
    except UnicodeDecodeError:
        raise _serialization("The request body is not UTF-8 text") from None
    except (ValueError, RecursionError):
        raise _serialization("The request body is not valid JSON") from None
    if nested_deeper_than(value, MAX_REQUEST_DEPTH):
        raise _serialization(f"The request body nests deeper than {MAX_REQUEST_DEPTH} levels")
    return value


def unprocessable(operation: str, failure: Exception) -> tuple[str, list[tuple[str, str]], bytes]:
    """The answer to an ECR call moto failed on (status, headers, body): 400
    InvalidParameterException naming what moto raised. moto leaves parameters unchecked that the
    real service checks (a member it needs, a document it parses), and a 4xx tells the client not
    to retry what would fail again."""
    reason = f"{type(failure).__name__}: {failure}"[:300]
    refusal = Refused(
        "400 Bad Request",
        "InvalidParameterException",
        f"The local ECR backend cannot process these {operation} parameters ({reason})",
    )
    answered: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(refusal.answer(lambda status, headers: answered.append((status, headers))))
    status, headers = answered[0]
    return status, headers, body


def busy(at_once: int) -> Refused:
    return Refused(
        "503 Service Unavailable",
        "ServiceUnavailableException",
        f"The local ECR backend is handling {at_once} large requests; retry",
    )


def signed_service(environ: dict[str, Any]) -> str | None:
    """The service a SigV4 Authorization header was signed for."""
    credential = CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", "")))
    return credential.group(3).lower() if credential else None


def hand_to_moto(environ: dict[str, Any], parameters: Any) -> Any:
    """Hand moto the parameters of an ECR request, parsed once (by `ecr_call`), instead of its
    body, which moto would otherwise read, decode and parse again for every parameter. Returns
    the parameters as the trail keeps them: less a part's blob."""
    environ[moto_bridge.PARAMETERS] = parameters
    replace_body(environ, b"")
    if isinstance(parameters, dict):  # a copy: the trail's is not the one moto's handlers read
        return {name: value for name, value in parameters.items() if name != "layerPartBlob"}
    return parameters


def replace_body(environ: dict[str, Any], body: bytes) -> None:
    """The body, read already, as what moto reads: a plain stream of known length."""
    environ["wsgi.input"] = ReadOnce(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)


class ReadOnce(io.RawIOBase):
    """A body already read, as a stream that lets go of it once it has been read to the end
    (moto's request object can outlive the call in a reference cycle)."""

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data
        self._at = 0

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._data = None
        super().close()

    def readinto(self, buffer: Any) -> int:
        data = self._data
        if data is None:
            return 0
        size = min(len(buffer), len(data) - self._at)
        buffer[:size] = data[self._at : self._at + size]
        self._at += size
        if self._at >= len(data):
            self._data = None
        return size


def _serialization(message: str) -> Refused:
    return Refused("400 Bad Request", "SerializationException", message)


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
