"""Scratch directories: private, named for their process, removed at exit, swept when stale."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from ecrtui.local import scratch
from ecrtui.local.rules import LayerStore


def dead_pid() -> int:
    """The pid of a process that has run and been waited for."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=30)
    return process.pid


def make_tree(path: Path) -> Path:
    """A directory with a file and a subdirectory, as the backend and the demo leave them."""
    (path / "uploads").mkdir(parents=True)
    (path / "uploads" / "spill").write_bytes(b"abc")
    (path / "journal.sqlite3").write_bytes(b"")
    return path


def run_python(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )


@pytest.mark.parametrize("kind", scratch.KINDS)
def test_a_scratch_directory_is_private_and_named_for_its_process(
    kind: str, tmp_path: Path
) -> None:
    path = scratch.scratch_dir(kind, parent=tmp_path)
    try:
        assert path.parent == tmp_path
        assert stat.S_IMODE(path.stat().st_mode) == 0o700
        match = scratch.SCRATCH_NAME.fullmatch(path.name)
        assert match is not None
        assert (match["kind"], int(match["pid"])) == (kind, os.getpid())
    finally:
        scratch.remove(path)
    assert not path.exists()


def test_an_unknown_kind_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        scratch.scratch_dir("cache", parent=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_sweep_removes_directories_of_dead_processes_only(tmp_path: Path) -> None:
    dead = dead_pid()
    stale = [
        make_tree(tmp_path / f"ecrtui-local-ecr-{dead}-a1b2c3d4"),
        make_tree(tmp_path / f"ecrtui-demo-{dead}-x_9y8z7w"),
    ]
    live = make_tree(tmp_path / f"ecrtui-demo-{os.getpid()}-abcd1234")
    not_ours = [
        make_tree(tmp_path / f"other-local-ecr-{dead}-a1b2c3d4"),
        make_tree(tmp_path / f"ecrtui-cache-{dead}-a1b2c3d4"),
        make_tree(tmp_path / f"ecrtui-local-ecr-{dead}"),
        make_tree(tmp_path / "ecrtui-local-ecr-a1b2c3d4"),
        make_tree(tmp_path / f"ecrtui-demo-{dead}-a1b2c3d4.bak"),
    ]
    a_file = tmp_path / f"ecrtui-demo-{dead}-file0000"
    a_file.write_bytes(b"not a directory")

    removed = scratch.sweep_stale(tmp_path)

    assert sorted(removed) == sorted(stale)
    assert not any(path.exists() for path in stale)
    assert (live / "uploads" / "spill").read_bytes() == b"abc"
    assert all((path / "uploads" / "spill").exists() for path in not_ours)
    assert a_file.read_bytes() == b"not a directory"


def test_sweep_never_follows_a_symlink(tmp_path: Path) -> None:
    dead = dead_pid()
    elsewhere = make_tree(tmp_path / "elsewhere")
    link = tmp_path / "temp" / f"ecrtui-local-ecr-{dead}-link0000"
    link.parent.mkdir()
    link.symlink_to(elsewhere, target_is_directory=True)
    inner = make_tree(tmp_path / "temp" / f"ecrtui-demo-{dead}-abcd1234")
    (inner / "outside").symlink_to(elsewhere, target_is_directory=True)

    assert scratch.sweep_stale(link.parent) == [inner]

    assert link.is_symlink()
    assert (elsewhere / "uploads" / "spill").read_bytes() == b"abc"
    assert (elsewhere / "journal.sqlite3").exists()


def test_sweep_keeps_directories_owned_by_another_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stale = make_tree(tmp_path / f"ecrtui-local-ecr-{dead_pid()}-a1b2c3d4")
    monkeypatch.setattr(scratch, "_uid", lambda: os.stat(tmp_path).st_uid + 1)
    assert scratch.sweep_stale(tmp_path) == []
    assert (stale / "uploads" / "spill").exists()


def test_a_process_of_another_user_counts_as_alive(monkeypatch: pytest.MonkeyPatch) -> None:
    def not_permitted(pid: int, signum: int) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "kill", not_permitted)
    assert scratch.process_alive(1)


def test_liveness_of_running_and_finished_processes() -> None:
    assert scratch.process_alive(os.getpid())
    assert not scratch.process_alive(dead_pid())


def test_a_normal_exit_removes_what_the_process_made(tmp_path: Path) -> None:
    done = run_python(
        """
        from ecrtui.local import scratch
        for kind in scratch.KINDS:
            path = scratch.scratch_dir(kind)
            (path / "layers").mkdir()
            (path / "layers" / "blob").write_bytes(b"x")
            print(path.name)
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    names = done.stdout.split()
    kinds = [match["kind"] for match in map(scratch.SCRATCH_NAME.fullmatch, names) if match]
    assert kinds == list(scratch.KINDS)
    assert not any((tmp_path / name).exists() for name in names)


def test_an_uncaught_exception_still_removes_what_the_process_made(tmp_path: Path) -> None:
    done = run_python(
        """
        from ecrtui.local import scratch
        print(scratch.scratch_dir("demo").name, flush=True)
        raise RuntimeError("boom")
        """,
        tmp_path,
    )
    assert done.returncode == 1
    assert "boom" in done.stderr
    assert not (tmp_path / done.stdout.strip()).exists()


def test_removing_twice_is_harmless_and_remove_all_reports_only_what_was_left(
    tmp_path: Path,
) -> None:
    done = run_python(
        """
        import shutil
        from ecrtui.local import scratch
        first, second, third = (scratch.scratch_dir("demo") for _ in range(3))
        scratch.remove(first)
        scratch.remove(first)
        shutil.rmtree(second)
        print(third.name)
        print(*[path.name for path in scratch.remove_all()])
        print(*[path.name for path in scratch.remove_all()])
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    third, removed, removed_again = done.stdout.split("\n")[:3]
    assert removed == third
    assert removed_again == ""
    assert not any(tmp_path.glob("ecrtui-*"))


def test_a_forked_child_leaves_its_parents_directories(tmp_path: Path) -> None:
    done = run_python(
        """
        import os, sys
        from ecrtui.local import scratch
        path = scratch.scratch_dir("local-ecr")
        child = os.fork()
        if child == 0:
            sys.exit(0)  # runs the exit hooks in the child
        os.waitpid(child, 0)
        print(path.exists())
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"
    assert not any(tmp_path.glob("ecrtui-*"))


def test_a_layer_store_without_a_root_is_a_scratch_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    store = LayerStore()
    match = scratch.SCRATCH_NAME.fullmatch(store.root.name)
    assert store.root.parent == tmp_path
    assert match is not None and match["kind"] == "local-ecr"
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    store.upload_path("u1").write_bytes(b"abc")
    store.close()
    assert not store.root.exists()
    store.close()  # a second close is harmless


def test_a_layer_store_with_a_root_uses_it_and_close_removes_it(tmp_path: Path) -> None:
    store = LayerStore(tmp_path / "store")
    store.layer_path("sha256:" + "0" * 64).write_bytes(b"layer")
    store.close()
    assert not (tmp_path / "store").exists()
