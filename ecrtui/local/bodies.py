"""Request bodies, read with a bound: never past a limit, never whole when they may be over it.

The Content-Length is checked before a byte is read; a chunked body is counted as it arrives and
refused as soon as it passes the limit. A body that ends before its Content-Length, a
Content-Length that is not a number, or chunked encoding that does not parse is `MalformedBody`.
A client that stops sending is not handled here: the socket's timeout
(`BackendSettings.request_timeout`) raises TimeoutError out of the read, and the server drops the
connection.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

READ_SIZE = 1024 * 1024
# A body held whole in memory (an API request, a manifest) is "large" above this; at most
# LARGE_AT_ONCE large ones are read and handled at once (each costs a few times its size while
# moto parses it), so memory stays bounded however many clients send them.
LARGE_BODY = 1024 * 1024
LARGE_AT_ONCE = 4


class BodyTooLarge(Exception):
    """The body is over `limit` bytes; `size` is its Content-Length (None when chunked)."""

    def __init__(self, size: int | None, limit: int) -> None:
        shown = f"{size} bytes" if size is not None else f"more than {limit} bytes"
        super().__init__(f"the request body is {shown}; at most {limit} bytes are accepted here")
        self.size, self.limit = size, limit


class MalformedBody(Exception):
    """The body cannot be read as HTTP/1.1 frames it."""


def is_chunked(environ: dict[str, Any]) -> bool:
    return bool(environ.get("wsgi.input_terminated"))


def declared_length(environ: dict[str, Any]) -> int:
    """The Content-Length (0 when there is none); MalformedBody when it is not a number."""
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if not text:
        return 0
    if not text.isdigit() or not text.isascii():
        raise MalformedBody(f"Content-Length {text[:40]!r} is not a number of bytes")
    return int(text)


def has_body(environ: dict[str, Any]) -> bool:
    return is_chunked(environ) or declared_length(environ) > 0


def check_length(environ: dict[str, Any], limit: int) -> None:
    """BodyTooLarge at once when the Content-Length is over `limit` (a chunked body is checked as
    it is read)."""
    if not is_chunked(environ):
        size = declared_length(environ)
        if size > limit:
            raise BodyTooLarge(size, limit)


def chunks(environ: dict[str, Any], limit: int) -> Iterator[bytes]:
    """The body in pieces of at most READ_SIZE bytes, and never more than `limit` bytes in all."""
    check_length(environ, limit)
    stream = environ["wsgi.input"]
    if is_chunked(environ):
        total = 0
        while chunk := _read(stream, min(READ_SIZE, limit - total + 1)):
            total += len(chunk)
            if total > limit:
                raise BodyTooLarge(None, limit)
            yield chunk
        return
    left = declared_length(environ)
    while left > 0:
        chunk = _read(stream, min(READ_SIZE, left))
        if not chunk:
            raise MalformedBody(f"the body ended {left} bytes before its Content-Length")
        left -= len(chunk)
        yield chunk


def read(environ: dict[str, Any], limit: int) -> bytes:
    """The whole body, which is at most `limit` bytes (or BodyTooLarge before it is all read)."""
    whole = io.BytesIO()  # its value is handed over without a second copy
    for chunk in chunks(environ, limit):
        whole.write(chunk)
    return whole.getvalue()


def _read(stream: Any, size: int) -> bytes:
    try:
        data: bytes = stream.read(size)
    except (TimeoutError, ConnectionError):
        raise  # the client stalled or went: the server drops the connection
    except OSError as error:  # werkzeug's dechunker: a chunk header or terminator is wrong
        raise MalformedBody(f"the chunked body does not parse: {error}") from None
    return data


class LargeBodies:
    """A gate for requests whose body is read into memory: those over LARGE_BODY bytes (or
    chunked) pass LARGE_AT_ONCE at a time; the others wait, up to a timeout."""

    def __init__(self, at_once: int = LARGE_AT_ONCE, threshold: int = LARGE_BODY) -> None:
        self._slots = threading.BoundedSemaphore(at_once)
        self._threshold = threshold

    def is_large(self, environ: dict[str, Any]) -> bool:
        try:
            return is_chunked(environ) or declared_length(environ) > self._threshold
        except MalformedBody:
            return False  # refused when it is read

    @contextmanager
    def admitted(self, environ: dict[str, Any], timeout: float) -> Iterator[bool]:
        """Whether this request may go on now (False: the gate stayed shut for `timeout`)."""
        if not self.is_large(environ):
            yield True
            return
        admitted = self._slots.acquire(timeout=timeout)
        try:
            yield admitted
        finally:
            if admitted:
                self._slots.release()
