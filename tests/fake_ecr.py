"""A tiny fake ECR endpoint on 127.0.0.1, for answers the local backend would never give.

The local ECR backend checks names and tags as ECR does, so it can never serve a repository named
`team/[/]api` or an image tag holding an escape sequence. `FakeEcr` answers whatever a test tells
it to, over real HTTP, so the CLI and the console read it through boto3 exactly as they read ECR:

    tags = {"imageDetails": [{"imageTags": ["\\x1b]0;pwned\\x07"]}]}
    with FakeEcr({"DescribeImages": tags}) as fake:
        ecrtui_bytes("describe-images", "--repository-name", "team/api",
                     "--endpoint-url", fake.endpoint_url)
        assert fake.requests[0] == FakeRequest("DescribeImages", {"repositoryName": "team/api"})

It speaks two protocols on one port, as an `--endpoint-url` target must for the console:

- ECR's JSON protocol: POST with `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>`
  and a JSON body; the answer is JSON (`application/x-amz-json-1.1`).
- STS's query protocol, for `GetCallerIdentity` only: a form body `Action=GetCallerIdentity`; the
  answer is XML holding Account, Arn and UserId (`text/xml`).

An answer is a dict (the response, sent with HTTP 200), a `FakeError` (or any tuple
`(http_status, code, message, extra_fields)`, sent as `{"__type": code, "message": message,
**extra_fields}` with an `x-amzn-requestid` header), or a callable that takes the request's JSON
body and returns one of those. Operations with no answer get `unknown` (by default `{}`);
GetCallerIdentity with no answer gets `IDENTITY`. STS answers are XML 1.0, which cannot carry
control characters: hostile text belongs in ECR answers.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import MappingProxyType
from typing import Any, NamedTuple
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

ECR_TARGET_PREFIX = "AmazonEC2ContainerRegistry_V20150921."
ACCOUNT = "123456789012"
IDENTITY: Mapping[str, str] = MappingProxyType(
    {"Account": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:user/fake-ecr", "UserId": "AIDAFAKEECR"}
)


class FakeError(NamedTuple):
    """An error answer: HTTP status, ECR error code, message, and extra fields ECR sends."""

    status: int
    code: str
    message: str
    fields: Mapping[str, Any] = MappingProxyType({})


Answer = Mapping[str, Any] | tuple[Any, ...]
AnswerOrMaker = Answer | Callable[[dict[str, Any]], Answer]


@dataclass(frozen=True)
class FakeRequest:
    """One request the fake received: the operation, and its JSON body (STS: the form fields)."""

    operation: str
    body: dict[str, Any]


class FakeEcr:
    """A threaded HTTP server on 127.0.0.1 (a free port) answering ECR and STS calls.

    `answers` maps an operation name to its answer and may be changed while the server runs;
    `requests` lists what was received, oldest first. Use it as a context manager, or call
    `start()` and `close()`."""

    def __init__(
        self,
        answers: Mapping[str, AnswerOrMaker] | None = None,
        unknown: Answer = MappingProxyType({}),
    ) -> None:
        self.answers: dict[str, AnswerOrMaker] = dict(answers or {})
        self.unknown = unknown
        self.requests: list[FakeRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def operations(self) -> list[str]:
        """The operations received, in order: what the client under test actually called."""
        with self._lock:
            return [request.operation for request in self.requests]

    def start(self) -> FakeEcr:
        self._thread.start()
        return self

    def close(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> FakeEcr:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def answer_for(self, request: FakeRequest) -> Answer:
        """The configured answer to `request` (a callable answer is called with the body)."""
        with self._lock:
            self.requests.append(request)
            answer = self.answers.get(request.operation)
        if answer is None:
            if request.operation == "GetCallerIdentity":
                return IDENTITY
            return self.unknown
        return answer(request.body) if callable(answer) else answer


def _handler_for(fake: FakeEcr) -> type[BaseHTTPRequestHandler]:
    class Handler(_FakeEcrHandler):
        owner = fake

    return Handler


class _FakeEcrHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    owner: FakeEcr
    request_id = ""

    def do_POST(self) -> None:
        self.request_id = str(uuid.uuid4())  # in the header, and in an STS answer's body
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        target = self.headers.get("X-Amz-Target", "")
        if target.startswith(ECR_TARGET_PREFIX):
            body = json.loads(raw or b"{}")
            request = FakeRequest(target[len(ECR_TARGET_PREFIX) :], body)
            self._send_json(self.owner.answer_for(request))
            return
        form = {key: values[-1] for key, values in parse_qs(raw.decode("utf-8")).items()}
        if form.get("Action") == "GetCallerIdentity":
            self._send_sts(self.owner.answer_for(FakeRequest("GetCallerIdentity", form)))
            return
        self._send(400, "text/plain", b"fake ECR: not an ECR or STS request\n")

    def _send_json(self, answer: Answer) -> None:
        if isinstance(answer, tuple):
            error = FakeError(*answer)
            document = {"__type": error.code, "message": error.message, **error.fields}
            self._send(error.status, "application/x-amz-json-1.1", json.dumps(document).encode())
        else:
            self._send(200, "application/x-amz-json-1.1", json.dumps(dict(answer)).encode())

    def _send_sts(self, answer: Answer) -> None:
        namespace = 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"'
        request_id = f"<RequestId>{self.request_id}</RequestId>"
        if isinstance(answer, tuple):
            error = FakeError(*answer)
            fields = f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
            xml = f"<ErrorResponse {namespace}><Error><Type>Sender</Type>{fields}</Error>"
            xml += f"{request_id}</ErrorResponse>"
            self._send(error.status, "text/xml", xml.encode())
            return
        fields = "".join(f"<{key}>{escape(str(value))}</{key}>" for key, value in answer.items())
        xml = (
            f"<GetCallerIdentityResponse {namespace}>"
            f"<GetCallerIdentityResult>{fields}</GetCallerIdentityResult>"
            f"<ResponseMetadata>{request_id}</ResponseMetadata></GetCallerIdentityResponse>"
        )
        self._send(200, "text/xml", xml.encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-requestid", self.request_id)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test reads `FakeEcr.requests`, not a log on stderr."""
