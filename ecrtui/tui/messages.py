"""Messages the console's workers post to the UI thread; handlers there update the widgets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message

from ecrtui.ecr.errors import EcrCallError
from ecrtui.tui.session import HistoryEntry, Identity
from ecrtui.uploads.journal import UploadRecord


@dataclass
class Connected(Message):
    identity: Identity


@dataclass
class ConnectFailed(Message):
    error: EcrCallError


@dataclass
class RepositoriesLoaded(Message):
    repositories: list[dict[str, Any]]
    next_token: str | None
    first_page: bool


@dataclass
class UploadsLoaded(Message):
    uploads: list[UploadRecord]


@dataclass
class ImagesLoaded(Message):
    repository: str
    images: list[dict[str, Any]]


@dataclass
class CallFinished(Message):
    """A request the operator sent (success or error), for the response panel and history."""

    entry: HistoryEntry


@dataclass
class ProbeFinished(Message):
    record: UploadRecord


@dataclass
class WorkFailed(Message):
    """A background task failed; what it was doing and why."""

    doing: str
    error: EcrCallError


@dataclass
class UploadCallsLoaded(Message):
    upload_id: str
    calls: list[dict[str, Any]]
