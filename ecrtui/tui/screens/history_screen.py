"""Every call made from this console, newest first; the parts of one push are one row, and so are
the pages of one listing. Enter shows a row's calls, request and response, to read and copy."""

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
from ecrtui.tui.screens.text_screen import TextScreen
from ecrtui.tui.text import to_json
from ecrtui.tui.widgets.error_text import error_document
from ecrtui.uploads.call_groups import CallGroup, call_document, group_calls
from ecrtui.uploads.progress_text import size


def history_line(group: CallGroup, widths: tuple[int, int] = (0, 0)) -> Text:
    """'14:03:27  UploadLayerPart x7  ok  1204 ms  team/api 6cb64b8a  62.0 MiB sent', columns padded
    to `widths`, the outcome coloured (a probe's answer is not an error)."""
    line = Text(time.strftime("%H:%M:%S", time.localtime(group.last.at)) + "  ")
    line.append(visible(group.operation).ljust(widths[0]) + "  ", style="bold")
    line.append(visible(group.outcome).ljust(widths[1]), style="red" if group.failed else "green")
    line.append(f"{group.duration_ms:>7.0f} ms")
    where = " ".join(part for part in (group.repository or "", (group.upload_id or "")[:8]) if part)
    if where:
        line.append("  " + visible(where), style="dim")
    if (sent := group.byte_range) is not None:
        line.append(f"  {size(sent[1] - sent[0] + 1)} sent", style="dim")
    return line


def group_title(group: CallGroup) -> str:
    where = " ".join(part for part in (group.repository or "", (group.upload_id or "")[:8]) if part)
    return visible(f"{group.operation} · {group.outcome}" + (f" · {where}" if where else ""))


class HistoryScreen(ModalScreen[None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## History

Every call made from this console in this session, newest first: when, which operation, how it
ended (`ok`, the error code, or for a probe what ECR holds), how long it took, and the repository
and upload it was about. The parts of one push or resume are one row, as are the pages of one
listing. **Enter** shows the row's calls, request and response; **Escape** closes.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="history.close", tooltip="Close the history"),
    ]

    def __init__(self, calls: list[CallRecord]) -> None:
        super().__init__()
        self._groups = group_calls(calls)
        self._count = len(calls)

    def compose(self) -> ComposeResult:
        with Vertical(id="history-dialog", classes="dialog") as dialog:
            dialog.border_title = f"History ({self._count} calls)"
            if self._groups:
                dialog.border_subtitle = "Enter shows request and response"
                widths = (
                    max(len(visible(group.operation)) for group in self._groups),
                    max(len(visible(group.outcome)) for group in self._groups),
                )
                lines = [history_line(group, widths) for group in self._groups]
                yield OptionList(*lines, id="history-list")
            else:
                yield Static("No calls made yet in this session.", id="history-empty")
        yield Footer()

    @property
    def groups(self) -> list[CallGroup]:
        return self._groups

    @on(OptionList.OptionSelected, "#history-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        group = self._groups[event.option_index]
        document = to_json(call_document(group, error_document))
        self.app.push_screen(TextScreen(group_title(group), document, "json"))

    def action_cancel(self) -> None:
        self.dismiss(None)
