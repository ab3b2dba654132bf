"""Discover: the uploads other tools left in flight, found in CloudTrail, from the console.

LookupEvents runs in a thread worker, page by page, with its progress on screen; Escape stops it
between two pages. Then the uploads found are listed with their client and last error. Adding
them to the journal probes each (UploadLayerPart), so it asks first outside demo mode, and a
read-only console lists them without probing or adding.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from ecrtui.ecr.errors import EcrCallError
from ecrtui.plain_text import visible
from ecrtui.tui.messages import WorkFailed

if TYPE_CHECKING:
    from ecrtui.tui.session import ConsoleSession
    from ecrtui.uploads.discovery import Findings

LOOK_BACK = 24 * 3600.0  # seconds of CloudTrail history read

# How the screen asks before the probes: (what was found, then) -> None
Ask = Callable[["Findings", Callable[[], None]], None]


@dataclass
class Progress(Message):
    requests: int
    events: int


@dataclass
class Found(Message):
    findings: Findings


@dataclass
class Added(Message):
    count: int


class DiscoverScreen(ModalScreen[int | None]):
    """Returns how many uploads were added to the journal, or None."""

    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Discover uploads in CloudTrail

ECR has no call that lists uploads in progress, but CloudTrail records every push, whoever made
it. This reads the last day of LookupEvents (2 requests a second, 50 events a page) and rebuilds
the uploads other tools (docker, buildkit, containerd, skopeo, kaniko, oras, CI) left in flight:
who, which client, when, and the error CloudTrail recorded. **Escape** stops it.

**Probe and add** asks ECR how many bytes it holds of each (a probe sends UploadLayerPart, so it
asks first) and adds them to the journal, where the console's verdicts and actions apply.
CloudTrail delivers events about 5 minutes after the call.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Stop / close", id="discover.close", tooltip="Stop or close"),
    ]

    def __init__(
        self, session: ConsoleSession, ask: Ask, *, read_only: bool, since: float | None = None
    ) -> None:
        super().__init__()
        self.session = session
        self._ask = ask
        self._read_only = read_only
        self._since = LOOK_BACK if since is None else since
        self._cancel = threading.Event()
        self.findings: Findings | None = None
        self.stage = "looking"

    def compose(self) -> ComposeResult:
        with Vertical(id="discover-dialog", classes="dialog") as dialog:
            dialog.border_title = "Discover uploads in CloudTrail"
            yield Static("Reading CloudTrail's event history…", id="discover-status")
            table: DataTable[Any] = DataTable(id="discover-found", cursor_type="row")
            table.add_columns("repository", "upload id", "client", "started", "parts", "error")
            table.display = False
            yield table
            yield Static("", id="discover-notes")
            with Horizontal(classes="buttons"):
                yield Button("Probe and add", variant="primary", id="discover-add", disabled=True)
                yield Button("Stop", id="discover-close")
        yield Footer()

    def on_mount(self) -> None:
        def work() -> None:
            findings = self.session.find_in_cloudtrail(
                self._since, self._cancel, on_page=self._on_page
            )
            self.post_message(Found(findings))

        self.run_worker(work, thread=True, exit_on_error=False, group="discover")

    def _on_page(self, requests: int, events: int) -> None:
        self.post_message(Progress(requests, events))

    # -- what the workers found ------------------------------------------------------------------

    def on_progress(self, message: Progress) -> None:
        self._status(
            f"Reading CloudTrail's event history… {message.requests} requests, "
            f"{message.events} events (Escape stops)"
        )

    def on_found(self, message: Found) -> None:
        self.stage = "found"
        findings = self.findings = message.findings
        waiting = [u for u in findings.uploads if not u.completed]
        self.query_one("#discover-close", Button).label = "Close"
        self._status(
            f"{len(waiting)} upload(s) not completed, {len(findings.uploads) - len(waiting)} "
            f"completed ({findings.events_read} events, {findings.requests} requests)"
        )
        table = self.query_one("#discover-found", DataTable)
        # what is still in flight, newest first; the completed ones are only counted
        table.display = bool(waiting)
        for found in sorted(waiting, key=lambda u: u.last_activity, reverse=True):
            started = found.started_at or found.last_activity
            error = (found.last_error_code or "").removesuffix("Exception")
            table.add_row(
                Text(visible(found.repository)),
                Text(visible(found.upload_id[:8] if found.upload_id else "not in CloudTrail")),
                Text(visible(found.client[:20])),
                time.strftime("%H:%M", time.localtime(started)),
                str(found.parts),
                Text(visible(error or "-")),
            )
        notes = list(findings.notes)
        probeable = [u for u in waiting if u.upload_id]
        if self._read_only:
            notes.append(
                "read-only: the uploads are not probed or added to the journal (a probe sends "
                "UploadLayerPart)"
            )
        add = self.query_one("#discover-add", Button)
        add.disabled = self._read_only or not probeable
        add.label = f"Probe and add ({len(probeable)})"
        self.query_one("#discover-notes", Static).update(Text("\n".join(notes), style="dim"))

    def on_added(self, message: Added) -> None:
        self.dismiss(message.count)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        from ecrtui.uploads.discovery import DiscoveryCancelled

        raised = event.worker.error
        if isinstance(raised, DiscoveryCancelled):
            self.dismiss(None)
            return
        error = EcrCallError.from_exception(raised or RuntimeError("discovery failed"))
        self.stage = "failed"
        self._status(f"{error.code}: {error.message}", style="red")
        self.query_one("#discover-close", Button).label = "Close"
        self.app.post_message(WorkFailed("Discovering uploads in CloudTrail", "discover", error))

    # -- actions ---------------------------------------------------------------------------------

    @on(Button.Pressed, "#discover-add")
    def _add(self) -> None:
        findings = self.findings
        if findings is None:
            return

        def add() -> None:
            self._status("Probing and adding…")
            self.query_one("#discover-add", Button).disabled = True

            def work() -> None:
                self.post_message(Added(self.session.journal_findings(findings)))

            self.run_worker(work, thread=True, exit_on_error=False, group="discover")

        self._ask(findings, add)

    @on(Button.Pressed, "#discover-close")
    def action_close(self) -> None:
        if self.stage == "looking":
            self._cancel.set()  # the worker stops before its next page, then closes this
            self._status("Stopping after this page…")
            return
        self.dismiss(None)

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#discover-status", Static).update(Text(text, style=style))
