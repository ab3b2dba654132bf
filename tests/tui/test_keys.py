"""Keys operators' fingers expect: j/k/g/G/Home/End in tables; Enter and Escape leave the filter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Input

from .console_apps import console_app, demo_rows, running, wait_for, write_journal


async def test_tables_move_with_j_k_g_and_G(
    endpoint_url: str, demo_registry: Any, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    write_journal(journal, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal)
    async with running(app, (120, 36)) as pilot:
        table = app.uploads.table
        table.focus()
        last = table.row_count - 1
        assert table.cursor_row == 0
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("k")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == last
        await pilot.press("g")
        assert table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == last
        await pilot.press("home")
        assert table.cursor_row == 0


async def test_enter_and_escape_leave_the_filter_for_the_table(
    endpoint_url: str, demo_registry: Any, tmp_path: Path
) -> None:
    app = console_app(endpoint_url, tmp_path / "journal.sqlite3")
    async with running(app, (120, 36)) as pilot:
        await pilot.press("3", "slash")  # in the Uploads tab, / filters the uploads
        field = app.query_one("#repo-filter", Input)
        repositories = app.query_one("#repositories", DataTable)
        assert app.focused is field
        await pilot.press(*"team/w", "enter")
        await wait_for(pilot, lambda: app.focused is repositories, what="the table")
        assert field.value == "team/w" and repositories.row_count >= 2
        await pilot.press("slash")
        assert app.focused is field
        await pilot.press("escape")
        assert app.focused is repositories and field.value == "team/w"
