"""Pictures of the whole console at 80x24 and 200x60, from fixed data.

The app runs against the session's local backend, so what varies from run to run is pinned: the
journal rows (ids, sizes, files, times), the clock, the target bar (the backend's port is random),
the responses (shown from fixed history entries), and no toasts or blinking cursors.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import SSOTokenLoadError
from textual.pilot import Pilot
from textual.widgets import Input

from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.messages import WorkFailed
from ecrtui.tui.screens.failure_screen import FailureScreen
from ecrtui.tui.screens.push_screen import PushLayerScreen, PushProgress
from ecrtui.tui.session import ConsoleOptions
from ecrtui.tui.widgets.complete_form import CompleteLayerForm
from ecrtui.tui.widgets.response_panel import ResponsePanel
from ecrtui.tui.widgets.target_bar import TargetBar
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.engine import Progress
from tests.tui.calls import call_record

from .console_apps import (
    ACCOUNT,
    FIXED_NOW,
    PICTURE_IDENTITY,
    READY_DIGEST,
    READY_ID,
    REGION,
    SMALL_PART_ID,
    FailingSession,
    MiB,
    console_app,
    select_upload,
    still,
    until_connected,
    wait_for,
    write_picture_journal,
)

SIZES = [
    pytest.param((80, 24), id="80x24"),
    pytest.param((120, 36), id="120x36"),
    pytest.param((200, 60), id="200x60"),
]
REQUEST_ID = "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"

Drive = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture
def app(endpoint_url: str, tmp_path: Path, demo_registry: Any) -> EcrtuiApp:
    journal = tmp_path / "journal.sqlite3"
    write_picture_journal(journal, endpoint_url)
    return console_app(endpoint_url, journal, clock=lambda: FIXED_NOW)


def picture(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int], drive: Drive) -> bool:
    """Connect, pin the target bar, focus the uploads, `drive`, then take the picture."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await until_connected(pilot)
        app.query_one(TargetBar).show(PICTURE_IDENTITY)
        app.query_one(UploadsTable).focus()
        await pilot.pause()
        await drive(pilot)
        app.clear_notifications()
        still(app)
        await pilot.pause()

    return bool(snap_compare(app, terminal_size=size, run_before=run_before))


async def fill_from(pilot: Pilot[Any], upload_id: str) -> None:
    """Select the upload and press c: the Complete tab, the form filled, Complete focused."""
    await select_upload(pilot, upload_id)
    await pilot.press("c")
    complete = pilot.app.query_one("#complete")
    await wait_for(pilot, lambda: pilot.app.focused is complete, timeout=5, what="focus")


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int]) -> None:
    async def nothing(pilot: Pilot[Any]) -> None:
        return None

    assert picture(snap_compare, app, size, nothing)


@pytest.mark.parametrize("size", SIZES)
def test_form_with_errors(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int]) -> None:
    async def bad_input(pilot: Pilot[Any]) -> None:
        await pilot.press("2")
        for field_id, value in [
            ("repository-name", "Team/API"),
            ("upload-id", "6cb64b8a-9378"),
            ("layer-digests", f"{READY_DIGEST} md5:0f"),
        ]:
            app.query_one(f"#{field_id}", Input).value = value
        app.query_one("#layer-digests", Input).focus()
        await pilot.press("enter")  # every problem, also in the response panel
        await wait_for(pilot, lambda: app.query_one(ResponsePanel).has_class("-invalid"))

    assert picture(snap_compare, app, size, bad_input)


@pytest.mark.parametrize("size", SIZES)
def test_success_response(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int]) -> None:
    async def success(pilot: Pilot[Any]) -> None:
        await fill_from(pilot, READY_ID)
        request = app.query_one(CompleteLayerForm).request
        response = {
            "registryId": ACCOUNT,
            "repositoryName": "team/api",
            "uploadId": READY_ID,
            "layerDigest": READY_DIGEST,
            "ResponseMetadata": {"RequestId": REQUEST_ID, "HTTPStatusCode": 200},
        }
        entry = call_record("CompleteLayerUpload", request, response, None, 84.0, FIXED_NOW)
        app.query_one(ResponsePanel).show_call(entry)

    assert picture(snap_compare, app, size, success)


@pytest.mark.parametrize("size", SIZES)
def test_error_response(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int]) -> None:
    async def error(pilot: Pilot[Any]) -> None:
        await fill_from(pilot, SMALL_PART_ID)
        request = app.query_one(CompleteLayerForm).request
        failure = EcrCallError(
            "LayerPartTooSmallException",
            "All layer parts except the last part should be at least 5MB",
            ErrorKind.SERVICE,
            operation="CompleteLayerUpload",
            http_status=400,
            request_id=REQUEST_ID,
        )
        entry = call_record("CompleteLayerUpload", request, None, failure, 131.0, FIXED_NOW)
        app.query_one(ResponsePanel).show_call(entry)

    assert picture(snap_compare, app, size, error)


@pytest.mark.parametrize("size", SIZES)
def test_push_progress(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int]) -> None:
    async def pushing(pilot: Pilot[Any]) -> None:
        screen = PushLayerScreen(app.session, "team/api", clock=lambda: FIXED_NOW)
        app.push_screen(screen)
        await pilot.pause()
        screen.query_one("#push-file", Input).value = "/srv/layers/team-api.tar.gz"
        screen.query_one("#push-part-size", Input).value = "10MiB"
        await pilot.pause()
        progress = Progress(READY_ID, "uploading", 6 * MiB, 12 * MiB, FIXED_NOW - 3.0)
        screen.post_message(PushProgress(progress))
        await wait_for(pilot, lambda: screen.stage == "running", timeout=5)

    assert picture(snap_compare, app, size, pushing)


@pytest.mark.parametrize("size", SIZES)
def test_help(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int]) -> None:
    async def help_for_uploads(pilot: Pilot[Any]) -> None:
        await pilot.press("f1")
        await pilot.pause()

    assert picture(snap_compare, app, size, help_for_uploads)


@pytest.mark.parametrize("size", SIZES)
def test_failure_panel(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int]) -> None:
    """A failed background load: the rows stay, the error opens with its next step."""

    async def journal_locked(pilot: Pilot[Any]) -> None:
        error = EcrCallError.from_exception(sqlite3.OperationalError("database is locked"))
        app.uploads.restore("uploads", error)
        app.post_message(WorkFailed("Loading the uploads from the journal", "uploads", error))
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), timeout=5)

    assert picture(snap_compare, app, size, journal_locked)


@pytest.mark.parametrize("size", SIZES)
def test_not_connected(
    snap_compare: Any, endpoint_url: str, tmp_path: Path, size: tuple[int, int]
) -> None:
    """STS did not answer: NOT CONNECTED, the reason and the fix in the header; r retries."""
    target = Target(profile="work", endpoint_url=endpoint_url, region=REGION)
    options = ConsoleOptions(target=target, journal_path=tmp_path / "journal.sqlite3")
    app = console_app(endpoint_url, tmp_path / "journal.sqlite3", clock=lambda: FIXED_NOW)
    app.session = FailingSession(
        options, {"connect": SSOTokenLoadError(error_msg="Token for work does not exist")}
    )

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), timeout=10)
        await pilot.press("escape")
        still(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_upload_actions(snap_compare: Any, app: EcrtuiApp, size: tuple[int, int]) -> None:
    async def actions_of_the_blocked_upload(pilot: Pilot[Any]) -> None:
        await select_upload(pilot, SMALL_PART_ID)
        await pilot.press("enter")
        await pilot.pause()

    assert picture(snap_compare, app, size, actions_of_the_blocked_upload)
