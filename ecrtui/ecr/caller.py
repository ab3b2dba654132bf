"""The one way ecrtui calls ECR: check the request against the model, send it, translate any
failure into `EcrCallError`, and hand a `CallRecord` to every listener.

The command line, the console and the engine all send through an `EcrCaller`; the engine adds its
retries around `call`. Listeners are how the journal's call history and the console's history
learn of each call, success or failure, without the senders knowing about either.

    caller = EcrCaller(client)
    caller.listen(journal.record_call)
    caller.call("CompleteLayerUpload", {"repositoryName": ..., "uploadId": ..., ...})
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from ecrtui.ecr.encoded_parts import EncodedPart
from ecrtui.ecr.errors import EcrCallError

log = logging.getLogger(__name__)

# Parameters that are never kept in a record as they were sent.
_SECRET_PARAMETERS = frozenset({"authorizationToken", "password", "secretAccessKey"})


@dataclass(frozen=True)
class CallRecord:
    """One call as it happened: what was asked, of whom, and how it ended. Never blobs or secrets.

    `target` is where the call went (endpoint and region). `outcome` is "ok" or the error code.
    The response (success) or the error (failure) is kept for whoever shows the call again.
    """

    operation: str
    target: str
    parameters: dict[str, Any]
    outcome: str
    duration_ms: float
    request_id: str | None
    at: float
    response: dict[str, Any] | None = None
    error: EcrCallError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def upload_id(self) -> str | None:
        """The upload the call was about: asked for, or (InitiateLayerUpload) given."""
        value = self.parameters.get("uploadId") or (self.response or {}).get("uploadId")
        return str(value) if value is not None else None

    @property
    def repository(self) -> str | None:
        value = self.parameters.get("repositoryName")
        return str(value) if value is not None else None


Listener = Callable[[CallRecord], None]


class Sender(Protocol):
    """Anything that sends ECR requests as `EcrCaller` does (the engine's retrying caller too)."""

    @property
    def endpoint(self) -> str: ...

    def call(self, operation: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]: ...


def check_request(operation: str, request: Mapping[str, Any], *, partial: bool = False) -> None:
    """Raise EcrCallError (kind VALIDATION) if the request breaks the model's rules.

    `partial` checks the members given and does not ask for the others: a command that has only
    an upload id so far (`ecrtui resume`) checks it before looking anything else up."""
    from ecrtui.ecr.validation import validate

    problems = validate(operation, request)
    if partial:
        problems = [
            problem
            for problem in problems
            if not (problem.rule == "required" and problem.field not in request)
        ]
    if problems:
        raise EcrCallError.invalid_request(operation, problems)


def redacted(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters as a record keeps them: blobs by their size, secrets hidden."""
    kept: dict[str, Any] = {}
    for name, value in parameters.items():
        if isinstance(value, (bytes, bytearray, memoryview, EncodedPart)):
            kept[name] = f"<{len(value)} bytes>"
        elif name in _SECRET_PARAMETERS:
            kept[name] = "<hidden>"
        else:
            kept[name] = value
    return kept


@dataclass
class EcrCaller:
    """Sends ECR requests through one botocore client and reports each call to its listeners.

    `validate=False` skips ecrtui's own check of the request (the caller already checked it, or
    a test wants the service to judge it); botocore's own checks still apply.
    """

    client: Any
    validate: bool = True
    listeners: list[Listener] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def endpoint(self) -> str:
        return str(self.client.meta.endpoint_url)

    @property
    def region(self) -> str:
        return str(self.client.meta.region_name)

    @property
    def target(self) -> str:
        return f"{self.endpoint} ({self.region})"

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Add a listener (once: adding it again changes nothing); returns a function that
        removes it again."""
        with self._lock:
            if listener not in self.listeners:
                self.listeners.append(listener)

        def stop() -> None:
            with self._lock:
                if listener in self.listeners:
                    self.listeners.remove(listener)

        return stop

    @contextmanager
    def recording(self) -> Iterator[list[CallRecord]]:
        """The records of the calls this thread makes inside the block, in order."""
        thread = threading.get_ident()
        made: list[CallRecord] = []

        def keep(record: CallRecord) -> None:
            if threading.get_ident() == thread:
                made.append(record)

        stop = self.listen(keep)
        try:
            yield made
        finally:
            stop()

    def call(self, operation: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Send one request; the response without ResponseMetadata kept, or an EcrCallError.

        A request that breaks the model's rules is not sent: it raises the validation error
        (kind VALIDATION) and no record is made, since nothing reached ECR.
        """
        request = dict(params or {})
        if self.validate:
            self.check(operation, request)
        return self._send(operation, request)

    def check(self, operation: str, request: Mapping[str, Any]) -> None:
        check_request(operation, request)

    def pages(
        self,
        operation: str,
        params: Mapping[str, Any] | None = None,
        pagination: Mapping[str, Any] | None = None,
    ) -> Any:
        """botocore's page iterator for a paginated operation, each page sent through `call`.

        The iterator keeps botocore's paging behaviour (MaxItems, StartingToken, resume tokens,
        `build_full_result`), so output matches the aws CLI's.
        """
        from botocore.paginate import Paginator

        from ecrtui.ecr.model import paginator_model

        request = dict(params or {})
        if self.validate:
            self.check(operation, request)
        config = paginator_model()
        model = self.client.meta.service_model.operation_model(operation)

        def send(**page_params: Any) -> dict[str, Any]:
            return self._send(operation, page_params)

        paginator = Paginator(send, config.get_paginator(operation), model)
        return paginator.paginate(**request, PaginationConfig=dict(pagination or {}))

    @staticmethod
    def can_paginate(operation: str) -> bool:
        from ecrtui.ecr.model import paginator_model

        try:
            paginator_model().get_paginator(operation)
        except ValueError:
            return False
        return True

    # -- sending ---------------------------------------------------------------------------------

    def _send(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        from botocore import xform_name

        method = getattr(self.client, xform_name(operation))
        began, at = time.monotonic(), time.time()
        try:
            response: dict[str, Any] = method(**request)
        except Exception as raised:
            error = EcrCallError.from_exception(raised, operation)
            self._tell(
                CallRecord(
                    operation,
                    self.target,
                    redacted(request),
                    error.code,
                    _elapsed_ms(began),
                    error.request_id,
                    at,
                    error=error,
                )
            )
            raise error from raised
        metadata = response.get("ResponseMetadata", {})
        self._tell(
            CallRecord(
                operation,
                self.target,
                redacted(request),
                "ok",
                _elapsed_ms(began),
                metadata.get("RequestId") if isinstance(metadata, dict) else None,
                at,
                response={k: v for k, v in response.items() if k != "ResponseMetadata"},
            )
        )
        return response

    def _tell(self, record: CallRecord) -> None:
        """Every listener hears of the call; one that fails does not change the call's outcome."""
        with self._lock:
            listeners: Iterable[Listener] = tuple(self.listeners)
        for listener in listeners:
            try:
                listener(record)
            except Exception:
                log.exception("a call listener failed for %s", record.operation)


def _elapsed_ms(began: float) -> float:
    return (time.monotonic() - began) * 1000
