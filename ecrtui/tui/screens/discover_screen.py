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
from textual.widgets import Button, Footer, Select, Static
from textual.worker import Worker, WorkerState

from ecrtui.ecr.errors import EcrCallError
from ecrtui.plain_text import shortened, visible
from ecrtui.tui.messages import WorkFailed
from ecrtui.tui.widgets.navigable_table import NavigableTable

if TYPE_CHECKING:
    from ecrtui.tui.session import ConsoleSession
    from ecrtui.uploads.discovery import Findings, FoundUpload

HOUR = 3600.0
LOOK_BACKS = (
    ("last hour", HOUR),
    ("last 6 hours", 6 * HOUR),
    ("last day", 24 * HOUR),
    ("last week", 7 * 24 * HOUR),
    ("last 90 days", 90 * 24 * HOUR),  # all CloudTrail's event history keeps
)
LOOK_BACK = 24 * HOUR  # seconds of CloudTrail history read first
COLUMNS = ("repository", "upload id", "client", "started", "parts", "error")
NARROW = 100  # terminal columns under which the list has no start time
DIALOG_WIDTH = 110  # as #discover-dialog's max-width
ROWS = 11  # as #discover-found's max-height, less its header

# How the screen asks before the probes: (the uploads to probe, then) -> None
Ask = Callable[[list["FoundUpload"], Callable[[], None]], None]


@dataclass
class Progress(Message):
    run: int
    requests: int
    events: int


@dataclass
class Found(Message):
    run: int
    findings: Findings
    known: set[str]


@dataclass
class Stopped(Message):
    run: int


@dataclass
class Failed(Message):
    run: int
    raised: Exception


@dataclass
class Added(Message):
    count: int


class DiscoverScreen(ModalScreen[int | None]):
    """Returns how many uploads were added to the journal, or None."""

    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Discover uploads in CloudTrail

ECR has no call that lists uploads in progress, but CloudTrail records every push, whoever made
it. This reads LookupEvents (2 requests a second, 50 events a page) over the last day, or the
period chosen (up to the 90 days CloudTrail keeps), and rebuilds the uploads other tools (docker,
buildkit, containerd, skopeo, kaniko, oras, CI) left in flight: who, which client, when, and the
error CloudTrail recorded. **Escape** stops it.

Each upload id says whether the journal already has it (known) or not (new). **Probe and add**
asks ECR how many bytes it holds of each new one (a probe sends UploadLayerPart, so it asks
first) and adds them to the journal, where the console's verdicts and actions apply. CloudTrail
delivers events about 5 minutes after the call.
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
        self._run = 0  # the lookup whose results are shown; a new period starts another
        self.findings: Findings | None = None
        self.new: list[FoundUpload] = []  # not completed, with an id, and not in the journal
        self._known: set[str] = set()  # the ids found that the journal has
        self.stage = "looking"

    def compose(self) -> ComposeResult:
        with Vertical(id="discover-dialog", classes="dialog") as dialog:
            dialog.border_title = "Discover uploads in CloudTrail"
            yield Static("Reading CloudTrail's event history…", id="discover-status")
            table = NavigableTable(id="discover-found", cursor_type="row")
            table.display = False
            yield table
            yield Static("", id="discover-notes")
            with Horizontal(classes="buttons"):
                periods = list(LOOK_BACKS)
                if self._since not in dict(LOOK_BACKS).values():
                    periods.append((_period(self._since), self._since))
                yield Select(
                    periods,
                    value=self._since,
                    allow_blank=False,
                    id="discover-since",
                    tooltip="How far back to read CloudTrail",
                )
                yield Button("Probe and add", variant="primary", id="discover-add", disabled=True)
                yield Button("Stop", id="discover-close")
        yield Footer()

    def on_mount(self) -> None:
        self._look()

    def _look(self) -> None:
        """Read CloudTrail over the chosen period; a lookup still running is stopped."""
        self._cancel.set()
        cancel = self._cancel = threading.Event()
        self._run += 1
        run, since = self._run, self._since
        self.stage = "looking"
        self.findings, self.new = None, []
        self.query_one("#discover-found", NavigableTable).clear()
        self.query_one("#discover-notes", Static).update("")
        self.query_one("#discover-add", Button).disabled = True
        self.query_one("#discover-close", Button).label = "Stop"
        self._status("Reading CloudTrail's event history…")

        def work() -> None:
            from ecrtui.uploads.discovery import DiscoveryCancelled

            def on_page(requests: int, events: int) -> None:
                self.post_message(Progress(run, requests, events))

            try:
                findings = self.session.find_in_cloudtrail(since, cancel, on_page=on_page)
                known = self.session.known_uploads(findings)
            except DiscoveryCancelled:
                self.post_message(Stopped(run))
            except Exception as raised:  # shown in the dialog and in a panel, below
                self.post_message(Failed(run, raised))
            else:
                self.post_message(Found(run, findings, known))

        self.run_worker(work, thread=True, exit_on_error=False, group="discover")

    @on(Select.Changed, "#discover-since")
    def _period_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, float) and event.value != self._since:
            self._since = event.value
            self._look()

    # -- what the workers found ------------------------------------------------------------------

    def on_progress(self, message: Progress) -> None:
        if message.run == self._run and self.stage == "looking":
            self._status(
                f"Reading CloudTrail's event history… {message.requests} requests, "
                f"{message.events} events (Escape stops)"
            )

    def on_stopped(self, message: Stopped) -> None:
        if message.run == self._run:
            self.dismiss(None)  # Escape stopped it; a new period's lookup replaced the others

    def on_found(self, message: Found) -> None:
        if message.run != self._run:
            return
        self.stage = "found"
        findings = self.findings = message.findings
        waiting = [u for u in findings.uploads if not u.completed]
        self.new = [u for u in waiting if u.upload_id and u.upload_id not in message.known]
        self.query_one("#discover-close", Button).label = "Close"
        self._status(
            f"{len(waiting)} upload(s) not completed, {len(findings.uploads) - len(waiting)} "
            f"completed ({findings.events_read} events, {findings.requests} requests)"
        )
        self._known = message.known
        self._fill()
        notes = list(findings.notes)
        if self._read_only:
            notes.append(
                "read-only: the uploads are not probed or added to the journal (a probe sends "
                "UploadLayerPart)"
            )
        elif waiting and not self.new:
            notes.append("every upload found with an id is already in the journal (known)")
        add = self.query_one("#discover-add", Button)
        add.disabled = self._read_only or not self.new
        add.label = f"Probe and add {len(self.new)} new"
        add.refresh(layout=True)  # a new label does not resize the button by itself
        self.query_one("#discover-notes", Static).update(Text("\n".join(notes), style="dim"))

    def on_resize(self) -> None:
        if self.findings is not None:
            self._fill()

    def _fill(self) -> None:
        """What is still in flight, newest first (the completed ones are only counted); under
        100 columns without the start time or the client's version, and the repository names
        shortened where the other columns need the room."""
        findings = self.findings
        if findings is None:
            return
        waiting = sorted(
            (u for u in findings.uploads if not u.completed),
            key=lambda u: u.last_activity,
            reverse=True,
        )
        table = self.query_one("#discover-found", NavigableTable)
        table.display = bool(waiting)
        wide = self.app.size.width >= NARROW
        table.clear(columns=True)
        table.add_columns(
            *[name for name in COLUMNS if wide or name != "started"],
        )
        rows = []
        for found in waiting:
            started = found.started_at or found.last_activity
            error = (found.last_error_code or "").removesuffix("Exception")
            client = found.client if wide else found.client.split(" ")[0]
            row: list[Any] = [
                found.repository,
                _upload_id(found.upload_id, self._known),
                Text(visible(client[:20])),
                time.strftime("%H:%M", time.localtime(started)),
                str(found.parts),
                Text(visible(error or "-")),
            ]
            rows.append(row if wide else row[:3] + row[4:])
        # inside the dialog's border and padding, and the table's scrollbar when it scrolls
        inside = min(self.app.size.width, DIALOG_WIDTH) - 4 - (2 if len(rows) > ROWS else 0)
        room = table.first_column_room(rows, inside)
        for row in rows:
            table.add_row(Text(visible(shortened(row[0], room))), *row[1:])

    def on_added(self, message: Added) -> None:
        self.dismiss(message.count)

    def on_failed(self, message: Failed) -> None:
        if message.run == self._run:
            self._fail(message.raised)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:  # probing and adding
            self._fail(event.worker.error or RuntimeError("discovery failed"))

    def _fail(self, raised: BaseException) -> None:
        error = EcrCallError.from_exception(raised)
        self.stage = "failed"
        self._status(f"{error.code}: {error.message}", style="red")
        self.query_one("#discover-close", Button).label = "Close"
        self.app.post_message(WorkFailed("Discovering uploads in CloudTrail", "discover", error))

    # -- actions ---------------------------------------------------------------------------------

    @on(Button.Pressed, "#discover-add")
    def _add(self) -> None:
        findings, new = self.findings, self.new
        if findings is None or not new:
            return

        def add() -> None:
            self._status(f"Probing and adding {len(new)} upload(s)…")
            self.query_one("#discover-add", Button).disabled = True
            self.query_one("#discover-since", Select).disabled = True

            def work() -> None:
                self.post_message(Added(self.session.journal_findings(findings)))

            self.run_worker(work, thread=True, exit_on_error=False, group="discover")

        self._ask(new, add)

    @on(Button.Pressed, "#discover-close")
    def action_close(self) -> None:
        if self.stage == "looking":
            self._cancel.set()  # the worker stops before its next page, then closes this
            self._status("Stopping after this page…")
            return
        self.dismiss(None)

    def _status(self, text: str, style: str = "") -> None:
        self.query_one("#discover-status", Static).update(Text(text, style=style))


def _upload_id(upload_id: str | None, known: set[str]) -> Text:
    """The id's first 8 characters and whether the journal has it: new, or known."""
    if upload_id is None:
        return Text("not in CloudTrail", style="dim")
    if upload_id in known:
        return Text.assemble(visible(upload_id[:8]), (" known", "dim"))
    return Text.assemble(visible(upload_id[:8]), (" new", "bold"))


def _period(seconds: float) -> str:
    """A look-back that is not one of the usual ones, as an operator would say it."""
    if seconds < 2 * HOUR:
        return f"last {seconds / 60:.0f} min"
    if seconds < 2 * 24 * HOUR:
        return f"last {seconds / HOUR:.0f} hours"
    return f"last {seconds / (24 * HOUR):.0f} days"
