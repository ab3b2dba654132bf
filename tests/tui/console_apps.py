"""The whole console against the session's local backend: journals written by hand, waits, and the
fixed data of the pictures.

The app runs in LIVE mode (not --demo) against the `endpoint_url` fixture's backend: one local
backend per process, and the test session already runs one. What demo mode would journal, the
tests journal themselves.
"""

from __future__ import annotations

import io
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, TextArea

from ecrtui.ecr.client import Target
from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.session import ConsoleOptions, ConsoleSession, Identity
from ecrtui.tui.widgets.repository_browser import RepositoryBrowser
from ecrtui.tui.widgets.target_bar import TargetBar
from ecrtui.tui.widgets.upload_details import UploadDetails
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.engine import Progress
from ecrtui.uploads.journal import Origin, UploadJournal, UploadRecord, UploadState

from ..local.helpers import data, sha256_digest, upload
from .screen_apps import wait_for as _wait_for

REGION = "us-east-1"
ACCOUNT = "123456789012"
MiB = 1024 * 1024


def console_app(
    endpoint_url: str,
    journal_path: Path,
    *,
    read_only: bool = False,
    clock: Callable[[], float] = time.time,
) -> EcrtuiApp:
    """The console pointed at the local backend as a user would with --endpoint-url (LIVE)."""
    target = Target(endpoint_url=endpoint_url, region=REGION, local_backend=True)
    options = ConsoleOptions(target=target, read_only=read_only, journal_path=journal_path)
    app = EcrtuiApp(options, clock=clock)
    app.animation_level = "none"  # no tab underline sliding: faster, and the same every time
    return app


# -- the journal ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One journal row to write; `source` must exist (the journal reads its size)."""

    repository: str
    upload_id: str
    state: UploadState
    bytes_confirmed: int = 0
    origin: Origin = Origin.PUSHED
    source: Path | None = None
    local_digest: str | None = None
    part_size: int | None = None
    part_sizes: tuple[int, ...] = ()  # the parts ECR accepted, as a push records them
    sent_digest: str | None = None  # the sha256 of the bytes ECR holds


def write_journal(path: Path, endpoint_url: str, rows: Iterable[Row]) -> list[UploadRecord]:
    """Journal these uploads at this endpoint, as the console would have."""
    written = []
    with UploadJournal(path) as journal:
        for row in rows:
            record = journal.record(
                endpoint=endpoint_url,
                region=REGION,
                repository=row.repository,
                upload_id=row.upload_id,
                origin=row.origin,
                state=row.state,
                part_size=row.part_size,
                bytes_confirmed=row.bytes_confirmed,
                source=row.source,
                local_digest=row.local_digest,
            )
            if row.part_sizes or row.sent_digest:
                record = journal.update(
                    record.row_id, part_sizes=list(row.part_sizes), sent_digest=row.sent_digest
                )
            written.append(record)
    return written


def demo_rows(registry: Any) -> list[Row]:
    """The demo seed's uploads in flight, journaled as `ecrtui --demo` journals them."""
    rows = []
    for stuck in registry.uploads:
        if stuck.complete:
            state = UploadState.READY
        elif stuck.bytes_uploaded == 0:
            state = UploadState.INITIATED
        else:
            state = UploadState.INTERRUPTED
        rows.append(
            Row(
                stuck.repository,
                stuck.upload_id,
                state,
                stuck.bytes_uploaded,
                Origin.DEMO,
                stuck.source,
                stuck.file_digest,
                10 * MiB,
                stuck.part_sizes,
                stuck.sent_digest,
            )
        )
    return rows


def pin_row(
    path: Path,
    upload_id: str,
    *,
    updated_at: float,
    source_size: int | None = None,
    source_path: str | None = None,
    last_error: tuple[str, str] | None = None,
) -> None:
    """Overwrite what UploadJournal.record takes from the clock and the disk, for the pictures."""
    code, message = last_error or (None, None)
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE uploads SET created_at = ?, updated_at = ?, source_size = ?, source_path = ?,"
            " last_error_code = ?, last_error_message = ? WHERE upload_id = ?",
            (updated_at, updated_at, source_size, source_path, code, message, upload_id),
        )
    db.close()


@dataclass(frozen=True)
class Layer:
    """A layer file on disk and an upload of it that ECR holds some or all bytes of."""

    repository: str
    upload_id: str
    path: Path
    digest: str
    size: int
    sent: int

    def row(self) -> Row:
        """The journal row a push of ours would have left."""
        state = UploadState.READY if self.sent == self.size else UploadState.INTERRUPTED
        held = self.path.read_bytes()[: self.sent]
        return Row(
            self.repository,
            self.upload_id,
            state,
            self.sent,
            Origin.PUSHED,
            self.path,
            self.digest,
            10 * MiB,
            (self.sent,) if self.sent else (),
            sha256_digest(held),
        )


def write_layer(path: Path, size: int, seed: int = 0) -> tuple[Path, str]:
    """A layer file of `size` deterministic bytes, and its digest."""
    blob = data(size, seed)
    path.write_bytes(blob)
    return path, sha256_digest(blob)


def start_upload(
    ecr_client: Any,
    repository: str,
    folder: Path,
    size: int,
    *,
    sent: int | None = None,
    seed: int = 0,
) -> Layer:
    """Write a layer file and upload its first `sent` bytes (all by default) in one part."""
    blob = data(size, seed)
    path = folder / f"layer-{seed}.tar"
    path.write_bytes(blob)
    sent = size if sent is None else sent
    upload_id = upload(ecr_client, repository, blob[:sent])
    return Layer(repository, upload_id, path, sha256_digest(blob), size, sent)


# -- driving the app ------------------------------------------------------------------------------


async def wait_for(
    pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 20.0, what: str = "it"
) -> None:
    """Let the app run until `condition()` holds, checking every 20 ms; fail after `timeout`."""
    await _wait_for(pilot, condition, timeout=timeout, step=0.02, what=what)


def details_text(app: EcrtuiApp) -> str:
    """The selected upload's details as plain text, however wide."""
    console = Console(width=300, record=True, file=io.StringIO())
    console.print(app.query_one(UploadDetails).content)
    return console.export_text()


def bar_text(app: EcrtuiApp) -> str:
    return str(app.query_one(TargetBar).render())


async def until_connected(pilot: Pilot[Any]) -> None:
    """Connected, the uploads listed, every page of repositories shown and the images of the
    first one loaded: nothing left in flight from startup."""
    app = pilot.app
    assert isinstance(app, EcrtuiApp)
    table = app.query_one(UploadsTable)
    browser = app.query_one(RepositoryBrowser)
    repositories = browser.query_one("#repositories", DataTable)
    images = browser.query_one("#images", DataTable)

    def settled() -> bool:
        if app.identity is None or table.loading or repositories.loading or browser.more_pages:
            return False
        return not browser.repositories or str(images.border_title).startswith("Images of ")

    await wait_for(pilot, settled, timeout=15, what="connecting and the first loads")


@asynccontextmanager
async def running(
    app: EcrtuiApp, size: tuple[int, int], seen: list[Message] | None = None
) -> AsyncIterator[Pilot[Any]]:
    """`app.run_test`, connected; on the way out, the workers finish before the app closes.

    run_test closes the screens while the app may still handle a worker's message, and a handler
    that queries a widget being removed would fail the test.
    """
    hook = seen.append if seen is not None else None
    async with app.run_test(size=size, message_hook=hook) as pilot:
        await until_connected(pilot)
        yield pilot
        for _ in range(2):
            await app.workers.wait_for_complete()
            await pilot.pause()


async def select_upload(pilot: Pilot[Any], upload_id: str) -> None:
    """Focus the uploads table and put its cursor on this upload, with the keys."""
    app = pilot.app
    table = app.query_one(UploadsTable)
    await pilot.press("f2")
    table.focus()
    await pilot.pause()
    row = table.get_row_index(upload_id)
    while table.cursor_row > row:
        await pilot.press("up")
    while table.cursor_row < row:
        await pilot.press("down")
    await pilot.pause()
    assert table.selected is not None and table.selected.upload_id == upload_id


def notifications(app: EcrtuiApp) -> list[str]:
    return [notification.message for notification in app._notifications]


def gate_pushes(session: ConsoleSession) -> threading.Event:
    """Hold every push after its first part until the returned event is set, so that a cancel
    lands mid-push however fast the local backend is."""
    go_on = threading.Event()
    make_pusher = session.pusher

    def gated_pusher(on_progress: Any = None, cancel: Any = None) -> Any:
        def gated(progress: Progress) -> None:
            on_progress(progress)
            if progress.phase == "uploading" and progress.done > 0:
                go_on.wait(timeout=20)

        return make_pusher(on_progress=gated, cancel=cancel)

    session.pusher = gated_pusher  # type: ignore[method-assign]
    return go_on


def still(app: EcrtuiApp) -> None:
    """No blinking cursors on the current screen (pictures must not depend on the moment)."""
    for field in app.screen.query(Input):
        field.cursor_blink = False
    for area in app.screen.query(TextArea):
        area.cursor_blink = False


# -- the fixed data of the pictures ---------------------------------------------------------------

FIXED_NOW = 1_790_000_000.0  # 2026-09-21, a Monday
PICTURE_IDENTITY = Identity(
    account=ACCOUNT,
    arn=f"arn:aws:sts::{ACCOUNT}:user/moto",
    region=REGION,
    endpoint="http://127.0.0.1:4566",
    profile=None,
    demo=True,
    read_only=False,
)
READY_ID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"
SMALL_PART_ID = "a1b2c3d4-5e6f-4a0b-9c1d-2e3f4a5b6c7d"
INTERRUPTED_ID = "0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b"
NO_PARTS_ID = "5d41402a-bc4b-4a76-b971-9d911017c592"
STUCK_ID = "9b2e1c3a-77d4-4f0e-a5b6-c7d8e9f0a1b2"
READY_DIGEST = "sha256:" + "9a77f858" * 8
SMALL_DIGEST = "sha256:" + "3c1f0e2d" * 8
HELD_DIGEST = "sha256:" + "5e0b7a19" * 8  # of the bytes an interrupted push sent


@dataclass(frozen=True)
class PictureRow:
    row: Row
    size: int
    age: float  # seconds before FIXED_NOW
    last_error: tuple[str, str] | None = None


PICTURE_ROWS = (
    PictureRow(
        Row(
            "team/api",
            READY_ID,
            UploadState.READY,
            12 * MiB,
            Origin.DEMO,
            None,
            READY_DIGEST,
            part_sizes=(10 * MiB, 2 * MiB),
            sent_digest=READY_DIGEST,
        ),
        12 * MiB,
        180,
    ),
    PictureRow(
        Row(
            "team/worker",
            SMALL_PART_ID,
            UploadState.READY,
            9 * MiB,
            Origin.DEMO,
            None,
            SMALL_DIGEST,
            part_sizes=(6 * MiB, MiB, 2 * MiB),
            sent_digest=SMALL_DIGEST,
        ),
        9 * MiB,
        600,
        (
            "LayerPartTooSmallException",
            "All layer parts except the last part should be at least 5MB",
        ),
    ),
    PictureRow(
        Row(
            "data/etl-jobs",
            INTERRUPTED_ID,
            UploadState.INTERRUPTED,
            10 * MiB,
            Origin.PUSHED,
            part_sizes=(10 * MiB,),
            sent_digest=HELD_DIGEST,
        ),
        14 * MiB,
        1500,
    ),
    PictureRow(
        Row("ml/trainer", NO_PARTS_ID, UploadState.INITIATED, 0, Origin.TRACKED),
        3 * MiB,
        2400,
    ),
    PictureRow(
        Row(
            "platform/ingress-nginx",
            STUCK_ID,
            UploadState.INTERRUPTED,
            25 * MiB,
            Origin.PUSHED,
            part_sizes=(10 * MiB, 10 * MiB, 5 * MiB),
            sent_digest=HELD_DIGEST,
        ),
        60 * MiB,
        2 * 86400 + 3600,
    ),
)


def write_picture_journal(path: Path, endpoint_url: str) -> None:
    """Five uploads in flight with fixed ids, sizes, files and times (the newest first)."""
    write_journal(path, endpoint_url, [picture.row for picture in PICTURE_ROWS])
    for picture in PICTURE_ROWS:
        name = picture.row.repository.replace("/", "-")
        pin_row(
            path,
            picture.row.upload_id,
            updated_at=FIXED_NOW - picture.age,
            source_size=picture.size,
            source_path=f"/srv/layers/{name}.tar.gz",
            last_error=picture.last_error,
        )


# -- failing on purpose -----------------------------------------------------------------------


class FailingSession(ConsoleSession):
    """A real session whose named methods raise the given exception instead of working."""

    def __init__(self, options: ConsoleOptions, failures: dict[str, BaseException]) -> None:
        super().__init__(options)
        self.failures = dict(failures)

    def _fail(self, name: str) -> None:
        failure = self.failures.get(name)
        if failure is not None:
            raise failure

    def _connect(self) -> Identity:
        self._fail("connect")
        return super()._connect()

    def uploads(self, include_finished: bool = False) -> Any:
        self._fail("uploads")
        return super().uploads(include_finished)

    def upload_pages(self, include_finished: bool = False) -> Any:
        self._fail("uploads")
        return super().upload_pages(include_finished)

    def calls(self, upload_id: str) -> Any:
        self._fail("calls")
        return super().calls(upload_id)

    def probe(self, *args: Any) -> Any:
        self._fail("probe")
        return super().probe(*args)

    def forget(self, upload_id: str) -> Any:
        self._fail("forget")
        return super().forget(upload_id)

    def complete(self, request: dict[str, Any]) -> Any:
        self._fail("complete")
        return super().complete(request)

    def repositories(self, next_token: str | None = None, page_size: int = 100) -> Any:
        self._fail("repositories")
        return super().repositories(next_token, page_size)

    def images(self, repository: str) -> Any:
        self._fail("images")
        return super().images(repository)

    def check_layers(self, repository: str, digests: list[str]) -> Any:
        self._fail("check_layers")
        return super().check_layers(repository, digests)

    def pusher(self, on_progress: Any = None, cancel: Any = None) -> Any:
        self._fail("pusher")
        return super().pusher(on_progress=on_progress, cancel=cancel)
