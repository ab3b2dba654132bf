"""What came back from the last request: the JSON response, the error with its next step, or the
problems that kept a request from being sent.

The panel only renders what it is given. Each `show_*` method builds one `PanelView` and sets the
`view` reactive; its watcher updates the border title, the state class (`-success` green,
`-error` red, `-invalid` yellow, `-loading`) and the visible child: a read-only JSON `TextArea`
for responses, or a scrollable, selectable text view for errors, problems and help.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static, TextArea

from ecrtui.ecr.caller import CallRecord
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.ecr.validation import FieldProblem
from ecrtui.plain_text import visible, visible_lines
from ecrtui.tui.text import to_json
from ecrtui.tui.widgets.error_text import (
    error_content,
    error_json,
    format_duration,
    without_secrets,
)

EMPTY_HELP = "Responses and errors appear here. Select an upload and press c to complete it."


@dataclass(frozen=True)
class PanelView:
    """Everything the panel draws: title, state class, JSON/text body or detail, copy text."""

    title: str = "Response"
    state: str = "empty"  # CSS class without its dash: empty, success, error, invalid, ...
    body: str | None = None  # shown in the TextArea
    language: str | None = "json"
    detail: Content | None = None  # shown in the scrollable text view
    copy: str | None = None


_EMPTY = PanelView(detail=Content(EMPTY_HELP))


class ResponsePanel(Vertical):
    """The response to the last request, or its error; `copy_text` is what `y` copies."""

    HELP: ClassVar[str] = """\
## Response panel

Shows what came back from the last request the console sent.

- **Green border**: success. The JSON response (without `ResponseMetadata`), syntax
  highlighted. The title shows the operation, the time taken and the first 8 characters of
  the request id.
- **Red border**: ECR, the network or the credentials failed the request. You see the error
  code, the message, the HTTP status, the request id, every extra field ECR sent (such as
  `lastValidByteReceived`) and, in bold, the **next step**.
- **Yellow border**: problems found before sending. Nothing reached ECR; fix each field listed.
- **Sending…** in the title: a request is on its way; the console stays usable.

Scroll with the arrow keys, Page Up/Down, or the mouse; select text with the mouse.
`y` copies the response JSON, or the error as a JSON object with the whole request id
(give it to AWS support). Credentials are never shown or copied.
"""

    DEFAULT_CSS = """
    ResponsePanel {
        height: 1fr;
        border: round $foreground 30%;
        border-title-color: $foreground;
        &.-success { border: round $success; border-title-color: $text-success; }
        &.-error { border: round $error; border-title-color: $text-error; }
        &.-invalid { border: round $warning; border-title-color: $text-warning; }
        &.-loading { border: round $accent; border-title-color: $text-accent; }
        &:focus-within { border-title-style: bold; }
        & > TextArea { height: 1fr; border: none !important; background: transparent; }
        & > TextArea, & > VerticalScroll { height: 1fr; padding: 0 1; }
        &.-empty Static, &.-loading Static { color: $text-muted; }
    }
    """

    view: reactive[PanelView] = reactive(lambda: _EMPTY, always_update=True, init=False)

    def compose(self) -> ComposeResult:
        yield TextArea(
            read_only=True, highlight_cursor_line=False, language="json", id="response-body"
        )
        with VerticalScroll(id="response-detail"):
            yield Static(id="response-detail-text")

    def on_mount(self) -> None:
        self._draw(self.view)

    # -- what to show ----------------------------------------------------------------------------

    def show_call(self, call: CallRecord) -> None:
        """The outcome of one call: its JSON response, or its error."""
        if call.error is not None:
            self.view = _error_view(call.error, call.operation, call.duration_ms)
            return
        response = {k: v for k, v in (call.response or {}).items() if k != "ResponseMetadata"}
        body = to_json(without_secrets(response))
        title = _title("Response", call.operation, call.duration_ms, call.request_id)
        self.view = PanelView(title, "success", body=body, copy=body)

    def show_error(self, error: EcrCallError, operation: str) -> None:
        """A failure that is not a call's answer (e.g. the journal could not be written)."""
        self.view = _error_view(error, operation)

    def show_problems(self, operation: str, problems: Sequence[FieldProblem]) -> None:
        """Problems found before sending: nothing reached ECR."""
        self.view = _error_view(EcrCallError.invalid_request(operation, list(problems)), operation)

    def show_loading(self, operation: str) -> None:
        detail = Content(f"{operation} is on its way to ECR; its response will appear here.")
        self.view = PanelView(f"Sending {operation}…", "loading", detail=detail)

    def show_text(self, title: str, text: str, language: str | None = "json") -> None:
        """Any text, e.g. an input skeleton, highlighted as `language` (None: plain)."""
        self.view = PanelView(title, "text", body=text, language=language, copy=text)

    def clear(self) -> None:
        """The empty state: a short line of help."""
        self.view = _EMPTY

    # -- what is shown ---------------------------------------------------------------------------

    @property
    def copy_text(self) -> str | None:
        """The response JSON, or the error as a JSON object; None when there is nothing."""
        return self.view.copy

    @property
    def shown_text(self) -> str:
        """The text on display, without styles (for tests and screen readers)."""
        view = self.view
        if view.body is not None:
            return view.body
        return view.detail.plain if view.detail is not None else ""

    def watch_view(self, view: PanelView) -> None:
        if self.is_mounted:
            self._draw(view)

    def _draw(self, view: PanelView) -> None:
        self.border_title = Content(view.title)
        for state in ("empty", "success", "error", "invalid", "loading", "text"):
            self.set_class(state == view.state, f"-{state}")
        body = self.query_one("#response-body", TextArea)
        detail = self.query_one("#response-detail", VerticalScroll)
        body.display = view.body is not None
        detail.display = view.body is None
        if view.body is not None:
            body.language = view.language
            body.load_text(view.body if view.language == "json" else visible_lines(view.body))
            body.scroll_home(animate=False)
        else:
            self.query_one("#response-detail-text", Static).update(view.detail or "")
            detail.scroll_home(animate=False)


# -- building views --------------------------------------------------------------------------------


def _error_view(error: EcrCallError, operation: str, duration_ms: float | None = None) -> PanelView:
    operation = error.operation or operation
    if error.kind == ErrorKind.VALIDATION:
        count = len(error.problems)
        what = f"{count} problem{'' if count == 1 else 's'}" if count else "invalid parameters"
        title, state = f"Not sent · {operation} · {what}", "invalid"
    else:
        title = _title("Error", operation, duration_ms, error.request_id)
        state = "error"
    return PanelView(title, state, detail=error_content(error), copy=error_json(error, operation))


def _title(kind: str, operation: str, duration_ms: float | None, request_id: str | None) -> str:
    parts = [kind, operation]
    if duration_ms is not None:
        parts.append(format_duration(duration_ms))
    if request_id:
        parts.append(f"req {request_id[:8]}")
    return visible(" · ".join(parts))
