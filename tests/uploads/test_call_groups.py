"""The history's rows: a push's parts are one row per upload, a run of layer checks is one row,
and every other call is a row of its own."""

from __future__ import annotations

from typing import Any

from ecrtui.ecr.caller import CallRecord
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.uploads.call_groups import call_document, group_calls
from ecrtui.uploads.engine import PROBE_OFFSET
from tests.tui.calls import call_record

A = "aaaaaaaa-1b7f-4c0f-8f0e-3d2b6f1a9c11"
B = "bbbbbbbb-1b7f-4c0f-8f0e-3d2b6f1a9c11"


def part(upload_id: str, first: int, at: float, error: str | None = None) -> CallRecord:
    request = {
        "repositoryName": "team/api",
        "uploadId": upload_id,
        "partFirstByte": first,
        "partLastByte": first + 9,
        "layerPartBlob": b"0123456789",
    }
    failure = EcrCallError(error, "refused", ErrorKind.SERVICE) if error else None
    return call_record("UploadLayerPart", request, None if error else {}, failure, 5, at)


def probe(upload_id: str, at: float, held: int) -> CallRecord:
    request = {
        "repositoryName": "team/api",
        "uploadId": upload_id,
        "partFirstByte": PROBE_OFFSET,
        "partLastByte": PROBE_OFFSET,
        "layerPartBlob": b"",
    }
    refusal = EcrCallError(
        "InvalidLayerPartException",
        "refused",
        ErrorKind.SERVICE,
        fields={"lastValidByteReceived": held - 1},
    )
    return call_record("UploadLayerPart", request, None, refusal, 3, at)


def check(repository: str, at: float) -> CallRecord:
    request: dict[str, Any] = {"repositoryName": repository, "layerDigests": ["sha256:" + "a" * 64]}
    return call_record("BatchCheckLayerAvailability", request, {"layers": []}, None, 2, at)


def test_parts_of_two_uploads_interleaved_are_one_row_each() -> None:
    calls = [part(A, 0, 1), part(B, 0, 2), part(A, 10, 3), part(B, 10, 4), part(A, 20, 5)]
    rows = group_calls(calls)
    assert [(row.operation, row.upload_id, row.byte_range) for row in rows] == [
        ("UploadLayerPart \N{MULTIPLICATION SIGN}3", A, (0, 29)),
        ("UploadLayerPart \N{MULTIPLICATION SIGN}2", B, (0, 19)),
    ]
    assert rows[0].outcome == "ok" and rows[0].duration_ms == 15


def test_a_probe_between_parts_starts_a_new_row_and_says_what_ecr_holds() -> None:
    rows = group_calls([part(A, 0, 1), part(A, 10, 2), probe(A, 3, 20), part(A, 20, 4)])
    assert [row.operation for row in rows] == [
        "UploadLayerPart",
        "probe",
        "UploadLayerPart \N{MULTIPLICATION SIGN}2",
    ]
    assert rows[1].outcome == "ECR holds 20 Bytes" and not rows[1].failed


def test_a_row_with_failed_parts_names_the_last_failure_and_how_many() -> None:
    rows = group_calls([part(A, 0, 1), part(A, 10, 2, "ThrottlingException"), part(A, 10, 3)])
    [row] = rows
    assert row.outcome == "ThrottlingException (1 of 3)" and row.failed


def test_a_run_of_layer_checks_is_one_row_naming_how_many_repositories() -> None:
    calls = [check("team/api", 1), check("team/web", 2), check("base/python", 3)]
    calls += [part(A, 0, 4), check("team/api", 5)]
    rows = group_calls(calls)
    assert [(row.operation, row.repository) for row in rows] == [
        ("BatchCheckLayerAvailability", "team/api"),
        ("UploadLayerPart", "team/api"),
        ("BatchCheckLayerAvailability \N{MULTIPLICATION SIGN}3", "3 repositories"),
    ]


def test_the_document_of_a_row_holds_every_request_and_answer() -> None:
    rows = group_calls([part(A, 0, 1), part(A, 10, 2, "ThrottlingException")])
    document = call_document(rows[0], lambda error, operation: {"code": error.code})
    assert [call["request"]["partFirstByte"] for call in document["calls"]] == [0, 10]
    assert document["calls"][0]["request"]["layerPartBlob"] == "<10 bytes>"
    assert document["calls"][0]["response"] == {}
    assert document["calls"][1]["error"] == {"code": "ThrottlingException"}
