"""Each pane's keys: the footer holds the focused pane's keys and fits at 80 columns, copy acts on
what the focused pane shows (in a field too), Enter on an upload offers its actions, F1 lists
every key and scrolls, and a read-only console never suggests what it refuses."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pyperclip
import pytest
from rich.console import Console
from textual.widgets import Footer, Input, OptionList, Static, TabbedContent
from textual.widgets._footer import FooterKey

from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.screens.help_screen import HelpScreen
from ecrtui.tui.screens.upload_actions_screen import UploadActionsScreen
from ecrtui.tui.widgets.upload_details import UploadDetails
from ecrtui.uploads.verdict import READ_ONLY_STEPS, Kind

from .console_apps import (
    Row,
    console_app,
    demo_rows,
    notifications,
    running,
    select_upload,
    wait_for,
    write_journal,
)
from .test_verdicts import EXPECTED

# The keys a read-only console refuses, as a next step would name them: "(n)", "press u", "u to"
REFUSED_KEY_WORDS = re.compile(r"\((?:n|u|p|f|t)\)|press [nupft]\b|\b[nupft] to\b")


@pytest.fixture(autouse=True)
def terminal_clipboard_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> None:
        raise pyperclip.PyperclipException("no clipboard mechanism")

    monkeypatch.setattr(pyperclip, "copy", refuse)


@pytest.fixture
def demo_app(endpoint_url: str, demo_registry: Any, tmp_path: Path) -> EcrtuiApp:
    journal = tmp_path / "journal.sqlite3"
    write_journal(journal, endpoint_url, demo_rows(demo_registry))
    return console_app(endpoint_url, journal)


def shown_text(widget: Static) -> str:
    """What a Static shows, as plain text (wide enough not to wrap)."""
    console = Console(width=300, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


def footer_keys(app: EcrtuiApp) -> list[FooterKey]:
    return list(app.screen.query_one(Footer).query(FooterKey))


async def footer_ready(pilot: Any, app: EcrtuiApp) -> list[str]:
    await wait_for(pilot, lambda: bool(footer_keys(app)), what="the footer's keys")
    await pilot.pause()
    return [key.description for key in footer_keys(app)]


def fits(app: EcrtuiApp) -> bool:
    """Every key of the footer is drawn whole, left of the palette's key."""
    keys = footer_keys(app)
    palette = [key for key in keys if key.action == "app.command_palette"]
    limit = palette[0].region.x if palette else app.size.width
    return all(key.region.right <= limit for key in keys if key not in palette)


# -- the footer ----------------------------------------------------------------------------------


async def test_the_footer_shows_the_focused_panes_keys_most_important_first_and_fits_80(
    demo_app: EcrtuiApp,
) -> None:
    app = demo_app
    async with running(app, (80, 24)) as pilot:
        app.uploads.table.focus()
        shown = await footer_ready(pilot, app)
        assert shown[:5] == ["Actions", "Complete", "Resume", "Probe", "Forget"]
        assert "Help" in shown and fits(app)

        await pilot.press("2")
        shown = await footer_ready(pilot, app)
        assert shown[:2] == ["Copy response", "Copy aws cmd"]
        assert "Complete" not in shown and "Forget" not in shown  # not the Uploads tab's keys
        assert fits(app)

        await pilot.press("f4")  # the focus is in a field: 3 would be typed
        shown = await footer_ready(pilot, app)
        assert shown[:2] == ["Filter", "Copy"] and "Actions" not in shown
        assert fits(app)


# -- copy ----------------------------------------------------------------------------------------


async def test_copy_acts_on_the_focused_pane_and_works_in_a_field(
    demo_app: EcrtuiApp, demo_registry: Any
) -> None:
    app = demo_app
    ready = demo_registry.upload("ready")
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, ready.upload_id)
        await pilot.press("y")
        assert app.clipboard == ready.upload_id
        assert "Copied the upload id to the terminal's clipboard (OSC 52)" in notifications(app)

        await pilot.press("3")  # Repositories: its own selection, never the uploads'
        await wait_for(pilot, lambda: bool(app.repositories.browser.selected), what="a repo")
        await pilot.press("d")  # no digest key here: the clipboard keeps what it had
        assert app.clipboard == ready.upload_id
        await pilot.press("y")
        assert app.clipboard == app.repositories.browser.selected
        assert "Copied the repository name" in notifications(app)[-1]

        await pilot.press("2")  # the focus goes to a field: y is typed, ctrl+y copies
        assert isinstance(app.focused, Input)
        await pilot.press("ctrl+y")
        assert "No response yet: nothing to copy" in notifications(app)
        await pilot.press("y")
        assert isinstance(app.focused, Input) and app.focused.value.endswith("y")
        await pilot.press("f2")  # a tab key that works in a field
        assert app.query_one(TabbedContent).active == "uploads-tab"


# -- Enter on an upload --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("situation", "first"),
    [
        ("ready", "app.complete"),
        ("interrupted", "app.resume"),
        ("small-middle-part", "app.push"),
        ("already-exists", "app.forget"),
    ],
)
async def test_enter_on_an_upload_offers_its_actions_the_next_step_first(
    situation: str, first: str, demo_app: EcrtuiApp, demo_registry: Any
) -> None:
    app = demo_app
    chosen = demo_registry.upload(situation)
    async with running(app, (80, 24)) as pilot:
        pane = app.uploads
        if situation == "already-exists":
            await wait_for(pilot, lambda: chosen.upload_id in pane.evidence, what="ECR's check")
            await pilot.pause()
        await select_upload(pilot, chosen.upload_id)
        await pilot.press("enter")
        menu = app.screen
        assert isinstance(menu, UploadActionsScreen)
        options = menu.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert ids[0] == first
        assert set(ids) >= {"app.complete", "app.resume", "app.probe", "app.forget", "copy"}
        if situation != "ready":
            return
        await pilot.press("enter")  # the first: Complete fills the form
        await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "complete-tab")
        assert app.completion.form.request["uploadId"] == chosen.upload_id


async def test_the_actions_menu_of_a_read_only_console_refuses_what_sends(
    endpoint_url: str, demo_registry: Any, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    write_journal(journal, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal, read_only=True)
    interrupted = demo_registry.upload("interrupted")
    async with running(app, (80, 24)) as pilot:
        await select_upload(pilot, interrupted.upload_id)
        await pilot.press("enter")
        options = app.screen.query_one(OptionList)
        disabled = {
            options.get_option_at_index(i).id
            for i in range(options.option_count)
            if options.get_option_at_index(i).disabled
        }
        assert disabled == {"app.resume", "app.probe", "app.push", "app.forget"}
        await pilot.press("escape")
        assert len(app.screen_stack) == 1


# -- F1 ------------------------------------------------------------------------------------------


async def test_help_lists_every_key_by_its_name_and_scrolls_at_80x24(demo_app: EcrtuiApp) -> None:
    app = demo_app
    async with running(app, (80, 24)) as pilot:
        app.uploads.table.focus()
        await pilot.press("f1")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.query_one("#help-dialog").border_title == "Help · Uploads in flight"
        rows = {row[0]: row[1] for row in help_screen.key_rows}
        for keys in ("ctrl+p", "ctrl+q", "r", "a", "h", "1 / f2", "2 / f3", "3 / f4", "enter"):
            assert keys in rows, keys
        text = help_screen.query_one("#help-text")
        await pilot.pause()
        assert text.max_scroll_y > 0  # more than fits: it scrolls
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: text.scroll_y > 0, what="the help to scroll")


# -- read-only next steps ------------------------------------------------------------------------


def test_no_read_only_step_suggests_a_refused_action() -> None:
    for kind in Kind:
        step = READ_ONLY_STEPS.get(kind)
        if step is not None:
            assert not REFUSED_KEY_WORDS.search(step), kind


async def test_the_read_only_details_never_suggest_a_refused_action(
    endpoint_url: str, demo_registry: Any, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    write_journal(journal, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal, read_only=True)
    async with running(app, (120, 36)) as pilot:
        for situation in EXPECTED:
            upload = demo_registry.upload(situation)
            await select_upload(pilot, upload.upload_id)
            shown = shown_text(app.query_one(UploadDetails))
            step = shown.split("next step", 1)[1].split("evidence", 1)[0]
            assert step.strip() and not REFUSED_KEY_WORDS.search(step), (situation, step)


# -- a long repository name at 80x24 --------------------------------------------------------------


async def test_a_long_repository_name_leaves_every_column_on_screen_at_80x24(
    endpoint_url: str, ecr_client: Any, tmp_path: Path
) -> None:
    name = "platform/" + "very-long-service-name-" * 3 + "api"
    ecr_client.create_repository(repositoryName=name)
    upload_id = ecr_client.initiate_layer_upload(repositoryName=name)["uploadId"]
    journal = tmp_path / "journal.sqlite3"
    from ecrtui.uploads.journal import UploadState

    write_journal(journal, endpoint_url, [Row(name, upload_id, UploadState.INITIATED, 0)])
    app = console_app(endpoint_url, journal)
    async with running(app, (80, 24)) as pilot:
        table = app.uploads.table
        await wait_for(pilot, lambda: upload_id in table.records, what="the upload")
        await pilot.pause()
        columns = list(table.columns.values())
        total = sum(column.get_render_width(table) for column in columns)
        assert total <= table.scrollable_content_region.width
        assert str(table.get_cell(upload_id, "repository")).endswith("\N{HORIZONTAL ELLIPSIS}")
        details = shown_text(app.query_one(UploadDetails))
        assert name in details  # whole, in the details


async def test_escape_leaves_a_field_of_the_form_for_its_buttons(demo_app: EcrtuiApp) -> None:
    app = demo_app
    async with running(app, (80, 24)) as pilot:
        await pilot.press("f3")
        assert isinstance(app.focused, Input)
        await pilot.press("escape")
        assert not isinstance(app.focused, Input)
        await pilot.press("1")  # a key again, not a character in a field
        assert app.query_one(TabbedContent).active == "uploads-tab"
