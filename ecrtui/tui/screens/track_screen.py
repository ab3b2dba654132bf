"""Track an upload someone else started: its repository, upload id and (optional) registry id.

The ids are checked as they are typed, with ECR's own rules; the app probes the upload itself.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Static
from textual.worker import Worker, WorkerState

from ecrtui.ecr.validation import validate

TRACKED_FIELDS = {
    "repositoryName": "track-repository",
    "uploadId": "track-upload-id",
    "registryId": "track-registry-id",
}
# A digest that passes, so that only the tracked fields can have problems.
_ANY_DIGEST = "sha256:" + "0" * 64


class TrackUploadScreen(ModalScreen[tuple[str, str, str | None] | None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Track an upload by id

ECR cannot list uploads, so one started elsewhere (another machine, a CI job) is found by its
ids. Paste them here; **Track** probes how many bytes ECR holds and adds the upload to the list.

- **Repository**: the repository the upload belongs to, e.g. `team/api`.
- **Upload ID**: the UUID InitiateLayerUpload returned.
- **Registry ID**: the 12-digit account of the registry; empty means your own account's.

The probe sends nothing that changes the upload.
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
            with Grid(classes="fields"):
                yield Label("Repository")
                yield Input(self._initial[0], placeholder="e.g. team/api", id="track-repository")
                yield Label("Upload ID")
                yield Input(self._initial[1], placeholder="a UUID", id="track-upload-id")
                yield Label("Registry ID")
                yield Input(placeholder="your account's (optional)", id="track-registry-id")
            yield Static(id="track-problems", classes="problems")
            with Horizontal(classes="buttons"):
                yield Button("Track", variant="primary", id="track-submit", disabled=True)
                yield Button("Cancel", id="track-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self._load_rules()  # then the first check
        self.query_one("#track-repository" if not self._initial[0] else "#track-upload-id").focus()

    def _values(self) -> dict[str, str]:
        return {
            name: self.query_one(f"#{widget_id}", Input).value.strip()
            for name, widget_id in TRACKED_FIELDS.items()
        }

    @on(Input.Changed)
    def _check(self) -> bool:
        """Show the problems of the fields filled in so far; True when all is well."""
        values = self._values()
        params: dict[str, object] = {name: value for name, value in values.items() if value}
        params["layerDigests"] = [_ANY_DIGEST]
        problems = [
            problem
            for problem in validate("CompleteLayerUpload", params)
            if problem.field in TRACKED_FIELDS
        ]
        shown = [problem.message for problem in problems if values[problem.field]]
        problems_shown = self.query_one("#track-problems", Static)
        problems_shown.update(Text("\n".join(shown)))
        problems_shown.display = bool(shown)
        self.query_one("#track-submit", Button).disabled = bool(problems)
        return not problems

    @on(Input.Submitted)
    @on(Button.Pressed, "#track-submit")
    def action_track(self) -> None:
        if self._check():
            values = self._values()
            ids = (values["repositoryName"], values["uploadId"], values["registryId"] or None)
            self.dismiss(ids)

    @on(Button.Pressed, "#track-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="rules",
        description="load ECR's parameter rules",
    )
    def _load_rules(self) -> None:
        validate("CompleteLayerUpload", {})

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        match event.state:
            case WorkerState.SUCCESS:
                self._check()
            case WorkerState.PENDING | WorkerState.RUNNING:
                return
            case WorkerState.CANCELLED if not self.is_attached:
                return  # the screen is closing
            case _:
                error = event.worker.error
                reason = f"{type(error).__name__}: {error}" if error else event.state.name.lower()
                self.notify(f"{event.worker.description}: {reason}", severity="error")
