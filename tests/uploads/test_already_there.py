"""Two pushes of one layer race: the second completion gets LayerAlreadyExistsException, which
means the layer is in the repository. That is a success everywhere: exit 0, ECR's answer shape
on stdout, a note on stderr, and a completed journal row noted "already there"."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from ecrtui.ecr.errors import EcrCallError
from ecrtui.uploads.engine import PushResult
from ecrtui.uploads.journal import Origin, UploadJournal, UploadState
from tests.conftest import CliResult
from tests.fake_ecr import FakeEcr, FakeError
from tests.uploads.fault_proxy import FaultProxy
from tests.uploads.helpers import MiB, ecrtui, file_digest, make_pusher, write_layer

ANSWER_MEMBERS = {"registryId", "repositoryName", "uploadId", "layerDigest"}


def _push_without_completing(layer: Path, repository: str, endpoint_url: str) -> str:
    pushed = ecrtui(
        "push-layer", str(layer), "--repository-name", repository, "--no-complete",
        "--endpoint-url", endpoint_url,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    return pushed.stderr.split("upload id: ")[1].split()[0]


def _complete(repository: str, upload_id: str, digest: str, endpoint_url: str) -> CliResult:
    return ecrtui(
        "complete-layer-upload", "--repository-name", repository, "--upload-id", upload_id,
        "--layer-digests", digest, "--endpoint-url", endpoint_url,
    )  # fmt: skip


def _assert_already_there(journal: UploadJournal, upload_id: str, digest: str) -> None:
    record = journal.find(upload_id)
    assert record is not None
    assert record.state is UploadState.COMPLETED
    assert record.last_error_code == "LayerAlreadyExistsException"
    assert (record.last_error_message or "").startswith("already there: ")
    assert record.final_response is not None
    assert record.final_response["layerDigest"] == digest
    assert record.final_response["uploadId"] == upload_id


def test_completing_the_same_layer_twice_fails_as_with_the_aws_cli_but_journals_it_completed(
    endpoint_url: str, repository: str, tmp_path: Path, ecr_client: Any
) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=100)
    digest = file_digest(layer)
    first = _push_without_completing(layer, repository, endpoint_url)
    second = _push_without_completing(layer, repository, endpoint_url)
    assert first != second

    done = _complete(repository, first, digest, endpoint_url)
    assert done.returncode == 0, done.stderr
    again = _complete(repository, second, digest, endpoint_url)
    assert again.returncode == 254  # what the aws CLI says, for scripts that rely on it
    assert again.stdout == ""
    assert "(LayerAlreadyExistsException) when calling the CompleteLayerUpload" in again.stderr
    with UploadJournal() as journal:
        _assert_already_there(journal, second, digest)
        assert journal.find(second).final_response == {**done.json(), "uploadId": second}  # type: ignore[union-attr]
        record = journal.find(first)
        assert record is not None and record.state is UploadState.COMPLETED
        assert record.last_error_code is None
    listed = ecrtui("uploads", "--all", "--output", "json").json()
    assert {entry["state"] for entry in listed} == {"completed"}


def test_resuming_an_upload_whose_layer_got_there_first_succeeds(
    endpoint_url: str, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=101)
    digest = file_digest(layer)
    first = _push_without_completing(layer, repository, endpoint_url)
    second = _push_without_completing(layer, repository, endpoint_url)
    assert ecrtui("resume", first, "--endpoint-url", endpoint_url).returncode == 0
    resumed = ecrtui("resume", second, "--endpoint-url", endpoint_url)
    assert resumed.returncode == 0, resumed.stderr
    answer = json.loads(resumed.stdout)
    assert set(answer) == ANSWER_MEMBERS
    assert (answer["uploadId"], answer["layerDigest"]) == (second, digest)
    assert f"the layer {digest} was already in {repository}" in resumed.stderr
    with UploadJournal() as journal:
        _assert_already_there(journal, second, digest)


def test_two_pushes_of_one_file_race_and_both_succeed(
    proxy: FaultProxy, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    """The first push's completion is held until the second push has completed the layer."""
    layer = write_layer(tmp_path, 12 * MiB, seed=102)
    digest = file_digest(layer)
    held = proxy.plan("CompleteLayerUpload", nth=1, fault="hold")
    results: list[PushResult | BaseException] = []

    def first_push() -> None:
        try:
            results.append(make_pusher(proxy.url, journal).push(layer, repository))
        except BaseException as raised:  # the test asserts on it
            results.append(raised)

    thread = threading.Thread(target=first_push)
    thread.start()
    try:
        held.wait_reached()
        second = make_pusher(proxy.url, journal).push(layer, repository)
    finally:
        held.release()
        thread.join(timeout=60)
    assert second.response is not None and second.note is None
    [first] = results
    assert isinstance(first, PushResult), first
    assert first.response is not None and first.record is not None
    assert set(first.response) == ANSWER_MEMBERS
    assert first.response["layerDigest"] == digest
    assert first.note is not None and "already in" in first.note
    assert first.record.upload_id != second.response["uploadId"]
    _assert_already_there(journal, first.record.upload_id, digest)
    assert [r.state for r in journal.uploads(include_finished=True)] == [UploadState.COMPLETED] * 2


def test_already_exists_is_not_a_success_when_the_layer_is_not_there(
    journal: UploadJournal,
) -> None:
    """The layer check decides: if it does not show the layer, the error stands."""
    exists = FakeError(400, "LayerAlreadyExistsException", "The layer already exists")
    with FakeEcr({"CompleteLayerUpload": exists}) as fake:
        pusher = make_pusher(fake.endpoint_url, journal)
        record = journal.record(
            endpoint=fake.endpoint_url,
            region=pusher.region,
            repository="team/api",
            upload_id="6cb64b8a-9378-4e33-8ab1-b780fa2c4e01",
            origin=Origin.TRACKED,
            state=UploadState.READY,
            local_digest="sha256:" + "a" * 64,
        )
        with pytest.raises(EcrCallError) as raised:
            pusher.complete(record)
        assert fake.operations() == ["CompleteLayerUpload", "BatchCheckLayerAvailability"]
    assert raised.value.code == "LayerAlreadyExistsException"
    stored = journal.get(record.row_id)
    assert stored is not None and stored.state is UploadState.FAILED
    assert stored.last_error_code == "LayerAlreadyExistsException"
