"""A text to read and copy: an input skeleton, a full error, a response."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, TextArea

from ecrtui.tui.clipboard import copy_and_say


def read_only_area(text: str, language: str | None, *, id: str) -> TextArea:
    """A read-only TextArea highlighting `language`, or plain text if it is not available."""
    area = TextArea(text, read_only=True, id=id)
    if language in area.available_languages:
        area.language = language
    return area


class TextScreen(ModalScreen[None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Text

A read-only text: select with the mouse or the arrow keys and shift. **y** copies all of it to
the clipboard; **Escape** closes.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,ctrl+y", "copy", "Copy all", id="text.copy", tooltip="Copy the whole text"),
        Binding("escape", "close", "Close", id="text.close", tooltip="Close"),
    ]

    def __init__(self, title: str, text: str, language: str | None = None) -> None:
        super().__init__()
        self._title = title
        self._text = text
        self._language = language

    def compose(self) -> ComposeResult:
        with Vertical(id="text-dialog", classes="dialog") as dialog:
            dialog.border_title = Text(self._title)  # may name a repository: never markup
            lines = self._text.count("\n") + 1
            dialog.border_subtitle = f"{lines} line{'s' if lines != 1 else ''}"
            yield read_only_area(self._text, self._language, id="text-area")
            with Horizontal(classes="buttons"):
                yield Button("Copy", variant="primary", id="text-copy")
                yield Button("Close", id="text-close")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#text-area", TextArea).focus()

    @on(Button.Pressed, "#text-copy")
    def action_copy(self) -> None:
        copy_and_say(self.app, self._text, f"{self._title} ({len(self._text)} characters)")

    @on(Button.Pressed, "#text-close")
    def action_close(self) -> None:
        self.dismiss(None)
