"""The local ECR-compatible endpoint: moto's server with ecrtui's layer rules, on loopback.

    with LocalEcr() as ecr:
        client = boto3.client("ecr", endpoint_url=ecr.endpoint_url, ...)

Besides the ECR (and STS) API, the server answers plain GETs on the layer-download URLs that
GetDownloadUrlForLayer hands out, as S3 does for the real service.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from werkzeug.serving import BaseWSGIServer, make_server

from ecrtui.local import moto_bridge, scratch
from ecrtui.local.rules import BackendSettings, LayerRules, LayerStore, read_chunks

if TYPE_CHECKING:
    from ecrtui.local.seed import DemoRegistry

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class NotLoopbackError(ValueError):
    """The backend was asked to listen on an address other machines can reach."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
    ) -> None:
        check_host(host, allow_remote)
        self.host = host
        self.port = port
        self.settings = settings or BackendSettings()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._store: LayerStore | None = None
        self._rules: LayerRules | None = None
        self._moto_app: Any = None

    @property
    def endpoint_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the local ECR backend is not running")
        host, port = self._server.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else str(host)
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}"

    @property
    def store_root(self) -> Path:
        if self._store is None:
            raise RuntimeError("the local ECR backend is not running")
        return self._store.root

    def start(self) -> LocalEcr:
        with LocalEcr._running_lock:
            if LocalEcr._running is not None:
                raise RuntimeError("a local ECR backend is already running in this process")
            LocalEcr._running = self
        try:
            logging.getLogger("werkzeug").setLevel(logging.ERROR)
            scratch.sweep_stale()  # what a killed backend or demo could not remove
            self._store = LayerStore()
            self._rules = LayerRules(self._store, self.settings)
            moto_bridge.install(self._rules, secrets.token_bytes(32))
            moto_bridge.reset_state()
            self._moto_app, handler = moto_bridge.moto_wsgi_app()
            host = "127.0.0.1" if self.host == "localhost" else self.host
            self._server = make_server(
                host, self.port, self._wsgi, threaded=True, request_handler=handler
            )
            self._thread = threading.Thread(
                target=self._server.serve_forever, name="local-ecr", daemon=True
            )
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        if self._store is not None:
            self._store.close()
            moto_bridge.reset_state()
        self._server = self._thread = self._store = None
        with LocalEcr._running_lock:
            if LocalEcr._running is self:
                LocalEcr._running = None

    def seed_demo(self, files_dir: Path | None = None) -> DemoRegistry:
        """Fill this backend with the demo registry (see `ecrtui.local.seed`)."""
        from ecrtui.local.seed import seed_demo

        return seed_demo(self.endpoint_url, files_dir)

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
        if environ.get("REQUEST_METHOD") == "GET" and path.startswith(moto_bridge.DOWNLOAD_PREFIX):
            return self._download(path, environ.get("QUERY_STRING", ""), start_response)
        result: Iterable[bytes] = self._moto_app(environ, start_response)
        return result

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
