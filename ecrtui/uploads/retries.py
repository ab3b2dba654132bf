"""Retrying ECR calls on faults: which failures are worth another attempt, and how long to wait.

The engine wraps its EcrCaller in a `RetryingCaller`: timeouts, dropped connections, 5xx and
throttling are retried with jittered exponential backoff until an attempt succeeds, one is not
worth retrying, the attempts run out, or the push is cancelled.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ecrtui.ecr.caller import EcrCaller
from ecrtui.ecr.errors import EcrCallError, ErrorKind

RETRYABLE_CODES = frozenset(
    {
        "ServerException",
        "ThrottlingException",
        "ThrottleException",
        "TooManyRequestsException",
        "LimitExceededException",
        "RequestTimeout",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "InternalFailure",
    }
)


@dataclass
class RetryPolicy:
    attempts: int = 8
    base_delay: float = 0.2
    max_delay: float = 5.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def delay(self, attempt: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2**attempt) * random.uniform(0.5, 1.0))


def is_retryable(error: EcrCallError) -> bool:
    if error.kind is ErrorKind.CONNECTION:
        return True
    if error.code in RETRYABLE_CODES:
        return True
    return error.http_status is not None and (error.http_status >= 500 or error.http_status == 429)


@dataclass
class RetryingCaller:
    """An EcrCaller's calls, retried on faults with backoff, until one is not worth retrying or
    the push is cancelled."""

    caller: EcrCaller
    retry: RetryPolicy
    cancel: threading.Event

    @property
    def endpoint(self) -> str:
        return self.caller.endpoint

    def call(self, operation: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        for attempt in range(self.retry.attempts):
            try:
                return self.caller.call(operation, params)
            except EcrCallError as error:
                last_attempt = attempt == self.retry.attempts - 1
                if not is_retryable(error) or last_attempt or self.cancel.is_set():
                    raise
                self.retry.sleep(self.retry.delay(attempt))
        raise AssertionError("unreachable")
