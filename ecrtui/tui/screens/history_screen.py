"""The requests this console sent, newest first; choosing one shows it again."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static

from ecrtui.ecr.caller import CallRecord
from ecrtui.plain_text import visible
from ecrtui.uploads.call_words import answered, is_probe


def outcome(entry: CallRecord) -> str:
    """'ok', the error code, or for a probe what ECR holds."""
    fields = entry.error.fields if entry.error is not None else None
    return visible(answered(entry.operation, entry.parameters, entry.outcome, fields))


def operation(entry: CallRecord) -> str:
    return "probe" if is_probe(entry.operation, entry.parameters) else visible(entry.operation)


def history_line(entry: CallRecord, widths: tuple[int, int] = (0, 0)) -> Text:
    """'14:03:27  CompleteLayerUpload  ok  84 ms  team/api 6cb64b8a', columns padded to
    `widths`, outcome coloured (a probe's answer is not an error)."""
    line = Text(time.strftime("%H:%M:%S", time.localtime(entry.at)) + "  ")
    line.append(operation(entry).ljust(widths[0]) + "  ", style="bold")
    failed = entry.error is not None and not is_probe(entry.operation, entry.parameters)
    line.append(outcome(entry).ljust(widths[1]), style="red" if failed else "green")
    line.append(f"{entry.duration_ms:>7.0f} ms")
    where = " ".join(part for part in (entry.repository or "", (entry.upload_id or "")[:8]) if part)
    if where:
        line.append("  " + visible(where), style="dim")
    return line


class HistoryScreen(ModalScreen[CallRecord | None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Request history

Every request this console sent in this session, newest first: when, which operation, how it
ended (`ok` or the error code) and how long it took. **Enter** shows the chosen one again, request
and response; **Escape** closes.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="history.close", tooltip="Close the history"),
    ]

    def __init__(self, entries: list[CallRecord]) -> None:
        super().__init__()
        self._entries = sorted(entries, key=lambda entry: entry.at, reverse=True)

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog", classes="dialog") as dialog:
            dialog.border_title = f"History ({len(self._entries)})"
            if self._entries:
                dialog.border_subtitle = "Enter shows a request"
                widths = (
                    max(len(operation(entry)) for entry in self._entries),
                    max(len(outcome(entry)) for entry in self._entries),
                )
                lines = [history_line(entry, widths) for entry in self._entries]
                yield OptionList(*lines, id="history-list")
            else:
                yield Static("No requests sent yet in this session.", id="history-empty")
        yield Footer()

    @on(OptionList.OptionSelected, "#history-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._entries[event.option_index])

    def action_cancel(self) -> None:
        self.dismiss(None)
