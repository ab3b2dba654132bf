"""A fault-injecting HTTP proxy between an ECR client and the local backend, for tests.

The proxy listens on 127.0.0.1 only and forwards each POST to the backend with http.client. A test
scripts what happens to a request by its operation (the X-Amz-Target header) and its count:

    proxy.plan("UploadLayerPart", nth=2, fault="reset_after")

makes the second UploadLayerPart request reach the backend, and its answer never reach the
client. Faults:

    reset_before  drop the client's connection without forwarding: the backend never sees it
    reset_after   forward, read the backend's answer, drop the client's connection: a lost answer
    http500       answer 500 ServerException without forwarding
    http429       answer 429 ThrottlingException without forwarding
    limit         answer 400 LimitExceededException without forwarding
    slow          wait `seconds`, then forward (with a shorter client read timeout: a timeout,
                  while the backend may still apply the request afterwards)
    hold          block before forwarding until released (then forward) or the proxy stops
    hold_after    forward, then block before answering until released or the proxy stops

Every plan entry is a `Fault` whose `reached` event is set when the request gets there; for
`hold_after`, once the backend has answered. Everything is bounded: a hold gives up after
`MAX_HOLD` seconds, and `stop()` drops every held request and closes every connection.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import cast
from urllib.parse import urlsplit

FAULTS = frozenset(
    {"reset_before", "reset_after", "http500", "http429", "limit", "slow", "hold", "hold_after"}
)

# fault -> (HTTP status, error code, message) for the faults answered by the proxy itself
ANSWERS: dict[str, tuple[int, str, str]] = {
    "http500": (500, "ServerException", "injected"),
    "http429": (429, "ThrottlingException", "Rate exceeded"),
    "limit": (400, "LimitExceededException", "injected"),
}

MAX_HOLD = 120.0  # seconds a held request waits at most

_NOT_FORWARDED_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
        "server",
        "date",
    }
)


@dataclass(eq=False)
class Fault:
    """One scripted fault: what happens to the `nth` request of `operation`."""

    operation: str
    nth: int
    kind: str
    seconds: float = 0.0
    reached: threading.Event = field(default_factory=threading.Event)
    _released: threading.Event = field(default_factory=threading.Event)
    _dropped: bool = False

    def wait_reached(self, timeout: float = 60.0) -> None:
        """Block until a request got to this fault; fail the test if none does in time."""
        if not self.reached.wait(timeout):
            raise AssertionError(f"no request reached {self} within {timeout} s")

    def release(self) -> None:
        """Let a held request go on (hold: forward it; hold_after: answer it)."""
        self._released.set()

    def _drop(self) -> None:
        self._dropped = True
        self._released.set()

    def _wait(self) -> bool:
        """For holds: True when released, False when dropped or held too long."""
        return self._released.wait(MAX_HOLD) and not self._dropped

    def __str__(self) -> str:
        return f"{self.kind} on {self.operation} #{self.nth}"


@dataclass(frozen=True)
class Seen:
    """One request the proxy handled."""

    operation: str
    nth: int
    fault: str | None
    forwarded: bool  # the backend received it
    status: int | None  # the backend's answer, when forwarded


class FaultProxy:
    """The proxy; a context manager that starts and stops it."""

    def __init__(self, backend_url: str) -> None:
        parts = urlsplit(backend_url)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"the backend URL needs a host and a port: {backend_url}")
        self.backend_host: str = parts.hostname
        self.backend_port: int = parts.port
        self._lock = threading.Lock()
        self._plans: dict[tuple[str, int], Fault] = {}
        self._counts: dict[str, int] = {}
        self._log: list[Seen] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fault-proxy", daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting -----------------------------------------------------------------------------

    def plan(self, operation: str, nth: int, fault: str, seconds: float = 0.0) -> Fault:
        """Apply `fault` to the `nth` (1-based) request of `operation` from now on."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; choose from {sorted(FAULTS)}")
        if nth < 1:
            raise ValueError("nth counts from 1")
        entry = Fault(operation, nth, fault, seconds)
        with self._lock:
            self._plans[(operation, nth)] = entry
        return entry

    def reset(self) -> None:
        """Forget the plan, the counts and the log (held requests are dropped)."""
        with self._lock:
            plans, self._plans = list(self._plans.values()), {}
            self._counts.clear()
            self._log.clear()
        for entry in plans:
            entry._drop()

    def count(self, operation: str) -> int:
        """How many requests of `operation` arrived so far."""
        with self._lock:
            return self._counts.get(operation, 0)

    @property
    def log(self) -> list[Seen]:
        with self._lock:
            return list(self._log)

    # -- lifetime ------------------------------------------------------------------------------

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            plans = list(self._plans.values())
            connections = list(self._connections)
        for entry in plans:
            entry._drop()
        if self._thread.is_alive():
            self._server.shutdown()
        self._server.server_close()
        for connection in connections:
            _abort(connection)
        self._thread.join(timeout=10)

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- used by the handler -------------------------------------------------------------------

    def _arrived(self, operation: str) -> tuple[int, Fault | None]:
        with self._lock:
            nth = self._counts.get(operation, 0) + 1
            self._counts[operation] = nth
            return nth, self._plans.get((operation, nth))

    def _seen(self, seen: Seen) -> None:
        with self._lock:
            self._log.append(seen)

    def _forward(
        self, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self.backend_host, self.backend_port, timeout=60)
        try:
            sent = {n: v for n, v in headers if n.lower() not in _NOT_FORWARDED_HEADERS}
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            payload = response.read()
            return response.status, response.getheaders(), payload
        finally:
            connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, proxy: FaultProxy) -> None:
        self.proxy = proxy
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 60  # an idle keep-alive connection is closed after this

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK stall every answer by tens of milliseconds.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._proxy._lock:
            self._proxy._connections.add(self.connection)

    def finish(self) -> None:
        with self._proxy._lock:
            self._proxy._connections.discard(self.connection)
        with contextlib.suppress(OSError):  # the client may be gone
            super().finish()

    @property
    def _proxy(self) -> FaultProxy:
        return cast(_Server, self.server).proxy

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def _handle(self) -> None:
        proxy = self._proxy
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2] or self.command
        nth, fault = proxy._arrived(operation)
        kind = fault.kind if fault else None
        forwarded, status, logged = False, None, False
        try:
            if proxy._stopping.is_set():
                self._reset()
                return
            if fault is not None and kind in ANSWERS:
                fault.reached.set()
                self._answer_error(*ANSWERS[fault.kind], f"injected-{operation}-{nth}")
                return
            if fault is not None and kind == "reset_before":
                fault.reached.set()
                self._reset()
                return
            if fault is not None and kind == "slow":
                fault.reached.set()
                if proxy._stopping.wait(fault.seconds):
                    self._reset()
                    return
            if fault is not None and kind == "hold":
                fault.reached.set()
                if not fault._wait():
                    self._reset()
                    return
            try:
                status, headers, payload = proxy._forward(
                    self.command, self.path, list(self.headers.items()), body
                )
            except OSError as error:
                self._answer_error(502, "ProxyError", f"backend unreachable: {error}", "proxy")
                return
            forwarded = True
            if fault is not None and kind == "reset_after":
                fault.reached.set()
                self._reset()
                return
            if fault is not None and kind == "hold_after":
                fault.reached.set()
                if not fault._wait():
                    self._reset()
                    return
            # Logged before the answer goes out, so a client that has its answer finds it logged.
            proxy._seen(Seen(operation, nth, kind, forwarded, status))
            logged = True
            self._reply(status, headers, payload)
        finally:
            if not logged:
                proxy._seen(Seen(operation, nth, kind, forwarded, status))

    def _reply(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in _NOT_FORWARDED_HEADERS:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
        except OSError:  # the client has gone (killed, timed out)
            self.close_connection = True

    def _answer_error(self, status: int, code: str, message: str, request_id: str) -> None:
        payload = json.dumps({"__type": code, "message": message}).encode()
        headers = [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-RequestId", request_id),
        ]
        self._reply(status, headers, payload)

    def _reset(self) -> None:
        """Close the client's connection at once, without an answer."""
        self.close_connection = True
        _abort(self.connection)


def _abort(connection: socket.socket) -> None:
    try:
        # SO_LINGER 0: the close that follows sends a reset instead of a graceful close.
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
