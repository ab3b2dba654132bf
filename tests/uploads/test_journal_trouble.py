"""A journal in trouble (a damaged file, another process's write lock, a full disk) never turns
what ECR did into a failure: the command reports ECR's answer and exits 0, the trouble is a
warning on stderr, and the journal catches up from its backlog when it can."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ecrtui.cli.main import main
from ecrtui.uploads import journal as journal_module
from ecrtui.uploads import journal_file
from ecrtui.uploads.backlog import Backlog
from ecrtui.uploads.journal import UploadJournal, UploadState, default_path
from tests.conftest import CliResult
from tests.uploads.helpers import MiB, ecrtui, file_digest, make_pusher, write_layer

FULL = "database or disk is full"


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Another process holds the journal's write lock (BEGIN EXCLUSIVE) inside the block."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
            str(path),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> CliResult:
    """`ecrtui ARGS` in this process, so a test can make the journal fail."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return CliResult(code, out, err)


def backlog_files() -> list[Path]:
    return Backlog(default_path()).files()


def _ready_upload(endpoint_url: str, repository: str, tmp_path: Path, seed: int) -> Any:
    """An upload pushed with the journal healthy, all its bytes sent, not completed."""
    layer = write_layer(tmp_path, 6 * MiB, seed=seed)
    with UploadJournal() as journal:
        result = make_pusher(endpoint_url, journal).push(layer, repository, complete=False)
    assert result.record is not None and result.record.state is UploadState.READY
    return result


def _complete_args(endpoint_url: str, repository: str, upload_id: str, digest: str) -> list[str]:
    return [
        "complete-layer-upload", "--repository-name", repository, "--upload-id", upload_id,
        "--layer-digests", digest, "--endpoint-url", endpoint_url,
    ]  # fmt: skip


def _completed(upload_id: str) -> Any:
    with UploadJournal() as journal:
        record = journal.find(upload_id)
    assert record is not None, f"{upload_id} is not in the journal"
    assert record.state is UploadState.COMPLETED, record
    return record


# -- a damaged file --------------------------------------------------------------------------------


def test_a_damaged_journal_warns_and_every_command_goes_on(
    endpoint_url: str, repository: str, tmp_path: Path, ecr_client: Any
) -> None:
    default_path().parent.mkdir(parents=True, exist_ok=True)
    default_path().write_bytes(b"this is not a database\x00\xff" * 300)

    listed = ecrtui("uploads")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("no uploads in flight")
    assert "warning: the journal" in listed.stderr and "file is not a database" in listed.stderr
    assert "mv " in listed.stderr  # the fix
    assert ecrtui("uploads", "--output", "json").json() == []

    blob = b"layer bytes" * 1000
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    ecr_client.upload_layer_part(
        repositoryName=repository, uploadId=upload_id, partFirstByte=0,
        partLastByte=len(blob) - 1, layerPartBlob=blob,
    )  # fmt: skip
    digest = "sha256:" + hashlib.sha256(blob).hexdigest()
    completed = ecrtui(*_complete_args(endpoint_url, repository, upload_id, digest))
    assert completed.returncode == 0, completed.stderr
    assert completed.json()["layerDigest"] == digest
    assert "file is not a database" in completed.stderr

    layer = write_layer(tmp_path, 6 * MiB, seed=120)
    pushed = ecrtui("push-layer", str(layer), "--repository-name", repository,
                    "--endpoint-url", endpoint_url)  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    pushed_id = pushed.json()["uploadId"]
    assert f"upload id: {pushed_id}" in pushed.stderr
    assert backlog_files()  # the push's changes wait next to the journal

    # the operator moves the damaged file aside: a new journal starts and takes the backlog
    default_path().rename(default_path().with_name("journal.damaged"))
    caught_up = ecrtui("uploads", "--all", "--output", "json")
    assert caught_up.returncode == 0, caught_up.stderr
    assert "the journal caught up" in caught_up.stderr
    [entry] = caught_up.json()
    assert (entry["uploadId"], entry["state"], entry["bytesHeld"]) == (
        pushed_id,
        "completed",
        6 * MiB,
    )
    assert entry["finalResponse"]["layerDigest"] == file_digest(layer)
    assert backlog_files() == []
    with UploadJournal() as journal:
        assert [c["operation"] for c in journal.calls(pushed_id)].count("UploadLayerPart") == 1


# -- another process holds the write lock ----------------------------------------------------------


def test_a_locked_journal_is_read_without_waiting_for_the_lock(
    endpoint_url: str, repository: str, tmp_path: Path
) -> None:
    ready = _ready_upload(endpoint_url, repository, tmp_path, seed=121)
    with locked(default_path()):
        began = time.monotonic()
        listed = ecrtui("uploads", "--output", "json")
        elapsed = time.monotonic() - began
    assert listed.returncode == 0, listed.stderr
    assert [entry["uploadId"] for entry in listed.json()] == [ready.record.upload_id]
    assert "warning" not in listed.stderr
    assert elapsed < journal_file.BUSY_TIMEOUT_MS / 1000  # it did not wait for the lock


def test_a_completion_while_the_journal_is_locked_succeeds_and_is_journaled_later(
    endpoint_url: str,
    repository: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ready = _ready_upload(endpoint_url, repository, tmp_path, seed=122)
    upload_id = ready.record.upload_id
    monkeypatch.setattr(journal_file, "BUSY_TIMEOUT_MS", 300)
    with locked(default_path()):
        done = run(capsys, *_complete_args(endpoint_url, repository, upload_id, ready.digest))
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["layerDigest"] == ready.digest
        assert "warning: the journal" in done.stderr and "database is locked" in done.stderr
        with UploadJournal() as journal:  # still locked: the row is as it was
            assert journal.find(upload_id).state is UploadState.READY  # type: ignore[union-attr]
    # the lock is gone: the next open writes the backlog
    record = _completed(upload_id)
    assert record.final_response["layerDigest"] == ready.digest
    assert backlog_files() == []
    again = run(capsys, *_complete_args(endpoint_url, repository, upload_id, ready.digest))
    assert again.returncode == 254  # ECR consumed the id: a retry would only have confused


def test_opening_a_journal_that_needs_a_migration_while_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "journal.sqlite3"
    with pytest.MonkeyPatch.context() as first_version:
        first_version.setattr(journal_module, "MIGRATIONS", journal_module.MIGRATIONS[:1])
        with UploadJournal(path) as journal:
            journal.record(
                endpoint="http://e", region="r", repository="team/api", upload_id="u-1",
                origin=journal_module.Origin.TRACKED, state=UploadState.INTERRUPTED,
            )  # fmt: skip
    monkeypatch.setattr(journal_file, "BUSY_TIMEOUT_MS", 200)
    warnings: list[str] = []
    with locked(path):
        with UploadJournal(path, warn=warnings.append) as journal:
            assert [record.upload_id for record in journal.uploads()] == ["u-1"]
            assert journal.schema_version == 1
        assert any("cannot bring its schema up to date" in w for w in warnings), warnings
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            UploadJournal(path)  # without `warn`, trouble opening is an error, as before
    with UploadJournal(path) as journal:
        assert journal.schema_version == len(journal_module.MIGRATIONS)


# -- a full disk -----------------------------------------------------------------------------------


@contextmanager
def disk_full(backlog_too: bool = False) -> Iterator[None]:
    """Inside the block, no journal write fits on the disk (nor the backlog, if `backlog_too`)."""

    def full(db: sqlite3.Connection, change: Any) -> None:
        raise sqlite3.OperationalError(FULL)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(journal_module, "apply_change", full)
        if backlog_too:
            patch.setattr(Backlog, "save", lambda self: False)
        yield


def test_a_full_disk_during_a_push_loses_nothing(
    endpoint_url: str,
    repository: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    layer = write_layer(tmp_path, 12 * MiB, seed=123)
    with disk_full():
        pushed = run(capsys, "push-layer", str(layer), "--repository-name", repository,
                     "--part-size", "5MiB", "--endpoint-url", endpoint_url)  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    answer = json.loads(pushed.stdout)
    assert answer["layerDigest"] == file_digest(layer)
    assert f"upload id: {answer['uploadId']}\n" in pushed.stderr
    assert pushed.stderr.count(FULL) == 1  # one warning, not one per part
    [kept] = backlog_files()
    assert kept.stat().st_mode & 0o777 == 0o600
    record = _completed(answer["uploadId"])
    assert (record.bytes_confirmed, record.part_sizes) == (12 * MiB, (5 * MiB, 5 * MiB, 2 * MiB))
    assert backlog_files() == []


def test_a_full_disk_with_no_room_for_the_backlog_still_prints_the_upload_id(
    endpoint_url: str,
    repository: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=124)
    with disk_full(backlog_too=True):
        pushed = run(capsys, "push-layer", str(layer), "--repository-name", repository,
                     "--no-complete", "--endpoint-url", endpoint_url)  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr
    upload_id = pushed.stderr.split("upload id: ")[1].split()[0]
    assert f"upload {upload_id} holds all {6 * MiB} bytes" in pushed.stderr
    assert "in memory only" in pushed.stderr
    assert f"which are lost: upload {upload_id}: state ready to complete" in pushed.stderr
    resumed = ecrtui("probe-upload", "--repository-name", repository, "--upload-id", upload_id,
                     "--endpoint-url", endpoint_url)  # fmt: skip
    assert resumed.returncode == 0 and resumed.json()["bytesHeld"] == 6 * MiB  # the id is usable


def test_a_full_disk_at_completion_reports_the_completion(
    endpoint_url: str,
    repository: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ready = _ready_upload(endpoint_url, repository, tmp_path, seed=125)
    upload_id = ready.record.upload_id
    with disk_full():
        done = run(capsys, *_complete_args(endpoint_url, repository, upload_id, ready.digest))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["uploadId"] == upload_id
    assert f"warning: the journal {default_path()} cannot be written ({FULL})" in done.stderr
    assert "hint" not in done.stderr
    _completed(upload_id)


# -- a read-only journal ---------------------------------------------------------------------------


def test_a_read_only_journal_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "ro"
    path = directory / "journal.sqlite3"
    with UploadJournal(path) as journal:
        row = journal.record(
            endpoint="http://e", region="r", repository="team/api", upload_id="u-1",
            origin=journal_module.Origin.TRACKED, state=UploadState.INTERRUPTED,
        )  # fmt: skip
    path.chmod(0o444)
    directory.chmod(0o555)
    monkeypatch.setattr(journal_file, "writable", lambda path: False)  # as for any user but root
    warnings: list[str] = []
    try:
        with UploadJournal(path, warn=warnings.append) as journal:
            assert journal.read_only
            assert [record.upload_id for record in journal.uploads()] == ["u-1"]
            changed = journal.update(row.row_id, state=UploadState.FORGOTTEN)
            assert changed.state is UploadState.FORGOTTEN and journal.pending == 1
            assert journal.uploads() == []  # answers as if written
    finally:
        directory.chmod(0o755)
    assert any("is read-only" in warning for warning in warnings), warnings


def _as_nobody(command: list[str]) -> list[str] | None:
    """The command run as an unprivileged user, or None if this machine cannot."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    wrapped = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
    probe = subprocess.run([*wrapped[: -len(command)], "true"], capture_output=True)
    return wrapped if probe.returncode == 0 else None


def test_ecrtui_uploads_reads_a_journal_on_a_read_only_directory(tmp_path: Path) -> None:
    """For real: a user who may not write the journal or its directory lists its uploads."""
    command = _as_nobody([sys.executable, "-m", "ecrtui", "uploads", "--output", "json"])
    if command is None:
        pytest.skip("no unprivileged user to run as")
    directory = Path(tempfile.mkdtemp(prefix="ecrtui-ro-"))
    try:
        directory.chmod(0o755)
        path = directory / "journal.sqlite3"
        with UploadJournal(path) as journal:
            journal.record(
                endpoint="http://e", region="r", repository="team/api", upload_id="u-1",
                origin=journal_module.Origin.TRACKED, state=UploadState.INTERRUPTED,
            )  # fmt: skip
        path.chmod(0o444)
        directory.chmod(0o555)
        env = {**os.environ, "ECRTUI_STATE_DIR": str(directory), "HOME": str(directory)}
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        assert [entry["uploadId"] for entry in json.loads(done.stdout)] == ["u-1"]
        assert "is read-only" in done.stderr
    finally:
        directory.chmod(0o755)
        for child in directory.iterdir():
            child.unlink()
        directory.rmdir()


# -- the state directory ---------------------------------------------------------------------------


def test_a_state_directory_open_to_all_is_made_private(tmp_path: Path) -> None:
    directory = default_path().parent
    directory.mkdir(mode=0o777)
    directory.chmod(0o777)
    listed = ecrtui("uploads")
    assert listed.returncode == 0 and "warning" not in listed.stderr
    assert directory.stat().st_mode & 0o777 == 0o700
    assert default_path().stat().st_mode & 0o777 == 0o600


def test_a_shared_directory_is_left_alone_with_a_warning(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "someone-elses-file").write_text("x")
    shared.chmod(0o1777)
    warnings: list[str] = []
    with UploadJournal(shared / "journal.sqlite3", warn=warnings.append):
        pass
    assert shared.stat().st_mode & 0o7777 == 0o1777
    assert any("can be written by other users (mode 1777)" in w for w in warnings), warnings


def test_a_directory_of_another_user_is_not_changed(tmp_path: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root can give a directory to another user")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    theirs.chmod(0o777)
    os.chown(theirs, 65534, 65534)
    warnings: list[str] = []
    with UploadJournal(theirs / "journal.sqlite3", warn=warnings.append):
        pass
    assert theirs.stat().st_mode & 0o777 == 0o777
    assert any("chmod 700" in w for w in warnings), warnings


# -- the backlog -----------------------------------------------------------------------------------


def test_a_backlog_never_undoes_a_newer_change(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with UploadJournal(path) as journal:
        row = journal.record(
            endpoint="http://e", region="r", repository="team/api", upload_id="u-1",
            origin=journal_module.Origin.TRACKED, state=UploadState.INTERRUPTED,
        )  # fmt: skip
        newer = journal.update(row.row_id, state=UploadState.COMPLETED)
    key = ["http://e", "r", "u-1"]
    stale = {"state": "uploading", "updated_at": newer.updated_at - 10}
    fresh = {"bytes_confirmed": 7, "updated_at": newer.updated_at + 10}
    lines = [
        {"op": "update", "key": key, "values": stale, "at": stale["updated_at"]},
        {"op": "update", "key": key, "values": fresh, "at": fresh["updated_at"]},
        "a line cut short by a kill",
    ]
    kept = path.with_name("journal.sqlite3.backlog-1-abcd")
    kept.write_text("\n".join(json.dumps(line) for line in lines)[:-5])
    with UploadJournal(path) as journal:
        [record] = journal.uploads(include_finished=True)
    assert (record.state, record.bytes_confirmed) == (UploadState.COMPLETED, 7)
    assert not kept.exists()


def test_a_backlog_change_that_can_never_be_written_does_not_block_the_others(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    with UploadJournal(path) as journal:
        journal.record(
            endpoint="http://e", region="r", repository="team/api", upload_id="u-1",
            origin=journal_module.Origin.TRACKED, state=UploadState.INTERRUPTED,
        )  # fmt: skip
    key = ["http://e", "r", "u-1"]
    later = time.time() + 10
    lines = [
        {"op": "update", "key": key, "values": {"a_newer_column": 1}, "at": later},
        {"op": "update", "key": key, "values": {"bytes_confirmed": 9, "updated_at": later}},
    ]
    kept = path.with_name("journal.sqlite3.backlog-2-abcd")
    kept.write_text("".join(json.dumps(line) + "\n" for line in lines))
    warnings: list[str] = []
    with UploadJournal(path, warn=warnings.append) as journal:
        [record] = journal.uploads()
    assert record.bytes_confirmed == 9
    assert any("drops a change it cannot write (no such column" in w for w in warnings), warnings
    assert not kept.exists()
