"""The upload journal: ecrtui's own record of every upload, since ECR cannot list them.

SQLite in WAL mode, file mode 0600, in the state directory (ECRTUI_STATE_DIR overrides the
platform's). Every state change is one transaction, committed before the next network call, so a
kill at any moment leaves rows that tell the truth up to the last confirmed part. A second table
keeps each call made (never blobs or secrets) as a local audit history.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ecrtui.ecr.caller import CallRecord


class UploadState(str, Enum):
    INITIATED = "initiated"
    UPLOADING = "uploading"
    INTERRUPTED = "interrupted"
    READY = "ready to complete"
    COMPLETED = "completed"
    FAILED = "failed"
    EXPIRED = "expired"
    FORGOTTEN = "forgotten"

    @property
    def in_flight(self) -> bool:
        return self in (self.INITIATED, self.UPLOADING, self.INTERRUPTED, self.READY)


class Origin(str, Enum):
    PUSHED = "pushed here"
    TRACKED = "tracked by id"
    DEMO = "demo"
    DISCOVERED = "found in CloudTrail"


def state_dir() -> Path:
    override = os.environ.get("ECRTUI_STATE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir("ecrtui", appauthor=False))


def default_path() -> Path:
    return state_dir() / "journal.sqlite3"


@dataclass(frozen=True)
class UploadRecord:
    """One row of the journal."""

    row_id: int
    endpoint: str
    region: str
    registry_id: str | None
    repository: str
    upload_id: str
    origin: Origin
    state: UploadState
    part_size: int | None
    bytes_confirmed: int
    source_path: str | None
    source_size: int | None
    source_mtime_ns: int | None
    local_digest: str | None
    created_at: float
    updated_at: float
    last_error_code: str | None
    last_error_message: str | None
    final_response: dict[str, Any] | None
    part_sizes: tuple[int, ...] = ()  # the parts ECR accepted, in order (when known)
    sent_digest: str | None = None  # the sha256 of the bytes ECR holds (when known)
    client: str | None = None  # who sent it, for an upload found in CloudTrail: "docker 27.3.1"
    principal: str | None = None  # the caller's ARN, for an upload found in CloudTrail
    started_at: float | None = None  # when CloudTrail says it started (found in CloudTrail)

    @property
    def percent(self) -> float | None:
        if not self.source_size:
            return None
        return 100.0 * self.bytes_confirmed / self.source_size


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


class UploadJournal:
    """Thread-safe access to the journal file; one short transaction per change."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._migrate()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> UploadJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def _migrate(self) -> None:
        with self._transaction() as db:
            version = int(db.execute("PRAGMA user_version").fetchone()[0])
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

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
        with self._transaction() as db:
            db.execute(
                """
                INSERT INTO uploads (endpoint, region, registry_id, repository, upload_id, origin,
                    state, part_size, bytes_confirmed, source_path, source_size, source_mtime_ns,
                    local_digest, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (endpoint, region, upload_id) DO UPDATE SET
                    state = excluded.state,
                    bytes_confirmed = excluded.bytes_confirmed,
                    registry_id = coalesce(excluded.registry_id, registry_id),
                    updated_at = excluded.updated_at
                """,
                (
                    endpoint,
                    region,
                    registry_id,
                    repository,
                    upload_id,
                    origin.value,
                    state.value,
                    part_size,
                    bytes_confirmed,
                    str(source.resolve()) if source else None,
                    size,
                    mtime,
                    local_digest,
                    now,
                    now,
                ),
            )
        found = self.find(upload_id, endpoint=endpoint, region=region)
        assert found is not None
        return found

    def update(self, row_id: int, **changes: Any) -> UploadRecord:
        """Change some columns of one row in one transaction; `state` may be an UploadState."""
        allowed = {
            "state",
            "bytes_confirmed",
            "part_size",
            "local_digest",
            "registry_id",
            "last_error_code",
            "last_error_message",
            "final_response",
            "part_sizes",
            "sent_digest",
            "client",
            "principal",
            "started_at",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"not journal columns: {sorted(unknown)}")
        values = {name: _column_value(value) for name, value in changes.items()}
        values["updated_at"] = time.time()
        assignments = ", ".join(f"{name} = :{name}" for name in values)
        with self._transaction() as db:
            db.execute(
                f"UPDATE uploads SET {assignments} WHERE row_id = :row_id",
                {**values, "row_id": row_id},
            )
        record = self.get(row_id)
        assert record is not None
        return record

    def get(self, row_id: int) -> UploadRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM uploads WHERE row_id = ?", (row_id,)).fetchone()
        return _to_record(row) if row else None

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
            row = self._db.execute(query + " ORDER BY updated_at DESC", args).fetchone()
        return _to_record(row) if row else None

    def uploads(self, *, include_finished: bool = False) -> list[UploadRecord]:
        """Uploads, the newest started first; only those in flight unless include_finished."""
        with self._lock:
            # newest first by creation: a row does not move when it changes
            rows = self._db.execute(
                "SELECT * FROM uploads ORDER BY created_at DESC, row_id DESC"
            ).fetchall()
        records = [_to_record(row) for row in rows]
        return [r for r in records if include_finished or r.state.in_flight]

    # -- the call history ----------------------------------------------------------------------

    def record_call(self, call: CallRecord) -> None:
        """Keep one call in the history: a listener of `EcrCaller` (never blobs or secrets)."""
        safe = {k: v for k, v in call.parameters.items() if k not in _UNRECORDED}
        with self._transaction() as db:
            db.execute(
                "INSERT INTO calls (upload_id, operation, parameters, outcome, duration_ms, "
                "request_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    call.upload_id,
                    call.operation,
                    json.dumps(safe, default=str, sort_keys=True),
                    call.outcome,
                    call.duration_ms,
                    call.request_id,
                    call.at,
                ),
            )

    def calls(self, upload_id: str | None = None) -> list[dict[str, Any]]:
        query, args = "SELECT * FROM calls", tuple[str, ...]()
        if upload_id is not None:
            query, args = query + " WHERE upload_id = ?", (upload_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY call_id", args).fetchall()
        return [{**dict(row), "parameters": json.loads(row["parameters"])} for row in rows]

    def integrity_check(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def attach_source(self, row_id: int, path: Path, digest: str) -> UploadRecord:
        """Journal the layer's file of an upload that had none (one tracked by id): its path,
        size and modification time, as a push records them, and the digest it hashes to."""
        stat = path.stat()
        with self._transaction() as db:
            db.execute(
                "UPDATE uploads SET source_path = ?, source_size = ?, source_mtime_ns = ?, "
                "local_digest = ?, updated_at = ? WHERE row_id = ?",
                (str(path.resolve()), stat.st_size, stat.st_mtime_ns, digest, time.time(), row_id),
            )
        record = self.get(row_id)
        assert record is not None
        return record


def _column_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, sort_keys=True)
    return value


def _to_record(row: sqlite3.Row) -> UploadRecord:
    data = dict(row)
    data["origin"] = Origin(data["origin"])
    data["state"] = UploadState(data["state"])
    if data["final_response"]:
        data["final_response"] = json.loads(data["final_response"])
    sizes = data.get("part_sizes")
    data["part_sizes"] = tuple(json.loads(sizes)) if sizes else ()
    return UploadRecord(**data)
