"""The journal's rows: the states and origins of an upload, one upload's record, and how a
change (see `ecrtui.uploads.backlog`) is written as SQL.
"""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ecrtui.uploads.backlog import Change


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


# Columns `update` may change.
UPDATABLE = frozenset(
    {
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
)
RECORD_FIELDS = frozenset(field.name for field in dataclasses.fields(UploadRecord))
_REQUIRED_FIELDS = frozenset(
    field.name
    for field in dataclasses.fields(UploadRecord)
    if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
)


def apply_change(db: sqlite3.Connection, change: Change) -> None:
    """Write one change inside a transaction. A change read back from a backlog file does not
    overwrite a row that changed after it, and a call already listed is not listed again."""
    replayed = bool(change.get("replayed"))
    values = dict(change["values"])
    if change["op"] == "call":
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        guard = (
            " WHERE NOT EXISTS (SELECT 1 FROM calls WHERE at = :at AND operation = :operation "
            "AND upload_id IS :upload_id)"
            if replayed
            else ""
        )
        db.execute(f"INSERT INTO calls ({columns}) SELECT {marks}{guard}", values)
        return
    endpoint, region, upload_id = change["key"]
    if change["op"] == "record":
        columns = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        db.execute(
            f"""
            INSERT INTO uploads ({columns}) VALUES ({marks})
            ON CONFLICT (endpoint, region, upload_id) DO UPDATE SET
                state = excluded.state,
                bytes_confirmed = excluded.bytes_confirmed,
                registry_id = coalesce(excluded.registry_id, registry_id),
                updated_at = excluded.updated_at
            WHERE NOT :replayed OR uploads.updated_at <= excluded.updated_at
            """,
            {**values, "replayed": replayed},
        )
        return
    assignments = ", ".join(f"{name} = :{name}" for name in values)
    db.execute(
        f"UPDATE uploads SET {assignments} WHERE endpoint = :_endpoint AND region = :_region "
        "AND upload_id = :_upload_id AND (NOT :_replayed OR updated_at <= :updated_at)",
        {
            **values,
            "_endpoint": endpoint,
            "_region": region,
            "_upload_id": upload_id,
            "_replayed": replayed,
        },
    )


def column_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, default=str, sort_keys=True)
    return value


def to_record(row: sqlite3.Row | dict[str, Any]) -> UploadRecord:
    """A row as a record; columns a newer ecrtui added are left out."""
    data = {name: value for name, value in dict(row).items() if name in RECORD_FIELDS}
    for name in _REQUIRED_FIELDS - set(data):  # a row the backlog holds may lack a column
        data[name] = None
    data["origin"] = Origin(data["origin"])
    data["state"] = UploadState(data["state"])
    if data.get("final_response"):
        data["final_response"] = json.loads(data["final_response"])
    sizes = data.get("part_sizes")
    data["part_sizes"] = tuple(json.loads(sizes)) if sizes else ()
    return UploadRecord(**data)


def as_row(record: UploadRecord) -> dict[str, Any]:
    """A record as its row's column values (the inverse of `to_record`)."""
    row = {name: column_value(value) for name, value in dataclasses.asdict(record).items()}
    row["part_sizes"] = json.dumps(list(record.part_sizes)) if record.part_sizes else None
    row["final_response"] = column_value(record.final_response) if record.final_response else None
    return row
