"""Long lists in the console: repositories arrive page by page with a truthful count, and the
repositories and the uploads narrow as the operator types in their filter (`/`), and come back
when the filter is cleared. Names are data: markup in them is shown as written, and filtered as
written."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input

from ecrtui.plain_text import visible
from ecrtui.tui.panes import repositories_pane
from ecrtui.tui.panes.repositories_pane import RepositoriesLoaded
from ecrtui.tui.widgets.repository_browser import RepositoryBrowser
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.journal import UploadState

from .console_apps import Row, console_app, running, wait_for, write_journal

NOW = 1_790_000_000.0
HOSTILE = ("team/[/]api", "[bold]x[/bold]", "[@click=app.quit]", "ml/\x1b]0;pwned\x07")


def repository(name: str) -> dict[str, Any]:
    return {"repositoryName": name, "createdAt": NOW - 3600, "imageTagMutability": "MUTABLE"}


class BrowserApp(App[None]):
    """The repository browser alone, fed pages by the test as the pane's worker would."""

    def compose(self) -> ComposeResult:
        yield RepositoryBrowser(clock=lambda: NOW)


def names_shown(table: DataTable[Any]) -> list[str]:
    return [str(table.get_row_at(index)[0]) for index in range(table.row_count)]


async def test_pages_go_on_screen_as_they_come_with_a_truthful_count() -> None:
    app = BrowserApp()
    async with app.run_test(size=(120, 30)) as pilot:
        browser = app.query_one(RepositoryBrowser)
        table = browser.query_one("#repositories", DataTable)
        assert table.loading
        browser.add_page([repository(f"svc/{n:04d}") for n in range(100)], True, more=True)
        await pilot.pause()
        assert not table.loading and table.row_count == 100
        assert table.border_title == "Repositories (100…)"
        table.focus()
        await pilot.press("down", "down")
        browser.add_page([repository(f"svc/{n:04d}") for n in range(100, 1100)], False, True)
        await pilot.pause()
        assert table.row_count == 1100 and table.cursor_row == 2  # the cursor stays put
        assert table.border_title == "Repositories (1,100…)"
        browser.add_page([repository(f"svc/{n:04d}") for n in range(1100, 1234)], False, False)
        await pilot.pause()
        assert table.border_title == "Repositories (1,234)"
        assert names_shown(table) == [f"svc/{n:04d}" for n in range(1234)]  # the listing's order
        assert browser.selected == "svc/0002"


async def test_the_filter_narrows_pages_still_arriving_and_clearing_it_restores_them() -> None:
    names = [f"svc/{n:04d}" for n in range(2000)]
    app = BrowserApp()
    async with app.run_test(size=(120, 30)) as pilot:
        browser = app.query_one(RepositoryBrowser)
        table = browser.query_one("#repositories", DataTable)
        browser.add_page([repository(name) for name in names[:500]], True, more=True)
        browser.query_one("#repo-filter", Input).focus()
        await pilot.press(*"/01")
        assert names_shown(table) == [name for name in names[:500] if "/01" in name]
        assert table.border_title == "Repositories (100 of 500…)"
        browser.add_page([repository(name) for name in names[500:]], False, False)
        await pilot.pause()
        kept = [name for name in names if "01" in name]
        await pilot.press("backspace", "backspace", "backspace", *"01")
        assert names_shown(table) == kept and table.cursor_row == 0
        assert table.border_title == f"Repositories ({len(kept)} of 2,000)"
        await pilot.press("9")
        assert names_shown(table) == [name for name in names if "019" in name]
        await pilot.press("backspace", "backspace", "backspace")
        assert table.row_count == 2000 and table.border_title == "Repositories (2,000)"


async def test_markup_in_repository_names_is_shown_and_filtered_as_written() -> None:
    app = BrowserApp()
    async with app.run_test(size=(120, 30)) as pilot:
        browser = app.query_one(RepositoryBrowser)
        table = browser.query_one("#repositories", DataTable)
        browser.add_page([repository(name) for name in ("team/api", *HOSTILE)], True, False)
        await pilot.pause()
        assert names_shown(table) == ["team/api", *(visible(name) for name in HOSTILE)]
        browser.query_one("#repo-filter", Input).focus()
        await pilot.press(*"[/]")
        assert names_shown(table) == ["team/[/]api"]
        assert table.border_title == "Repositories (1 of 5)"


async def test_the_console_lists_every_page_of_repositories(
    endpoint_url: str, ecr_client: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = f"pages-{uuid.uuid4().hex[:8]}"
    for index in range(7):
        ecr_client.create_repository(repositoryName=f"{prefix}/svc-{index}")
    listed = [
        repo["repositoryName"]
        for page in ecr_client.get_paginator("describe_repositories").paginate()
        for repo in page["repositories"]
    ]
    monkeypatch.setattr(repositories_pane, "FIRST_PAGE_SIZE", 2)
    monkeypatch.setattr(repositories_pane, "PAGE_SIZE", 5)
    seen: list[Message] = []
    app = console_app(endpoint_url, tmp_path / "journal.sqlite3")
    async with running(app, (120, 36), seen) as pilot:
        browser = app.query_one(RepositoryBrowser)
        table = browser.query_one("#repositories", DataTable)
        pages = list({id(m): m for m in seen if isinstance(m, RepositoriesLoaded)}.values())
        assert len(pages[0].repositories) == 2 and pages[0].first_page
        assert len(pages) == 1 + -(-(len(listed) - 2) // 5)
        assert names_shown(table) == listed  # ECR's order, every one once
        assert table.border_title == f"Repositories ({len(listed):,})"
        await pilot.press("3", "slash", *prefix)
        await wait_for(pilot, lambda: table.row_count == 7, what="the filtered repositories")
        assert table.border_title == f"Repositories (7 of {len(listed):,})"


async def test_the_uploads_filter_narrows_the_journal_and_gives_it_back(
    endpoint_url: str, tmp_path: Path
) -> None:
    journal_path = tmp_path / "journal.sqlite3"
    rows = [
        Row(repository, str(uuid.UUID(int=index)), UploadState.INTERRUPTED, 1024)
        for index, repository in enumerate(
            ["team/api", "team/web", "team/api", "[bold]ml[/bold]/trainer", "data/etl"] * 60
        )
    ]
    write_journal(journal_path, endpoint_url, rows)
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        table = app.query_one(UploadsTable)
        field = app.query_one("#uploads-filter", Input)
        assert table.row_count == 300 and table.border_title == "Uploads (300)"
        assert not field.display  # no room taken until / opens it
        table.focus()
        await pilot.press("slash")
        await wait_for(pilot, lambda: app.focused is field, what="the uploads filter")
        await pilot.press(*"team/api")
        assert table.row_count == 120 and table.border_title == "Uploads (120 of 300)"
        assert {table.records[upload_id].repository for upload_id in shown_ids(table)} == {
            "team/api"
        }
        await pilot.press("escape")
        assert app.focused is table and field.value == "team/api" and field.display
        await pilot.press("slash")
        await wait_for(pilot, lambda: app.focused is field, what="the filter again")
        field.value = ""
        await pilot.press("[", "b")
        assert table.row_count == 60
        assert str(table.get_row_at(0)[0]) == "[bold]ml[/bold]/trainer"  # as written
        await pilot.press("backspace", "backspace", "enter")
        assert table.row_count == 300 and app.focused is table
        assert not field.display  # left empty: out of the way again
        # the live reload keeps the filter
        await pilot.press("slash", *"web", "enter")
        app.uploads.load_uploads()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert table.row_count == 60 and table.border_title == "Uploads (60 of 300)"


def shown_ids(table: UploadsTable) -> list[str]:
    return [
        str(table.coordinate_to_cell_key(Coordinate(index, 0)).row_key.value)
        for index in range(table.row_count)
    ]


async def test_a_tab_chosen_while_the_uploads_load_stays_chosen(
    endpoint_url: str, tmp_path: Path
) -> None:
    """Pressing 3 at once, before the uploads are read (and while the repositories still load,
    so nothing in their tab can take the focus yet): the console stays on the Repositories tab
    when the uploads arrive."""
    import threading

    from textual.widgets import TabbedContent

    journal_path = tmp_path / "journal.sqlite3"
    write_journal(
        journal_path, endpoint_url, [Row("team/api", str(uuid.uuid4()), UploadState.INTERRUPTED)]
    )
    app = console_app(endpoint_url, journal_path)
    released = threading.Event()
    read_pages = app.session.upload_pages

    def held_pages(include_finished: bool = False) -> Any:
        released.wait(10)
        return read_pages(include_finished)

    app.session.upload_pages = held_pages  # type: ignore[method-assign]
    async with app.run_test(size=(120, 36)) as pilot:
        tabs = app.query_one(TabbedContent)
        await pilot.press("3")
        assert tabs.active == "repos-tab"
        released.set()
        table = app.query_one(UploadsTable)
        await wait_for(pilot, lambda: not table.loading, what="the uploads")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert tabs.active == "repos-tab"
        assert app.focused is None or app.focused is not table
