"""The next part made ready while one is sent: parts still go one at a time, in order; a failure
stops the push at the last confirmed byte; a file changed under the push is caught."""

from __future__ import annotations

import hashlib
import itertools
import threading
from pathlib import Path
from typing import Any

import pytest

from ecrtui.ecr.errors import EcrCallError
from ecrtui.uploads.engine import PushError
from ecrtui.uploads.journal import UploadJournal, UploadState
from ecrtui.uploads.parts_ahead import FileEnded, PartsAhead, hash_range, sha256_of
from tests.uploads.fault_proxy import FaultProxy
from tests.uploads.helpers import (
    MiB,
    assert_parts_in_order,
    ecr_holds,
    file_digest,
    make_pusher,
    part_calls,
    push_and_cancel,
    write_layer,
)

WORKER = "ecrtui-parts-ahead"


def _workers() -> list[str]:
    return [thread.name for thread in threading.enumerate() if thread.name.startswith(WORKER)]


def _members(first: int, size: int) -> dict[str, Any]:
    return {"repositoryName": "r", "uploadId": "u", "partFirstByte": first, "size": size}


def test_parts_are_made_ahead_but_sent_one_at_a_time_in_order(
    endpoint_url: str,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[tuple[int, str]] = []
    make = PartsAhead._make

    def recorded(self: PartsAhead, first: int, hasher: Any) -> Any:
        made.append((first, threading.current_thread().name))
        return make(self, first, hasher)

    monkeypatch.setattr(PartsAhead, "_make", recorded)
    layer = write_layer(tmp_path, 23 * MiB, seed=11)
    result = make_pusher(endpoint_url, journal).push(layer, repository, part_size=5 * MiB)
    assert result.digest == file_digest(layer) and result.record is not None
    assert result.record.state is UploadState.COMPLETED

    offsets = list(range(0, 23 * MiB, 5 * MiB))
    assert [first for first, _ in made] == offsets  # each part read once
    assert made[0][1] == threading.current_thread().name
    assert all(name.startswith(WORKER) for _, name in made[1:]), made
    calls = part_calls(journal, result.record.upload_id)
    assert [call["parameters"]["partFirstByte"] for call in calls] == offsets
    assert_parts_in_order(calls, 23 * MiB)
    for before, after in itertools.pairwise(calls):  # never two parts on the wire at once
        assert after["at"] >= before["at"] + before["duration_ms"] / 1000 - 0.005
    assert _workers() == []


def test_a_failed_part_stops_the_push_at_the_last_confirmed_byte(
    proxy: FaultProxy,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    raw_ecr_client: Any,
) -> None:
    layer = write_layer(tmp_path, 23 * MiB, seed=12)
    proxy.plan("UploadLayerPart", nth=3, fault="http500")
    pusher = make_pusher(proxy.url, journal, attempts=1)
    with pytest.raises(EcrCallError) as raised:
        pusher.push(layer, repository, part_size=5 * MiB)
    assert raised.value.code == "ServerException"
    assert proxy.count("UploadLayerPart") == 3  # nothing after the failed part
    [record] = journal.uploads()
    assert (record.state, record.bytes_confirmed) == (UploadState.INTERRUPTED, 10 * MiB)
    assert record.part_sizes == (5 * MiB, 5 * MiB)
    assert ecr_holds(raw_ecr_client, repository, record.upload_id) == 10 * MiB
    assert _workers() == []

    result = make_pusher(proxy.url, journal).resume(record.upload_id)
    assert result.digest == file_digest(layer)
    assert result.record is not None and result.record.state is UploadState.COMPLETED


def test_a_file_changed_during_the_push_is_caught(
    endpoint_url: str,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    ecr_client: Any,
) -> None:
    layer = write_layer(tmp_path, 23 * MiB, seed=13)
    digest = file_digest(layer)

    def change_the_last_part(progress: Any) -> None:
        if progress.phase == "uploading" and progress.done == 5 * MiB:
            with layer.open("r+b") as file:
                file.seek(22 * MiB)
                file.write(b"changed")

    pusher = make_pusher(endpoint_url, journal, progress=change_the_last_part)
    with pytest.raises(PushError, match="changed while it was being pushed"):
        pusher.push(layer, repository, part_size=5 * MiB)
    [record] = journal.uploads(include_finished=True)
    assert record.state is UploadState.FAILED and record.last_error_code == "SourceChanged"
    assert record.local_digest == digest
    assert record.sent_digest == file_digest(layer) != digest  # what was sent: the new bytes
    found = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest, file_digest(layer)]
    )
    assert found["layers"] == []  # not completed, under either digest
    assert {failure["layerDigest"] for failure in found["failures"]} == {digest, file_digest(layer)}


def test_a_file_cut_short_during_the_push_sends_no_short_part(
    endpoint_url: str,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    raw_ecr_client: Any,
) -> None:
    layer = write_layer(tmp_path, 23 * MiB, seed=14)

    def cut(progress: Any) -> None:
        if progress.phase == "uploading" and progress.done == 5 * MiB:
            with layer.open("r+b") as file:
                file.truncate(12 * MiB)

    pusher = make_pusher(endpoint_url, journal, progress=cut)
    with pytest.raises(PushError, match=r"the file ended at byte 12582912, before byte 15728640"):
        pusher.push(layer, repository, part_size=5 * MiB)
    [record] = journal.uploads(include_finished=True)
    assert record.state is UploadState.FAILED and record.last_error_code == "SourceChanged"
    assert record.bytes_confirmed == 10 * MiB
    calls = part_calls(journal, record.upload_id)
    sent = [
        (call["parameters"]["partFirstByte"], call["parameters"]["partLastByte"]) for call in calls
    ]
    assert sent == [(0, 5 * MiB - 1), (5 * MiB, 10 * MiB - 1)]
    assert ecr_holds(raw_ecr_client, repository, record.upload_id) == 10 * MiB


def test_a_cancelled_push_leaves_no_worker(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 23 * MiB, seed=15)
    upload_id = push_and_cancel(endpoint_url, journal, repository, layer)
    assert _workers() == []
    result = make_pusher(endpoint_url, journal).resume(upload_id)
    assert result.digest == file_digest(layer)


@pytest.mark.parametrize("encoded", [True, False], ids=["encoded", "bytes"])
def test_a_part_continues_the_digest_it_is_given(tmp_path: Path, encoded: bool) -> None:
    layer = write_layer(tmp_path, 1000, seed=16)
    content = layer.read_bytes()
    with PartsAhead(layer, 1000, 400, _members, encoded=encoded) as parts:
        first = parts.take(0, hashlib.sha256())
        second = parts.take(400, first.hasher)  # the one made ahead
        other = hashlib.sha256(b"something else")
        again = parts.take(400, other)  # another digest state: made again from it
        last = parts.take(800, again.hasher)
    assert [(p.first, p.end) for p in (first, second, again, last)] == [
        (0, 400),
        (400, 800),
        (400, 800),
        (800, 1000),
    ]
    assert second.hasher.hexdigest() == hashlib.sha256(content[:800]).hexdigest()
    assert again.made_from is other
    assert last.hasher.hexdigest() == hashlib.sha256(b"something else" + content[400:]).hexdigest()
    if not encoded:
        blobs = [part.blob for part in (first, second, last)]
        assert blobs == [content[:400], content[400:800], content[800:]]
    assert _workers() == []


def test_file_hashing_helpers(tmp_path: Path) -> None:
    layer = write_layer(tmp_path, 2 * MiB + 5, seed=17)
    content = layer.read_bytes()
    assert sha256_of(layer).hexdigest() == hashlib.sha256(content).hexdigest()
    assert sha256_of(layer, MiB + 1).hexdigest() == hashlib.sha256(content[: MiB + 1]).hexdigest()
    fed = hash_range(layer, 7, MiB + 9, hashlib.sha256())
    assert fed.hexdigest() == hashlib.sha256(content[7 : MiB + 9]).hexdigest()
    with pytest.raises(FileEnded, match=f"the file ended at byte {2 * MiB + 5}"):
        hash_range(layer, MiB, 3 * MiB, hashlib.sha256())
