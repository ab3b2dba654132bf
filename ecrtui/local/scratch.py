"""Scratch directories for the local backend and the demo, and their removal on every exit.

The local ECR backend spills uploads and stores layers in a directory of its own, and
`ecrtui --demo` keeps its journal and demo layer files in another. Each is made here, private to
the user (mode 0700), in the system temp directory, and named for the process that owns it:

    ecrtui-local-ecr-<pid>-<random>
    ecrtui-demo-<pid>-<random>

A clean stop removes the directory. So does the exit of the process that made it (an `atexit`
hook calls `remove_all`), for stops that skip the usual path. A process killed outright (SIGKILL,
a crash, a power cut) cannot clean up after itself: the next start of the backend or the demo calls
`sweep_stale`, which removes directories whose owner process is gone.

Nothing here imports Textual, moto or boto3, so importing it is cheap.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import stat
import tempfile
import threading
from pathlib import Path

KINDS = ("local-ecr", "demo")

# ecrtui-<kind>-<owner pid>-<random suffix from tempfile.mkdtemp>
SCRATCH_NAME = re.compile(r"ecrtui-(?P<kind>local-ecr|demo)-(?P<pid>[0-9]{1,10})-[a-z0-9_]+")

_made: list[tuple[int, Path]] = []  # (pid of the maker, directory) not removed yet
_made_lock = threading.Lock()


def scratch_dir(kind: str, parent: Path | None = None) -> Path:
    """Make a new private directory for `kind` scratch data, named for this process.

    parent: where to make it (default: the system temp directory, as TMPDIR says). The directory
    is removed when this process exits, if nothing removed it before.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind of scratch directory: {kind!r} (one of {KINDS})")
    pid = os.getpid()
    path = Path(tempfile.mkdtemp(prefix=f"ecrtui-{kind}-{pid}-", dir=parent))
    with _made_lock:
        _made.append((pid, path))
    return path


def remove(path: Path) -> None:
    """Remove one scratch directory and everything in it; a missing one is fine."""
    with _made_lock:
        _made[:] = [(pid, made) for pid, made in _made if made != path]
    _remove_tree(path)


def remove_all() -> list[Path]:
    """Remove every scratch directory this process made that is still there; return them.

    Runs at interpreter exit, and wherever a stop must not depend on the usual shutdown path.
    A directory inherited over a fork stays: it belongs to the parent process.
    """
    pid = os.getpid()
    with _made_lock:
        mine = [path for maker, path in _made if maker == pid]
        _made[:] = [(maker, path) for maker, path in _made if maker != pid]
    return [path for path in mine if _remove_tree(path)]


def sweep_stale(parent: Path | None = None) -> list[Path]:
    """Remove the scratch directories left by ecrtui processes that no longer run; return them.

    Only names of ecrtui's own pattern are considered, and only real directories (not symlinks)
    owned by this user. A directory whose owner process is alive, or may be, is kept.
    parent: where to look (default: the system temp directory, as TMPDIR says).
    """
    where = Path(tempfile.gettempdir()) if parent is None else parent
    try:
        entries = list(os.scandir(where))
    except OSError:
        return []
    removed: list[Path] = []
    for entry in entries:
        match = SCRATCH_NAME.fullmatch(entry.name)
        if match is None or process_alive(int(match["pid"])):
            continue
        path = Path(entry.path)
        if _remove_tree(path):
            removed.append(path)
    return removed


def process_alive(pid: int) -> bool:
    """Whether process `pid` runs; True when that cannot be told, so its files are kept."""
    if os.name == "nt":  # os.kill on Windows ends processes rather than probing them
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError, OSError):
        return True  # alive under another user, or not a pid this system has: not ours to judge
    return True


def _remove_tree(path: Path) -> bool:
    """Remove `path` if it is a real directory owned by this user; whether it was removed.

    shutil.rmtree does not follow symlinks inside the tree, and refuses a symlink at the top.
    """
    try:
        info = path.lstat()
    except OSError:
        return False
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != _uid():
        return False
    try:
        shutil.rmtree(path)
    except OSError:  # a file went while the tree was being removed: remove what is left
        shutil.rmtree(path, ignore_errors=True)
    return not path.exists()


def _uid() -> int:
    getuid = getattr(os, "getuid", None)
    return getuid() if getuid is not None else 0


atexit.register(remove_all)
