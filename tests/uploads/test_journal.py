"""The upload journal: SQLite in WAL mode, private, versioned, a row per upload, a call history."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest

from ecrtui.ecr.caller import CallRecord, redacted
from ecrtui.uploads import journal as journal_module
from ecrtui.uploads.journal import (
    MIGRATIONS,
    Origin,
    UploadJournal,
    UploadState,
    default_path,
)
from tests.uploads.fault_proxy import FaultProxy
from tests.uploads.helpers import MiB, file_digest, make_pusher, part_calls, write_layer


def test_the_journal_lives_in_the_state_directory(tmp_path: Path) -> None:
    assert os.environ["ECRTUI_STATE_DIR"] == str(tmp_path / "state")
    assert default_path().parent == tmp_path / "state"
    with UploadJournal() as journal:
        assert journal.path == default_path()
    assert default_path().is_file()


def test_wal_mode_private_file_and_schema_version(journal: UploadJournal) -> None:
    assert stat.S_IMODE(journal.path.stat().st_mode) == 0o600
    assert journal.schema_version == len(MIGRATIONS)
    other = sqlite3.connect(journal.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert other.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        tables = {row[0] for row in other.execute("SELECT name FROM sqlite_master")}
        assert {"uploads", "calls"} <= tables
    finally:
        other.close()


def test_a_journal_file_created_world_readable_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere" / "journal.sqlite3"
    path.parent.mkdir()
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    with UploadJournal(path) as journal:
        assert journal.schema_version == len(MIGRATIONS)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def _record(journal: UploadJournal, upload_id: str = "u-1") -> Any:
    return journal.record(
        endpoint="http://127.0.0.1:1",
        region="us-east-1",
        repository="test/repo",
        upload_id=upload_id,
        origin=Origin.TRACKED,
        state=UploadState.INTERRUPTED,
        bytes_confirmed=5,
    )


def test_reopening_keeps_the_rows_and_does_not_rerun_migrations(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with UploadJournal(path) as journal:
        _record(journal)
    # Reopening would fail ("table uploads already exists") if migration 1 ran again.
    for _ in range(2):
        with UploadJournal(path) as journal:
            assert journal.schema_version == len(MIGRATIONS)
            assert [record.upload_id for record in journal.uploads()] == ["u-1"]
            assert journal.integrity_check() == "ok"


def test_a_new_migration_runs_once_on_an_existing_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.sqlite3"
    with UploadJournal(path) as journal:
        _record(journal)
        assert journal.schema_version == len(MIGRATIONS)
    extra = "CREATE TABLE IF NOT EXISTS runs (n INTEGER); INSERT INTO runs VALUES (1)"
    monkeypatch.setattr(journal_module, "MIGRATIONS", (*MIGRATIONS, extra))
    for _ in range(3):
        with UploadJournal(path) as journal:
            assert journal.schema_version == len(MIGRATIONS) + 1
            assert [record.upload_id for record in journal.uploads()] == ["u-1"]
    db = sqlite3.connect(path)
    try:
        assert db.execute("SELECT count(*) FROM runs").fetchone()[0] == 1
    finally:
        db.close()


def test_a_first_version_journal_gains_the_verdict_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.sqlite3"
    monkeypatch.setattr(journal_module, "MIGRATIONS", MIGRATIONS[:1])
    with UploadJournal(path) as journal:
        _record(journal)
        assert journal.schema_version == 1
    monkeypatch.setattr(journal_module, "MIGRATIONS", MIGRATIONS)
    with UploadJournal(path) as journal:
        assert journal.schema_version == len(MIGRATIONS) >= 2
        [record] = journal.uploads()
        assert (record.upload_id, record.part_sizes, record.sent_digest) == ("u-1", (), None)
        updated = journal.update(record.row_id, part_sizes=[5, 6], sent_digest="sha256:x")
        assert (updated.part_sizes, updated.sent_digest) == ((5, 6), "sha256:x")


def test_recording_an_upload_again_updates_its_one_row(journal: UploadJournal) -> None:
    first = _record(journal)
    again = journal.record(
        endpoint="http://127.0.0.1:1",
        region="us-east-1",
        repository="test/repo",
        upload_id="u-1",
        origin=Origin.TRACKED,
        state=UploadState.UPLOADING,
        bytes_confirmed=10,
        registry_id="123456789012",
    )
    assert again.row_id == first.row_id
    assert (again.state, again.bytes_confirmed, again.registry_id) == (
        UploadState.UPLOADING,
        10,
        "123456789012",
    )
    assert again.created_at == first.created_at
    assert again.updated_at >= first.updated_at
    assert len(journal.uploads(include_finished=True)) == 1
    with pytest.raises(ValueError, match="not journal columns"):
        journal.update(first.row_id, repository="other")


def test_a_push_fills_every_field_of_its_row(
    proxy: FaultProxy, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 12 * MiB, seed=1)
    result = make_pusher(proxy.url, journal).push(layer, repository, part_size=5 * MiB)
    record = journal.find(result.record.upload_id) if result.record else None
    assert record is not None
    source = layer.stat()
    assert record.endpoint == proxy.url
    assert record.region == "us-east-1"
    assert record.registry_id is None
    assert record.repository == repository
    assert record.origin is Origin.PUSHED
    assert record.source_path == str(layer.resolve())
    assert record.source_size == 12 * MiB
    assert record.source_mtime_ns == source.st_mtime_ns
    assert record.part_size == 5 * MiB
    assert record.bytes_confirmed == 12 * MiB
    assert record.percent == 100.0
    assert record.local_digest == file_digest(layer)
    assert record.state is UploadState.COMPLETED
    assert 0 < record.created_at <= record.updated_at
    assert record.last_error_code is None and record.last_error_message is None
    assert record.final_response == {
        "registryId": "123456789012",
        "repositoryName": repository,
        "uploadId": record.upload_id,
        "layerDigest": file_digest(layer),
    }
    assert result.response == record.final_response


def test_a_failed_push_keeps_the_last_error(
    proxy: FaultProxy, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    from ecrtui.ecr.errors import EcrCallError

    layer = write_layer(tmp_path, 6 * MiB, seed=2)
    for nth in (2, 3):
        proxy.plan("UploadLayerPart", nth=nth, fault="limit")
    pusher = make_pusher(proxy.url, journal, attempts=2)
    with pytest.raises(EcrCallError) as raised:
        pusher.push(layer, repository, part_size=5 * MiB)
    assert raised.value.code == "LimitExceededException"
    (record,) = journal.uploads()
    assert record.state is UploadState.INTERRUPTED
    assert record.last_error_code == "LimitExceededException"
    assert record.last_error_message == "injected"
    assert record.bytes_confirmed == 5 * MiB


def test_every_part_call_is_in_the_history_without_its_blob(
    proxy: FaultProxy, journal: UploadJournal, repository: str, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 23 * MiB, seed=3)
    proxy.plan("UploadLayerPart", nth=2, fault="http500")
    result = make_pusher(proxy.url, journal).push(layer, repository, part_size=5 * MiB)
    assert result.record is not None
    upload_id = result.record.upload_id

    calls = part_calls(journal, upload_id)
    assert len(calls) == proxy.count("UploadLayerPart") == 6  # 5 parts and one retry
    assert [call["outcome"] for call in calls] == ["ok", "ServerException", *["ok"] * 4]
    starts = [0, 5, 5, 10, 15, 20]
    for call, start in zip(calls, starts, strict=True):
        assert call["upload_id"] == upload_id
        parameters = call["parameters"]
        assert set(parameters) == {"repositoryName", "uploadId", "partFirstByte", "partLastByte"}
        assert parameters["partFirstByte"] == start * MiB
        assert parameters["partLastByte"] == min(start * MiB + 5 * MiB, 23 * MiB) - 1
        assert call["duration_ms"] >= 0
        assert call["request_id"]
    assert calls[1]["request_id"] == "injected-UploadLayerPart-2"  # the proxy's error answer
    ok_ids = [call["request_id"] for call in calls if call["outcome"] == "ok"]
    assert len(set(ok_ids)) == len(ok_ids)

    operations = [call["operation"] for call in journal.calls()]
    assert operations == [
        "BatchCheckLayerAvailability",
        "InitiateLayerUpload",
        *["UploadLayerPart"] * 6,
        "CompleteLayerUpload",
    ]
    assert all(call["request_id"] for call in journal.calls())

    # Not a byte of any blob in the file: the stored parameters are the four above.
    db = sqlite3.connect(journal.path)
    try:
        stored = [json.loads(row[0]) for row in db.execute("SELECT parameters FROM calls")]
    finally:
        db.close()
    assert not any("layerPartBlob" in parameters for parameters in stored)
    assert (
        journal.path.stat().st_size
        + sum(p.stat().st_size for p in journal.path.parent.glob("journal.sqlite3-*"))
        < 5 * MiB
    )


def test_record_call_drops_the_blob(journal: UploadJournal) -> None:
    parameters = {"uploadId": "u-9", "partFirstByte": 0, "partLastByte": 2, "layerPartBlob": b"abc"}
    journal.record_call(
        CallRecord(
            "UploadLayerPart",
            "http://x (us-east-1)",
            redacted(parameters),
            "ok",
            1.5,
            "request-1",
            7.0,
        )
    )
    (call,) = journal.calls("u-9")
    assert call["parameters"] == {"uploadId": "u-9", "partFirstByte": 0, "partLastByte": 2}
    assert (call["operation"], call["outcome"], call["request_id"], call["at"]) == (
        "UploadLayerPart",
        "ok",
        "request-1",
        7.0,
    )
