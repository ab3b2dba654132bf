"""Ask before sending: where the request goes, and the exact request, as JSON."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from ecrtui.tui.screens.text_screen import read_only_area
from ecrtui.tui.text import plain_lines, to_json


class ConfirmScreen(ModalScreen[bool]):
    """True to send, False to leave it."""

    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Confirm a request

Outside demo mode, a request that changes an upload is shown before it is sent: the target
(endpoint, region, account) and the exact parameters. Check the target first: a wrong account or
region is the costliest mistake here.

**y** or **Enter** sends it; **n** or **Escape** leaves it unsent.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "send", "Send", id="confirm.send", tooltip="Send the request"),
        Binding("n,escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Do not send it"),
        Binding("enter", "send", "Send", show=False, id="confirm.enter"),
    ]

    def __init__(self, title: str, request: dict[str, Any], target_lines: list[str]) -> None:
        super().__init__()
        self._title = title
        self._request = request
        self._target_lines = target_lines

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog") as dialog:
            dialog.border_title = f"Send {self._title}?"
            yield Static(f"You are about to send {self._title} to", markup=False)
            yield Static(plain_lines("\n".join(self._target_lines)), id="confirm-target")
            text = to_json(self._request, indent=2)
            yield read_only_area(text, "json", id="confirm-request")
            with Horizontal(classes="buttons"):
                yield Button("Send", variant="warning", id="confirm-send")
                yield Button("Cancel", id="confirm-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#confirm-send", Button).focus()

    @on(Button.Pressed, "#confirm-send")
    def action_send(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)
