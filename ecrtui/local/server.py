"""The local ECR-compatible endpoint: moto's handlers with ecrtui's layer rules, on loopback.

    with LocalEcr() as ecr:
        client = boto3.client("ecr", endpoint_url=ecr.endpoint_url, ...)

Besides the ECR (and STS) API, the server answers plain GETs on the layer-download URLs that
GetDownloadUrlForLayer hands out, as S3 does for the real service, and keeps a CloudTrail: every
ECR call is recorded in `LocalEcr.trail` after moto answers it, and `cloudtrail:LookupEvents` is
answered from there (`ecrtui.local.cloudtrail`). The registry face records its requests with
`trail.record(..., proxy=True)`, as the calls ECR's registry proxy makes.

No one request can take the backend down: an API request is checked before moto sees it (its
body read with a bound, its JSON and operation checked: `ecrtui.local.api_requests`), bodies held
in memory pass a few at a time (`ecrtui.local.bodies`), connections are capped and time out
(`ecrtui.local.connections`), and browsers are kept out (`ecrtui.local.cors`).
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ecrtui.local import api_requests, bodies, moto_bridge, scratch
from ecrtui.local.addresses import is_loopback
from ecrtui.local.cloudtrail import DEFAULT_REGION, LookupEventsError, Trail, is_read_only
from ecrtui.local.connections import BoundedWSGIServer, QuietRequestHandler
from ecrtui.local.cors import with_cors
from ecrtui.local.registry import DroppedConnection, RegistryFace
from ecrtui.local.rules import BackendSettings, LayerRules, LayerStore, read_chunks

if TYPE_CHECKING:
    from ecrtui.local.in_process import InProcessClient
    from ecrtui.local.seed import DemoRegistry, SourceFiles

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
Headers = list[tuple[str, str]]

_log = logging.getLogger(__name__)

LOOKUP_EVENTS_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents"


class NotLoopbackError(ValueError):
    """The backend was asked to listen on an address other machines can reach."""


def check_host(host: str, allow_remote: bool = False) -> None:
    if not allow_remote and not is_loopback(host):
        raise NotLoopbackError(
            f"refusing to listen on {host}: the local ECR backend has no authentication, so it "
            "binds to loopback addresses only (127.0.0.1, ::1, localhost); pass --allow-remote "
            "to listen on another address anyway"
        )


class LocalEcr:
    """An ECR-compatible endpoint served from a thread of this process.

    moto keeps its state per process, so one LocalEcr runs at a time; each starts with an empty
    registry, and stopping it removes every spilled upload and stored layer.
    """

    _running_lock = threading.Lock()
    _running: LocalEcr | None = None

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: BackendSettings | None = None,
        allow_remote: bool = False,
        listen_fd: int | None = None,
    ) -> None:
        """listen_fd: a socket already bound to a loopback address and listening, to serve on
        instead of binding one (`ecrtui.local.demo_backend`: the console knows the port early)."""
        check_host(host, allow_remote)
        self.host = host
        self.port = port
        self.listen_fd = listen_fd
        self.settings = settings or BackendSettings()
        self._server: BoundedWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._store: LayerStore | None = None
        self._rules: LayerRules | None = None
        self._registry: RegistryFace | None = None
        self._moto_ecr: Any = None
        self._moto_sts: Any = None
        self._large_bodies = bodies.LargeBodies()
        self._released = threading.Event()  # see `hold`
        self._released.set()
        self._api_released = threading.Event()
        self._api_released.set()
        self.trail: Trail | None = None  # made by start(), with the settings

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local ECR backend is not running")
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def current_settings(self) -> BackendSettings:
        """The settings in force: those of the running rules (which tests may swap), else these."""
        return self._rules.settings if self._rules is not None else self.settings

    @property
    def connections(self) -> int:
        """Connections being served now."""
        return self._server.connections if self._server is not None else 0

    @property
    def store_root(self) -> Path:
        if self._store is None:
            raise RuntimeError("the local ECR backend is not running")
        return self._store.root

    def start(self, serving: bool = True) -> LocalEcr:
        """Start the backend; with `serving` False, connections wait (in the socket's backlog)
        until `serve` is called, and only in-process clients are answered meanwhile."""
        with LocalEcr._running_lock:
            if LocalEcr._running is not None:
                raise RuntimeError("a local ECR backend is already running in this process")
            LocalEcr._running = self
        try:
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            scratch.sweep_stale()  # what a killed backend or demo could not remove
            self._store = LayerStore()
            self._rules = LayerRules(self._store, self.settings)
            self.trail = Trail(self.settings)
            self._registry = RegistryFace(
                self._rules, record=self._record_proxy_call, large_bodies=self._large_bodies
            )
            moto_bridge.install(self._rules, secrets.token_bytes(32))
            moto_bridge.reset_state()
            self._moto_ecr, self._moto_sts = (
                moto_bridge.moto_app("ecr"),
                moto_bridge.moto_app("sts"),
            )
            host = "127.0.0.1" if self.host == "localhost" else self.host
            app = with_cors(self._held(self._wsgi), lambda: self.current_settings.cors_origin)
            self._server = BoundedWSGIServer(
                host,
                self.port,
                app,
                QuietRequestHandler,
                lambda: self.current_settings,
                fd=self.listen_fd,
            )
            if self.listen_fd is not None:  # it was bound elsewhere: loopback only all the same
                check_host(str(self._server.server_address[0]))
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="local-ecr", daemon=True
            )
            if serving:
                self._thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def serve(self) -> None:
        """Answer connections (after `start(serving=False)`)."""
        if self._thread is not None and not self._thread.is_alive():
            self._thread.start()

    def hold(self) -> None:
        """Until `release`, requests over HTTP wait, but for STS's GetCallerIdentity (which
        depends on nothing held); in-process clients go on. The demo backend serves its console's
        first call this way while it seeds, and its ECR calls once `release_api` says the
        registry is whole but for the uploads a registry client leaves (which only CloudTrail and
        the registry face show)."""
        self._api_released.clear()
        self._released.clear()

    def release_api(self) -> None:
        """ECR API reads go on; calls that change something (their order makes the upload ids
        and the CloudTrail), CloudTrail's and the registry face's wait for `release`."""
        self._api_released.set()

    def release(self) -> None:
        self._api_released.set()
        self._released.set()

    def _held(self, app: WsgiApp) -> WsgiApp:
        def held(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            if not self._released.is_set():
                target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
                path = str(environ.get("PATH_INFO", ""))
                if path.startswith(("/v2", moto_bridge.DOWNLOAD_PREFIX)):
                    self._released.wait()
                elif target.startswith(api_requests.ECR_TARGET_PREFIX) and is_read_only(
                    target.removeprefix(api_requests.ECR_TARGET_PREFIX)
                ):
                    self._api_released.wait()  # what ECR holds is whole: reads go on
                elif api_requests.signed_service(environ) != "sts":
                    self._released.wait()  # LookupEvents, and anything else
            return app(environ, start_response)

        return held

    def stop(self) -> None:
        self.release()  # nothing waits on a backend that stops
        served = self._thread is not None and self._thread.ident is not None
        if self._server is not None:
            if served:
                self._server.shutdown()
            self._server.server_close()
        if self._thread is not None and served:
            self._thread.join()
        if self._store is not None:
            self._store.close()
            moto_bridge.reset_state()
        self._server = self._thread = self._store = None
        with LocalEcr._running_lock:
            if LocalEcr._running is self:
                LocalEcr._running = None

    def _record_proxy_call(self, *args: Any, **kwargs: Any) -> None:
        """A registry request, as the API call ECR's proxy makes for it, in the CloudTrail."""
        trail = getattr(self, "trail", None)
        if trail is not None:
            trail.record(*args, **kwargs)

    def seed_demo(
        self,
        files_dir: Path | None = None,
        sources: SourceFiles | None = None,
        uploads_left: Callable[[DemoRegistry], None] | None = None,
    ) -> DemoRegistry:
        """Fill this backend with the demo registry (see `ecrtui.local.seed`)."""
        from ecrtui.local.seed import seed_demo

        return seed_demo(self, files_dir, sources, uploads_left)

    def in_process_client(
        self, user_agent: str, access_key_id: str, region: str = DEFAULT_REGION
    ) -> InProcessClient:
        """A client whose requests take the path of an HTTP request to this backend, without
        the socket (`ecrtui.local.in_process`)."""
        from ecrtui.local.in_process import InProcessClient

        host = self.endpoint_url.removeprefix("http://")
        app = with_cors(self._wsgi, lambda: self.current_settings.cors_origin)
        return InProcessClient(
            app,
            host,
            user_agent=user_agent,
            access_key_id=access_key_id,
            region=region,
            take_part=self._take_layer_part,
        )

    def _take_layer_part(
        self,
        params: dict[str, Any],
        blob: bytes | memoryview,
        *,
        user_agent: str,
        access_key_id: str,
        region: str,
    ) -> dict[str, Any]:
        """UploadLayerPart from an in-process client: the bytes go to the layer rules as they
        are, without the ~2 base64 and ~3 JSON passes of a request body (half the demo seed's
        time), and the call is kept in the CloudTrail as `_recorded_call` keeps it."""
        if self._rules is None or self.trail is None:
            raise RuntimeError("the local ECR backend is not running")
        repository = moto_bridge.find_repository(str(params["repositoryName"]))
        if repository is None:
            raise RuntimeError(f"no repository {params['repositoryName']!r} to seed")
        answer = self._rules.upload_part(
            repository,
            str(params["uploadId"]),
            int(params["partFirstByte"]),
            int(params["partLastByte"]),
            blob,
        )
        self.trail.record(
            "UploadLayerPart",
            dict(params),
            answer,
            user_agent=user_agent,
            source_ip="127.0.0.1",
            read_only=is_read_only("UploadLayerPart"),
            region=region,
            access_key_id=access_key_id,
        )
        return answer

    def __enter__(self) -> LocalEcr:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _wsgi(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/v2" or path.startswith("/v2/"):
            return self._registry_request(environ, start_response)
        if environ.get("REQUEST_METHOD") == "GET" and path.startswith(moto_bridge.DOWNLOAD_PREFIX):
            return self._download(path, environ.get("QUERY_STRING", ""), start_response)
        try:
            with self._large_bodies.admitted(environ, self.current_settings.request_timeout) as go:
                if not go:
                    raise api_requests.busy(bodies.LARGE_AT_ONCE)
                return self._api_request(environ, start_response)
        except api_requests.Refused as refusal:
            return refusal.answer(start_response)

    def _api_request(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """A request for moto (the ECR and STS APIs) or LookupEvents, its body read first (see
        `ecrtui.local.api_requests`). moto is handed the parameters parsed once, not the body."""
        body = api_requests.read_body(environ)
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        if self.trail is not None and target == LOOKUP_EVENTS_TARGET:
            return _lookup_events(self.trail, body, start_response)
        if not api_requests.is_ecr_request(environ, target):
            api_requests.check_sts_request(environ, body)
            api_requests.replace_body(environ, body)
            del body
            result: Iterable[bytes] = self._moto_sts(environ, start_response)
            return result
        operation, parameters = api_requests.ecr_call(target, body)
        del body
        parameters = api_requests.hand_to_moto(environ, parameters)  # less a part's blob
        return self._recorded_call(operation, parameters, environ, start_response)

    def _registry_request(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        """The registry face (`ecrtui.local.registry`); a dropped connection gets no answer."""
        if self._registry is None:
            return _plain(start_response, "503 Service Unavailable", "not running")
        try:
            return self._registry(environ, start_response)
        except DroppedConnection:
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            return []

    def _recorded_call(
        self,
        operation: str,
        parameters: Any,
        environ: dict[str, Any],
        start_response: StartResponse,
    ) -> list[bytes]:
        """An ECR call answered by moto, then kept in the trail before the answer leaves.

        Where moto fails (on parameters its handlers do not check), the call is answered
        InvalidParameterException rather than moto's HTML 500 (see `api_requests.unprocessable`).
        The trail keeps the parameters less a part's blob, and the ~14 MB of an UploadLayerPart
        body go when this call returns."""
        if not isinstance(parameters, dict):
            parameters = None
        given = environ["wsgi.input"]
        try:
            status, headers, answer = _run_to_end(self._moto_ecr, environ)
        except Exception as failure:  # moto fails on parameters it does not check itself
            _log.debug("moto failed on %s", operation, exc_info=True)
            status, headers, answer = api_requests.unprocessable(operation, failure)
        finally:
            given.close()  # moto's request object can outlive the call in a reference cycle
        response = _json_object(answer)
        error_code = error_message = None
        if int(status.split(" ", 1)[0]) >= 400:
            error_code, error_message = _error_of(response, headers)
        credential = api_requests.CREDENTIAL.search(str(environ.get("HTTP_AUTHORIZATION", "")))
        access_key_id, region = credential.groups()[:2] if credential else ("", DEFAULT_REGION)
        if self.trail is not None:
            self.trail.record(
                operation,
                parameters,
                None if error_code else response,
                error_code,
                error_message,
                user_agent=str(environ.get("HTTP_USER_AGENT", "")),
                source_ip=str(environ.get("REMOTE_ADDR", "")),
                read_only=is_read_only(operation),
                region=region,
                access_key_id=access_key_id,
                request_id=_header(headers, "x-amzn-RequestId"),
            )
        start_response(status, headers)
        return [answer]

    def _download(self, path: str, query: str, start_response: StartResponse) -> Iterable[bytes]:
        """Serve a layer's bytes to the holder of a URL from GetDownloadUrlForLayer."""
        params = {name: values[0] for name, values in parse_qs(query).items()}
        signed_at, lifetime = (
            int(value) if value.isdigit() else 0
            for value in (params.get("X-Amz-Date", ""), params.get("X-Amz-Expires", ""))
        )
        expected = moto_bridge.sign_download(path, signed_at, lifetime)
        signature = params.get("X-Amz-Signature", "")
        if not hmac.compare_digest(signature, expected) or signed_at + lifetime < time.time():
            return _plain(start_response, "403 Forbidden", "Request has expired or is not signed")
        digest = path.rsplit("/", 1)[-1]
        layer = self._rules.stored_layer(digest) if self._rules else None
        if layer is None:
            return _plain(start_response, "404 Not Found", "The specified key does not exist")
        start_response(
            "200 OK",
            [
                ("Content-Type", "application/octet-stream"),
                ("Content-Length", str(layer.stat().st_size)),
            ],
        )
        return read_chunks(layer)


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


# -- the CloudTrail face ---------------------------------------------------------------------------


def _lookup_events(trail: Trail, body: bytes, start_response: StartResponse) -> list[bytes]:
    """cloudtrail:LookupEvents, answered from the trail in the json 1.1 protocol."""
    try:
        request = api_requests.parse_body(body)
    except api_requests.Refused:
        request = None
    try:
        if not isinstance(request, dict):
            raise LookupEventsError("SerializationException", "The body is not a JSON object")
        status, answer = "200 OK", trail.lookup(request)
    except LookupEventsError as error:
        status, answer = "400 Bad Request", {"__type": error.code, "message": error.message}
    body = json.dumps(answer).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", str(len(body))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ],
    )
    return [body]


def _run_to_end(app: Any, environ: dict[str, Any]) -> tuple[str, Headers, bytes]:
    """Call a WSGI app and collect its status, headers and whole body (ECR answers are small)."""
    started: list[tuple[str, Headers]] = []
    chunks: list[bytes] = []

    def start_response(
        status: str, headers: Headers, exc_info: Any = None
    ) -> Callable[[bytes], None]:
        started.append((status, headers))
        return chunks.append

    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started[-1]
    return status, headers, b"".join(chunks)


def _json_object(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data) if data else None
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def _header(headers: Headers, name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name.lower()), None)


def _error_of(answer: dict[str, Any] | None, headers: Headers) -> tuple[str, str]:
    """An error answer's code (`__type` less any namespace) and message."""
    answer = answer or {}
    code = str(answer.get("__type") or _header(headers, "x-amzn-ErrorType") or "InternalFailure")
    message = answer.get("message") or answer.get("Message") or ""
    return code.rsplit("#", 1)[-1].split(":", 1)[0], str(message)
