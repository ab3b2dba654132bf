"""The upload commands from a shell: probe-upload, uploads, forget, push-layer, resume, and the
journal updates made by the aws-compatible complete-layer-upload."""

from __future__ import annotations

import json
import re
import time
import uuid
from pathlib import Path
from typing import Any

from ecrtui.cli.upload_commands import uploads_table
from ecrtui.uploads.journal import Origin, UploadJournal, UploadState
from tests.conftest import AwsCli
from tests.uploads.helpers import (
    MiB,
    ecr_holds,
    ecrtui,
    file_digest,
    make_pusher,
    part_calls,
    push_and_cancel,
    sha256sum,
    write_layer,
)

AGE = re.compile(r"(now|a second ago|\d+ seconds ago)$")


def _aws_part(aws_cli: AwsCli, repository: str, upload_id: str, first: int, blob: Path) -> Any:
    size = blob.stat().st_size
    result = aws_cli(
        "ecr",
        "upload-layer-part",
        "--repository-name",
        repository,
        "--upload-id",
        upload_id,
        "--part-first-byte",
        str(first),
        "--part-last-byte",
        str(first + size - 1),
        "--layer-part-blob",
        f"fileb://{blob}",
    )
    assert result.returncode == 0, result.stderr
    return result.json()


def _aws_initiate(aws_cli: AwsCli, repository: str) -> str:
    result = aws_cli("ecr", "initiate-layer-upload", "--repository-name", repository)
    assert result.returncode == 0, result.stderr
    upload_id: str = result.json()["uploadId"]
    return upload_id


def _probe(endpoint_url: str, repository: str, upload_id: str) -> Any:
    return ecrtui(
        "probe-upload",
        "--repository-name",
        repository,
        "--upload-id",
        upload_id,
        "--endpoint-url",
        endpoint_url,
    )


def test_probe_counts_what_the_aws_cli_uploaded_and_changes_nothing(
    aws_cli: AwsCli, endpoint_url: str, repository: str, tmp_path: Path
) -> None:
    six = write_layer(tmp_path, 6 * MiB, seed=30, name="six")
    one = write_layer(tmp_path, 1 * MiB, seed=31, name="one")
    upload_id = _aws_initiate(aws_cli, repository)
    _aws_part(aws_cli, repository, upload_id, 0, six)
    _aws_part(aws_cli, repository, upload_id, 6 * MiB, one)

    for _ in range(2):  # probing twice: the upload is unchanged by the first probe
        probed = _probe(endpoint_url, repository, upload_id)
        assert probed.returncode == 0, probed.stderr
        assert probed.json() == {
            "repositoryName": repository,
            "uploadId": upload_id,
            "bytesHeld": 7 * MiB,
            "lastValidByteReceived": 7 * MiB - 1,
            "state": "interrupted",
        }

    # ECR still expects byte 7 MiB next: the aws CLI's next part goes on from there.
    answer = _aws_part(aws_cli, repository, upload_id, 7 * MiB, one)
    assert answer["lastByteReceived"] == 8 * MiB - 1

    listed = ecrtui("uploads", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    (entry,) = listed.json()
    assert entry["uploadId"] == upload_id
    assert entry["repositoryName"] == repository
    assert entry["origin"] == "tracked by id" == Origin.TRACKED.value
    assert entry["bytesHeld"] == 7 * MiB
    assert entry["endpoint"] == endpoint_url
    assert entry["size"] is None and entry["sourcePath"] is None


def test_after_a_probe_the_aws_cli_completes_the_upload(
    aws_cli: AwsCli, endpoint_url: str, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 7 * MiB, seed=32)
    blob = layer.read_bytes()
    first, rest = tmp_path / "first", tmp_path / "rest"
    first.write_bytes(blob[: 6 * MiB])
    rest.write_bytes(blob[6 * MiB :])
    upload_id = _aws_initiate(aws_cli, repository)
    _aws_part(aws_cli, repository, upload_id, 0, first)

    probed = _probe(endpoint_url, repository, upload_id)
    assert probed.returncode == 0, probed.stderr
    assert probed.json()["bytesHeld"] == 6 * MiB

    assert _aws_part(aws_cli, repository, upload_id, 6 * MiB, rest)["lastByteReceived"] == (
        7 * MiB - 1
    )
    digest = sha256sum(layer)
    completed = aws_cli(
        "ecr",
        "complete-layer-upload",
        "--repository-name",
        repository,
        "--upload-id",
        upload_id,
        "--layer-digests",
        digest,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.json()["layerDigest"] == digest


def test_probe_of_an_unknown_upload(endpoint_url: str, repository: str) -> None:
    probed = _probe(endpoint_url, repository, str(uuid.uuid4()))
    assert probed.returncode == 254, probed.stderr
    assert "UploadNotFoundException" in probed.stderr
    assert probed.stdout == ""


def _table_rows(text: str) -> list[str]:
    lines = text.splitlines()
    assert lines[0].split() == [
        "REPOSITORY",
        "UPLOAD",
        "ID",
        "ECR",
        "HOLDS",
        "OF",
        "%",
        "STATE",
        "LAST",
        "ACTIVITY",
    ]
    return lines[1:]


def test_uploads_table_all_and_forget(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    pusher = make_pusher(endpoint_url, journal)
    done = pusher.push(write_layer(tmp_path, 1 * MiB, seed=40), repository)
    ready = pusher.push(write_layer(tmp_path, 3 * MiB, seed=41), repository, complete=False)
    assert done.record is not None and ready.record is not None
    time.sleep(0.01)
    interrupted = push_and_cancel(
        endpoint_url, journal, repository, write_layer(tmp_path, 11 * MiB, seed=42)
    )
    completed_id, ready_id = done.record.upload_id, ready.record.upload_id

    listed = ecrtui("uploads")
    assert listed.returncode == 0, listed.stderr
    rows = _table_rows(listed.stdout)
    assert [row.split()[1] for row in rows] == [interrupted, ready_id]  # newest first
    assert re.search(r"5\.0 MiB\s+11\.0 MiB\s+45\s+interrupted\s+", rows[0]), rows[0]
    assert re.search(r"3\.0 MiB\s+3\.0 MiB\s+100\s+ready to complete\s+", rows[1]), rows[1]
    for row in rows:
        assert row.startswith(repository)
        assert AGE.search(row), row

    everything = ecrtui("uploads", "--all")
    assert everything.returncode == 0, everything.stderr
    rows = _table_rows(everything.stdout)
    assert [row.split()[1] for row in rows] == [interrupted, ready_id, completed_id]
    assert re.search(r"1\.0 MiB\s+1\.0 MiB\s+100\s+completed\s+", rows[2]), rows[2]

    forgotten = ecrtui("forget", ready_id)
    assert forgotten.returncode == 0, forgotten.stderr
    assert ready_id in forgotten.stderr
    listed = ecrtui("uploads", "--output", "json")
    assert [entry["uploadId"] for entry in listed.json()] == [interrupted]
    everything = ecrtui("uploads", "--all", "--output", "json")
    states = {entry["uploadId"]: entry["state"] for entry in everything.json()}
    assert states == {
        ready_id: "forgotten",
        interrupted: "interrupted",
        completed_id: "completed",
    }
    record = journal.find(ready_id)
    assert record is not None and record.state is UploadState.FORGOTTEN

    unknown = ecrtui("forget", str(uuid.uuid4()))
    assert unknown.returncode != 0
    assert "not in the journal" in unknown.stderr


def test_an_empty_journal_lists_nothing() -> None:
    listed = ecrtui("uploads")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("no uploads in flight")
    assert ecrtui("uploads", "--output", "json").json() == []


def test_uploads_output_may_stand_before_the_command() -> None:
    """--output, like every global option, may come before the command."""
    for args in (["--output", "json", "uploads"], ["uploads", "--output", "json"]):
        listed = ecrtui(*args)
        assert listed.returncode == 0, (args, listed.stderr)
        assert listed.json() == []


def test_the_table_humanizes_ages(journal: UploadJournal) -> None:
    record = journal.record(
        endpoint="http://127.0.0.1:1",
        region="us-east-1",
        repository="test/ages",
        upload_id="u-ages",
        origin=Origin.TRACKED,
        state=UploadState.INTERRUPTED,
        bytes_confirmed=3 * MiB // 2,
    )
    for seconds, age in ((0, "now"), (30, "30 seconds ago"), (7200, "2 hours ago")):
        (row,) = uploads_table([record], now=record.updated_at + seconds).splitlines()[1:]
        assert row.endswith(age), row
        assert "1.5 MiB" in row and " ? " in row


def test_complete_layer_upload_completes_the_journal_row(
    endpoint_url: str, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 12 * MiB, seed=50)
    pushed = ecrtui(
        "push-layer",
        str(layer),
        "--repository-name",
        repository,
        "--part-size",
        "5MiB",
        "--no-complete",
        "--endpoint-url",
        endpoint_url,
    )
    assert pushed.returncode == 0, pushed.stderr
    assert pushed.stdout == ""
    assert "ready to complete" in pushed.stderr
    (entry,) = ecrtui("uploads", "--output", "json").json()
    assert (entry["state"], entry["bytesHeld"], entry["partSize"]) == (
        "ready to complete",
        12 * MiB,
        5 * MiB,
    )
    upload_id = entry["uploadId"]

    # A refused completion is journaled as the last error; the upload stays ready.
    wrong = "sha256:" + "0" * 64
    refused = ecrtui(
        "complete-layer-upload",
        "--repository-name",
        repository,
        "--upload-id",
        upload_id,
        "--layer-digests",
        wrong,
        "--endpoint-url",
        endpoint_url,
    )
    assert refused.returncode == 254, refused.stderr
    with UploadJournal() as journal:
        record = journal.find(upload_id)
        assert record is not None
        assert record.state is UploadState.READY
        assert record.last_error_code == "InvalidLayerException"
        assert record.last_error_message

    digest = sha256sum(layer)
    completed = ecrtui(
        "complete-layer-upload",
        "--repository-name",
        repository,
        "--upload-id",
        upload_id,
        "--layer-digests",
        digest,
        "--endpoint-url",
        endpoint_url,
    )
    assert completed.returncode == 0, completed.stderr
    response = completed.json()
    assert response["layerDigest"] == digest
    with UploadJournal() as journal:
        record = journal.find(upload_id)
        assert record is not None
        assert record.state is UploadState.COMPLETED
        assert record.final_response == response
    assert ecrtui("uploads", "--output", "json").json() == []


def test_push_layer_progress_goes_to_stderr_and_only_json_to_stdout(
    endpoint_url: str, repository: str, tmp_path: Path, raw_ecr_client: Any
) -> None:
    layer = write_layer(tmp_path, 12 * MiB, seed=51)
    pushed = ecrtui(
        "--endpoint-url",
        endpoint_url,
        "push-layer",
        str(layer),
        "--repository-name",
        repository,
        "--part-size",
        "5MiB",
    )
    assert pushed.returncode == 0, pushed.stderr
    response = json.loads(pushed.stdout)
    assert pushed.stdout.strip().startswith("{") and pushed.stdout.strip().endswith("}")
    assert set(response) == {"registryId", "repositoryName", "uploadId", "layerDigest"}
    assert response["layerDigest"] == file_digest(layer)
    assert response["repositoryName"] == repository
    assert "12.0 MiB" in pushed.stderr
    assert re.search(r"100\.0%", pushed.stderr), pushed.stderr
    assert re.search(r"\b0\.0%", pushed.stderr), pushed.stderr
    lines = [line for line in pushed.stderr.splitlines() if line.strip()]
    assert [line.split()[0] for line in lines] == [
        "hashing",
        "upload",  # the upload id, as soon as ECR gives it
        "uploading",
        "completing",
        "done",
    ]
    assert lines[1] == f"upload id: {response['uploadId']}"

    with UploadJournal() as journal:
        calls = part_calls(journal, response["uploadId"])
        assert [c["parameters"]["partFirstByte"] for c in calls] == [0, 5 * MiB, 10 * MiB]

    again = ecrtui(
        "push-layer", str(layer), "--repository-name", repository, "--endpoint-url", endpoint_url
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout == ""
    assert "already exists" in again.stderr


def test_resume_from_the_command_line(
    endpoint_url: str, journal: UploadJournal, repository: str, tmp_path: Path, raw_ecr_client: Any
) -> None:
    layer = write_layer(tmp_path, 11 * MiB, seed=52)
    upload_id = push_and_cancel(endpoint_url, journal, repository, layer)
    assert ecr_holds(raw_ecr_client, repository, upload_id) == 5 * MiB
    resumed = ecrtui("resume", upload_id, "--endpoint-url", endpoint_url)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.json()["layerDigest"] == sha256sum(layer)

    unknown = ecrtui("resume", str(uuid.uuid4()), "--endpoint-url", endpoint_url)
    assert unknown.returncode == 255
    assert "not in the journal" in unknown.stderr
    assert unknown.stdout == ""
