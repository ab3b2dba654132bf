"""Load a request from `--cli-input-json` / `--cli-input-yaml` text, or from a file naming one.

Reading and parsing run in a thread worker (a path may name a large or slow file); the outcome
comes back as `RequestParsed` or `RequestRejected`, and a rejection is shown, never raised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import yaml
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static, TextArea
from textual.worker import Worker, WorkerState

from ecrtui.ecr.request_documents import load_json, load_yaml
from ecrtui.plain_text import visible_lines
from ecrtui.uploads.progress_text import size

MAX_FILE_BYTES = 1024 * 1024  # a request is a few hundred bytes; refuse to read a layer by mistake


@dataclass
class RequestParsed(Message):
    request: dict[str, Any]


@dataclass
class RequestRejected(Message):
    reason: str


class RequestError(ValueError):
    """The text or file does not hold a request; the message says why, in plain words."""


_KINDS = {type(None): "nothing", str: "plain text", list: "a list", int: "a number"}


def parse_request(text: str) -> dict[str, Any]:
    """A request from JSON or YAML text, or from the file a single line names (file:// allowed)."""
    text = text.strip()
    if not text:
        raise RequestError("paste a request (JSON or YAML), or the path of a file holding one")
    if "\n" not in text and not text.startswith(("{", "[")):
        path = Path(os.path.expanduser(text.removeprefix("file://")))  # ~nobody stays
        if _is_file(path):
            return _parse_text(_read(path), f" in {path}")
        if text.startswith("file://"):
            raise RequestError(f"no such file: {path}")
    return _parse_text(text, "")


def _is_file(path: Path) -> bool:
    """Whether a line names a file; a line no file could have as its name does not."""
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long, a NUL in it
        return False


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise RequestError(f"{path} is over {size(MAX_FILE_BYTES)}: not a request")
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise RequestError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise RequestError(f"{path} is not UTF-8 text") from None


def _parse_text(text: str, where: str) -> dict[str, Any]:
    if len(text) > MAX_FILE_BYTES:  # characters: at least as many bytes
        raise RequestError(f"the request{where} is over {size(MAX_FILE_BYTES)}: not a request")
    try:
        loaded: Any = load_json(text)
    except ValueError as json_error:
        try:
            loaded = load_yaml(text)  # aliases bounded: the form walks what it loads
        except yaml.YAMLError as yaml_error:
            mark = getattr(yaml_error, "problem_mark", None)
            yaml_words = str(getattr(yaml_error, "problem", None) or yaml_error)
            if mark is not None:
                yaml_words += f": line {mark.line + 1} column {mark.column + 1}"
            raise RequestError(
                f"neither JSON nor YAML{where}: JSON: {json_error}; YAML: {yaml_words}"
            ) from None
    if not isinstance(loaded, dict):
        what = _KINDS.get(type(loaded), f"a {type(loaded).__name__}")
        extra = " (and no file has that name)" if isinstance(loaded, str) and not where else ""
        raise RequestError(
            f"a request must be a mapping of parameter names to values, not {what}{where}{extra}"
        )
    return {str(key): value for key, value in loaded.items()}


class LoadRequestScreen(ModalScreen[dict[str, Any] | None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Load a request

Paste what `aws ecr … --cli-input-json` or `--cli-input-yaml` takes (the output of
`--generate-cli-skeleton`, filled in), or the path of a file holding it (`file://` is optional).
**Load** (ctrl+l) fills the form with it; nothing is sent.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+l", "load", "Load", id="load.load", tooltip="Parse the text and fill the form"
        ),
        Binding("escape", "cancel", "Cancel", id="load.cancel", tooltip="Close without loading"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="load-dialog", classes="dialog") as dialog:
            dialog.border_title = "Load a request (JSON, YAML or a file path)"
            yield TextArea(id="load-text", placeholder='{"repositoryName": "team/api", …}')
            yield Static(id="load-error")
            with Horizontal(classes="buttons"):
                yield Button("Load", variant="primary", id="load-submit")
                yield Button("Cancel", id="load-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#load-text", TextArea).focus()

    @on(Button.Pressed, "#load-submit")
    def action_load(self) -> None:
        self.query_one("#load-dialog").border_subtitle = "reading…"
        self._parse(self.query_one("#load-text", TextArea).text)

    @on(Button.Pressed, "#load-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="load", description="load")
    def _parse(self, text: str) -> None:
        try:
            self.post_message(RequestParsed(parse_request(text)))
        except RequestError as error:
            self.post_message(RequestRejected(str(error)))

    def on_request_parsed(self, message: RequestParsed) -> None:
        self.dismiss(message.request)

    def on_request_rejected(self, message: RequestRejected) -> None:
        self.query_one("#load-dialog").border_subtitle = ""
        error = self.query_one("#load-error", Static)
        error.update(Text(visible_lines(message.reason)))
        error.display = True

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        match event.state:
            case WorkerState.PENDING | WorkerState.RUNNING | WorkerState.SUCCESS:
                return  # the worker's own messages tell its outcome
            case WorkerState.CANCELLED if not self.is_attached:
                return
            case _:
                error = event.worker.error
                reason = f"{type(error).__name__}: {error}" if error else event.state.name.lower()
                self.post_message(RequestRejected(f"{event.worker.description} failed: {reason}"))
