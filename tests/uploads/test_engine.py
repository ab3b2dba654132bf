"""The part-streaming engine as a library: pushes, progress, part sizes, cancel and resume."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from ecrtui.uploads.engine import Cancelled, Progress, PushError
from ecrtui.uploads.journal import UploadJournal, UploadState
from tests.uploads.helpers import (
    MiB,
    assert_parts_in_order,
    ecr_holds,
    file_digest,
    make_pusher,
    part_calls,
    push_and_cancel,
    sha256sum,
    write_layer,
)


def _assert_progress(events: list[Progress], total: int) -> None:
    assert events, "no progress reported"
    assert all(event.total == total for event in events if event.phase != "hashing")
    done = [event.done for event in events]
    assert done == sorted(done), done
    assert events[-1].phase == "done"
    assert events[-1].done == events[-1].total == total
    assert events[-1].fraction == 1.0
    phases = [event.phase for event in events]
    assert phases.index("uploading") < phases.index("completing") < phases.index("done")


@pytest.mark.parametrize(
    "size",
    [1, 3 * MiB, 10 * MiB, 10 * MiB + 1, 23 * MiB],
    ids=["1B", "3MiB", "10MiB", "10MiB+1", "23MiB"],
)
def test_push_completes_with_the_file_digest(
    endpoint_url: str,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    ecr_client: Any,
    size: int,
) -> None:
    layer = write_layer(tmp_path, size, seed=size % 97)
    events: list[Progress] = []
    result = make_pusher(endpoint_url, journal, progress=events).push(layer, repository)
    digest = file_digest(layer)
    if size == 23 * MiB:
        assert sha256sum(layer) == digest
    assert result.digest == digest
    assert result.already_exists is False
    assert result.response is not None and result.response["layerDigest"] == digest
    assert result.record is not None and result.record.state is UploadState.COMPLETED
    _assert_progress(events, size)

    calls = part_calls(journal, result.record.upload_id)
    part_size = 10 * MiB  # the partSize InitiateLayerUpload gives
    assert result.record.part_size == part_size
    assert [call["parameters"]["partFirstByte"] for call in calls] == list(
        range(0, size, part_size)
    )
    assert_parts_in_order(calls, size)

    found = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )["layers"]
    assert [(entry["layerAvailability"], entry["layerSize"]) for entry in found] == [
        ("AVAILABLE", size)
    ]


def test_part_size_gives_parts_of_that_size(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 23 * MiB, seed=5)
    events: list[Progress] = []
    result = make_pusher(endpoint_url, journal, progress=events).push(
        layer, repository, part_size=5 * MiB
    )
    assert result.digest == file_digest(layer)
    assert result.record is not None
    calls = part_calls(journal, result.record.upload_id)
    sizes = [
        call["parameters"]["partLastByte"] - call["parameters"]["partFirstByte"] + 1
        for call in calls
    ]
    assert sizes == [5 * MiB] * 4 + [3 * MiB]
    assert_parts_in_order(calls, 23 * MiB)
    uploading = [event.done for event in events if event.phase == "uploading"]
    assert uploading == [0, 5 * MiB, 10 * MiB, 15 * MiB, 20 * MiB]
    _assert_progress(events, 23 * MiB)


def test_no_complete_leaves_the_upload_ready(
    endpoint_url: str,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    ecr_client: Any,
    raw_ecr_client: Any,
) -> None:
    layer = write_layer(tmp_path, 7 * MiB, seed=6)
    events: list[Progress] = []
    result = make_pusher(endpoint_url, journal, progress=events).push(
        layer, repository, part_size=5 * MiB, complete=False
    )
    assert result.response is None
    assert result.record is not None
    assert result.record.state is UploadState.READY
    assert result.record.bytes_confirmed == 7 * MiB
    assert "completing" not in [event.phase for event in events]
    assert events[-1].phase == "done" and events[-1].done == 7 * MiB
    assert not [c for c in journal.calls() if c["operation"] == "CompleteLayerUpload"]
    upload_id = result.record.upload_id
    assert ecr_holds(raw_ecr_client, repository, upload_id) == 7 * MiB
    answer = ecr_client.complete_layer_upload(
        repositoryName=repository, uploadId=upload_id, layerDigests=[file_digest(layer)]
    )
    assert answer["layerDigest"] == file_digest(layer)


def test_an_existing_layer_is_not_pushed_again(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 2 * MiB, seed=7)
    pusher = make_pusher(endpoint_url, journal)
    first = pusher.push(layer, repository)
    assert first.already_exists is False
    calls_before = len(journal.calls())

    again = pusher.push(layer, repository)
    assert again.already_exists is True
    assert again.digest == file_digest(layer)
    assert again.layer_size == 2 * MiB
    assert again.record is None and again.response is None
    new_calls = [call["operation"] for call in journal.calls()[calls_before:]]
    assert new_calls == ["BatchCheckLayerAvailability"]
    assert len(journal.uploads(include_finished=True)) == 1


def test_an_empty_file_is_refused(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.bin"
    empty.touch()
    with pytest.raises(PushError, match="empty"):
        make_pusher(endpoint_url, journal).push(empty, repository)
    assert journal.calls() == []
    assert journal.uploads(include_finished=True) == []


def test_cancel_then_resume(
    endpoint_url: str,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    raw_ecr_client: Any,
) -> None:
    layer = write_layer(tmp_path, 17 * MiB, seed=8)
    upload_id = push_and_cancel(endpoint_url, journal, repository, layer)
    record = journal.find(upload_id)
    assert record is not None
    assert record.state is UploadState.INTERRUPTED
    assert record.bytes_confirmed == 5 * MiB
    assert ecr_holds(raw_ecr_client, repository, upload_id) == record.bytes_confirmed
    assert [c["outcome"] for c in part_calls(journal, upload_id)] == ["ok"]

    events: list[Progress] = []
    result = make_pusher(endpoint_url, journal, progress=events).resume(upload_id)
    assert result.digest == file_digest(layer) == sha256sum(layer)
    assert result.response is not None and result.response["layerDigest"] == result.digest
    assert result.record is not None and result.record.state is UploadState.COMPLETED
    assert result.record.bytes_confirmed == 17 * MiB
    uploading = [event.done for event in events if event.phase == "uploading"]
    assert uploading == [5 * MiB, 10 * MiB, 15 * MiB]
    assert events[-1].done == events[-1].total == 17 * MiB
    calls = part_calls(journal, upload_id)
    assert calls[1]["parameters"]["partFirstByte"] == 2**50  # the probe
    assert_parts_in_order(calls, 17 * MiB)


def test_resume_without_complete_then_resume_completes(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 11 * MiB, seed=9)
    upload_id = push_and_cancel(endpoint_url, journal, repository, layer)
    pusher = make_pusher(endpoint_url, journal)
    ready = pusher.resume(upload_id, complete=False)
    assert ready.response is None
    assert ready.record is not None and ready.record.state is UploadState.READY
    done = pusher.resume(upload_id)
    assert done.response is not None and done.response["layerDigest"] == file_digest(layer)


@pytest.mark.parametrize("change", ["size", "mtime"])
def test_resume_refuses_a_changed_file(
    endpoint_url: str,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    raw_ecr_client: Any,
    change: str,
) -> None:
    layer = write_layer(tmp_path, 11 * MiB, seed=10)
    upload_id = push_and_cancel(endpoint_url, journal, repository, layer)
    if change == "size":
        with layer.open("ab") as appended:
            appended.write(b"!")
    else:
        before = layer.stat()
        os.utime(layer, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    calls_before = len(journal.calls())
    with pytest.raises(PushError, match="changed"):
        make_pusher(endpoint_url, journal).resume(upload_id)
    assert len(journal.calls()) == calls_before  # nothing sent
    assert ecr_holds(raw_ecr_client, repository, upload_id) == 5 * MiB


def test_resume_of_an_unknown_upload(endpoint_url: str, journal: UploadJournal) -> None:
    with pytest.raises(PushError, match="not in the journal"):
        make_pusher(endpoint_url, journal).resume("6cb64b8a-9378-4e33-8ab1-b780fa2c4e01")


def test_resume_progress_never_goes_backwards(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    """Resuming an upload that holds no bytes yet: progress starts at 0 %, not at 100 %."""
    layer = write_layer(tmp_path, 6 * MiB, seed=15)
    cancel = threading.Event()

    def cancel_at_once(progress: Progress) -> None:
        cancel.set()

    with pytest.raises(Cancelled):
        make_pusher(endpoint_url, journal, progress=cancel_at_once, cancel=cancel).push(
            layer, repository, part_size=5 * MiB
        )
    (record,) = journal.uploads()
    assert record.bytes_confirmed == 0

    events: list[Progress] = []
    result = make_pusher(endpoint_url, journal, progress=events).resume(record.upload_id)
    assert result.digest == file_digest(layer)
    fractions = [event.fraction for event in events]
    assert fractions == sorted(fractions), [(e.phase, e.done, e.total) for e in events]


def test_probing_a_completed_upload_keeps_it_completed(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    """ECR forgets an upload id once it completes; a probe then finds nothing, and the journal
    must not turn the completed upload into an expired one."""
    from ecrtui.ecr.errors import EcrCallError

    layer = write_layer(tmp_path, 1 * MiB, seed=16)
    pusher = make_pusher(endpoint_url, journal)
    result = pusher.push(layer, repository)
    assert result.record is not None
    with pytest.raises(EcrCallError) as raised:
        pusher.probe(repository, result.record.upload_id)
    assert raised.value.code == "UploadNotFoundException"
    record = journal.find(result.record.upload_id)
    assert record is not None
    assert record.state is UploadState.COMPLETED
    assert record.final_response == result.response
