"""Ask before sending: where the request goes, and the exact request (or the calls a push will
make), with Cancel as the default.

Nothing is sent by a stray key: the dialog opens with Cancel focused, so Enter leaves the request
unsent; sending takes **y**, or moving to Send and pressing it. When ECR is predicted to refuse
the request, **y** does not send either: only the override (**o**, "Send anyway") does.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from ecrtui.plain_text import visible_lines
from ecrtui.tui.screens.text_screen import read_only_area
from ecrtui.tui.text import plain, plain_lines, to_json


class ConfirmScreen(ModalScreen[bool]):
    """True to send, False to leave it."""

    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Confirm a request

Outside demo mode, every action that sends something to ECR (or forgets an upload) is shown
before it happens: the target (endpoint, region, account) and the exact request, or the calls a
push or resume will make. Check the target first: a wrong account or region is the costliest
mistake here.

**Cancel** has the focus: **Enter** or **n** or **Escape** leaves it unsent. **y** sends it (as
does moving to **Send** and pressing it).

When ECR is predicted to refuse the request, the reason is shown in red and **y** does not send:
**o** (*Send anyway*) does, for when you want to see ECR's answer.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "send", "Send", id="confirm.send", tooltip="Send the request"),
        Binding("y", "why_not", show=False, id="confirm.why-not"),
        Binding(
            "o", "override", "Send anyway", id="confirm.override", tooltip="ECR will refuse it"
        ),
        Binding("n,escape", "cancel", "Cancel", id="confirm.cancel", tooltip="Do not send it"),
    ]

    def __init__(
        self,
        title: str,
        request: dict[str, Any] | None,
        target_lines: list[str],
        *,
        plan: str | None = None,
        note: str | None = None,
        predicted: str | None = None,
        lead: str | None = None,
        verb: str = "Send",
    ) -> None:
        """`request` is shown as JSON, `plan` (the calls a push will make) as text; `predicted`
        says which error ECR will answer, and makes the override the only way to send."""
        super().__init__()
        self._title = title
        self._request = request
        self._target_lines = target_lines
        self._plan = plan
        self._note = note
        self.predicted = predicted
        self._lead = lead or f"You are about to send {title} to"
        self._verb = verb

    @property
    def needs_override(self) -> bool:
        """ECR is predicted to refuse: only the override sends."""
        return self.predicted is not None

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog", classes="dialog") as dialog:
            dialog.border_title = plain(f"{self._verb} {self._title}?")
            yield Static(plain_lines(self._lead))
            yield Static(plain_lines("\n".join(self._target_lines)), id="confirm-target")
            if self.predicted is not None:
                yield Static(_styled(self.predicted, "bold $text-error"), id="confirm-predicted")
            if self._plan is not None:
                yield read_only_area(self._plan, None, id="confirm-request")
            elif self._request is not None:
                yield read_only_area(to_json(self._request, indent=2), "json", id="confirm-request")
            if self._note:
                yield Static(_styled(self._note, "$text-muted"), id="confirm-note")
            with Horizontal(classes="buttons"):
                if self.needs_override:
                    yield Button("Send anyway (o)", variant="error", id="confirm-send")
                else:
                    yield Button(self._verb, variant="warning", id="confirm-send")
                yield Button("Cancel", id="confirm-cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#confirm-cancel", Button).focus()  # a stray Enter sends nothing

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send" and self.needs_override:
            return None  # shown greyed out; y falls through to why_not
        if action == "override":
            return self.needs_override
        return True

    @on(Button.Pressed, "#confirm-send")
    def _send_pressed(self) -> None:
        self.dismiss(True)  # the button was chosen on purpose (it never has the focus at first)

    def action_send(self) -> None:
        self.dismiss(True)

    def action_override(self) -> None:
        self.dismiss(True)

    def action_why_not(self) -> None:
        self.notify(
            "ECR is predicted to refuse this request: o sends it anyway, n leaves it",
            severity="warning",
        )

    @on(Button.Pressed, "#confirm-cancel")
    def action_cancel(self) -> None:
        self.dismiss(False)


def _styled(text: str, style: str) -> Content:
    """Data lines (they may hold names from ECR or the journal) in one style, never as markup."""
    return Content.styled(visible_lines(text), style)
