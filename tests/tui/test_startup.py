"""The console starts with the garbage collector off (`ecrtui.cli.main`): connecting, or failing
to, turns it back on, with its thresholds set for big listings, so a long session collects as any
program does."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecrtui.ecr.errors import EcrCallError
from ecrtui.local.demo_backend import DemoBackendProcess
from ecrtui.tui.app import COLLECTION_THRESHOLDS
from ecrtui.tui.screens.failure_screen import FailureScreen
from ecrtui.tui.session import ConsoleOptions, ConsoleSession

from .console_apps import bar_text, console_app, running, wait_for


@pytest.fixture
def collector_off() -> Iterator[None]:
    thresholds = gc.get_threshold()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("collector_off")
async def test_connecting_turns_the_collector_back_on(endpoint_url: str, tmp_path: Path) -> None:
    app = console_app(endpoint_url, tmp_path / "journal.sqlite3")
    async with running(app, (120, 40)):
        assert app.identity is not None
        assert gc.isenabled()
        assert gc.get_threshold() == COLLECTION_THRESHOLDS


@pytest.mark.usefixtures("collector_off")
async def test_failing_to_connect_turns_the_collector_back_on(tmp_path: Path) -> None:
    app = console_app("http://127.0.0.1:9", tmp_path / "journal.sqlite3")  # nothing listens
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), what="the failure")
        await pilot.pause()  # the panel drawn before the test leaves
        assert "NOT CONNECTED" in bar_text(app)
        assert gc.isenabled()


def test_a_demo_backend_that_did_not_start_says_why(tmp_path: Path) -> None:
    """The demo's identity is asked while its backend starts; a backend that ended first is
    reported by what it wrote, not as an unreachable endpoint."""
    spawned = DemoBackendProcess(tmp_path / "demo" / "layers", upload_id_seed="x")  # type: ignore[arg-type]
    session = ConsoleSession(ConsoleOptions(demo=True, demo_backend=spawned.start()))
    try:
        with pytest.raises(EcrCallError) as raised:
            session.connect()
    finally:
        session.close()
    assert "did not start" in raised.value.message
    assert "--upload-id-seed: invalid int value" in raised.value.message
