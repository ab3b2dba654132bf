"""Resuming an upload tracked by id, from a layer file the operator names.

Another client (boto3, standing in for a CI job) started the upload and sent its first bytes; ecrtui
tracked it with a probe, so the journal knows the upload but not its file. A resume is given the
file, checks it against what ECR holds and what the journal knows before any part is sent, and then
finishes the upload as a resume of ecrtui's own push would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecrtui.uploads.engine import PROBE_OFFSET, PushError
from ecrtui.uploads.journal import Origin, UploadJournal, UploadRecord, UploadState
from tests.local.helpers import upload
from tests.uploads.helpers import (
    MiB,
    ecr_holds,
    file_digest,
    make_pusher,
    part_calls,
    sha256sum,
    write_layer,
)


def track(
    endpoint_url: str,
    journal: UploadJournal,
    ecr_client: Any,
    repository: str,
    layer: Path,
    sent: int,
) -> UploadRecord:
    """Another client uploads the first `sent` bytes of `layer`; ecrtui tracks the upload by id."""
    parts = [min(10 * MiB, sent - first) for first in range(0, sent, 10 * MiB)]
    upload_id = upload(ecr_client, repository, layer.read_bytes()[:sent], parts)
    record = make_pusher(endpoint_url, journal).probe(repository, upload_id)
    assert record.origin is Origin.TRACKED
    assert record.source_path is None and record.local_digest is None
    assert record.bytes_confirmed == sent
    return record


def sends(journal: UploadJournal, upload_id: str) -> list[int]:
    """The partFirstByte of every UploadLayerPart sent for this upload, probes included."""
    return [call["parameters"]["partFirstByte"] for call in part_calls(journal, upload_id)]


def test_a_tracked_upload_resumes_from_the_named_file(
    endpoint_url: str,
    journal: UploadJournal,
    ecr_client: Any,
    raw_ecr_client: Any,
    repository: str,
    tmp_path: Path,
) -> None:
    layer = write_layer(tmp_path, 23 * MiB + 17, seed=41)
    tracked = track(endpoint_url, journal, ecr_client, repository, layer, 6 * MiB)

    result = make_pusher(endpoint_url, journal).resume(tracked.upload_id, source=layer)

    digest = file_digest(layer)
    assert digest == sha256sum(layer)
    assert result.digest == digest
    assert result.response is not None and result.response["layerDigest"] == digest
    record = journal.get(tracked.row_id)
    assert record is not None and record.state is UploadState.COMPLETED
    assert record.source_path == str(layer.resolve())
    assert record.source_size == 23 * MiB + 17
    assert record.source_mtime_ns == layer.stat().st_mtime_ns
    assert record.local_digest == digest
    assert record.origin is Origin.TRACKED  # who started it does not change
    # the tracking probe, the resume's probe, then parts of ECR's 10 MiB from the byte it held
    assert sends(journal, tracked.upload_id) == [
        PROBE_OFFSET,
        PROBE_OFFSET,
        6 * MiB,
        16 * MiB,
    ]
    parts = [
        (call["parameters"]["partFirstByte"], call["parameters"]["partLastByte"], call["outcome"])
        for call in part_calls(journal, tracked.upload_id)
        if call["parameters"]["partFirstByte"] != PROBE_OFFSET
    ]
    assert parts == [(6 * MiB, 16 * MiB - 1, "ok"), (16 * MiB, 23 * MiB + 16, "ok")]
    found = raw_ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )["layers"]
    assert [layer["layerAvailability"] for layer in found] == ["AVAILABLE"]


def test_without_a_file_the_resume_says_what_it_needs(
    endpoint_url: str, journal: UploadJournal, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=42)
    tracked = track(endpoint_url, journal, ecr_client, repository, layer, 5 * MiB)
    with pytest.raises(PushError) as raised:
        make_pusher(endpoint_url, journal).resume(tracked.upload_id)
    assert str(raised.value) == (
        f"the journal has no source file for upload {tracked.upload_id}; resume it with the "
        "layer's file, or push the layer again"
    )
    assert sends(journal, tracked.upload_id) == [PROBE_OFFSET]  # the tracking probe only
    assert journal.get(tracked.row_id) == tracked


def test_a_file_shorter_than_what_ecr_holds_is_refused(
    endpoint_url: str,
    journal: UploadJournal,
    ecr_client: Any,
    raw_ecr_client: Any,
    repository: str,
    tmp_path: Path,
) -> None:
    layer = write_layer(tmp_path, 8 * MiB, seed=43)
    tracked = track(endpoint_url, journal, ecr_client, repository, layer, 8 * MiB)
    short = write_layer(tmp_path, 7 * MiB, seed=43, name="short.bin")

    with pytest.raises(PushError) as raised:
        make_pusher(endpoint_url, journal).resume(tracked.upload_id, source=short)

    assert str(raised.value) == (
        f"ECR holds {8 * MiB} bytes of upload {tracked.upload_id}, more than the file's "
        f"{7 * MiB}; this upload cannot be resumed from {short}"
    )
    # only probes were sent (ECR refuses them), and the file was not journaled
    assert sends(journal, tracked.upload_id) == [PROBE_OFFSET, PROBE_OFFSET]
    record = journal.get(tracked.row_id)
    assert record is not None
    assert record.source_path is None and record.local_digest is None
    assert record.state is tracked.state
    assert ecr_holds(raw_ecr_client, repository, tracked.upload_id) == 8 * MiB


def test_a_file_that_is_not_the_journaled_layer_is_refused(
    endpoint_url: str,
    journal: UploadJournal,
    ecr_client: Any,
    raw_ecr_client: Any,
    repository: str,
    tmp_path: Path,
) -> None:
    layer = write_layer(tmp_path, 12 * MiB, seed=44)
    tracked = track(endpoint_url, journal, ecr_client, repository, layer, 5 * MiB)
    known = journal.update(tracked.row_id, local_digest=file_digest(layer))
    other = write_layer(tmp_path, 12 * MiB, seed=45, name="other.bin")  # same size, other bytes

    with pytest.raises(PushError) as raised:
        make_pusher(endpoint_url, journal).resume(tracked.upload_id, source=other)

    assert str(raised.value) == (
        f"{other} hashes to {file_digest(other)}, not to the layer's digest the journal holds "
        f"({file_digest(layer)}): it is not this upload's layer"
    )
    assert sends(journal, tracked.upload_id) == [PROBE_OFFSET, PROBE_OFFSET]
    record = journal.get(tracked.row_id)
    assert record is not None and record.source_path is None
    assert record.local_digest == known.local_digest
    assert ecr_holds(raw_ecr_client, repository, tracked.upload_id) == 5 * MiB

    # The right file, with the digest the journal expected: it goes through.
    result = make_pusher(endpoint_url, journal).resume(tracked.upload_id, source=layer)
    assert result.response is not None and result.response["layerDigest"] == file_digest(layer)


def test_a_missing_file_is_refused_before_anything_is_sent(
    endpoint_url: str, journal: UploadJournal, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=46)
    tracked = track(endpoint_url, journal, ecr_client, repository, layer, 5 * MiB)
    missing = tmp_path / "no-such-layer.tar"
    with pytest.raises(PushError, match=r"cannot read the source file .*no-such-layer\.tar"):
        make_pusher(endpoint_url, journal).resume(tracked.upload_id, source=missing)
    assert sends(journal, tracked.upload_id) == [PROBE_OFFSET]


def test_the_file_stays_journaled_for_the_next_resume(
    endpoint_url: str, journal: UploadJournal, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    """Resumed with its file but not completed: the next resume needs no file, and completes."""
    layer = write_layer(tmp_path, 14 * MiB, seed=47)
    tracked = track(endpoint_url, journal, ecr_client, repository, layer, 14 * MiB)
    pusher = make_pusher(endpoint_url, journal)

    ready = pusher.resume(tracked.upload_id, complete=False, source=layer)
    assert ready.response is None
    assert ready.record is not None and ready.record.state is UploadState.READY
    assert ready.record.source_path == str(layer.resolve())
    # every byte was held already: probes only, no part
    assert sends(journal, tracked.upload_id) == [PROBE_OFFSET, PROBE_OFFSET]

    done = pusher.resume(tracked.upload_id)
    assert done.response is not None and done.response["layerDigest"] == file_digest(layer)
