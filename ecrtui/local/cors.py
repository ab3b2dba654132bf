"""Browsers and the local backend: cross-origin requests are refused unless one origin is allowed.

A backend that answered every request with `Access-Control-Allow-Origin: *` and reflected any
preflight (as moto's own server does) would let a page on any site drive it from a visitor's
browser (create repositories, push images). Here no response carries CORS headers from what
answers it, and a request with an
Origin header is refused with 403 unless that origin is `BackendSettings.cors_origin`
(`ecrtui local-ecr --cors ORIGIN`): the aws CLI, boto3 and registry clients send no Origin, a
browser always does on a cross-origin request. The one allowed origin gets CORS headers naming it,
and its preflights are answered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]
App = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
# What a page may read of an answer: ECR's request id and error type, the registry's headers.
EXPOSED_HEADERS = (
    "x-amzn-RequestId, x-amzn-ErrorType, Docker-Content-Digest, Docker-Distribution-Api-Version, "
    "Location, Range, Www-Authenticate"
)
PREFLIGHT_MAX_AGE = "600"


def with_cors(app: App, allowed_origin: Callable[[], str | None]) -> App:
    """`app` behind the policy of the module; `allowed_origin` is read for every request."""

    def gate(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        origin = environ.get("HTTP_ORIGIN")
        allowed = allowed_origin()
        if origin is not None and origin != allowed:
            return _refused(start_response)
        if origin is not None and _is_preflight(environ):
            return _preflight(start_response, str(origin), environ)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if not _is_cors_header(name)]
            if origin is not None:
                kept += [
                    ("Access-Control-Allow-Origin", str(origin)),
                    ("Access-Control-Expose-Headers", EXPOSED_HEADERS),
                    ("Vary", "Origin"),
                ]
            return start_response(status, kept, exc_info)

        return app(environ, start)

    return gate


def _is_cors_header(name: str) -> bool:
    return name.lower().startswith("access-control-")


def _is_preflight(environ: dict[str, Any]) -> bool:
    return (
        environ.get("REQUEST_METHOD") == "OPTIONS"
        and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
    )


def _preflight(start_response: StartResponse, origin: str, environ: dict[str, Any]) -> list[bytes]:
    headers = [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Methods", ALLOWED_METHODS),
        ("Access-Control-Max-Age", PREFLIGHT_MAX_AGE),
        ("Vary", "Origin"),
        ("Content-Length", "0"),
    ]
    asked = str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")).strip()
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    start_response("204 No Content", headers)
    return []


def _refused(start_response: StartResponse) -> list[bytes]:
    body = (
        b"Cross-origin request refused: the local ECR backend answers a browser only from the "
        b"origin given with --cors ORIGIN.\n"
    )
    start_response(
        "403 Forbidden",
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]
