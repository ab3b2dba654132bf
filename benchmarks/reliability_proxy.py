"""The fault proxy with a fault on a random share of requests, and three kinds of fault more.

`ChaosProxy` is the tests' `FaultProxy` (tests/uploads/fault_proxy.py): instead of a script of
faults by operation and count, faults fall on `rate` of all requests, at places drawn from a
seeded generator; the kinds come round in a shuffled cycle, so every kind shows early. On top of
the kinds the proxy knows (reset_before, reset_after, http500, http429, limit, slow), it adds:

    stall_after  forward, then wait `seconds` before answering: ECR applied the request, and the
                 answer comes after the client's read timeout
    truncated    forward, then send the status, the headers and half the body, and reset
    html503      answer a load balancer's 503 page (text/html, no JSON) without forwarding
    html502_after  forward, then answer a load balancer's 502 page: ECR applied it, the client
                 sees a 5xx

(hold and hold_after wait for a test to release them, so they have no place here.) The proxy also
counts the bytes of every UploadLayerPart it receives, from the part's first and last byte. With
`rate` 0 it only forwards (and counts).
"""

from __future__ import annotations

import collections
import random
import re
import threading
import time
from http.server import ThreadingHTTPServer

from tests.uploads.fault_proxy import ANSWERS, Fault, FaultProxy, Seen, _abort, _Handler, _Server

KINDS = (
    "reset_before",
    "reset_after",
    "http500",
    "http429",
    "limit",
    "slow",
    "stall_after",
    "truncated",
    "html503",
    "html502_after",
)
_FIRST = re.compile(rb'"partFirstByte":\s*(\d+)')
_LAST = re.compile(rb'"partLastByte":\s*(\d+)')
_PAGES = {
    "html503": (503, b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"),
    "html502_after": (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
}


class ChaosProxy(FaultProxy):
    """A FaultProxy whose faults fall on a random share of all requests."""

    def __init__(self, backend_url: str, rate: float, seed: int, seconds: float) -> None:
        super().__init__(backend_url)
        # The same proxy, served by a handler that knows the added kinds.
        self._server.server_close()
        self._server = _ChaosServer(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="chaos-proxy", daemon=True
        )
        self.rate = rate
        self.seconds = seconds
        self._rng = random.Random(seed)
        self._cycle: list[str] = []
        self._credit = 0.0
        self._threshold = self._rng.uniform(0.5, 1.5)
        self.part_bytes = 0  # bytes of every UploadLayerPart received (the ones refused too)
        self.requests = 0
        self.injected: collections.Counter[str] = collections.Counter()

    def _arrived(self, operation: str) -> tuple[int, Fault | None]:
        with self._lock:
            nth = self._counts.get(operation, 0) + 1
            self._counts[operation] = nth
            self.requests += 1
            # `rate` of a fault per request, in credit: a fault falls when the credit passes a
            # threshold drawn anew each time, so faults land at random yet add up to the rate
            self._credit += self.rate
            if self.rate <= 0 or self._credit < self._threshold:
                return nth, None
            self._credit -= self._threshold
            self._threshold = self._rng.uniform(0.5, 1.5)
            if not self._cycle:
                self._cycle = list(KINDS)
                self._rng.shuffle(self._cycle)
            kind = self._cycle.pop()
            self.injected[kind] += 1
            return nth, Fault(operation, nth, kind, self.seconds)

    def _received_part(self, body: bytes) -> None:
        head = body[:4096]
        first, last = _FIRST.search(head) or _FIRST.search(body), _LAST.search(head)
        last = last or _LAST.search(body)
        if first and last:
            with self._lock:
                self.part_bytes += int(last.group(1)) - int(first.group(1)) + 1


class _ChaosServer(_Server):
    def __init__(self, proxy: ChaosProxy) -> None:
        self.proxy = proxy
        ThreadingHTTPServer.__init__(self, ("127.0.0.1", 0), _ChaosHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client killed mid-request resets its connection: that is the point


class _ChaosHandler(_Handler):
    def _handle(self) -> None:
        proxy = self._proxy
        assert isinstance(proxy, ChaosProxy)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = self.headers.get("X-Amz-Target", "").rpartition(".")[2] or self.command
        if operation == "UploadLayerPart":
            proxy._received_part(body)
        nth, fault = proxy._arrived(operation)
        kind = fault.kind if fault else None
        forwarded, status = False, None
        try:
            if proxy._stopping.is_set() or kind == "reset_before":
                self._reset()
                return
            if kind in ANSWERS:
                assert kind is not None
                self._answer_error(*ANSWERS[kind], f"injected-{operation}-{nth}")
                return
            if kind == "html503":
                self._page(*_PAGES[kind])
                return
            if kind == "slow" and proxy._stopping.wait(proxy.seconds):
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
            if kind == "reset_after":
                self._reset()
            elif kind == "stall_after":
                if not proxy._stopping.wait(proxy.seconds):
                    self._reply(status, headers, payload)
            elif kind == "truncated":
                self._truncated(status, headers, payload)
            elif kind == "html502_after":
                self._page(*_PAGES[kind])
            else:
                self._reply(status, headers, payload)
        finally:
            proxy._seen(Seen(operation, nth, kind, forwarded, status))

    def _page(self, status: int, page: bytes) -> None:
        self._reply(status, [("Content-Type", "text/html")], page)

    def _truncated(self, status: int, headers: list[tuple[str, str]], payload: bytes) -> None:
        try:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            time.sleep(0.01)
        except OSError:
            pass
        self.close_connection = True
        _abort(self.connection)
