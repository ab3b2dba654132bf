"""The Complete tab: the CompleteLayerUpload form and the response panel beside (or under) it.

Outside demo mode a request is shown with its target before it is sent, with Cancel as the
default. When the upload's verdict predicts ECR's refusal, sending takes an explicit override, in
demo mode too. The send runs in a thread worker; its answer, ECR's error, or a failure on this
side always replaces "Sending…".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.message import Message

from ecrtui.ecr.caller import CallRecord
from ecrtui.ecr.errors import EcrCallError
from ecrtui.plain_text import visible
from ecrtui.tui import clipboard, consent
from ecrtui.tui.keys import binding
from ecrtui.tui.panes.pane import Pane
from ecrtui.tui.session import Identity
from ecrtui.tui.widgets.complete_form import CompleteLayerForm
from ecrtui.tui.widgets.response_panel import ResponsePanel
from ecrtui.uploads.verdict import Verdict

OPERATION = "CompleteLayerUpload"


@dataclass
class CompletionAnswered(Message):
    """ECR answered a completion (success or error); the journal has recorded it."""

    call: CallRecord


@dataclass
class CompletionNotSent(Message):
    """The completion was refused before sending (read-only, or invalid)."""

    error: EcrCallError


class CompletePane(Pane):
    """Fill in, check and send a CompleteLayerUpload request; see what came back."""

    DEFAULT_CSS = """
    CompletePane { height: 1fr; }
    """
    # ctrl+ keys: the focus is mostly in a field, which keeps printable keys for itself
    BINDINGS: ClassVar[list[BindingType]] = [
        binding("ctrl+y", "copy", "Copy response", "Copy the response (or the error) as JSON"),
        binding(
            "ctrl+o", "copy_command", "Copy aws cmd", "Copy the form's request as an aws command"
        ),
        binding("escape", "leave_field", "Leave the field", "To the form's buttons", show=False),
    ]

    identity: Identity | None = None  # set once connected, for the confirmation
    # What completing an upload would do, by upload id (the Uploads tab's verdicts), once connected.
    verdicts: Callable[[str], Verdict | None] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="work"):
            yield CompleteLayerForm(id="form")
            yield ResponsePanel(id="response")

    def on_mount(self) -> None:
        self.form.read_only = self.session.options.read_only
        self.response.clear()

    @property
    def form(self) -> CompleteLayerForm:
        return self.query_one(CompleteLayerForm)

    @property
    def response(self) -> ResponsePanel:
        return self.query_one(ResponsePanel)

    # -- sending ---------------------------------------------------------------------------------

    @on(CompleteLayerForm.Submitted)
    def _submitted(self, message: CompleteLayerForm.Submitted) -> None:
        message.stop()
        request = dict(message.request)
        if self.session.options.read_only:
            self.notify(consent.REFUSALS["complete"], severity="warning", markup=False)
            return
        upload_id = str(request.get("uploadId") or "")
        verdict = self.verdicts(upload_id) if self.verdicts is not None else None
        confirm = consent.complete_consent(self.identity, request, verdict)
        consent.ask(self.app, confirm, partial(self.send, request), demo=self.session.options.demo)

    def send(self, request: dict[str, Any]) -> None:
        self.response.show_loading(OPERATION)

        def work() -> None:
            try:
                call = self.session.complete(request)
            except EcrCallError as error:
                self.report(CompletionNotSent(error))
                return
            self.report(CompletionAnswered(call))

        self.run_in_thread(work, group="send", doing=f"Sending {OPERATION}")

    def restore(self, group: str, error: EcrCallError) -> bool:
        if group == "send":
            self.response.show_error(error, OPERATION)  # never left on "Sending…"
            return True
        return False

    def on_completion_answered(self, message: CompletionAnswered) -> None:
        call = message.call
        self.response.show_call(call)
        if call.error is None:
            self.notify(f"{OPERATION} succeeded")
        else:
            self.notify(visible(f"{OPERATION}: {call.outcome}"), severity="error", markup=False)

    def on_completion_not_sent(self, message: CompletionNotSent) -> None:
        self.response.show_error(message.error, OPERATION)

    # -- the form's other buttons ----------------------------------------------------------------

    @on(CompleteLayerForm.Invalid)
    def _invalid(self, message: CompleteLayerForm.Invalid) -> None:
        self.response.show_problems(OPERATION, message.problems)

    @on(CompleteLayerForm.LoadRequested)
    def _load_requested(self) -> None:
        def loaded(params: dict[str, Any] | None) -> None:
            if params is not None:
                self.form.load(params)

        from ecrtui.tui.screens.load_request_screen import LoadRequestScreen

        self.app.push_screen(LoadRequestScreen(), loaded)

    @on(CompleteLayerForm.SkeletonRequested)
    def _skeleton_requested(self) -> None:
        from ecrtui.ecr.model import operation_model
        from ecrtui.ecr.skeleton import input_skeleton
        from ecrtui.tui.screens.text_screen import TextScreen

        skeleton = input_skeleton(operation_model(OPERATION))
        self.app.push_screen(TextScreen(f"{OPERATION} input skeleton", skeleton, "json"))

    def action_leave_field(self) -> None:
        """Esc in a field: to the form's buttons, where keys are keys again."""
        buttons = [button for button in self.form.query("Button") if button.focusable]
        if buttons:
            buttons[0].focus()

    # -- copying ---------------------------------------------------------------------------------

    def action_copy(self) -> None:
        text = self.response.copy_text
        if text:
            clipboard.copy_and_say(self.app, text, "the response")
        else:
            self.notify("No response yet: nothing to copy", severity="warning")

    def action_copy_command(self) -> None:
        self._copy_command(self.form.request)

    @on(CompleteLayerForm.CopyCommandRequested)
    def _copy_command_requested(self, message: CompleteLayerForm.CopyCommandRequested) -> None:
        self._copy_command(message.request)

    def _copy_command(self, request: dict[str, Any]) -> None:
        try:
            command = clipboard.aws_command(request, self.identity, self.session.options)
        except ValueError as error:
            self.notify(
                visible(f"Cannot write this request as an aws command: {error}"),
                severity="error",
                markup=False,
            )
            return
        clipboard.copy_and_say(self.app, command, "the aws CLI command")
