"""What completing an upload would do, decided from evidence, never guessed.

A state label is a claim an operator acts on. `judge` reads what is known of one upload (its
journal row, the sizes of the parts ECR accepted, the sha256 of the bytes sent, and what ECR said
when asked: bytes held, whether the layer is already in the repository, whether the upload id is
still known) and gives a `Verdict`: what completing would do, in words, with the evidence behind
it and the next step. Where the evidence is missing, the verdict says so instead of "ready".
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum

from ecrtui.ecr.limits import MIN_PART_SIZE, size_words
from ecrtui.uploads.journal import Origin, UploadRecord, UploadState


class Kind(str, Enum):
    """The verdicts, in the operator's words."""

    COMPLETABLE = "complete-able"
    NEEDS_RESUME = "needs resume"
    BLOCKED = "blocked"
    WILL_NOT_MATCH = "will not match"
    ALREADY_THERE = "already there"
    EXPIRED = "expired/unknown"
    COMPLETED = "completed"
    FORGOTTEN = "forgotten"
    UNKNOWN = "unknown"
    PUSH_AGAIN = "push again"  # another tool's upload it left half way: only it can finish it


@dataclass(frozen=True)
class Evidence:
    """What ECR said about an upload when the console asked (None: not asked, or no answer)."""

    layer_available: bool | None = None  # BatchCheckLayerAvailability for the journal's digest


@dataclass(frozen=True)
class Verdict:
    kind: Kind
    summary: str  # the verdict in a sentence, for the details
    next_step: str
    evidence: tuple[str, ...] = field(default=())  # the lines behind the verdict
    predicted_error: str | None = None  # the error code completing would get now
    for_another_tool: bool = False  # the next step is the other tool's, read-only or not

    @property
    def words(self) -> str:
        """The state column: the kind's name, short enough for 80 columns."""
        return self.kind.value

    def step(self, read_only: bool = False) -> str:
        """The next step; in a read-only console, one that suggests nothing it refuses."""
        if not read_only or self.for_another_tool:
            return self.next_step
        return READ_ONLY_STEPS.get(self.kind, self.next_step)

    @property
    def blocks_completion(self) -> bool:
        """Completing now would fail: the console asks for an explicit override first."""
        return self.predicted_error is not None


def judge(
    record: UploadRecord,
    part_sizes: Sequence[int] = (),
    evidence: Evidence | None = None,
) -> Verdict:
    """The verdict for one upload; `part_sizes` are the parts ECR accepted, in order. An upload
    another tool left (found in CloudTrail) gets the step for that tool: ecrtui has no file to
    resume it from, so the tool has to push again."""
    verdict = _judge(record, part_sizes, evidence)
    if record.origin is not Origin.DISCOVERED or verdict.kind in (Kind.COMPLETED, Kind.FORGOTTEN):
        return verdict
    client = record.client or "another tool"
    if record.last_error_code and record.state.in_flight:  # what CloudTrail recorded
        verdict = _refused(record, [_held_words(record.bytes_confirmed, record.source_size)])
    elif verdict.kind is Kind.UNKNOWN:  # no error: the client stopped half way
        verdict = dataclasses.replace(
            verdict,
            kind=Kind.PUSH_AGAIN,
            summary=f"left half way by {client}: ECR keeps no partial layer, and ecrtui has no "
            "file to resume it from",
        )
    from ecrtui.uploads.discovery import step_for

    found = f"found in CloudTrail: {client}"
    if record.principal:
        found += f", started by {record.principal}"
    if record.started_at:
        found += time.strftime(" at %Y-%m-%d %H:%M:%S", time.localtime(record.started_at))
    return dataclasses.replace(
        verdict,
        next_step=step_for(record.last_error_code, verdict.kind is Kind.EXPIRED),
        evidence=(*verdict.evidence, found),
        for_another_tool=True,
    )


def _judge(
    record: UploadRecord,
    part_sizes: Sequence[int] = (),
    evidence: Evidence | None = None,
) -> Verdict:
    evidence = evidence or Evidence()
    held = record.bytes_confirmed
    size = record.source_size
    facts = [_held_words(held, size)]
    if record.state is UploadState.COMPLETED:
        return Verdict(Kind.COMPLETED, "completed", "nothing left to do", tuple(facts))
    if record.state is UploadState.FORGOTTEN:
        summary = "forgotten (in the journal only)"
        return Verdict(Kind.FORGOTTEN, summary, "nothing: ECR was not told", tuple(facts))
    if record.state is UploadState.EXPIRED:
        facts.append("ECR answered UploadNotFoundException for this upload id")
        return Verdict(
            Kind.EXPIRED,
            "expired or unknown to ECR",
            "push the layer again (n), then forget this upload (f)",
            tuple(facts),
            "UploadNotFoundException",
        )
    if record.state is UploadState.FAILED and record.last_error_code:
        return _refused(record, facts)
    if evidence.layer_available and record.local_digest:
        facts.append(f"BatchCheckLayerAvailability: {record.local_digest} is AVAILABLE")
        return Verdict(
            Kind.ALREADY_THERE,
            "the layer is already in the repository",
            "nothing to push: forget this upload (f)",
            tuple(facts),
            "LayerAlreadyExistsException",
        )
    small = _small_part(part_sizes)
    if small is not None:
        number, part = small
        facts.append(f"parts accepted: {', '.join(size_words_short(p) for p in part_sizes)}")
        return Verdict(
            Kind.BLOCKED,
            f"blocked: part {number} is {size_words_short(part)}, under "
            f"{size_words(MIN_PART_SIZE)}",
            f"part {number} is under {size_words(MIN_PART_SIZE)}, so this upload can never "
            "complete: push the layer again (n) with parts of 5-10 MiB",
            tuple(facts),
            "LayerPartTooSmallException",
        )
    if size is not None and held < size:
        return Verdict(
            Kind.NEEDS_RESUME,
            f"needs resume ({_percent(held, size)} held)"
            if held
            else "needs resume (no part sent)",
            "press u to resume from the byte ECR last accepted",
            tuple(facts),
            "EmptyUploadException" if held == 0 else None,
        )
    missing = _missing(record, size, part_sizes)
    if missing:
        facts.append("not known: " + ", ".join(missing))
        return Verdict(
            Kind.UNKNOWN,
            "unknown: " + ", ".join(missing) + " not known",
            _unknown_step(record, missing),
            tuple(facts),
            "EmptyUploadException" if held == 0 else None,
        )
    if record.sent_digest and record.local_digest and record.sent_digest != record.local_digest:
        facts.append(f"the bytes sent hash to {record.sent_digest}")
        facts.append(f"the file's digest is {record.local_digest}")
        return Verdict(
            Kind.WILL_NOT_MATCH,
            "will not match: the bytes sent hash to another digest",
            "ECR would refuse the digest: push the layer again (n)",
            tuple(facts),
            "InvalidLayerException",
        )
    facts.append(f"the bytes sent hash to {record.sent_digest}, the file's digest")
    if evidence.layer_available is False:
        facts.append("BatchCheckLayerAvailability: the layer is not in the repository yet")
    return Verdict(
        Kind.COMPLETABLE,
        "complete-able: every byte is in and matches the digest",
        "press c to complete it",
        tuple(facts),
    )


# What to do next in a read-only console, which sends nothing and forgets nothing: reading,
# copying, and what a console without --read-only would do.
READ_ONLY_STEPS = {
    Kind.COMPLETABLE: "complete-able: c shows the request to review or copy as an aws command; "
    "sending it takes a console without --read-only",
    Kind.NEEDS_RESUME: "a console without --read-only can resume it from the byte ECR holds",
    Kind.BLOCKED: "it can never complete: the layer has to be pushed again, from a console "
    "without --read-only",
    Kind.WILL_NOT_MATCH: "ECR would refuse the digest: the layer has to be pushed again, from a "
    "console without --read-only",
    Kind.ALREADY_THERE: "nothing to do: the layer is already in the repository",
    Kind.EXPIRED: "ECR no longer knows it: the layer has to be pushed again, from a console "
    "without --read-only",
    Kind.UNKNOWN: "what is missing can be learnt only by sending (a probe or a resume), which a "
    "read-only console does not do",
}


# ECR's answer to a completion -> what it says of the upload, and the next step
_REFUSALS = {
    "LayerPartTooSmallException": (Kind.BLOCKED, "push the layer again (n) with parts of 5-10 MiB"),
    "LayerAlreadyExistsException": (Kind.ALREADY_THERE, "nothing to push: forget this upload (f)"),
    "InvalidLayerException": (Kind.WILL_NOT_MATCH, "push the layer again (n)"),
    "EmptyUploadException": (Kind.NEEDS_RESUME, "press u to send the layer's bytes"),
}


def _refused(record: UploadRecord, facts: list[str]) -> Verdict:
    """ECR already refused this upload: its answer is the verdict."""
    code = str(record.last_error_code)
    kind, step = _REFUSALS.get(code, (Kind.UNKNOWN, "see the last error; push again if in doubt"))
    facts.append(f"ECR answered {code}: {record.last_error_message or ''}".rstrip(": "))
    return Verdict(kind, f"ECR refused it: {code}", step, tuple(facts), code)


def _small_part(part_sizes: Sequence[int]) -> tuple[int, int] | None:
    """The first part but the last under ECR's minimum: (its number from 1, its size)."""
    for number, part in enumerate(part_sizes[:-1], start=1):
        if part < MIN_PART_SIZE:
            return number, part
    return None


def _missing(record: UploadRecord, size: int | None, part_sizes: Sequence[int]) -> list[str]:
    missing = []
    if size is None:
        missing.append("the layer's size")
    if not record.local_digest:
        missing.append("the layer's digest")
    if not record.sent_digest:
        missing.append("the digest of the bytes sent")
    if not part_sizes and record.bytes_confirmed > 0:
        missing.append("the sizes of the parts sent")
    return missing


def _unknown_step(record: UploadRecord, missing: list[str]) -> str:
    if record.bytes_confirmed == 0:
        return "no byte is held yet: resume (u) with the layer's file"
    return "probe (p) for the bytes held; resume (u) with the layer's file to learn the rest"


def _held_words(held: int, size: int | None) -> str:
    of = f" of {size_words_short(size)}" if size is not None else " (the layer's size is not known)"
    return f"ECR holds {size_words_short(held)}{of}"


def _percent(held: int, size: int) -> str:
    return f"{size_words_short(held)} of {size_words_short(size)}"


def size_words_short(size: int) -> str:
    """1.3 MiB, 512 KiB, 10 MiB."""
    import humanize

    return str(humanize.naturalsize(size, binary=True, format="%.1f")).replace(".0 ", " ")
