"""The config file in the console: its theme (and the theme picked, saved back), its keys (in the
footer and F1 too), read_only, the push form's part size, and confirm = "always" in demo mode."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input

from ecrtui.config import Settings, load_settings
from ecrtui.ecr.client import Target
from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.help_screen import HelpScreen
from ecrtui.tui.screens.push_screen import PushLayerScreen
from ecrtui.tui.session import ConsoleOptions

from .console_apps import (
    REGION,
    Layer,
    MiB,
    bar_text,
    running,
    select_upload,
    start_upload,
    wait_for,
    write_journal,
)

SIZE = (120, 36)


def config_file(text: str) -> Path:
    """The test's config file (conftest points ECRTUI_CONFIG_FILE at it), holding `text`."""
    path = Path(os.environ["ECRTUI_CONFIG_FILE"])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def configured_app(endpoint_url: str, journal_path: Path, settings: Settings) -> EcrtuiApp:
    """The console (LIVE, at the local backend) with the settings as `ecrtui` passes them."""
    options = ConsoleOptions(
        target=Target(endpoint_url=endpoint_url, region=REGION, local_backend=True),
        journal_path=journal_path,
        read_only=settings.read_only_for(read_only=False, read_write=False),
        theme=settings.theme if "theme" in settings.from_file else None,
        keys=settings.keys,
        part_size=settings.part_size,
        confirm=settings.confirm,
        config_file=settings.path,
    )
    app = EcrtuiApp(options)
    app.animation_level = "none"
    return app


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


async def test_the_console_starts_with_the_files_theme_and_saves_the_one_picked(
    endpoint_url: str, journal_path: Path
) -> None:
    text = '# my console\ntheme = "nord"  # for the night\n\n[keys]\npush = "N"\n'
    path = config_file(text)
    app = configured_app(endpoint_url, journal_path, load_settings(path))
    async with running(app, SIZE) as pilot:
        assert app.theme == "nord"
        assert path.read_text(encoding="utf-8") == text  # starting writes nothing
        app.theme = "textual-light"  # as the palette's "Change theme" does
        await pilot.pause()
        assert path.read_text(encoding="utf-8") == text.replace('"nord"', '"textual-light"')
    assert load_settings(path).theme == "textual-light"


async def test_without_a_theme_in_the_file_the_pick_is_added(
    endpoint_url: str, journal_path: Path
) -> None:
    path = config_file("read_only = false\n")
    app = configured_app(endpoint_url, journal_path, load_settings(path))
    async with running(app, SIZE) as pilot:
        assert app.theme == "textual-dark"
        assert path.read_text(encoding="utf-8") == "read_only = false\n"
        app.theme = "dracula"
        await pilot.pause()
    assert path.read_text(encoding="utf-8") == 'read_only = false\ntheme = "dracula"\n'


async def test_a_remapped_key_works_and_the_footer_and_f1_show_it(
    endpoint_url: str, journal_path: Path
) -> None:
    path = config_file('[keys]\npush = "N"\n')
    app = configured_app(endpoint_url, journal_path, load_settings(path))
    async with running(app, SIZE) as pilot:
        await pilot.press("n")  # the old key does nothing now
        await pilot.pause()
        assert not isinstance(app.screen, PushLayerScreen)
        footer_keys = {
            item.binding.key for item in app.screen.active_bindings.values() if item.binding.show
        }
        assert "N" in footer_keys and "n" not in footer_keys
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="F1 help")
        assert isinstance(app.screen, HelpScreen)
        assert ("N", "Push", "everywhere") in app.screen.key_rows
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")
        await pilot.press("N")
        await wait_for(pilot, lambda: isinstance(app.screen, PushLayerScreen), what="push form")
        await pilot.press("escape")


async def test_read_only_in_the_file_gives_a_read_only_console(
    endpoint_url: str, journal_path: Path
) -> None:
    path = config_file("read_only = true\n")
    app = configured_app(endpoint_url, journal_path, load_settings(path))
    async with running(app, SIZE) as pilot:
        assert app.options.read_only
        assert "READ-ONLY" in bar_text(app)
        await pilot.press("n")  # refused, and says why
        await pilot.pause()
        assert not isinstance(app.screen, PushLayerScreen)


async def test_the_files_part_size_fills_the_push_form(
    endpoint_url: str, journal_path: Path
) -> None:
    path = config_file('part_size = "6 MiB"\n')
    app = configured_app(endpoint_url, journal_path, load_settings(path))
    async with running(app, SIZE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PushLayerScreen), what="push form")
        assert app.screen.query_one("#push-part-size", Input).value == "6MiB"
        await pilot.press("escape")


@pytest.fixture
def interrupted(ecr_client: Any, repository: str, tmp_path: Path) -> Layer:
    """An upload of ours that ECR holds 5 of 12 MiB of."""
    return start_upload(ecr_client, repository, tmp_path, 12 * MiB, sent=5 * MiB, seed=61)


@pytest.mark.parametrize(("confirm", "asks"), [("always", True), ("live", False)])
async def test_confirm_always_asks_in_demo_mode_too(
    endpoint_url: str, journal_path: Path, interrupted: Layer, confirm: str, asks: bool
) -> None:
    write_journal(journal_path, endpoint_url, [interrupted.row()])
    path = config_file(f'confirm = "{confirm}"\n')
    app = configured_app(endpoint_url, journal_path, load_settings(path))
    async with running(app, SIZE) as pilot:
        # demo mode's consent rules on this LIVE app (demo mode proper starts its own backend)
        app.options = dataclasses.replace(app.options, demo=True)
        app.session.options = app.options
        await select_upload(pilot, interrupted.upload_id)
        await pilot.press("p")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) is asks
        if asks:
            await pilot.press("escape")


async def test_f1_shows_another_tabs_remapped_key(endpoint_url: str, journal_path: Path) -> None:
    """The Repositories tab's copy key, remapped, is listed with its new key from the Uploads
    tab too."""
    path = config_file('[keys]\ncopy = "ctrl+k"\n')
    app = configured_app(endpoint_url, journal_path, load_settings(path))
    async with running(app, SIZE):
        rows = app.key_rows()
        assert ("ctrl+k", "Copy", "Repositories tab") in rows
        assert not any(
            keys.startswith("ctrl+y") and where == "Repositories tab" for keys, _, where in rows
        )


def test_every_key_of_the_console_has_a_binding_id_to_remap_it_by() -> None:
    """The tables' j/k/g/G, Escape in a filter and Enter on an upload too."""
    from ecrtui.tui.keymap import binding_defaults

    ids = binding_defaults()
    for name in ("table.down", "table.up", "table.first", "table.last", "filter.leave"):
        assert name in ids
    assert ids["upload.actions"].keys == "enter"
