"""A failure the operator can read and copy: what the console was doing, the error, the next step.

Every worker failure that is not answered in place (a form's own response panel) lands here.
A second failure while the panel is open replaces what it shows and counts how many came; the
history (h) keeps each one.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Footer, Static

from ecrtui.ecr.errors import EcrCallError
from ecrtui.tui.clipboard import copy_and_say
from ecrtui.tui.text import plain
from ecrtui.tui.widgets.error_text import error_content, error_json


class FailureScreen(ModalScreen[None]):
    CSS_PATH = ["screens.tcss", "failure_screen.tcss"]  # noqa: RUF012 (Textual reads it per class)
    HELP: ClassVar[str] = """\
## Something failed

What the console was doing when it failed, the error code and message, the **next step**, and
the facts to quote (HTTP status, request id). What was waiting on it has been put back.

**y** copies the error as JSON; **Escape** or **Enter** closes. **h** (after closing) lists
every request and failure of this session.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "copy", "Copy", id="failure.copy", tooltip="Copy the error as JSON"),
        Binding("escape", "close", "Close", id="failure.close", tooltip="Close"),
    ]

    def __init__(self, doing: str, error: EcrCallError) -> None:
        super().__init__()
        self.doing = doing
        self.error = error
        self.count = 1

    # The dialog is drawn as it is composed, with nothing to look up once mounted: a console
    # quitting in the moment the panel opens takes its widgets away before its Mount is handled.
    AUTO_FOCUS = "#failure-close"

    def compose(self) -> ComposeResult:
        with Vertical(id="failure-dialog", classes="dialog") as dialog:
            self._title(dialog)
            with VerticalScroll(id="failure-scroll"):
                yield Static(error_content(self.error), id="failure-text")
            with Horizontal(classes="buttons"):
                yield Button("Close", variant="primary", id="failure-close")
                yield Button("Copy", id="failure-copy")
        yield Footer()

    def show(self, doing: str, error: EcrCallError) -> None:
        """Another failure while this one is open: show the newest, count them all."""
        self.doing, self.error = doing, error
        self.count += 1
        self._draw()

    @property
    def copy_text(self) -> str:
        return error_json(self.error)

    @property
    def shown_text(self) -> str:
        """The error as drawn, without styles (for tests and screen readers)."""
        return error_content(self.error).plain

    def _draw(self) -> None:
        self._title(self.query_one("#failure-dialog"))
        self.query_one("#failure-text", Static).update(error_content(self.error))

    def _title(self, dialog: Widget) -> None:
        dialog.border_title = plain(f"Failed: {self.doing}")
        dialog.border_subtitle = f"{self.count} failures" if self.count > 1 else None

    @on(Button.Pressed, "#failure-copy")
    def action_copy(self) -> None:
        copy_and_say(self.app, self.copy_text, "the error")

    @on(Button.Pressed, "#failure-close")
    def action_close(self) -> None:
        self.dismiss(None)
