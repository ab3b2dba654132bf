"""Call records as the console's history holds them, for tests that show one."""

from __future__ import annotations

from typing import Any

from ecrtui.ecr.caller import CallRecord, redacted
from ecrtui.ecr.errors import EcrCallError


def call_record(
    operation: str,
    request: dict[str, Any],
    response: dict[str, Any] | None,
    error: EcrCallError | None,
    duration_ms: float,
    at: float,
) -> CallRecord:
    """What EcrCaller would have recorded for this request and its answer."""
    metadata = (response or {}).get("ResponseMetadata", {})
    request_id = error.request_id if error is not None else metadata.get("RequestId")
    return CallRecord(
        operation=operation,
        target="http://127.0.0.1:4566 (us-east-1)",
        parameters=redacted(request),
        outcome="ok" if error is None else error.code,
        duration_ms=duration_ms,
        request_id=request_id,
        at=at,
        response=None if response is None else dict(response),
        error=error,
    )


# Calls that only read: the console makes them on its own (listings, the layer checks behind the
# verdicts), so tests of what was sent leave them out.
READS = frozenset({"DescribeRepositories", "DescribeImages", "BatchCheckLayerAvailability"})


def sent_by_operator(history: list[CallRecord]) -> list[CallRecord]:
    """The calls of the history that are not the console's own reads."""
    return [call for call in history if call.operation not in READS]
