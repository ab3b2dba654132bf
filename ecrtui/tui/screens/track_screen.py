"""Track an upload someone else started: its repository, upload id and (optional) registry id.

The ids are checked as they are typed, with ECR's own rules; the app probes the upload itself.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input

from ecrtui.tui.widgets.model_field import ModelField

# The ids are checked as the parameters of the call that needs them all.
OPERATION = "CompleteLayerUpload"


class TrackUploadScreen(ModalScreen[tuple[str, str, str | None] | None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Track an upload by id

ECR cannot list uploads, so one started elsewhere (another machine, a CI job) is found by its
ids. Paste them here; **Track** probes how many bytes ECR holds and adds the upload to the list.

- **Repository**: the repository the upload belongs to, e.g. `team/api`.
- **Upload ID**: the UUID InitiateLayerUpload returned.
- **Registry ID**: the 12-digit account of the registry; empty means your own account's.

The probe sends nothing that changes the upload: an empty part at an offset ECR must refuse.
Outside demo mode that request is shown before it is sent; **y** sends it.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="track.cancel", tooltip="Close without tracking"),
        Binding("ctrl+s", "track", "Track", id="track.track", tooltip="Track this upload"),
    ]

    def __init__(self, repository: str | None = None, upload_id: str | None = None) -> None:
        super().__init__()
        self._initial = (repository or "", upload_id or "")

    def compose(self) -> ComposeResult:
        with Vertical(id="track-dialog", classes="dialog") as dialog:
            dialog.border_title = "Track an upload by id"
            with Vertical(classes="fields"):
                yield ModelField(
                    "Repository",
                    OPERATION,
                    "repositoryName",
                    input_id="track-repository",
                    value=self._initial[0],
                    placeholder="e.g. team/api",
                )
                yield ModelField(
                    "Upload ID",
                    OPERATION,
                    "uploadId",
                    input_id="track-upload-id",
                    value=self._initial[1],
                    placeholder="a UUID",
                )
                yield ModelField(
                    "Registry ID",
                    OPERATION,
                    "registryId",
                    input_id="track-registry-id",
                    placeholder="your account's (optional)",
                )
            with Horizontal(classes="buttons"):
                yield Button("Track", variant="primary", id="track-submit", disabled=True)
                yield Button("Cancel", id="track-cancel")
        yield Footer()

    def on_mount(self) -> None:
        first = "#track-repository-field" if not self._initial[0] else "#track-upload-id-field"
        self.query_one(first, ModelField).focus_input()

    def _fields(self) -> list[ModelField]:
        return list(self.query(ModelField))

    @on(ModelField.Changed)
    def _check(self) -> bool:
        """Enable Track when every id is well-formed; each field shows its own problems."""
        ready = not any(field.problems for field in self._fields())
        self.query_one("#track-submit", Button).disabled = not ready
        return ready

    @on(Input.Submitted)
    @on(Button.Pressed, "#track-submit")
    def action_track(self) -> None:
        if not self._check():
            wrong = [field for field in self._fields() if field.show_problems()]
            wrong[0].focus_input()
            return
        ids = {field.member: field.value for field in self._fields()}
        self.dismiss((ids["repositoryName"], ids["uploadId"], ids["registryId"]))

    @on(Button.Pressed, "#track-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
