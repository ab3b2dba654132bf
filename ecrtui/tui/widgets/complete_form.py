"""The CompleteLayerUpload form: four fields checked as you type, and the buttons that act on them.

Every check comes from the model-driven validator (`ecrtui.ecr.validation.validate`); the form
only maps each problem to the field it names. A blank field's "required" problem shows once the
field was touched or a submit was tried, never on a fresh form. The form sends nothing itself: it
posts `Submitted` with the request, or `Invalid` with every problem, and leaves the call to the
app's worker.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Button, Input, Label

from ecrtui.ecr.validation import FieldProblem, field_rules, validate

OPERATION = "CompleteLayerUpload"
_DIGEST_SEPARATORS = re.compile(r"[\s,]+")
_NO_DEFAULT_REGISTRY = "optional: the caller's own registry"


@dataclass(frozen=True)
class _Field:
    member: str  # the request member, e.g. "repositoryName"
    id: str  # the Input's id; its problems show in the Label "<id>-error"
    label: str
    placeholder: str


_FIELDS = (
    _Field("registryId", "registry-id", "Registry ID", _NO_DEFAULT_REGISTRY),
    _Field("repositoryName", "repository-name", "Repository", "e.g. team/api"),
    _Field("uploadId", "upload-id", "Upload ID", "the UUID InitiateLayerUpload returned"),
    _Field("layerDigests", "layer-digests", "Digests", "sha256:… (several: separate by spaces)"),
)
_BY_MEMBER = {field.member: field for field in _FIELDS}


def field_of(problem: FieldProblem) -> str | None:
    """The request member a problem belongs to: "layerDigests[1]" -> "layerDigests"."""
    member = problem.field.split("[", 1)[0].split(".", 1)[0]
    return member if member in _BY_MEMBER else None


def split_digests(text: str) -> list[str]:
    """Digests separated by spaces, commas or newlines."""
    return [digest for digest in _DIGEST_SEPARATORS.split(text) if digest]


class CompleteLayerForm(VerticalScroll, can_focus=False):
    """Fill in, check and submit a CompleteLayerUpload request."""

    HELP: ClassVar[str] = """\
## Complete layer upload

Tells ECR that every part of an upload has been sent, so ECR checks the bytes against the
digest and makes the layer available.

- **Registry ID**: optional; leave it empty for the registry of the account you are signed in to.
- **Repository**: the repository the upload was initiated in, e.g. `team/api`.
- **Upload ID**: the UUID that InitiateLayerUpload returned.
- **Digests**: `sha256:` and 64 lower-case hex characters (the sha256sum of the layer file);
  several digests may be separated by spaces or commas.

Each field is checked against the ECR API model as you type; problems show under the field.
**Enter** or **Complete** sends the request when nothing is wrong, and otherwise lists every
problem. **Copy as aws CLI** copies the same request as an `aws ecr complete-layer-upload`
command. **Load JSON/YAML** fills the form from a `--cli-input-json`/`--cli-input-yaml` file;
**Skeleton** shows an empty one. In read-only mode the form can be filled and copied, not sent.
"""

    DEFAULT_CSS = """
    CompleteLayerForm {
        height: auto;
        max-height: 100%;
        border: round $foreground 30%;
        border-title-color: $foreground;
        padding: 0 1;
        &:focus-within { border: round $accent; border-title-color: $text-accent; }
        .field-row { height: 1; }
        .field-label { width: 13; color: $text-muted; }
        .field-row:focus-within .field-label { color: $text; text-style: bold; }
        .field-row Input { width: 1fr; }
        .field-error {
            display: none;
            width: 1fr;
            margin-left: 13;
            color: $text-error;
        }
        .field-error.-shown { display: block; }
        #form-error { margin-left: 0; }
        #form-buttons { height: 1; width: 1fr; margin-top: 1; }
        #form-buttons Button { margin-right: 2; min-width: 0; }
    }
    """

    BORDER_TITLE = "Complete layer upload"

    read_only: reactive[bool] = reactive(False)
    """When True the form can be filled and copied, but not submitted."""

    @dataclass
    class Submitted(Message):
        """Enter or Complete on a valid form: send this request."""

        request: dict[str, Any]

    @dataclass
    class Invalid(Message):
        """A submit on a form with problems; nothing should be sent."""

        problems: list[FieldProblem]

    @dataclass
    class CopyCommandRequested(Message):
        """Copy the equivalent aws CLI command for this request."""

        request: dict[str, Any]

    @dataclass
    class LoadRequested(Message):
        """Ask the operator for a JSON/YAML file and `load` it."""

    @dataclass
    class SkeletonRequested(Message):
        """Show an input skeleton for CompleteLayerUpload."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._touched: set[str] = set()
        self._extra: dict[str, Any] = {}  # keys a loaded file had that are no parameters

    def compose(self) -> ComposeResult:
        rules = field_rules(OPERATION)
        for field in _FIELDS:
            with Horizontal(classes="field-row"):
                yield Label(field.label, classes="field-label")
                yield Input(
                    placeholder=field.placeholder,
                    id=field.id,
                    compact=True,
                    validate_on=(),  # the form sets -invalid from the model's checks
                    tooltip="\n".join(rules.get(field.member, [])),
                )
            yield Label(id=f"{field.id}-error", classes="field-error")
        yield Label(id="form-error", classes="field-error")
        with Horizontal(id="form-buttons"):
            yield Button("Complete", id="complete", variant="primary", compact=True)
            yield Button("Copy as aws CLI", id="copy-command", compact=True)
            yield Button("Load JSON/YAML", id="load", compact=True)
            yield Button("Skeleton", id="skeleton", compact=True)

    def on_mount(self) -> None:
        self._show_problems()

    # -- the request -----------------------------------------------------------------------------

    @property
    def request(self) -> dict[str, Any]:
        """The CompleteLayerUpload parameters as typed; empty fields are left out."""
        request: dict[str, Any] = {}
        for field in _FIELDS:
            text = self._input(field).value.strip()
            if field.member == "layerDigests":
                digests = split_digests(text)
                if digests:
                    request[field.member] = digests
            elif text:
                request[field.member] = text
        for key, value in self._extra.items():
            request.setdefault(key, value)
        return request

    @property
    def problems(self) -> list[FieldProblem]:
        """Every problem of the request, shown or not yet shown."""
        return validate(OPERATION, self.request)

    def fill(
        self,
        repository: str,
        upload_id: str,
        digests: list[str],
        registry_id: str | None = None,
    ) -> None:
        """Fill every field (e.g. from a selected upload); problems show at once. Once mounted."""
        self._extra = {}
        self._set_values(
            {
                "registryId": registry_id or "",
                "repositoryName": repository,
                "uploadId": upload_id,
                "layerDigests": " ".join(digests),
            }
        )

    def load(self, params: Mapping[str, Any]) -> None:
        """Fill the form from --cli-input-json/yaml parameters; unknown keys stay, as problems."""
        values = {member: _as_text(params.get(member)) for member in _BY_MEMBER}
        self._extra = {key: value for key, value in params.items() if key not in _BY_MEMBER}
        self._set_values(values)

    def set_default_registry(self, account: str | None) -> None:
        """Show which registry an empty Registry ID means."""
        registry = self._input(_BY_MEMBER["registryId"])
        registry.placeholder = f"{account} (default)" if account else _NO_DEFAULT_REGISTRY

    def submit(self) -> None:
        """Post Submitted if the request is valid; otherwise show and post every problem."""
        if self.read_only:
            self._show_general([Content("read-only: the console will not complete uploads")])
            return
        problems = self.problems
        if not problems:
            self.post_message(self.Submitted(self.request))
            return
        self._touched.update(_BY_MEMBER)
        self._show_problems()
        first = next((field_of(problem) for problem in problems if field_of(problem)), None)
        if first is not None:
            self._input(_BY_MEMBER[first]).focus()
        self.post_message(self.Invalid(problems))

    # -- events ----------------------------------------------------------------------------------

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        for field in _FIELDS:
            if event.input.id == field.id:
                self._touched.add(field.member)
        self._show_problems()

    @on(Input.Submitted)
    def _entered(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        messages: dict[str | None, Callable[[], Message]] = {
            "copy-command": lambda: self.CopyCommandRequested(self.request),
            "load": self.LoadRequested,
            "skeleton": self.SkeletonRequested,
        }
        if event.button.id == "complete":
            self.submit()
        elif event.button.id in messages:
            self.post_message(messages[event.button.id]())

    def watch_read_only(self, read_only: bool) -> None:
        if self.is_mounted:
            button = self.query_one("#complete", Button)
            button.label = "Complete (read-only)" if read_only else "Complete"
            self._show_problems()

    # -- drawing ---------------------------------------------------------------------------------

    def _input(self, field: _Field) -> Input:
        return self.query_one(f"#{field.id}", Input)

    def _set_values(self, values: Mapping[str, str]) -> None:
        for field in _FIELDS:
            self._input(field).value = values.get(field.member, "")
        self._touched.update(_BY_MEMBER)
        self._show_problems()

    def _show_problems(self) -> None:
        problems = self.problems
        by_field: dict[str | None, list[FieldProblem]] = {}
        for problem in problems:
            by_field.setdefault(field_of(problem), []).append(problem)
        for field in _FIELDS:
            shown = [
                problem
                for problem in by_field.get(field.member, [])
                if problem.rule != "required" or field.member in self._touched
            ]
            label = self.query_one(f"#{field.id}-error", Label)
            _show(label, [_problem_line(problem) for problem in shown])
            self._input(field).set_class(bool(shown), "-invalid")
        general = [_problem_line(problem) for problem in by_field.get(None, [])]
        if general:
            general.append(Content("(these keys came from the loaded file: fix it and load again)"))
        self._show_general(general)
        complete = self.query_one("#complete", Button)
        complete.disabled = self.read_only or bool(problems)

    def _show_general(self, lines: list[Content]) -> None:
        _show(self.query_one("#form-error", Label), lines)


def _as_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _problem_line(problem: FieldProblem) -> Content:
    return Content.assemble(("✗ ", "bold"), problem.message)


def _show(label: Label, lines: list[Content]) -> None:
    label.update(Content("\n").join(lines))
    label.set_class(bool(lines), "-shown")
