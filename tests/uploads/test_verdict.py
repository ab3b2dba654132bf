"""Verdicts come from evidence: each one, and what it takes to reach it."""

from __future__ import annotations

import dataclasses

import pytest

from ecrtui.uploads.journal import Origin, UploadRecord, UploadState
from ecrtui.uploads.verdict import Evidence, Kind, judge

MiB = 1024 * 1024
DIGEST = "sha256:" + "a" * 64
OTHER = "sha256:" + "b" * 64


def row(**changes: object) -> UploadRecord:
    base = UploadRecord(
        row_id=1,
        endpoint="http://127.0.0.1:1",
        region="us-east-1",
        registry_id=None,
        repository="team/api",
        upload_id="u-1",
        origin=Origin.PUSHED,
        state=UploadState.READY,
        part_size=10 * MiB,
        bytes_confirmed=12 * MiB,
        source_path="/srv/layer.tar.gz",
        source_size=12 * MiB,
        source_mtime_ns=1,
        local_digest=DIGEST,
        created_at=0.0,
        updated_at=0.0,
        last_error_code=None,
        last_error_message=None,
        final_response=None,
        part_sizes=(10 * MiB, 2 * MiB),
        sent_digest=DIGEST,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def test_every_byte_in_and_matching_is_completable() -> None:
    verdict = judge(row(), row().part_sizes, Evidence(layer_available=False))
    assert verdict.kind is Kind.COMPLETABLE and not verdict.blocks_completion
    assert "press c" in verdict.next_step
    assert "BatchCheckLayerAvailability: the layer is not in the repository yet" in verdict.evidence


def test_a_small_middle_part_blocks_completion_for_good() -> None:
    record = row(bytes_confirmed=9 * MiB, source_size=9 * MiB, part_sizes=(6 * MiB, MiB, 2 * MiB))
    verdict = judge(record, record.part_sizes)
    assert verdict.kind is Kind.BLOCKED
    assert verdict.predicted_error == "LayerPartTooSmallException" and verdict.blocks_completion
    assert verdict.words == "blocked"
    assert verdict.summary == "blocked: part 2 is 1 MiB, under 5 MiB"
    assert "push the layer again" in verdict.next_step


def test_a_small_last_part_is_fine() -> None:
    record = row(bytes_confirmed=11 * MiB, source_size=11 * MiB, part_sizes=(10 * MiB, MiB))
    assert judge(record, record.part_sizes).kind is Kind.COMPLETABLE


def test_bytes_that_hash_elsewhere_will_not_match() -> None:
    verdict = judge(row(sent_digest=OTHER), row().part_sizes)
    assert verdict.kind is Kind.WILL_NOT_MATCH
    assert verdict.predicted_error == "InvalidLayerException"
    assert f"the bytes sent hash to {OTHER}" in verdict.evidence
    assert f"the file's digest is {DIGEST}" in verdict.evidence


def test_a_layer_already_in_the_repository_needs_nothing_but_forgetting() -> None:
    verdict = judge(row(), row().part_sizes, Evidence(layer_available=True))
    assert verdict.kind is Kind.ALREADY_THERE
    assert verdict.predicted_error == "LayerAlreadyExistsException"
    assert "forget" in verdict.next_step


def test_missing_bytes_need_a_resume() -> None:
    record = row(bytes_confirmed=10 * MiB, source_size=14 * MiB, part_sizes=(10 * MiB,))
    verdict = judge(record, record.part_sizes)
    assert verdict.kind is Kind.NEEDS_RESUME and not verdict.blocks_completion
    assert verdict.summary == "needs resume (10 MiB of 14 MiB held)"
    nothing = judge(row(bytes_confirmed=0, part_sizes=()), ())
    assert nothing.summary == "needs resume (no part sent)"
    assert nothing.predicted_error == "EmptyUploadException"


def test_an_expired_upload_is_said_so() -> None:
    verdict = judge(row(state=UploadState.EXPIRED), ())
    assert verdict.kind is Kind.EXPIRED and verdict.predicted_error == "UploadNotFoundException"


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        ({"source_size": None}, "the layer's size"),
        ({"local_digest": None}, "the layer's digest"),
        ({"sent_digest": None}, "the digest of the bytes sent"),
        ({"part_sizes": ()}, "the sizes of the parts sent"),
    ],
)
def test_what_is_not_known_is_said_not_guessed(changes: dict[str, object], missing: str) -> None:
    record = row(**changes)
    verdict = judge(record, record.part_sizes)
    assert verdict.kind is Kind.UNKNOWN
    assert missing in verdict.summary
    assert f"not known: {missing}" in " ".join(verdict.evidence)


def test_a_tracked_upload_with_only_its_bytes_held_is_unknown() -> None:
    tracked = row(
        origin=Origin.TRACKED,
        source_size=None,
        source_path=None,
        local_digest=None,
        sent_digest=None,
        part_sizes=(),
        bytes_confirmed=5 * MiB,
    )
    verdict = judge(tracked, ())
    assert verdict.kind is Kind.UNKNOWN and "complete" not in verdict.words
    assert "ECR holds 5 MiB (the layer's size is not known)" in verdict.evidence


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("LayerPartTooSmallException", Kind.BLOCKED),
        ("LayerAlreadyExistsException", Kind.ALREADY_THERE),
        ("InvalidLayerException", Kind.WILL_NOT_MATCH),
        ("KmsException", Kind.UNKNOWN),
    ],
)
def test_a_refused_completion_is_the_verdict(code: str, kind: Kind) -> None:
    record = row(state=UploadState.FAILED, last_error_code=code, last_error_message="no")
    verdict = judge(record, record.part_sizes)
    assert verdict.kind is kind and verdict.predicted_error == code
    assert verdict.summary == f"ECR refused it: {code}"
    assert f"ECR answered {code}: no" in verdict.evidence


def test_an_upload_another_tool_left_half_way_is_that_tools_to_push_again() -> None:
    found = row(
        origin=Origin.DISCOVERED,
        state=UploadState.INTERRUPTED,
        source_size=None,
        local_digest=None,
        sent_digest=None,
        part_sizes=(),
        bytes_confirmed=7 * 1024 * 1024,
        client="docker 27.3.1",
        principal="arn:aws:iam::123456789012:user/ci",
    )
    verdict = judge(found)
    assert verdict.kind is Kind.PUSH_AGAIN and verdict.words == "push again"
    assert verdict.summary.startswith("left half way by docker 27.3.1")
    assert verdict.next_step == "push again; ECR does not keep partial layers"
    assert verdict.step(read_only=True) == verdict.next_step  # nothing ecrtui would send
    assert "found in CloudTrail: docker 27.3.1, started by arn:aws:iam::123456789012:user/ci" in (
        verdict.evidence
    )


def test_an_upload_another_tool_failed_to_complete_says_what_the_tool_should_change() -> None:
    found = row(
        origin=Origin.DISCOVERED,
        state=UploadState.INTERRUPTED,
        last_error_code="LayerPartTooSmallException",
        last_error_message="All layer parts except the last part should be at least 5MB",
        client="docker 27.3.1",
    )
    verdict = judge(found)
    assert verdict.kind is Kind.BLOCKED
    assert verdict.next_step == "set its chunk size to 5 MiB or more, then push again"
