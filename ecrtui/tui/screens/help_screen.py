"""F1: what the focused widget is for, and the keys that work here."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Markdown

NO_HELP = "No help has been written for this part of the console yet."


def help_for(node: DOMNode | None) -> str:
    """The `HELP` markdown of `node` or of its nearest ancestor that has one."""
    while node is not None:
        text = getattr(type(node), "HELP", None)
        if isinstance(text, str) and text.strip():
            return text
        node = node.parent
    return NO_HELP


def help_title(markdown: str) -> str:
    """The help's first heading ("## Uploads in flight" -> "Uploads in flight"), or "ecrtui"."""
    for line in markdown.splitlines():
        if line.startswith("#"):
            return line.lstrip("#").strip()
    return "ecrtui"


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Help

Shows what the focused part of the console is for, and the keys that work there.
**Escape**, **F1** or **q** closes it.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help.close", tooltip="Close the help"),
    ]

    def __init__(self, title: str, markdown: str, keys: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self._title = title
        self._markdown = markdown
        self.key_rows = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="help-dialog", classes="dialog") as dialog:
            dialog.border_title = f"Help · {self._title}"
            dialog.border_subtitle = "↑↓ page up/down scroll · esc closes"
            with VerticalScroll(id="help-text"):
                yield Markdown(self._markdown or NO_HELP)
                table: DataTable[str] = DataTable(
                    id="help-keys", cursor_type="none", zebra_stripes=True, show_cursor=False
                )
                table.add_columns("Key", "What it does", "Where")
                table.add_rows(self.key_rows)
                table.display = bool(self.key_rows)
                yield table
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-text").focus()

    def action_close(self) -> None:
        self.dismiss(None)
