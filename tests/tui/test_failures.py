"""Every worker failure, of any kind, restores what waited on it and lands where it can be read.

Each worker group is driven with a session whose one method fails: the failure panel (or, for a
send, the response panel) shows the translated error and its hint, the widget that was waiting is
put back, and the history keeps the failure. Connecting fails for real: an unknown profile, and an
endpoint nothing listens on.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import (
    EndpointConnectionError,
    NoRegionError,
    ProfileNotFound,
    SSOTokenLoadError,
)
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.failure_screen import FailureScreen
from ecrtui.tui.screens.push_screen import PushLayerScreen
from ecrtui.tui.session import ConsoleOptions
from ecrtui.tui.widgets.repository_browser import RepositoryBrowser
from ecrtui.tui.widgets.response_panel import ResponsePanel
from ecrtui.tui.widgets.upload_calls import UploadCalls
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.journal import UploadState

from .console_apps import (
    REGION,
    FailingSession,
    Layer,
    bar_text,
    console_app,
    running,
    select_upload,
    start_upload,
    wait_for,
    write_journal,
)

MiB = 1024 * 1024


def failing_app(
    endpoint_url: str, journal_path: Path, failures: dict[str, BaseException]
) -> EcrtuiApp:
    app = console_app(endpoint_url, journal_path)
    app.session = FailingSession(app.options, failures)
    return app


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def layer(
    ecr_client: Any, repository: str, tmp_path: Path, journal_path: Path, endpoint_url: str
) -> Layer:
    stuck = start_upload(ecr_client, repository, tmp_path, 6 * MiB, sent=5 * MiB, seed=8)
    write_journal(journal_path, endpoint_url, [stuck.row()])
    return stuck


async def send_when_asked(pilot: Pilot[Any]) -> None:
    """The console asks before it sends (LIVE mode): y on the confirmation."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, what="confirm")
    await pilot.press("y")


async def failure_panel(pilot: Pilot[Any]) -> FailureScreen:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), what="the failure panel")
    screen = app.screen
    assert isinstance(screen, FailureScreen)
    return screen


def history_codes(app: EcrtuiApp) -> list[str]:
    return [record.outcome for record in app.session.history]


# -- one case per worker group --------------------------------------------------------------------


async def test_the_uploads_cannot_be_read(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    app = failing_app(endpoint_url, journal_path, {})
    async with running(app, (120, 36)) as pilot:
        app.session.failures["uploads"] = sqlite3.OperationalError("database is locked")
        await pilot.press("r")
        panel = await failure_panel(pilot)
        assert panel.error.code == "JournalError"
        assert "database is locked" in panel.shown_text
        assert "Next step: ecrtui's journal" in panel.shown_text
        assert "Failed: Loading the uploads from the journal" in str(
            panel.query_one("#failure-dialog").border_title
        )
        table = app.query_one(UploadsTable)
        assert not table.loading and layer.upload_id in table.records  # the rows shown stay
        assert app.uploads._live is None  # no new panel every few seconds
        assert "JournalError" in history_codes(app)
        await pilot.press("y")  # the error, as JSON, copied
        assert '"code": "JournalError"' in (app.clipboard or "")
        await pilot.press("escape")
        del app.session.failures["uploads"]
        await pilot.press("r")  # a reload resumes the live refresh
        await wait_for(pilot, lambda: app.uploads._live is not None, what="live refresh")


async def test_the_calls_of_an_upload_cannot_be_read(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    app = failing_app(endpoint_url, journal_path, {"calls": OSError(13, "Permission denied")})
    async with running(app, (120, 36)) as pilot:
        panel = await failure_panel(pilot)
        assert panel.error.code == "LocalFileError"
        assert "Permission denied" in panel.shown_text
        calls = app.query_one(UploadCalls)
        assert calls.row_count == 0 and str(calls.border_title) == "Calls for this upload"


async def test_a_probe_cannot_reach_the_endpoint(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    unreachable = EndpointConnectionError(endpoint_url="http://127.0.0.1:9")
    app = failing_app(endpoint_url, journal_path, {"probe": unreachable})
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, layer.upload_id)
        await pilot.press("p")
        await send_when_asked(pilot)
        panel = await failure_panel(pilot)
        assert panel.error.code == "EndpointConnection"
        assert "Next step: could not reach the endpoint" in panel.shown_text
        assert "endpoint_url: http://127.0.0.1:9" in panel.shown_text
        await pilot.press("escape")
        assert app.query_one(UploadsTable).selected is not None  # the list is still there


async def test_forgetting_fails_when_the_journal_is_damaged(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    damaged = sqlite3.DatabaseError("file is not a database")
    app = failing_app(endpoint_url, journal_path, {"forget": damaged})
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, layer.upload_id)
        await pilot.press("f")
        await send_when_asked(pilot)
        panel = await failure_panel(pilot)
        assert panel.error.code == "JournalError"
        assert "file is not a database" in panel.shown_text
        record = app.session.journal.find(layer.upload_id, endpoint=endpoint_url)
        assert record is not None and record.state is UploadState.INTERRUPTED


async def test_a_send_that_fails_on_this_side_never_leaves_sending(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    app = failing_app(endpoint_url, journal_path, {"complete": RuntimeError("the disk vanished")})
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, layer.upload_id)
        await pilot.press("c")
        await pilot.pause()
        await pilot.press("enter")  # the Complete button
        await wait_for(pilot, lambda: len(app.screen_stack) == 2, what="the confirmation")
        await pilot.press("y")
        panel = app.query_one(ResponsePanel)
        await wait_for(pilot, lambda: panel.has_class("-error"), what="the error in the panel")
        assert not panel.has_class("-loading")
        assert "Sending" not in str(panel.border_title)
        assert panel.shown_text.startswith("RuntimeError\nthe disk vanished")
        assert not isinstance(app.screen, FailureScreen)  # shown in place, once
        assert "RuntimeError" in history_codes(app)


async def test_a_resume_that_cannot_open_the_journal(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    app = failing_app(
        endpoint_url, journal_path, {"pusher": sqlite3.OperationalError("disk I/O error")}
    )
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, layer.upload_id)
        await pilot.press("u")
        await send_when_asked(pilot)
        panel = await failure_panel(pilot)
        assert panel.error.code == "JournalError" and "disk I/O error" in panel.shown_text
        assert panel.doing == f"Resuming upload {layer.upload_id}"
        await pilot.press("escape")
        push = app.screen
        assert isinstance(push, PushLayerScreen) and push.stage == "failed"  # not "running"
        assert "JournalError" in history_codes(app)


async def test_the_repositories_cannot_be_listed(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    failure = EcrCallError(
        "AccessDeniedException",
        "not allowed: ecr:DescribeRepositories",
        ErrorKind.SERVICE,
        http_status=400,
        request_id="req-1",
    )
    app = failing_app(endpoint_url, journal_path, {})
    async with running(app, (120, 36)) as pilot:
        app.session.failures["repositories"] = failure
        await pilot.press("3", "r")
        panel = await failure_panel(pilot)
        assert panel.error is failure
        assert "Next step: the caller lacks an IAM permission" in panel.shown_text
        assert "Request id: req-1" in panel.shown_text
        table = app.query_one("#repositories", DataTable)
        assert not table.loading and "loading failed" in str(table.border_title)


async def test_the_images_cannot_be_loaded(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    app = failing_app(endpoint_url, journal_path, {})
    async with running(app, (120, 36)) as pilot:
        app.session.failures["images"] = NoRegionError()
        await pilot.press("3")
        app.query_one("#repositories", DataTable).focus()
        await pilot.press("down")
        panel = await failure_panel(pilot)
        assert panel.error.code == "NoRegion"
        assert "Next step: no region is set" in panel.shown_text
        images = app.query_one("#images", DataTable)
        assert not images.loading and "could not be loaded" in str(images.border_title)


async def test_a_layer_check_fails(endpoint_url: str, journal_path: Path, layer: Layer) -> None:
    expired = SSOTokenLoadError(error_msg="Token for my-sso does not exist")
    app = failing_app(endpoint_url, journal_path, {"check_layers": expired})
    async with running(app, (120, 36)) as pilot:
        await pilot.press("3")
        browser = app.query_one(RepositoryBrowser)
        browser.highlight(layer.repository)
        await pilot.pause()
        check = browser.query_one("#layer-check")
        check.focus()
        await pilot.press(*layer.digest, "enter")
        panel = await failure_panel(pilot)
        assert panel.error.code == "SSOTokenExpired"
        result = str(browser.query_one("#layer-check-result", Static).render())
        assert result == "check failed: SSOTokenExpired"


async def test_a_second_failure_updates_the_open_panel(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    app = failing_app(endpoint_url, journal_path, {})
    async with running(app, (120, 36)) as pilot:
        app.session.failures["uploads"] = sqlite3.OperationalError("database is locked")
        app.session.failures["repositories"] = NoRegionError()
        await pilot.press("r")
        panel = await failure_panel(pilot)
        await wait_for(pilot, lambda: panel.count == 2, what="the second failure")
        assert len(app.screen_stack) == 2  # one panel, not two
        assert panel.query_one("#failure-dialog").border_subtitle == "2 failures"


# -- connecting -----------------------------------------------------------------------------------


async def test_an_unknown_profile_says_not_connected_with_the_fix(
    endpoint_url: str, journal_path: Path
) -> None:
    target = Target(profile="nope", endpoint_url=endpoint_url, region=REGION)
    app = EcrtuiApp(ConsoleOptions(target=target, journal_path=journal_path))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await failure_panel(pilot)
        assert panel.error.code == "ProfileNotFound"
        assert "no such profile 'nope' in ~/.aws/config" in panel.shown_text
        bar = bar_text(app)
        assert "NOT CONNECTED" in bar and "LIVE" not in bar and "connecting" not in bar
        assert "no such profile 'nope'" in bar and "r retries" in bar
        assert not app.query_one(UploadsTable).loading
        assert not app.query_one("#repositories", DataTable).loading
        assert app.identity is None
        assert history_codes(app) == ["ProfileNotFound"]


async def test_an_unreachable_endpoint_says_not_connected_and_r_retries(
    endpoint_url: str, journal_path: Path
) -> None:
    nothing_there = "http://127.0.0.1:9"
    target = Target(endpoint_url=nothing_there, region=REGION, local_backend=True)
    app = EcrtuiApp(ConsoleOptions(target=target, journal_path=journal_path))
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await failure_panel(pilot)
        assert panel.error.code == "EndpointConnection"
        assert "NOT CONNECTED" in bar_text(app) and "LIVE" not in bar_text(app)
        assert "account ?" not in bar_text(app)
        await pilot.press("escape")
        # The endpoint comes back: r connects, and LIVE appears once STS answered.
        app.session.options = ConsoleOptions(
            target=Target(endpoint_url=endpoint_url, region=REGION, local_backend=True),
            journal_path=journal_path,
        )
        await pilot.press("r")
        await wait_for(pilot, lambda: app.identity is not None, what="the reconnection")
        assert " LIVE " in bar_text(app) and "NOT CONNECTED" not in bar_text(app)
        assert "account 123456789012" in bar_text(app)


async def test_an_expired_sso_session_names_the_login_command(
    endpoint_url: str, journal_path: Path
) -> None:
    target = Target(profile="work", endpoint_url=endpoint_url, region=REGION)
    app = console_app(endpoint_url, journal_path)
    app.session = FailingSession(
        ConsoleOptions(target=target, journal_path=journal_path),
        {"connect": SSOTokenLoadError(error_msg="Token for work does not exist")},
    )
    async with app.run_test(size=(120, 36)) as pilot:
        panel = await failure_panel(pilot)
        assert "run `aws sso login --profile work`" in panel.shown_text
        assert "Next step: the SSO session has expired" in panel.shown_text
        assert "aws sso login --profile work" in bar_text(app)


async def test_a_profile_error_from_a_worker_is_translated(
    endpoint_url: str, journal_path: Path, layer: Layer
) -> None:
    app = failing_app(endpoint_url, journal_path, {})
    async with running(app, (120, 36)) as pilot:
        app.session.failures["uploads"] = ProfileNotFound(profile="gone")
        await pilot.press("r")
        panel = await failure_panel(pilot)
        assert panel.error.code == "ProfileNotFound"
        assert "no such profile 'gone'" in panel.shown_text


async def test_a_damaged_journal_is_a_warning_and_the_console_goes_on(
    endpoint_url: str, tmp_path: Path
) -> None:
    from .console_apps import notifications

    journal_path = tmp_path / "journal.sqlite3"
    journal_path.write_bytes(b"this is not a database\x00\xff" * 300)
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        await wait_for(pilot, lambda: any("cannot be opened" in n for n in notifications(app)))
        assert app.session.connected and not isinstance(app.screen, FailureScreen)
        assert app.query_one(UploadsTable).records == {}
        from .console_apps import details_text

        shown = details_text(app)
        assert "The journal cannot be opened: file is not a database" in shown
        assert "No uploads in flight" not in shown  # it cannot say: the journal is unreadable


async def test_quitting_as_the_failure_panel_opens_raises_nothing(journal_path: Path) -> None:
    """The panel is drawn as it is composed: a console that ends in the moment it opens (its
    widgets taken away before its Mount is handled) ends cleanly."""
    target = Target(endpoint_url="http://127.0.0.1:9", region=REGION, local_backend=True)
    app = EcrtuiApp(ConsoleOptions(target=target, journal_path=journal_path))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), what="the panel")
