"""Enter on an upload: what can be done with it, the step its verdict suggests first."""

from __future__ import annotations

from collections.abc import Collection
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList
from textual.widgets.option_list import Option

from ecrtui.plain_text import visible
from ecrtui.uploads.journal import UploadRecord
from ecrtui.uploads.verdict import Kind, Verdict

# (action, its key, what it does), in the order of a push's life
ACTIONS = (
    ("app.complete", "c", "Complete: fill the completion form"),
    ("app.resume", "u", "Resume from the byte ECR holds"),
    ("app.probe", "p", "Probe: ask ECR how many bytes it holds"),
    ("app.push", "n", "Push the layer again, as a new upload"),
    ("app.forget", "f", "Forget it (journal only)"),
    ("copy", "y", "Copy the upload id"),
    ("copy_digest", "d", "Copy the layer digest"),
)

# The action each verdict's next step names.
SUGGESTED = {
    Kind.COMPLETABLE: "app.complete",
    Kind.NEEDS_RESUME: "app.resume",
    Kind.BLOCKED: "app.push",
    Kind.WILL_NOT_MATCH: "app.push",
    Kind.ALREADY_THERE: "app.forget",
    Kind.EXPIRED: "app.push",
    Kind.UNKNOWN: "app.probe",
    Kind.PUSH_AGAIN: "copy",  # the other tool pushes again; its upload id is what to hand over
    Kind.COMPLETED: "copy",
    Kind.FORGOTTEN: "copy",
}


def action_options(
    record: UploadRecord, verdict: Verdict | None, refused: Collection[str]
) -> list[Option]:
    """One option per action; the suggested one first, refused ones (read-only) disabled."""
    suggested = SUGGESTED.get(verdict.kind) if verdict is not None else None
    options: list[Option] = []
    for action, key, words in ACTIONS:
        name = action.removeprefix("app.")
        if action == "copy_digest" and not record.local_digest:
            continue
        line = Text.assemble((f"{key}  ", "bold"), words)
        if action == suggested:
            line.append("  (the next step)", style="bold green")
        if name in refused:
            line.append("  (read-only: refused)", style="dim")
        option = Option(line, id=action, disabled=name in refused)
        if action == suggested:
            options.insert(0, option)
        else:
            options.append(option)
    return options


class UploadActionsScreen(ModalScreen[str | None]):
    """Returns the chosen action's name (run by the uploads pane), or None."""

    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Upload actions

What can be done with the selected upload. The step its verdict suggests comes first; in a
read-only console the actions that send or forget are listed but refused. **Enter** runs the
highlighted action, **Escape** closes. Each action also has its key on the Uploads tab.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="actions.close", tooltip="Close the menu"),
    ]

    def __init__(
        self, record: UploadRecord, verdict: Verdict | None, refused: Collection[str] = ()
    ) -> None:
        super().__init__()
        self._record = record
        self._verdict = verdict
        self._refused = refused

    def compose(self) -> ComposeResult:
        record = self._record
        with Vertical(id="actions-dialog", classes="dialog") as dialog:
            # server text (the names) as Text: never read as markup
            dialog.border_title = Text(
                visible(f"Upload {record.upload_id[:8]} in {record.repository}")
            )
            if self._verdict is not None:
                dialog.border_subtitle = Text(visible(self._verdict.summary))
            yield OptionList(
                *action_options(record, self._verdict, self._refused), id="actions-list"
            )
        yield Footer()

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#actions-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
