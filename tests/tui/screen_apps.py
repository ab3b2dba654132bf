"""Small host apps for the modal screens: push one screen, keep what it is dismissed with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static


class ScreenHost(App[None]):
    """Shows a fixed line, then pushes the screen `make_screen` builds; `results` holds the
    values the screen was dismissed with."""

    def __init__(self, make_screen: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.make_screen = make_screen
        self.results: list[Any] = []

    def compose(self) -> ComposeResult:
        yield Static("ecrtui test host: the console would be here, under the dialog")

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(), self.results.append)

    @property
    def dismissed(self) -> bool:
        return bool(self.results)


async def wait_for(
    pilot: Pilot[Any],
    condition: Callable[[], bool],
    timeout: float = 20.0,
    step: float = 0.1,
    what: str = "condition",
) -> None:
    """Let the app run until `condition()` holds; fail the test after `timeout` seconds."""
    for _ in range(int(timeout / step)):
        if condition():
            return
        await pilot.pause(step)
    if not condition():
        raise AssertionError(f"timed out after {timeout} s waiting for {what}")


RunBefore = Callable[[Pilot[Any]], Awaitable[None]]
