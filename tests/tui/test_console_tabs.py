"""Switching tabs from the keyboard, and the calls panel of the selected upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input, TabbedContent

from ecrtui.tui.widgets.upload_calls import UploadCalls
from ecrtui.uploads.engine import PROBE_OFFSET
from ecrtui.uploads.journal import UploadState
from tests.tui.console_apps import (
    Row,
    console_app,
    running,
    select_upload,
    start_upload,
    wait_for,
    write_journal,
)


async def test_keys_switch_tabs_and_take_the_focus_along(endpoint_url: str, tmp_path: Path) -> None:
    app = console_app(endpoint_url, tmp_path / "journal.sqlite3")
    async with running(app, (120, 40)) as pilot:
        tabs = app.query_one(TabbedContent)
        await pilot.press("2")
        await wait_for(pilot, lambda: tabs.active == "complete-tab", what="the Complete tab")
        assert isinstance(app.focused, Input) and app.focused.id == "registry-id"
        await pilot.press("f4")  # a digit would be typed into the field; F2-F4 always switch
        await wait_for(pilot, lambda: tabs.active == "repos-tab", what="the Repositories tab")
        assert app.focused is not None and app.focused.id == "repositories"
        await pilot.press("1")
        await wait_for(pilot, lambda: tabs.active == "uploads-tab", what="the Uploads tab")
        assert app.focused is not None and app.focused.id == "uploads"


async def test_the_calls_panel_lists_the_calls_made_for_the_selected_upload(
    endpoint_url: str, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    mine = start_upload(ecr_client, repository, tmp_path, size=6 * 1024 * 1024, sent=1024 * 1024)
    journal = tmp_path / "journal.sqlite3"
    write_journal(
        journal,
        endpoint_url,
        [Row(repository, mine.upload_id, UploadState.INTERRUPTED, 1024 * 1024, source=mine.path)],
    )
    app = console_app(endpoint_url, journal)
    async with running(app, (120, 40)) as pilot:
        calls = app.query_one(UploadCalls)
        await select_upload(pilot, mine.upload_id)
        await wait_for(pilot, lambda: calls.row_count == 0 and "(0)" in str(calls.border_title))
        await pilot.press("p")
        await pilot.pause()
        if len(app.screen_stack) > 1:  # outside demo mode a probe asks first
            await pilot.press("y")
        await wait_for(pilot, lambda: calls.row_count == 1, what="the probe in the calls panel")
        row = [str(cell) for cell in calls.get_row_at(0)]
        assert row[1:4] == ["probe", "probe", "answered"]  # ECR's refusal is a probe's answer
        [probe] = app.session.journal.calls(mine.upload_id)
        assert probe["parameters"]["partFirstByte"] == PROBE_OFFSET
        assert str(calls.border_title) == f"Calls for upload {mine.upload_id[:8]} (1)"
