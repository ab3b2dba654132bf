"""The console's history in rows an operator reads: one row per call, except that the parts of one
push (or resume) of an upload are one row, and so are the pages of one listing.

A push of a 1 GiB layer sends about a hundred UploadLayerPart calls; listing 10,000 repositories
takes a hundred pages. Each is one thing the operator did, so each is one row, which still holds
every call, request and response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ecrtui.ecr.caller import CallRecord
from ecrtui.ecr.errors import EcrCallError
from ecrtui.uploads.call_words import answered, is_probe

# Operations whose calls for the same upload (or listing) make one row, other calls between them.
_GROUPED = frozenset({"UploadLayerPart", "DescribeRepositories", "DescribeImages"})
# Reads the console makes on its own, one per repository: a run of them is one row.
_RUNS = frozenset({"BatchCheckLayerAvailability"})


@dataclass(frozen=True)
class CallGroup:
    """Calls that make one row of the history, oldest first."""

    calls: tuple[CallRecord, ...]

    @property
    def first(self) -> CallRecord:
        return self.calls[0]

    @property
    def last(self) -> CallRecord:
        return self.calls[-1]

    @property
    def operation(self) -> str:
        """'probe', 'CompleteLayerUpload', 'UploadLayerPart x7' (with a multiplication sign)."""
        first = self.first
        name = "probe" if is_probe(first.operation, first.parameters) else first.operation
        return f"{name} \N{MULTIPLICATION SIGN}{len(self.calls)}" if len(self.calls) > 1 else name

    @property
    def outcome(self) -> str:
        """'ok', the error code (for a group, that of its last failure, and how many failed), or
        for a probe what ECR holds."""
        failed = [call for call in self.calls if call.error is not None]
        if len(self.calls) == 1 or not failed:
            call = self.last
            fields = call.error.fields if call.error is not None else None
            return answered(call.operation, call.parameters, call.outcome, fields)
        return f"{failed[-1].outcome} ({len(failed)} of {len(self.calls)})"

    @property
    def failed(self) -> bool:
        """A call failed (a probe's refusal is its answer, not a failure)."""
        return any(
            call.error is not None and not is_probe(call.operation, call.parameters)
            for call in self.calls
        )

    @property
    def duration_ms(self) -> float:
        return sum(call.duration_ms for call in self.calls)

    @property
    def repository(self) -> str | None:
        """The repository, or how many when the row's calls were about several."""
        names = {call.repository for call in self.calls if call.repository}
        if len(names) > 1:
            return f"{len(names)} repositories"
        return self.first.repository

    @property
    def upload_id(self) -> str | None:
        return next((call.upload_id for call in self.calls if call.upload_id), None)

    @property
    def byte_range(self) -> tuple[int, int] | None:
        """The first and last byte the group's parts sent, for parts of a layer."""
        firsts = [c.parameters.get("partFirstByte") for c in self.calls if c.parameters]
        lasts = [c.parameters.get("partLastByte") for c in self.calls if c.parameters]
        if self.first.operation != "UploadLayerPart" or is_probe(
            self.first.operation, self.first.parameters
        ):
            return None
        numbers = (
            [n for n in firsts if isinstance(n, int)],
            [n for n in lasts if isinstance(n, int)],
        )
        if not numbers[0] or not numbers[1]:
            return None
        return min(numbers[0]), max(numbers[1])


def _key(call: CallRecord) -> tuple[str, str] | None:
    """What a call is grouped by, or None when it is a row of its own."""
    if call.operation not in _GROUPED or is_probe(call.operation, call.parameters):
        return None
    return call.operation, call.upload_id or call.repository or ""


def group_calls(calls: Iterable[CallRecord]) -> list[CallGroup]:
    """The history's rows, newest first. Parts of one upload join the same row until another
    call about that upload (a probe, a completion, a new InitiateLayerUpload) comes between:
    an interrupted push and its resume are two rows. Calls about other uploads may interleave."""
    rows: list[list[CallRecord]] = []
    open_rows: dict[tuple[str, str], list[CallRecord]] = {}
    previous: list[CallRecord] | None = None  # the row of the call before this one
    for call in sorted(calls, key=lambda call: call.at):
        key = _key(call)
        if call.operation in _RUNS and previous and previous[-1].operation == call.operation:
            row = previous
            row.append(call)
        elif key is None:
            row = [call]
            rows.append(row)
            for open_key in [k for k in open_rows if call.upload_id and k[1] == call.upload_id]:
                del open_rows[open_key]
        elif key in open_rows:
            row = open_rows[key]
            row.append(call)
        else:
            row = open_rows[key] = [call]
            rows.append(row)
        previous = row
    groups = [CallGroup(tuple(row)) for row in rows]
    return sorted(groups, key=lambda group: group.last.at, reverse=True)


ErrorDocument = Callable[[EcrCallError, str], dict[str, Any]]


def call_document(group: CallGroup, error_document: ErrorDocument) -> dict[str, Any]:
    """Every call of a row as it was asked and answered: what the history shows and copies.
    `error_document` writes an error as the console shows it (without secrets)."""
    if len(group.calls) == 1:
        return _one(group.first, error_document)
    return {"calls": [_one(call, error_document) for call in group.calls]}


def _one(call: CallRecord, error_document: ErrorDocument) -> dict[str, Any]:
    document: dict[str, Any] = {
        "operation": call.operation,
        "target": call.target,
        "request": call.parameters,
    }
    if call.error is None:
        document["response"] = call.response
    else:
        document["error"] = error_document(call.error, call.operation)
    document["requestId"] = call.request_id
    document["durationMs"] = round(call.duration_ms, 1)
    return document
