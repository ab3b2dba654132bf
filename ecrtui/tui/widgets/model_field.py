"""One form field: a label, an input, the problems of its value under it, ECR's rules as a tooltip.

A field fills one member of an ECR request (e.g. `repositoryName` of InitiateLayerUpload). Its
checks come from the model-driven validator (`ecrtui.ecr.validation.validate`), run for that
member alone by `ModelRules`, a Textual `Validator`; its tooltip is the member's rules in words
(`field_rules`), read off the UI thread. A field outside the model (a file path, a part size)
has no operation and brings its own check instead.

An empty field's "required" problem shows once the field was touched (typed into, filled,
`touch()`) or a submit was tried (`show_problems()`), never on a fresh form. Problems block a
submit; notes (rule `NOTE`) are advice shown under the field that leave the value valid. Every
string is drawn as text, never markup, with its control characters escaped: a value may be
pasted from anywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.suggester import Suggester
from textual.validation import Failure, ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input, Label
from textual.worker import Worker, WorkerState

from ecrtui.ecr.validation import FieldProblem, field_rules, shorten, validate
from ecrtui.plain_text import visible, visible_lines

NOTE = "note"
"""The rule of a finding that is advice: shown under the field, yet the value stays valid."""

Convert = Callable[[str], Any]
"""Typed text (stripped, never empty) to the value a request holds; ValueError if it is none."""
Check = Callable[[Any], Iterable[FieldProblem]]
"""Problems (and notes) of a converted value beyond what the model checks."""

# The fields of a form load the same service model; one at a time, the rest find it cached.
_MODEL_LOCK = threading.Lock()


def member_of(problem: FieldProblem) -> str:
    """The top-level member a problem's field path names: "layerDigests[1]" -> "layerDigests"."""
    return problem.field.split("[", 1)[0].split(".", 1)[0]


def problem(member: str, words: str, rule: str = "check") -> FieldProblem:
    """A problem a `Check` found, worded like the model's: "part size: <words>"."""
    return FieldProblem(member, rule, "", f"{member}: {words}")


def note(member: str, words: str) -> FieldProblem:
    """Advice a `Check` gives, shown as "note: <words>"; the value stays valid."""
    return FieldProblem(member, NOTE, "", words)


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, (str, list, tuple)) and not value)


@dataclass
class ModelFailure(Failure):
    """A Textual validation failure that keeps the model's problem it came from."""

    problem: FieldProblem | None = None


class ModelRules(Validator):
    """Checks one member of one ECR operation with the model-driven validator.

    `findings` is every problem and note of a text; `validate` answers Textual with one
    `ModelFailure` per problem (notes are no failures)."""

    def __init__(
        self,
        operation: str | None,
        member: str,
        *,
        convert: Convert | None = None,
        check: Check | None = None,
        required: bool = False,
    ) -> None:
        super().__init__()
        self.operation = operation
        self.member = member
        self._convert = convert
        self._check = check
        self._required = required

    def convert(self, text: str) -> Any:
        """The value `text` stands for; None when it is empty or not a value at all."""
        try:
            return self._value(text)
        except ValueError:
            return None

    def findings(self, text: str) -> list[FieldProblem]:
        """The model's problems of this member, then the extra check's; notes included."""
        try:
            value = self._value(text)
        except ValueError as error:
            said = f"{self.member}: {error}"
            return [FieldProblem(self.member, "type", shorten(text.strip()), said)]
        found: list[FieldProblem] = []
        if self.operation is not None:
            params = {} if value is None else {self.member: value}
            found += [p for p in validate(self.operation, params) if member_of(p) == self.member]
        if value is None and self._required and not any(p.rule == "required" for p in found):
            found.append(problem(self.member, "required, and missing", rule="required"))
        if value is not None and self._check is not None:
            found += self._check(value)
        return found

    def validate(self, value: str) -> ValidationResult:
        failures = [
            ModelFailure(self, value, visible(found.message), found)
            for found in self.findings(value)
            if found.rule != NOTE
        ]
        return ValidationResult.failure(failures) if failures else self.success()

    def _value(self, text: str) -> Any:
        stripped = text.strip()
        if not stripped:
            return None
        value = self._convert(stripped) if self._convert is not None else stripped
        return None if _is_empty(value) else value


class ModelField(Widget):
    """A labelled input for one request member, its problems under it, its rules as a tooltip."""

    DEFAULT_CSS = """
    ModelField {
        height: auto;
        width: 1fr;
        & > .field-row { height: auto; }
        & .field-label { width: 12; color: $text-muted; }
        &:focus-within .field-label { color: $text; text-style: bold; }
        & .field-row Input { width: 1fr; }
        & > .field-error {
            display: none;
            height: auto;
            width: 1fr;
            margin-left: 12;
            color: $text-error;
        }
        & > .field-error.-shown { display: block; }
    }
    """

    @dataclass
    class Changed(Message):
        """The field's text changed, or its rules arrived: its value or problems may be new."""

        field: ModelField
        ALLOW_SELECTOR_MATCH: ClassVar[set[str]] = {"control"}

        @property
        def control(self) -> ModelField:
            return self.field

    def __init__(
        self,
        label: str,
        operation: str | None,
        member: str,
        *,
        input_id: str,
        value: str = "",
        placeholder: str = "",
        convert: Convert | None = None,
        check: Check | None = None,
        required: bool = False,
        tooltip: str = "",
        compact: bool = False,
        suggester: Suggester | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        """`operation` None: a field outside the model, named by `member` in its problems
        ("file"), checked by `check` and `required` alone and explained by `tooltip`."""
        super().__init__(id=id or f"{input_id}-field", classes=classes, disabled=disabled)
        self._label = label
        self.rules = ModelRules(operation, member, convert=convert, check=check, required=required)
        self._input_id = input_id
        self._initial = value
        self._placeholder = placeholder
        self._tip = tooltip
        self._compact = compact
        self._suggester = suggester
        self._touched = False
        self._rules_error: str | None = None

    @property
    def operation(self) -> str | None:
        return self.rules.operation

    @property
    def member(self) -> str:
        return self.rules.member

    def compose(self) -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(Content(self._label), classes="field-label")
            yield Input(
                self._initial,
                placeholder=self._placeholder,
                id=self._input_id,
                compact=self._compact,
                suggester=self._suggester,
                validators=[self.rules],
                validate_on=(),  # the field decides when a problem shows
                tooltip=Content(visible_lines(self._tip)) if self._tip else None,
            )
        yield Label(id=f"{self._input_id}-error", classes="field-error")

    def on_mount(self) -> None:
        if self.operation is not None:
            self._load_rules()
        self._redraw()

    # -- what the field holds ---------------------------------------------------------------------

    @property
    def input(self) -> Input:
        return self.query_one(f"#{self._input_id}", Input)

    @property
    def text(self) -> str:
        """The text as typed."""
        return self.input.value

    @text.setter
    def text(self, text: str) -> None:
        self.input.value = text

    @property
    def value(self) -> Any:
        """The converted value (e.g. a list of digests); None when empty or not convertible."""
        return self.rules.convert(self.text)

    @property
    def problems(self) -> list[FieldProblem]:
        """Every problem of the value, shown or not yet shown; notes are not problems."""
        result = self.rules.validate(self.text)
        return [f.problem for f in result.failures if isinstance(f, ModelFailure) and f.problem]

    @property
    def placeholder(self) -> str:
        return self.input.placeholder

    @placeholder.setter
    def placeholder(self, placeholder: str) -> None:
        self.input.placeholder = placeholder

    def touch(self) -> None:
        """Count the field as filled in: from now on an empty value says it is required."""
        self._touched = True
        self._redraw()

    def show_problems(self) -> list[FieldProblem]:
        """A submit was tried: show every problem, "required" too; the problems shown."""
        self.touch()
        return self.problems

    def focus_input(self) -> None:
        self.input.focus()

    # -- events -----------------------------------------------------------------------------------

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self._touched = True
        self._redraw()
        self.post_message(self.Changed(self))

    def watch_disabled(self, disabled: bool) -> None:
        super().watch_disabled(disabled)
        self._redraw()  # a disabled field is not being filled in: it says nothing of its value

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="field-rules",
        description="read ECR's rules for a field",
    )
    def _load_rules(self) -> list[str]:
        assert self.operation is not None
        with _MODEL_LOCK:
            return field_rules(self.operation).get(self.member, [])

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        match event.state:
            case WorkerState.SUCCESS:
                rules = event.worker.result or []
                self.input.tooltip = Content("\n".join(visible(rule) for rule in rules))
                self._redraw()
                self.post_message(self.Changed(self))
            case WorkerState.PENDING | WorkerState.RUNNING:
                return
            case WorkerState.CANCELLED if not self.is_attached:
                return  # the form is closing
            case _:
                error = event.worker.error
                reason = f"{type(error).__name__}: {error}" if error else event.state.name.lower()
                self._rules_error = f"{event.worker.description}: {reason}"
                self._redraw()

    # -- drawing ----------------------------------------------------------------------------------

    def _redraw(self) -> None:
        if not self.is_mounted:
            return
        shown: list[FieldProblem] = []
        # An untouched empty field has nothing to say, so it needs no model until typed into.
        if not self.disabled and (self._touched or self.text.strip()):
            shown = [
                found
                for found in self.rules.findings(self.text)
                if found.rule != "required" or self._touched
            ]
        lines = [_line(found) for found in shown]
        if self._rules_error is not None:
            lines.append(Content.assemble(("✗ ", "bold"), visible(self._rules_error)))
        error = self.query_one(f"#{self._input_id}-error", Label)
        error.update(Content("\n").join(lines))
        error.set_class(bool(lines), "-shown")
        self.input.set_class(any(found.rule != NOTE for found in shown), "-invalid")


def _line(found: FieldProblem) -> Content:
    if found.rule == NOTE:
        return Content.styled(f"note: {visible(found.message)}", "$text-warning")
    return Content.assemble(("✗ ", "bold"), visible(found.message))
