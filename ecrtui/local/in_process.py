"""Requests to a running `LocalEcr` made without a socket: for the demo seed, which sends ~100
calls and ~80 MB of layers, and pays for neither a connection nor botocore per call.

Each request is a WSGI environ built as botocore (for the ECR API) or docker (for the registry
face) would send it over HTTP, handed to the backend's own WSGI application. It takes the same
path as a request from the network: the body checks, moto, the layer rules, and the CloudTrail,
where it is recorded with this caller's user agent, access key id and 127.0.0.1 as its source.
UploadLayerPart is the one exception: its bytes go straight to the layer rules (`take_part`,
`LocalEcr._take_layer_part`), and the call is recorded in the CloudTrail the same way.
"""

from __future__ import annotations

import base64
import io
import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

from ecrtui.local.api_requests import ECR_TARGET_PREFIX

Headers = list[tuple[str, str]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
TakePart = Callable[..., dict[str, Any]]


class InProcessError(Exception):
    """An error answer: the HTTP status, and the error code and message of the body."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code} ({status}): {message}")
        self.status, self.code, self.message = status, code, message


class InProcessClient:
    """Calls to the ECR API and the registry face of the backend serving `app` at `host`."""

    def __init__(
        self,
        app: WsgiApp,
        host: str,
        *,
        user_agent: str,
        access_key_id: str,
        region: str,
        take_part: TakePart | None = None,
    ) -> None:
        self.app = app
        self.take_part = take_part
        self.host = host  # "127.0.0.1:PORT", as the Host header says
        self.user_agent = user_agent
        self.access_key_id = access_key_id
        self.region = region

    def call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """One ECR API call (json 1.1, blobs in base64 as botocore sends them); its answer, or
        InProcessError."""
        if operation == "UploadLayerPart" and self.take_part is not None:
            members = {name: value for name, value in params.items() if name != "layerPartBlob"}
            return self.take_part(
                members,
                params["layerPartBlob"],  # bytes or a memoryview, as they are
                user_agent=self.user_agent,
                access_key_id=self.access_key_id,
                region=self.region,
            )
        body = _json_body(params)
        credential = f"{self.access_key_id}/20000101/{self.region}/ecr/aws4_request"
        headers = {
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": ECR_TARGET_PREFIX + operation,
            "Authorization": f"AWS4-HMAC-SHA256 Credential={credential}, "
            "SignedHeaders=host;x-amz-target, Signature=0",
        }
        status, _, answer = self.request("POST", "/", body, headers)
        document = json.loads(answer) if answer else {}
        if status >= 400:
            code = str(document.get("__type", "InternalFailure")).rsplit("#", 1)[-1]
            raise InProcessError(status, code, str(document.get("message", "")))
        return dict(document)

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Headers, bytes]:
        """One HTTP request (a path with its query, or a URL on this backend): the status, the
        headers and the body of the answer."""
        path = path.removeprefix(f"http://{self.host}")
        path, _, query = path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": method,
            "SCRIPT_NAME": "",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": self.host.rsplit(":", 1)[0],
            "SERVER_PORT": self.host.rsplit(":", 1)[-1],
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_HOST": self.host,
            "HTTP_USER_AGENT": self.user_agent,
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
        started: list[tuple[str, Headers]] = []

        def start_response(status: str, given: Headers, exc_info: Any = None) -> Any:
            started.append((status, given))
            return None

        result = self.app(environ, start_response)
        try:
            answer = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, given = started[-1]
        return int(status.split(" ", 1)[0]), given, answer


def header(headers: Headers, name: str) -> str:
    return next((value for key, value in headers if key.lower() == name.lower()), "")


def _json_body(params: dict[str, Any]) -> bytes:
    """The request body; a blob member is spliced in as base64 text, which needs no escaping,
    rather than passed through the JSON encoder (a part of 10 MiB would take it ~0.1 s)."""
    blobs = {name: value for name, value in params.items() if isinstance(value, bytes | memoryview)}
    text = json.dumps({name: value for name, value in params.items() if name not in blobs})
    if not blobs:
        return text.encode()
    members = [text[1:-1].encode()] if len(text) > 2 else []
    members += [
        f'"{name}": "'.encode() + base64.b64encode(blob) + b'"' for name, blob in blobs.items()
    ]
    return b"{" + b", ".join(members) + b"}"
