"""Push a layer file to a repository, or resume an interrupted upload, with live progress.

Nothing is sent until the operator agreed: Start hands the job to the `ask` the console gives
(which shows the calls it will make), and the push starts only on a yes. An upload tracked by id
has no file in the journal, so its resume asks for the layer's file first.

The push runs in a thread worker on a `LayerPusher` of its own; the engine's progress callback
posts `PushProgress` (bursts collapse), and the outcome arrives as `PushFinished`, `PushCancelled`
or `PushFailed`. The messages bubble on to the app, which may refresh its upload rows with them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, ProgressBar, Static
from textual.worker import Worker, WorkerState

from ecrtui.ecr.errors import EcrCallError
from ecrtui.ecr.limits import MAX_PART_SIZE, MIN_PART_SIZE, MiB, size_words
from ecrtui.plain_text import visible_lines
from ecrtui.tui.messages import WorkFailed
from ecrtui.tui.push_words import (
    file_problems,
    layer_path,
    part_size_problems,
    progress_words,
    result_words,
)
from ecrtui.tui.session import ConsoleSession
from ecrtui.tui.widgets.model_field import ModelField
from ecrtui.tui.widgets.path_suggester import PathSuggester
from ecrtui.uploads.engine import Cancelled, Progress, PushError, PushResult
from ecrtui.uploads.progress_text import size
from ecrtui.uploads.sizes import parse_size

STAGES = ("form", "running", "cancelling", "done", "cancelled", "failed")


@dataclass
class PushProgress(Message):
    progress: Progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PushProgress)


@dataclass
class PushFinished(Message):
    result: PushResult


@dataclass
class PushCancelled(Message):
    upload_id: str | None
    at_byte: int
    total: int


@dataclass
class PushFailed(Message):
    error: EcrCallError | PushError


@dataclass(frozen=True)
class PushJob:
    """What Start will do: push `path` to `repository`, or resume an upload (from `path` when
    the journal has no file for it)."""

    path: Path | None = None
    repository: str = ""
    part_size: int | None = None
    complete: bool = True
    resume_upload_id: str | None = None


# Asks the operator about a job, then calls back with the answer (True: send it).
PushAsk = Callable[[PushJob, Callable[[bool], None]], None]


class PushLayerScreen(ModalScreen[PushResult | None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = f"""\
## Push a layer

Sends a layer file to a repository in parts, strictly in order, and completes the upload
unless *Complete when done* is unticked.

- **File**: the layer file; the grey suggestion completes a path (→ accepts it).
- **Repository**: the repository name, e.g. `team/api`.
- **Part size**: bytes per part, e.g. `10MiB`; empty means the partSize ECR gives. ECR refuses to
  complete an upload whose parts (all but the last) are under {size_words(MIN_PART_SIZE)}.

**Escape** cancels: the part in flight finishes, the upload stays *interrupted*, and `u` on its
row resumes it later from the byte ECR holds.

An upload tracked by id has no file in the journal: its resume asks for the layer's **File**.
Before any part is sent the file is checked: it must hold at least the bytes ECR holds and,
when the journal knows the layer's digest, hash to it.

Outside demo mode, Start first shows the calls that will be sent; **y** sends them.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel / close", id="push.cancel", tooltip="Stop or close"),
        Binding("ctrl+s", "start", "Start", id="push.start", tooltip="Start the push"),
    ]

    def __init__(
        self,
        session: ConsoleSession,
        repository: str | None = None,
        resume_upload_id: str | None = None,
        *,
        ask_for_file: bool = False,
        ask: PushAsk | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`ask_for_file`: the resumed upload has no file in the journal. `ask`: how the console
        asks before sending (None: the caller has asked already)."""
        super().__init__()
        self._session = session
        self._repository = repository or ""
        self._resume_id = resume_upload_id
        self._has_form = resume_upload_id is None or ask_for_file
        self._ask = ask
        self._clock = clock
        self._cancel = threading.Event()
        self.stage = "form"
        self.result: PushResult | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="push-dialog", classes="dialog") as dialog:
            dialog.border_title = (
                f"Resume upload {self._resume_id}" if self._resume_id else "Push a layer"
            )
            if self._resume_id is not None and self._has_form:
                with Vertical(classes="fields"):
                    yield self._file_field(
                        "the layer's file: checked against what ECR holds",
                        "the file this upload's bytes came from (→ accepts the grey suggestion)",
                    )
                    yield Checkbox("Complete when done", True, id="push-complete")
            elif self._resume_id is None:
                with Vertical(classes="fields"):
                    yield self._file_field(
                        "path of the layer file",
                        "the layer file to push (→ accepts the grey suggestion)",
                    )
                    yield ModelField(
                        "Repository",
                        "InitiateLayerUpload",
                        "repositoryName",
                        input_id="push-repository",
                        value=self._repository,
                        placeholder="e.g. team/api",
                    )
                    with Horizontal(classes="part-row"):
                        yield ModelField(
                            "Part size",
                            None,
                            "part size",
                            input_id="push-part-size",
                            value=self._default_part_size(),
                            placeholder="ECR's, or e.g. 10MiB",
                            convert=parse_size,
                            check=part_size_problems,
                            tooltip=PART_SIZE_TIP,
                        )
                        yield Checkbox("Complete when done", True, id="push-complete")
            yield ProgressBar(id="push-progress", show_eta=False)
            yield Static(id="push-status")
            with Horizontal(classes="buttons"):
                yield Button("Start", variant="primary", id="push-start", disabled=self._has_form)
                yield Button("Cancel", id="push-cancel")
                yield Button("Close", variant="primary", id="push-close")
        yield Footer()

    def _default_part_size(self) -> str:
        """The config file's part_size, as the field writes sizes; empty: the partSize ECR gives."""
        part_size = self._session.options.part_size
        if part_size is None:
            return ""
        return f"{part_size // MiB}MiB" if part_size % MiB == 0 else str(part_size)

    @staticmethod
    def _file_field(placeholder: str, tooltip: str) -> ModelField:
        return ModelField(
            "File",
            None,
            "file",
            input_id="push-file",
            placeholder=placeholder,
            convert=layer_path,
            check=file_problems,
            required=True,
            tooltip=tooltip,
            suggester=PathSuggester(),
        )

    def on_mount(self) -> None:
        self._set_stage("form")
        if not self._has_form:
            self.action_start()
            return
        self.query_one("#push-file-field", ModelField).focus_input()

    def on_unmount(self) -> None:
        self._cancel.set()  # leaving mid-push: the engine stops after the part in flight

    # -- the form ------------------------------------------------------------------------------

    @on(ModelField.Changed)
    @on(Checkbox.Changed)
    def _check_form(self) -> None:
        if self._has_form and self.stage in ("form", "failed"):
            self._read_form()

    def _read_form(self) -> PushJob | None:
        """The push the form describes, or None; each field shows its own problems and notes."""
        fields = {field.member: field for field in self.query(ModelField)}
        ready = not any(field.problems for field in fields.values())
        self.query_one("#push-start", Button).disabled = not ready
        if not ready:
            return None
        complete = self.query_one("#push-complete", Checkbox).value
        if self._resume_id is not None:
            return PushJob(
                fields["file"].value, complete=complete, resume_upload_id=self._resume_id
            )
        return PushJob(
            fields["file"].value,
            fields["repositoryName"].value,
            fields["part size"].value,
            complete,
        )

    @on(Input.Submitted)
    @on(Button.Pressed, "#push-start")
    def action_start(self) -> None:
        if self.stage not in ("form", "failed"):
            return
        job = self._read_form() if self._has_form else PushJob(resume_upload_id=self._resume_id)
        if job is None:
            wrong = [field for field in self.query(ModelField) if field.show_problems()]
            if wrong:
                wrong[0].focus_input()
            return
        if self._ask is None:
            self._go(job)
        else:
            self._ask(job, partial(self._answered, job))

    def _answered(self, job: PushJob, send: bool) -> None:
        if send:
            self._go(job)
        elif not self._has_form:
            self.dismiss(None)  # the resume was all this screen was for
        else:
            self.query_one("#push-file-field", ModelField).focus_input()

    def _go(self, job: PushJob) -> None:
        self._cancel = threading.Event()
        self._set_stage("running")
        self._status("starting…")
        self._push(job)

    @on(Button.Pressed, "#push-cancel")
    @on(Button.Pressed, "#push-close")
    def action_cancel(self) -> None:
        if self.stage == "running":
            self._cancel.set()
            self._set_stage("cancelling")
            self._status("Cancelling: the part in flight finishes first (Escape again: leave now)")
        else:
            self.dismiss(self.result)

    # -- the worker ----------------------------------------------------------------------------

    @property
    def _doing(self) -> str:
        return f"Resuming upload {self._resume_id}" if self._resume_id else "Pushing a layer"

    @work(thread=True, exclusive=True, exit_on_error=False, group="push", description="push")
    def _push(self, job: PushJob) -> None:
        latest = Progress(job.resume_upload_id, "hashing", 0, 0, 0.0)

        def on_progress(progress: Progress) -> None:
            nonlocal latest
            latest = progress
            self.post_message(PushProgress(progress))

        pusher = self._session.pusher(on_progress=on_progress, cancel=self._cancel)
        try:
            if job.resume_upload_id is not None:
                result = pusher.resume(job.resume_upload_id, complete=job.complete, source=job.path)
            else:
                assert job.path is not None
                result = pusher.push(
                    job.path, job.repository, part_size=job.part_size, complete=job.complete
                )
        except Cancelled:
            self.post_message(PushCancelled(latest.upload_id, latest.done, latest.total))
        except (EcrCallError, PushError) as error:
            self.post_message(PushFailed(error))
        else:
            self.post_message(PushFinished(result))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        match event.state:
            case WorkerState.PENDING | WorkerState.RUNNING | WorkerState.SUCCESS:
                return  # the push worker's own messages tell its outcome
            case WorkerState.CANCELLED if not self.is_attached:
                return  # the screen is closing
            case _:
                raised = event.worker.error or RuntimeError(event.state.name.lower())
                error = EcrCallError.from_exception(raised)
                self._set_stage("failed")
                self._status(f"{event.worker.description} stopped: {error.code}: {error.message}")
                # the whole error, with its next step, in the failure panel and the history
                self.app.post_message(WorkFailed(self._doing, event.worker.group, error))

    # -- the outcome ---------------------------------------------------------------------------

    def on_push_progress(self, message: PushProgress) -> None:
        progress = message.progress
        if self.stage == "form":
            self._set_stage("running")
        bar = self.query_one("#push-progress", ProgressBar)
        bar.update(total=progress.total or 1, progress=progress.done)
        if progress.upload_id:
            self.query_one("#push-dialog").border_subtitle = f"upload {progress.upload_id}"
        if self.stage == "running":
            self._status(progress_words(progress, self._clock()))

    def on_push_finished(self, message: PushFinished) -> None:
        self.result = result = message.result
        if result.already_exists:
            self.query_one("#push-progress", ProgressBar).update(total=1, progress=1)
        self._set_stage("done")
        self._status(result_words(result))

    def on_push_cancelled(self, message: PushCancelled) -> None:
        self._set_stage("cancelled")
        self._status(
            f"Cancelled at byte {message.at_byte} of {message.total} ({size(message.at_byte)} "
            "held by ECR); the upload can be resumed (u)"
        )

    def on_push_failed(self, message: PushFailed) -> None:
        self._set_stage("failed")
        error = message.error
        if isinstance(error, EcrCallError):
            words = Text(visible_lines(f"{error.code}: {error.message}"))
            if error.hint:
                words.append(visible_lines(f"\n{error.hint}"), style="bold")
            self._status(words)
        else:
            self._status(str(error))

    def _status(self, words: str | Text) -> None:
        self.query_one("#push-status", Static).update(
            Text(visible_lines(words)) if isinstance(words, str) else words
        )

    def _set_stage(self, stage: str) -> None:
        self.stage = stage
        self.remove_class(*(f"-{name}" for name in STAGES))
        self.add_class(f"-{stage}")
        editable = stage in ("form", "failed") and self._has_form
        for field in self.query("ModelField, Checkbox"):
            field.disabled = not editable  # a disabled field hides its problems
        if stage == "failed" and editable:
            self._read_form()
        if stage in ("done", "cancelled"):
            self.query_one("#push-close", Button).focus()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "start" or self.stage in ("form", "failed")


PART_SIZE_TIP = (
    "bytes per part, e.g. 10MiB; empty: the partSize ECR gives\n"
    f"ECR accepts parts of at most {size_words(MAX_PART_SIZE)}, and completes an upload only if "
    f"every part but the last is at least {size_words(MIN_PART_SIZE)}"
)
