"""The local backend's HTTP server: werkzeug's threaded server, with a cap and timeouts.

werkzeug starts a thread for every connection and waits on a client for ever. Here:

- at most `max_connections` connections are served at once, a thread each; a connection beyond
  that waits its turn in a queue (up to 4 x `max_connections` connections, holding no thread)
  and is served by the next thread that finishes, so a burst of clients is served, not refused;
  one beyond the queue is answered 503 with Retry-After at once (by a short-lived thread of a
  small pool of its own, which reads what the client sent so the answer is not lost to a reset).
  A thread ends when no connection waits, so the count goes back down after a burst;
- every read from a client waits at most `request_timeout` seconds: a client that sends nothing,
  stops in the middle of its headers, or promises more body than it sends is dropped;
- a client dropped for its timeout is not logged.

What is left of a body the backend refused unread is drained by werkzeug after the answer, so the
client sees the answer rather than a reset: up to 10 MB a read, and only while the client keeps
sending.

The settings are read for every new connection, from a callable, so a running backend follows a
change of its settings.
"""

from __future__ import annotations

import collections
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from ecrtui.local.rules import BackendSettings

REFUSAL_THREADS = 8  # connections being answered 503 at once; more are closed outright
QUEUE_PER_THREAD = 4  # connections that may wait for a thread, per thread of the cap
REFUSAL_DRAIN_SECONDS = 1.0  # how long a refused client's request is read before the close
REFUSAL_DRAIN_BYTES = 1024 * 1024


class QuietRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, not logging the clients dropped for their timeout, and
    closing a connection whose client stalled rather than reading a next request from it."""

    def log_error(self, format: str, *args: Any) -> None:
        if not format.startswith("Request timed out"):
            super().log_error(format, *args)

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        """The client stalled or went: this connection reads nothing more."""
        self.close_connection = True


class BoundedWSGIServer(ThreadedWSGIServer):
    """A threaded WSGI server with at most `max_connections` handler threads (see the module)."""

    def __init__(
        self,
        host: str,
        port: int,
        app: Any,
        handler: type[WSGIRequestHandler],
        settings: Callable[[], BackendSettings],
        fd: int | None = None,  # a socket already listening, handed over by another process
    ) -> None:
        self._settings = settings
        self._lock = threading.Lock()
        self._serving = 0
        self._refusing = 0
        self._waiting: collections.deque[tuple[Any, Any]] = collections.deque()
        super().__init__(host, port, app, handler, fd=fd)

    @property
    def connections(self) -> int:
        """Connections being served now."""
        with self._lock:
            return self._serving

    def process_request(self, request: Any, client_address: Any) -> None:
        settings = self._settings()
        request.settimeout(settings.request_timeout)
        with self._lock:
            full = self._serving >= settings.max_connections
            if not full:
                self._serving += 1
            elif len(self._waiting) < QUEUE_PER_THREAD * settings.max_connections:
                self._waiting.append((request, client_address))  # the next free thread serves it
                return
        if full:
            self._refuse(request, settings.max_connections)
            return
        try:
            threading.Thread(
                target=self._serve,
                args=(request, client_address),
                name="local-ecr-request",
                daemon=True,
            ).start()
        except RuntimeError:  # no thread to be had (the process's own limit): let it go
            self._done_serving()
            self.shutdown_request(request)

    def _serve(self, request: Any, client_address: Any) -> None:
        """Serve this connection, then those waiting for a thread, then end."""
        try:
            while True:
                self.process_request_thread(request, client_address)
                with self._lock:  # the same lock as the count the accepting thread reads
                    if not self._waiting:
                        self._serving -= 1
                        return
                    request, client_address = self._waiting.popleft()
        except BaseException:
            self._done_serving()
            raise

    def _done_serving(self) -> None:
        with self._lock:
            self._serving -= 1

    def _refuse(self, request: Any, cap: int) -> None:
        with self._lock:
            spare = self._refusing < REFUSAL_THREADS
            if spare:
                self._refusing += 1
        if not spare:
            self.shutdown_request(request)
            return
        try:
            threading.Thread(
                target=self._answer_busy, args=(request, cap), name="local-ecr-busy", daemon=True
            ).start()
        except RuntimeError:
            self._done_refusing()
            self.shutdown_request(request)

    def _answer_busy(self, request: socket.socket, cap: int) -> None:
        try:
            _answer_busy(request, cap)
        finally:
            self.shutdown_request(request)
            self._done_refusing()

    def _done_refusing(self) -> None:
        with self._lock:
            self._refusing -= 1


def _answer_busy(connection: socket.socket, cap: int) -> None:
    """503 with Retry-After; then the request is read (and dropped) until the client closes, so
    the close does not reset the connection before the client has read the answer."""
    text = (
        f"The local ECR backend is serving {cap} connections, its max_connections; "
        "retry in a moment.\n"
    ).encode()
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        "Retry-After: 1\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(text)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    deadline = time.monotonic() + REFUSAL_DRAIN_SECONDS
    try:
        connection.settimeout(REFUSAL_DRAIN_SECONDS)
        connection.sendall(head + text)
        connection.shutdown(socket.SHUT_WR)
        drained = 0
        while drained < REFUSAL_DRAIN_BYTES and (left := deadline - time.monotonic()) > 0:
            connection.settimeout(left)
            data = connection.recv(64 * 1024)
            if not data:
                break
            drained += len(data)
    except OSError:
        pass
