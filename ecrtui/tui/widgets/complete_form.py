"""The CompleteLayerUpload form: four fields checked as you type, and the buttons that act on them.

Each field is a `ModelField` that checks its own member with the model-driven validator
(`ecrtui.ecr.validation.validate`) and shows its problems under it; a blank field's "required"
problem shows once the field was touched or a submit was tried, never on a fresh form. The form
shows what belongs to no field (keys of a loaded file that are no parameters) and sends nothing
itself: it posts `Submitted` with the request, or `Invalid` with every problem, and leaves the
call to the app's worker.
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

from ecrtui.ecr.validation import FieldProblem, validate
from ecrtui.plain_text import visible
from ecrtui.tui.widgets.model_field import Convert, ModelField, member_of

OPERATION = "CompleteLayerUpload"
_DIGEST_SEPARATORS = re.compile(r"[\s,]+")
_NO_DEFAULT_REGISTRY = "optional: the caller's own registry"


def split_digests(text: str) -> list[str]:
    """Digests separated by spaces, commas or newlines."""
    return [digest for digest in _DIGEST_SEPARATORS.split(text) if digest]


@dataclass(frozen=True)
class _Field:
    member: str  # the request member, e.g. "repositoryName"
    id: str  # the Input's id; its problems show in the Label "<id>-error"
    label: str
    placeholder: str
    convert: Convert | None = None


_FIELDS = (
    _Field("registryId", "registry-id", "Registry ID", _NO_DEFAULT_REGISTRY),
    _Field("repositoryName", "repository-name", "Repository", "e.g. team/api"),
    _Field("uploadId", "upload-id", "Upload ID", "the UUID InitiateLayerUpload returned"),
    _Field(
        "layerDigests",
        "layer-digests",
        "Digests",
        "sha256:… (several: separate by spaces)",
        split_digests,
    ),
)
_BY_MEMBER = {field.member: field for field in _FIELDS}


def field_of(problem: FieldProblem) -> str | None:
    """The request member a problem belongs to: "layerDigests[1]" -> "layerDigests"."""
    member = member_of(problem)
    return member if member in _BY_MEMBER else None


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
        ModelField .field-label { width: 13; }
        ModelField > .field-error { margin-left: 13; }
        #form-error { display: none; width: 1fr; color: $text-error; }
        #form-error.-shown { display: block; }
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
        self._extra: dict[str, Any] = {}  # keys a loaded file had that are no parameters

    def compose(self) -> ComposeResult:
        for field in _FIELDS:
            yield ModelField(
                field.label,
                OPERATION,
                field.member,
                input_id=field.id,
                placeholder=field.placeholder,
                convert=field.convert,
                compact=True,
            )
        yield Label(id="form-error")
        with Horizontal(id="form-buttons"):
            # enabled once the fields have ECR's rules and nothing is wrong
            yield Button("Complete", id="complete", variant="primary", compact=True, disabled=True)
            yield Button("Copy as aws CLI", id="copy-command", compact=True)
            yield Button("Load JSON/YAML", id="load", compact=True)
            yield Button("Skeleton", id="skeleton", compact=True)

    # -- the request -----------------------------------------------------------------------------

    @property
    def request(self) -> dict[str, Any]:
        """The CompleteLayerUpload parameters as typed; empty fields are left out."""
        request: dict[str, Any] = {}
        for field in _FIELDS:
            value = self._field(field.member).value
            if value is not None:
                request[field.member] = value
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
        registry = self._field("registryId")
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
        for field in _FIELDS:
            self._field(field.member).show_problems()
        self._show_problems()
        first = next((field_of(problem) for problem in problems if field_of(problem)), None)
        if first is not None:
            self._field(first).focus_input()
        self.post_message(self.Invalid(problems))

    # -- events ----------------------------------------------------------------------------------

    @on(ModelField.Changed)
    def _changed(self, event: ModelField.Changed) -> None:
        event.stop()
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

    def _field(self, member: str) -> ModelField:
        return self.query_one(f"#{_BY_MEMBER[member].id}-field", ModelField)

    def _set_values(self, values: Mapping[str, str]) -> None:
        for field in _FIELDS:
            model_field = self._field(field.member)
            model_field.text = values.get(field.member, "")
            model_field.touch()
        self._show_problems()

    def _show_problems(self) -> None:
        """What no field shows: problems of keys that are no parameters, and the Complete button;
        each field shows its own problems."""
        problems = self.problems
        general = [_problem_line(problem) for problem in problems if field_of(problem) is None]
        if general:
            general.append(Content("(these keys came from the loaded file: fix it and load again)"))
        self._show_general(general)
        complete = self.query_one("#complete", Button)
        complete.disabled = self.read_only or bool(problems)

    def _show_general(self, lines: list[Content]) -> None:
        _show(self.query_one("#form-error", Label), lines)


def _as_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return " ".join(_scalar_text(item) for item in value)
    return "" if value is None else _scalar_text(value)


def _scalar_text(value: Any) -> str:
    """A loaded value as a field shows it; a number too long to print in decimal is shown in
    hexadecimal (the model check then says what is wrong with it)."""
    try:
        return str(value)
    except ValueError:  # over Python's 4,300-digit limit for int -> str
        return hex(value)


def _problem_line(problem: FieldProblem) -> Content:
    return Content.assemble(("✗ ", "bold"), visible(problem.message))


def _show(label: Label, lines: list[Content]) -> None:
    label.update(Content("\n").join(lines))
    label.set_class(bool(lines), "-shown")
