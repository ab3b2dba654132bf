"""The upload journal: ecrtui's own record of every upload, since ECR cannot list them.

SQLite in WAL mode, file mode 0600, in the state directory (ECRTUI_STATE_DIR overrides the
platform's; made 0700 when it is ecrtui's own). Every state change is one transaction, committed
before the next network call, so a kill at any moment leaves rows that tell the truth up to the
last confirmed part. A second table keeps each call made (never blobs or secrets) as a local
audit history.

The journal never turns what ECR did into a failure. ECR's answer is the truth; the journal is
ecrtui's memory of it, and catches up when it cannot keep up:

- A change that cannot be written (disk full, a write lock held by another process past the
  busy timeout, a read-only or damaged file) goes to the backlog (`ecrtui.uploads.backlog`): kept
  in memory and in a file next to the journal, and written before the next change, or when the
  journal is next opened. Meanwhile the journal answers as if it had been written, so a push goes
  on, and `warn` is told once what is wrong and where the changes are.
- Reading takes no write lock: opening checks the schema version first and migrates (a write
  transaction) only when the file is older than this ecrtui, so another process's write lock
  does not stop `ecrtui uploads`. A journal that cannot be written is opened read-only.
- Given `warn`, a journal that cannot be opened at all (a damaged file) is not an error either:
  reads find nothing, changes go to the backlog, and the warning says how to start afresh.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecrtui.uploads import journal_file
from ecrtui.uploads.backlog import Backlog, Change
from ecrtui.uploads.journal_file import DEGRADED_BUSY_TIMEOUT_MS, open_journal_file
from ecrtui.uploads.journal_rows import (
    UPDATABLE,
    Origin,
    UploadRecord,
    UploadState,
    apply_change,
    as_row,
    column_value,
    to_record,
)

if TYPE_CHECKING:
    from ecrtui.ecr.caller import CallRecord

__all__ = [
    "MIGRATIONS",
    "Origin",
    "UploadJournal",
    "UploadRecord",
    "UploadState",
    "default_path",
    "state_dir",
]

log = logging.getLogger(__name__)


def state_dir() -> Path:
    override = os.environ.get("ECRTUI_STATE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir("ecrtui", appauthor=False))


def default_path() -> Path:
    return state_dir() / "journal.sqlite3"


# Each migration takes the schema from version N-1 to N; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE uploads (
        row_id INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL,
        region TEXT NOT NULL,
        registry_id TEXT,
        repository TEXT NOT NULL,
        upload_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        state TEXT NOT NULL,
        part_size INTEGER,
        bytes_confirmed INTEGER NOT NULL DEFAULT 0,
        source_path TEXT,
        source_size INTEGER,
        source_mtime_ns INTEGER,
        local_digest TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        last_error_code TEXT,
        last_error_message TEXT,
        final_response TEXT,
        UNIQUE (endpoint, region, upload_id)
    );
    CREATE INDEX uploads_by_recency ON uploads (updated_at DESC);
    CREATE TABLE calls (
        call_id INTEGER PRIMARY KEY,
        upload_id TEXT,
        operation TEXT NOT NULL,
        parameters TEXT NOT NULL,
        outcome TEXT NOT NULL,
        duration_ms REAL NOT NULL,
        request_id TEXT,
        at REAL NOT NULL
    );
    CREATE INDEX calls_by_upload ON calls (upload_id, at);
    """,
    # What a verdict needs: the sizes of the parts ECR accepted, and the sha256 of those bytes.
    """
    ALTER TABLE uploads ADD COLUMN part_sizes TEXT;
    ALTER TABLE uploads ADD COLUMN sent_digest TEXT;
    """,
    # Uploads other tools started, found in CloudTrail: which client, and whose.
    """
    ALTER TABLE uploads ADD COLUMN client TEXT;
    ALTER TABLE uploads ADD COLUMN principal TEXT;
    ALTER TABLE uploads ADD COLUMN started_at REAL;
    """,
)

# Parameters never written to the call history.
_UNRECORDED = {"layerPartBlob"}

Key = tuple[str, str, str]  # endpoint, region, upload id: what names one upload's row


class UploadJournal:
    """Thread-safe access to the journal file; one short transaction per change.

    `warn` receives a sentence whenever the journal is in trouble (and when it caught up). With
    it, a journal that cannot be opened is not an error: reads find nothing, and changes go to
    the backlog. Without it, opening fails as SQLite does, and later trouble is logged."""

    def __init__(self, path: Path | None = None, *, warn: Callable[[str], None] | None = None):
        self.path = path or default_path()
        self.read_only = False
        self.problem: str | None = None  # why the journal is not fully usable, when it is not
        self._tolerant = warn is not None
        self._warn_to = warn or _log_warning
        self._lock = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._backlog = Backlog(self.path)
        self._overlay: dict[Key, UploadRecord] = {}  # rows as they are with the backlog applied
        self._seen: dict[int, UploadRecord] = {}  # every row handed out, by row id
        self._next_temporary_id = -1
        self._warned: set[str] = set()
        self._degraded = False
        self._schema_ready = False
        try:
            self._db, self.read_only = open_journal_file(self.path, self._warn)
            self._schema_ready = self._check_schema()
        except (sqlite3.Error, OSError) as error:
            self._close_db()
            if not self._tolerant:
                raise
            self.problem = f"cannot be opened: {_words(error)}"
            self._warn(
                f"the journal {self.path} cannot be opened ({_words(error)}); ecrtui goes on "
                f"without it and keeps its changes in {self._backlog.pattern} until it can. If "
                f"the file is damaged, move it aside (mv {self.path} {self.path}.damaged): a new "
                "journal starts, and takes those changes"
            )
        if self.read_only:
            self.problem = "is read-only"
            self._warn(
                f"the journal {self.path} is read-only: it is read as it is, and changes are "
                f"kept in {self._backlog.pattern} (or in memory) until it can be written"
            )
        for problem in self._backlog.load():
            self._warn(f"the journal's backlog: {problem}")
        if self._backlog.changes:
            with self._lock:
                waiting = len(self._backlog)
                if self._flush():
                    self._warn(
                        f"the journal caught up: {waiting} change(s) kept while it could not be "
                        "written are in it now"
                    )

    def close(self) -> None:
        with self._lock:
            if self._backlog.changes and not self._flush() and not self._backlog.save():
                lost = "; ".join(self._backlog.describe()) or "the call history"
                self._warn(f"the journal could not keep these changes, which are lost: {lost}")
            self._close_db()

    def __enter__(self) -> UploadJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        with self._lock:
            if self._db is None:
                return 0
            return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @property
    def pending(self) -> int:
        """How many changes wait in the backlog for the journal to take them."""
        return len(self._backlog)

    # -- opening and writing -------------------------------------------------------------------

    def _check_schema(self) -> bool:
        """True when the schema is current; migrates it (a write) only when it is not."""
        assert self._db is not None
        version = int(self._db.execute("PRAGMA user_version").fetchone()[0])
        if version >= len(MIGRATIONS) or self.read_only:
            return True
        try:
            with self._lock:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    self._migrate(self._db)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
        except sqlite3.Error as error:
            if not self._tolerant:
                raise
            self._trouble(
                "migrate", f"cannot bring its schema up to date ({error}); it is read as it is"
            )
            return False
        return True

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        """Inside a write transaction: run the migrations this file has not had yet."""
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {number}")

    def _write(self, change: Change) -> bool:
        """Add a change to the backlog and write the backlog; False if it stays there."""
        with self._lock:
            self._backlog.add(change)
            if self._flush():
                return True
            if not self._backlog.save():
                self._trouble(
                    "backlog",
                    "cannot keep its backlog next to it either: changes are kept "
                    f"{self._backlog.where}",
                )
            return False

    def _flush(self) -> bool:
        """Write every change of the backlog in one transaction (with the lock held)."""
        db = self._db
        if db is None or self.read_only:
            return False
        caught_up = self._degraded
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                if not self._schema_ready:
                    self._migrate(db)
                for change in self._backlog.changes:
                    self._apply(db, change)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.Error as error:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            if not self._degraded:
                self._degraded = True
                with contextlib.suppress(sqlite3.Error):
                    db.execute(f"PRAGMA busy_timeout={DEGRADED_BUSY_TIMEOUT_MS}")
            self._trouble(
                "write",
                f"cannot be written ({_words(error)}); the change is kept in its backlog "
                f"({self._backlog.pattern}) and written to it when it can be",
            )
            return False
        waiting = len(self._backlog)
        self._schema_ready = True
        self._backlog.clear()
        self._overlay.clear()
        if caught_up:
            self._degraded = False
            self._warned.clear()
            with contextlib.suppress(sqlite3.Error):
                db.execute(f"PRAGMA busy_timeout={journal_file.BUSY_TIMEOUT_MS}")
            self._warn(
                f"the journal {self.path} can be written again: the {waiting} change(s) kept "
                "meanwhile are in it now"
            )
        return True

    def _apply(self, db: sqlite3.Connection, change: Change) -> None:
        """Write one change of the backlog. One that can never be written (a line a newer ecrtui
        wrote, or a damaged one) is dropped with a warning, so it cannot block those after it;
        trouble that may pass (a lock, a full disk) fails the whole transaction."""
        db.execute("SAVEPOINT change")
        try:
            apply_change(db, change)
        except (sqlite3.Error, LookupError, TypeError, ValueError) as error:
            if isinstance(error, sqlite3.Error) and _may_pass(error):
                raise
            db.execute("ROLLBACK TO change")
            self._warn(f"the journal drops a change it cannot write ({error}): {change!r:.200}")
        db.execute("RELEASE change")

    def _trouble(self, kind: str, words: str) -> None:
        """Warn once about each kind of trouble, until the journal recovers."""
        if kind in self._warned:
            return
        self._warned.add(kind)
        self._warn(f"the journal {self.path} {words}")

    def _warn(self, message: str) -> None:
        try:
            self._warn_to(message)
        except Exception:  # a warning must never turn a success into a failure
            log.warning("%s", message)

    def _close_db(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None

    def _rows(self, query: str, args: Any = ()) -> list[sqlite3.Row]:
        """Rows read from the journal; none (with a warning) when it cannot be read."""
        with self._lock:
            if self._db is None:
                return []
            try:
                return list(self._db.execute(query, args).fetchall())
            except sqlite3.Error as error:
                if not self._tolerant:
                    raise
                self._trouble("read", f"cannot be read ({_words(error)})")
                return []

    # -- uploads -------------------------------------------------------------------------------

    def record(
        self,
        *,
        endpoint: str,
        region: str,
        repository: str,
        upload_id: str,
        origin: Origin,
        state: UploadState,
        registry_id: str | None = None,
        part_size: int | None = None,
        bytes_confirmed: int = 0,
        source: Path | None = None,
        local_digest: str | None = None,
    ) -> UploadRecord:
        """Add an upload (or refresh a known one) and return its row."""
        now = time.time()
        size = mtime = None
        if source is not None:
            stat = source.stat()
            size, mtime = stat.st_size, stat.st_mtime_ns
        key = (endpoint, region, upload_id)
        values = {
            "endpoint": endpoint,
            "region": region,
            "registry_id": registry_id,
            "repository": repository,
            "upload_id": upload_id,
            "origin": origin.value,
            "state": state.value,
            "part_size": part_size,
            "bytes_confirmed": bytes_confirmed,
            "source_path": str(source.resolve()) if source else None,
            "source_size": size,
            "source_mtime_ns": mtime,
            "local_digest": local_digest,
            "created_at": now,
            "updated_at": now,
        }
        with self._lock:
            if self._write({"op": "record", "key": key, "values": values, "at": now}):
                found = self._find_key(key)
                if found is not None:
                    return found
            base = self._latest(key)
            if base is None:
                record = to_record({"row_id": self._temporary_id(), **values})
            else:
                refreshed = {
                    "state": values["state"],
                    "bytes_confirmed": bytes_confirmed,
                    "registry_id": registry_id or base.registry_id,
                    "updated_at": now,
                }
                record = to_record({**as_row(base), **refreshed})
            return self._pretend(key, record)

    def update(self, row_id: int, **changes: Any) -> UploadRecord:
        """Change some columns of one row in one transaction; `state` may be an UploadState."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValueError(f"not journal columns: {sorted(unknown)}")
        return self._change(row_id, {name: column_value(value) for name, value in changes.items()})

    def _change(self, row_id: int, values: dict[str, Any]) -> UploadRecord:
        now = time.time()
        values = {**values, "updated_at": now}
        with self._lock:
            known = self._seen.get(row_id) or self.get(row_id)
            if known is None:
                raise LookupError(f"no upload with row id {row_id} in the journal")
            key = _key(known)
            if self._write({"op": "update", "key": key, "values": values, "at": now}):
                found = self._find_key(key)
                if found is not None:
                    return found
            base = self._latest(key) or known
            return self._pretend(key, to_record({**as_row(base), **values}))

    def get(self, row_id: int) -> UploadRecord | None:
        with self._lock:
            seen = self._seen.get(row_id)
            if seen is not None:
                key = _key(seen)
                if key in self._overlay:
                    return self._overlay[key]
                found = self._find_key(key)
                return found if found is not None else seen
            rows = self._rows("SELECT * FROM uploads WHERE row_id = ?", (row_id,))
            return self._remember(to_record(rows[0])) if rows else None

    def find(
        self, upload_id: str, *, endpoint: str | None = None, region: str | None = None
    ) -> UploadRecord | None:
        """The newest row for this upload id (optionally at this endpoint and region)."""
        query = "SELECT * FROM uploads WHERE upload_id = ?"
        args: list[Any] = [upload_id]
        for column, value in (("endpoint", endpoint), ("region", region)):
            if value is not None:
                query += f" AND {column} = ?"
                args.append(value)
        with self._lock:
            found = [
                self._current(to_record(row))
                for row in self._rows(query + " ORDER BY updated_at DESC", args)
            ]
            found += [
                record
                for key, record in self._overlay.items()
                if key[2] == upload_id
                and endpoint in (None, key[0])
                and region in (None, key[1])
                and record not in found
            ]
        return max(found, key=lambda record: record.updated_at) if found else None

    def uploads(self, *, include_finished: bool = False) -> list[UploadRecord]:
        """Uploads, the newest started first; only those in flight unless include_finished."""
        with self._lock:
            # newest first by creation: a row does not move when it changes
            records = [
                self._current(to_record(row))
                for row in self._rows("SELECT * FROM uploads ORDER BY created_at DESC, row_id DESC")
            ]
            known = {_key(record) for record in records}
            records += [record for key, record in self._overlay.items() if key not in known]
        records.sort(key=lambda record: (record.created_at, record.row_id), reverse=True)
        return [r for r in records if include_finished or r.state.in_flight]

    def upload_pages(
        self, *, include_finished: bool = False, page_size: int = 2000, first_page_size: int = 200
    ) -> Iterator[list[UploadRecord]]:
        """`uploads()` a page at a time, in the same order: a long journal's newest rows are
        ready before the rest is read. Each page is one short read that goes on after the last
        row of the page before, so a row added meanwhile waits for the next listing."""
        with self._lock:
            if self._overlay:  # changes the backlog holds: the whole list, merged, at once
                yield self.uploads(include_finished=include_finished)
                return
        in_flight = [state.value for state in UploadState if state.in_flight]
        states = "" if include_finished else f"state IN ({','.join('?' * len(in_flight))})"
        after: tuple[float, int] | None = None
        while True:
            where = [states] if states else []
            args: list[Any] = [] if include_finished else list(in_flight)
            if after is not None:
                where.append("(created_at < ? OR (created_at = ? AND row_id < ?))")
                args += [after[0], after[0], after[1]]
            query = "SELECT * FROM uploads"
            if where:
                query += " WHERE " + " AND ".join(where)
            query += " ORDER BY created_at DESC, row_id DESC LIMIT ?"
            size = first_page_size if after is None else page_size
            rows = self._rows(query, [*args, size])
            with self._lock:
                page = [self._current(to_record(row)) for row in rows]
            if page:
                yield page
            if len(rows) < size:
                return
            after = (page[-1].created_at, page[-1].row_id)

    def _find_key(self, key: Key) -> UploadRecord | None:
        rows = self._rows(
            "SELECT * FROM uploads WHERE endpoint = ? AND region = ? AND upload_id = ?", key
        )
        return self._current(to_record(rows[0])) if rows else None

    def _current(self, record: UploadRecord) -> UploadRecord:
        """The row as it is with the backlog applied, remembered by its row id."""
        return self._remember(self._overlay.get(_key(record), record))

    def _latest(self, key: Key) -> UploadRecord | None:
        if key in self._overlay:
            return self._overlay[key]
        found = self._find_key(key)
        if found is not None:
            return found
        seen = [record for record in self._seen.values() if _key(record) == key]
        return max(seen, key=lambda record: record.updated_at) if seen else None

    def _pretend(self, key: Key, record: UploadRecord) -> UploadRecord:
        """A change the backlog holds: the row as it will be once written."""
        self._overlay[key] = record
        return self._remember(record)

    def _remember(self, record: UploadRecord) -> UploadRecord:
        self._seen[record.row_id] = record
        return record

    def _temporary_id(self) -> int:
        """A row id for a row the backlog holds (negative: never one SQLite gives)."""
        self._next_temporary_id -= 1
        return self._next_temporary_id + 1

    # -- the call history ----------------------------------------------------------------------

    def record_call(self, call: CallRecord) -> None:
        """Keep one call in the history: a listener of `EcrCaller` (never blobs or secrets)."""
        safe = {k: v for k, v in call.parameters.items() if k not in _UNRECORDED}
        values = {
            "upload_id": call.upload_id,
            "operation": call.operation,
            "parameters": json.dumps(safe, default=str, sort_keys=True),
            "outcome": call.outcome,
            "duration_ms": call.duration_ms,
            "request_id": call.request_id,
            "at": call.at,
        }
        self._write({"op": "call", "values": values, "at": call.at})

    def calls(self, upload_id: str | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT * FROM calls", tuple[str, ...]()
        if upload_id is not None:
            query, args = query + " WHERE upload_id = ?", (upload_id,)
        with self._lock:
            rows = [dict(row) for row in self._rows(query + " ORDER BY call_id", args)]
            rows += [
                {"call_id": None, **change["values"]}
                for change in self._backlog.changes
                if change["op"] == "call" and upload_id in (None, change["values"].get("upload_id"))
            ]
        return [{**row, "parameters": json.loads(row["parameters"])} for row in rows]

    def integrity_check(self) -> str:
        with self._lock:
            if self._db is None:
                return f"the journal {self.problem}"
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def attach_source(self, row_id: int, path: Path, digest: str) -> UploadRecord:
        """Journal the layer's file of an upload that had none (one tracked by id): its path,
        size and modification time, as a push records them, and the digest it hashes to."""
        stat = path.stat()
        return self._change(
            row_id,
            {
                "source_path": str(path.resolve()),
                "source_size": stat.st_size,
                "source_mtime_ns": stat.st_mtime_ns,
                "local_digest": digest,
            },
        )


def _key(record: UploadRecord) -> Key:
    return (record.endpoint, record.region, record.upload_id)


def _may_pass(error: sqlite3.Error) -> bool:
    """Trouble with the file or the disk rather than with a change: a lock held by another
    process, a full disk, an I/O error, a read-only or damaged file."""
    name = str(getattr(error, "sqlite_errorname", "") or "")
    if name:
        return not name.startswith(("SQLITE_ERROR", "SQLITE_CONSTRAINT", "SQLITE_MISMATCH"))
    words = str(error).lower()
    return any(
        word in words
        for word in ("locked", "busy", "full", "disk", "readonly", "read-only", "open", "database")
    )


def _words(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    return str(error)


def _log_warning(message: str) -> None:
    log.warning("%s", message)
