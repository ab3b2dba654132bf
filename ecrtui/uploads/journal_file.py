"""Opening the journal's SQLite file: a private directory and file, read-write when it can be,
read-only when it cannot.

- The state directory is made 0700 when it is ecrtui's own (owned by this user, no sticky bit,
  holding nothing but the journal's files); one that others can write and that ecrtui cannot
  tighten gets a warning with the command that fixes it. The journal file is made 0600 (a
  read-only one 0400).
- Opening takes no write lock: the journal mode is set to WAL only when it is not WAL yet, and
  the schema check (in `UploadJournal`) reads `user_version` before it writes anything. Another
  process may hold the write lock meanwhile; a WAL reader does not wait for it.
- A journal that cannot be written (a read-only file or file system) is opened with SQLite's
  `mode=ro`, and if that fails (WAL needs its `-shm` file, which cannot be made there) with
  `immutable=1`, which reads the file as it was last checkpointed.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

BUSY_TIMEOUT_MS = 5000  # how long a write waits for another process's write lock
DEGRADED_BUSY_TIMEOUT_MS = 100  # the same, once a write already failed: do not stall each part

Warn = Callable[[str], None]


def open_journal_file(path: Path, warn: Warn) -> tuple[sqlite3.Connection, bool]:
    """A connection to the journal file, and whether it is read-only. Raises sqlite3.Error or
    OSError when the file cannot be opened at all (damaged, missing and not creatable, ...)."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    private_directory(directory, path.name, warn)
    if not path.exists():
        try:
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError:
            if not path.exists():
                raise
    private_file(path, warn)
    if writable(path):
        db = connect(str(path))
        try:
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if str(db.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            return db, False
        except sqlite3.OperationalError as error:
            db.close()
            if not is_read_only_error(error):
                raise
        except BaseException:
            db.close()
            raise
    return connect_read_only(path, warn), True


def connect(target: str, uri: bool = False) -> sqlite3.Connection:
    db = sqlite3.connect(target, uri=uri, check_same_thread=False, isolation_level=None)
    db.row_factory = sqlite3.Row
    return db


def writable(path: Path) -> bool:
    """Whether this process may write the journal and create its WAL files next to it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def is_read_only_error(error: sqlite3.Error) -> bool:
    words = str(error).lower()
    return "readonly" in words or "read-only" in words or "unable to open" in words


def connect_read_only(path: Path, warn: Warn) -> sqlite3.Connection:
    uri = path.resolve().as_uri()
    failure: sqlite3.Error | None = None
    for mode in ("mode=ro", "immutable=1"):
        db = connect(f"{uri}?{mode}", uri=True)
        try:
            db.execute("PRAGMA user_version").fetchone()
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as error:
            db.close()
            failure = error
            continue
        wal = path.with_name(path.name + "-wal")
        if mode == "immutable=1" and wal.exists() and wal.stat().st_size > 0:
            warn(
                f"the journal {path} is read as it was last checkpointed: the changes in "
                f"{wal.name} cannot be read without writing next to it"
            )
        return db
    assert failure is not None
    raise failure


def private_directory(directory: Path, journal_name: str, warn: Warn) -> None:
    """Make the state directory 0700 if it is ecrtui's own; warn if others can write it."""
    try:
        status = directory.stat()
    except OSError:
        return
    mode = stat.S_IMODE(status.st_mode)
    if not mode & 0o077:
        return
    if _ecrtuis_own(directory, status, journal_name):
        try:
            os.chmod(directory, 0o700)
            return
        except OSError as error:
            warn(
                f"the state directory {directory} is open to other users (mode {mode:04o}) and "
                f"cannot be made private ({error.strerror}); run: chmod 700 {directory}"
            )
            return
    if mode & 0o022:
        warn(
            f"the state directory {directory} can be written by other users (mode {mode:04o}), "
            "who could replace the journal; make it private (chmod 700) or choose another "
            "with ECRTUI_STATE_DIR"
        )


def private_file(path: Path, warn: Warn) -> None:
    """Take the group's and others' access away (a read-only journal stays read-only)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, mode & 0o700)
    except OSError as error:
        warn(f"the journal {path} cannot be made private (chmod go-rwx): {error.strerror}")


def _ecrtuis_own(directory: Path, status: os.stat_result, journal_name: str) -> bool:
    """Owned by this user, not a shared directory (sticky bit), and holding only the journal."""
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None or status.st_uid != geteuid() or status.st_mode & stat.S_ISVTX:
        return False
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    return all(name.startswith(journal_name) for name in names)
