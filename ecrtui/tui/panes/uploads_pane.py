"""The Uploads tab: the uploads in flight from the journal, what ECR holds of the selected one, and
the calls made for it. Probing and forgetting run here too, since their answers change the list."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, TabbedContent, TabPane

from ecrtui.ecr.errors import EcrCallError
from ecrtui.plain_text import visible
from ecrtui.tui.clipboard import copy_and_say
from ecrtui.tui.consent import REFUSED_ACTIONS
from ecrtui.tui.keys import binding, refusal_bindings
from ecrtui.tui.panes.pane import Pane
from ecrtui.tui.session import ConsoleSession
from ecrtui.tui.widgets.filter_input import FilterInput
from ecrtui.tui.widgets.upload_calls import UploadCalls
from ecrtui.tui.widgets.upload_details import UploadDetails
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.journal import UploadRecord
from ecrtui.uploads.progress_text import size
from ecrtui.uploads.verdict import Evidence, Verdict, judge

LIVE_REFRESH_SECONDS = 5.0


@dataclass
class UploadsLoaded(Message):
    """A page of the journal's uploads (the newest first), judged off the UI thread."""

    uploads: list[UploadRecord]
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    first_page: bool = True
    last_page: bool = True


@dataclass
class UploadCallsLoaded(Message):
    upload_id: str
    calls: list[dict[str, Any]]


@dataclass
class ProbeFinished(Message):
    record: UploadRecord


@dataclass
class EvidenceFound(Message):
    """What ECR said about the listed uploads' layers (BatchCheckLayerAvailability)."""

    evidence: dict[str, Evidence]


class UploadsJudged(Message):
    """The first listing of the uploads is on screen with ECR's answers about their layers (or
    could not be): the console's other first loads may start."""


class DemoDiscovered(Message):
    """The demo's uploads left by other tools are in the journal now."""


@dataclass
class Forgotten(Message):
    upload_id: str
    record: UploadRecord | None


class UploadsPane(Pane):
    """The uploads table, the selected upload's details, and its calls."""

    # The footer shows these first (Enter, on the table, opens the actions of the selected row).
    BINDINGS: ClassVar[list[BindingType]] = [
        binding(
            "c", "app.complete", "Complete", "Fill the completion form from the selected upload"
        ),
        binding("u", "app.resume", "Resume", "Resume the selected upload from the byte ECR holds"),
        binding(
            "p", "app.probe", "Probe", "Ask ECR how many bytes it holds of the selected upload"
        ),
        binding("f", "app.forget", "Forget", "Forget the selected upload (journal only)"),
        binding("y,ctrl+y", "copy", "Copy id", "Copy the selected upload's id", show=False),
        binding(
            "d", "copy_digest", "Copy digest", "Copy the selected upload's layer digest", show=False
        ),
        binding(
            "a", "toggle_all", "All/in flight", "Show finished uploads too, or not", show=False
        ),
        binding(
            "slash",
            "filter",
            "Filter uploads",
            "Filter the uploads by repository, id or state",
            show=False,
        ),
    ]
    BINDINGS += refusal_bindings(BINDINGS, REFUSED_ACTIONS)

    WIDE = 140  # columns from which the list and the selected upload stand side by side
    FULL_IDS = 190  # and from which the list has room for whole upload ids

    def __init__(
        self, session: ConsoleSession, clock: Callable[[], float] = time.time, **kwargs: Any
    ) -> None:
        super().__init__(session, **kwargs)
        self.clock = clock
        self.show_all = False
        self._live: Timer | None = None
        self.evidence: dict[str, Evidence] = {}
        self._evidence_due = True  # ask ECR once the list is loaded
        self._first_round = False  # UploadsJudged is yet to be posted for this connection
        # the pages of the listing under way: its uploads and their verdicts
        self._loading: tuple[list[UploadRecord], dict[str, Verdict]] = ([], {})

    DEFAULT_CSS = """
    UploadsPane #uploads-filter { dock: top; }
    """

    def compose(self) -> ComposeResult:
        # one under the other; from WIDE columns the uploads on the left, the rest on the right
        # (the filter, docked above them all, takes no room until / opens it)
        yield FilterInput(
            "#uploads",
            hidden_when_empty=True,
            placeholder="filter uploads by repository, id or state…",
            id="uploads-filter",
        )
        yield UploadsTable(clock=self.clock, id="uploads")
        yield UploadDetails(clock=self.clock, id="upload-details")
        yield UploadCalls(clock=self.clock, id="upload-calls")

    def on_resize(self) -> None:
        wide = self.size.width >= self.WIDE
        full_ids = self.size.width >= self.FULL_IDS
        if (
            wide != self.has_class("-wide")
            or full_ids != self.table.full_ids
            or not self.table.columns_fit()
        ):
            self.set_class(wide, "-wide")
            self.table.full_ids = full_ids
            self.table.wide = wide
            records = list(self.table.records.values())
            if records:
                self.table.show(records, self.table.verdicts, more_coming=self.table.more_coming)

    def on_mount(self) -> None:
        self.query_one(UploadDetails).show(None)

    @property
    def table(self) -> UploadsTable:
        return self.query_one(UploadsTable)

    @property
    def selected(self) -> UploadRecord | None:
        return self.table.selected

    # -- starting work ---------------------------------------------------------------------------

    def start(self) -> None:
        """Connected: load the uploads, and reload them every few seconds from the journal.
        UploadsJudged follows once they are shown with ECR's answers about their layers."""
        self._first_round = True
        self.load_uploads()
        self._start_live()

    def _start_live(self) -> None:
        if self._live is None:
            self._live = self.set_interval(LIVE_REFRESH_SECONDS, self.load_uploads, name="live")

    def _stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def stop_waiting(self) -> None:
        """Nothing will load (the console is not connected): no endless spinner, and no live
        refresh until it connects again."""
        self.table.loading = False
        self._stop_live()

    def load_uploads(self) -> None:
        include_finished = self.show_all
        evidence = dict(self.evidence)  # as known now: the worker does not share the pane's

        def work() -> None:
            pages = iter(self.session.upload_pages(include_finished))
            page, first = next(pages, []), True
            while True:
                following = next(pages, None)
                verdicts = {
                    record.upload_id: judge(
                        record, record.part_sizes, evidence.get(record.upload_id)
                    )
                    for record in page
                }
                self.report(UploadsLoaded(page, verdicts, first, following is None))
                if following is None:
                    return
                page, first = following, False

        self.run_in_thread(work, group="uploads", doing="Loading the uploads from the journal")

    def discover_demo(self) -> None:
        """Demo mode: the uploads "docker" left through the registry face, found in CloudTrail."""

        def work() -> None:
            if self.session.discover_demo():
                self.report(DemoDiscovered())

        self.run_in_thread(work, group="discover", doing="Discovering the demo's uploads")

    def on_demo_discovered(self, message: DemoDiscovered) -> None:
        self.load_uploads()

    def reload(self) -> None:
        """The operator asked for a reload: ECR is asked again about each layer, and live refresh
        resumes if a failure had paused it."""
        self._evidence_due = True
        self.load_uploads()
        self._start_live()

    def check_evidence(self, records: list[UploadRecord]) -> None:
        def work() -> None:
            self.report(EvidenceFound(self.session.layer_evidence(records)))

        self.run_in_thread(work, group="evidence", doing="Asking ECR which layers it already has")

    def verdict_of(self, upload_id: str) -> Verdict | None:
        """What completing this upload would do, from what is known now."""
        return self.table.verdicts.get(upload_id)

    def verdict_words(self, record: UploadRecord) -> str:
        verdict = self.verdict_of(record.upload_id)
        return verdict.words if verdict is not None else record.state.value

    def _verdicts(self, records: list[UploadRecord]) -> dict[str, Verdict]:
        return {
            record.upload_id: judge(record, record.part_sizes, self.evidence.get(record.upload_id))
            for record in records
        }

    def action_filter(self) -> None:
        self.query_one("#uploads-filter", FilterInput).open()

    @on(Input.Changed, "#uploads-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.table.filter_rows(event.value)
        self.table.show_count()
        self._show_selected()

    @on(Input.Submitted, "#uploads-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        """Enter in the filter: on to the uploads it left."""
        event.stop()
        self.table.focus()

    def action_toggle_all(self) -> None:
        self.show_all = not self.show_all
        self.load_uploads()
        self.notify("Showing all uploads" if self.show_all else "Showing uploads in flight")

    def load_calls(self, upload_id: str) -> None:
        def work() -> None:
            self.report(UploadCallsLoaded(upload_id, self.session.calls(upload_id)))

        self.run_in_thread(work, group="calls", doing="Reading the upload's calls")

    def probe(self, repository: str, upload_id: str, registry_id: str | None) -> None:
        def work() -> None:
            self.report(ProbeFinished(self.session.probe(repository, upload_id, registry_id)))

        self.notify(visible(f"Probing upload {upload_id[:8]}…"), markup=False, timeout=3)
        self.run_in_thread(
            work, group="probe", doing=f"Probing upload {upload_id}", exclusive=False
        )

    def forget(self, upload_id: str) -> None:
        def work() -> None:
            self.report(Forgotten(upload_id, self.session.forget(upload_id)))

        self.run_in_thread(work, group="journal", doing=f"Forgetting upload {upload_id}")

    def restore(self, group: str, error: EcrCallError) -> bool:
        if group in ("uploads", "evidence"):
            self._judged()  # as judged as it will be
        if group == "uploads":
            self.stop_waiting()  # the rows already shown stay; r reloads
            if self.table.more_coming:  # the first listing stopped half-way: say so
                self.table.more_coming = False
                self.table.border_title = f"Uploads ({self.table.total:,}; loading failed)"
            self._stop_live()  # one failure panel, not one every few seconds
        elif group == "calls":
            self.query_one(UploadCalls).show(None, [])
        elif group == "probe":
            self.load_uploads()  # the probe may have marked the upload expired
        return False

    # -- what the workers found ------------------------------------------------------------------

    def on_uploads_loaded(self, message: UploadsLoaded) -> None:
        """A page of uploads. The first listing shows each page as it comes; a reload keeps the
        list on screen until its last page, then shows the new one whole."""
        if message.first_page:
            self._loading = ([], {})
        records, verdicts = self._loading
        records.extend(message.uploads)
        verdicts.update(message.verdicts)
        table = self.table
        if not (message.last_page or table.loading or table.more_coming):
            return
        if message.last_page and self._evidence_due and records:
            self._evidence_due = False
            self.check_evidence(records)  # on its way while the rows are drawn; judged after
        elif message.last_page and self._evidence_due:  # nothing to ask ECR about
            self._judged()
        first_show = table.loading
        table.show(records, verdicts, more_coming=not message.last_page)
        if first_show and self.screen is self.app.screen_stack[0] and not self._in_other_tab():
            table.focus()
        self._show_selected()

    def _in_other_tab(self) -> bool:
        """The operator went to another tab while the uploads loaded: the focus stays there.
        The tab shown says so even when nothing there could take the focus yet (a table still
        loading)."""
        mine = set(self.ancestors)
        shown = [node.active_pane for node in self.ancestors if isinstance(node, TabbedContent)]
        if any(pane is not None and pane not in mine for pane in shown):
            return True
        focused = self.app.focused
        if focused is None:
            return False
        return any(isinstance(node, TabPane) and node not in mine for node in focused.ancestors)

    def on_evidence_found(self, message: EvidenceFound) -> None:
        """ECR answered about some layers: those uploads are judged again, the others keep
        their verdicts."""
        self.evidence.update(message.evidence)
        records = list(self.table.records.values())
        verdicts = dict(self.table.verdicts)
        verdicts.update(self._verdicts([r for r in records if r.upload_id in message.evidence]))
        self.table.show(records, verdicts, more_coming=self.table.more_coming)
        self._show_selected()
        self._judged()

    def _judged(self) -> None:
        """The first round of this connection is over: say so, once."""
        if self._first_round:
            self._first_round = False
            self.post_message(UploadsJudged())

    def on_upload_calls_loaded(self, message: UploadCallsLoaded) -> None:
        selected = self.selected
        if selected is not None and selected.upload_id == message.upload_id:
            self.query_one(UploadCalls).show(message.upload_id, message.calls)

    def on_probe_finished(self, message: ProbeFinished) -> None:
        record = message.record
        self._evidence_due = True
        self.notify(
            visible(
                f"ECR holds {size(record.bytes_confirmed)} of upload {record.upload_id[:8]} "
                f"in {record.repository}"
            ),
            markup=False,
        )
        self.load_uploads()

    def on_forgotten(self, message: Forgotten) -> None:
        if message.record is None:
            self.notify(
                visible(f"Upload {message.upload_id[:8]} is not in the journal"),
                severity="warning",
                markup=False,
            )
        else:
            self.notify(
                visible(f"Forgot upload {message.upload_id[:8]} (journal only; ECR is not told)"),
                markup=False,
            )
        self.load_uploads()

    @on(UploadsTable.RowHighlighted, "#uploads")
    def _highlighted(self) -> None:
        self._show_selected()

    def _show_selected(self) -> None:
        record = self.selected
        details = self.query_one(UploadDetails)
        if record is None and not self.table.records and not self.table.loading:
            details.show_empty(
                read_only=self.session.options.read_only,
                journal_problem=self.session.journal.problem if self.session.connected else None,
            )
            self.query_one(UploadCalls).show(None, [])
            return
        verdict = self.verdict_of(record.upload_id) if record is not None else None
        details.show(record, verdict, read_only=self.session.options.read_only)
        if record is None:
            self.query_one(UploadCalls).show(None, [])
        else:
            self.load_calls(record.upload_id)

    @on(UploadsTable.RowSelected, "#uploads")
    def _chosen(self) -> None:
        """Enter on a row: the actions for this upload, the one its verdict suggests first."""
        record = self.selected
        if record is None:
            return
        verdict = self.verdict_of(record.upload_id)
        refused = REFUSED_ACTIONS if self.session.options.read_only else frozenset()

        def chosen(action: str | None) -> None:
            if action is not None:
                self.call_later(self.app.run_action, action, self)

        from ecrtui.tui.screens.upload_actions_screen import UploadActionsScreen

        self.app.push_screen(UploadActionsScreen(record, verdict, refused), chosen)

    # -- copying ---------------------------------------------------------------------------------

    def action_copy(self) -> None:
        record = self.table.selected
        if record is None:
            self.notify("No upload is selected: nothing to copy", severity="warning")
        else:
            copy_and_say(self.app, record.upload_id, "the upload id")

    def action_copy_digest(self) -> None:
        record = self.table.selected
        if record is None:
            self.notify("No upload is selected: nothing to copy", severity="warning")
        elif record.local_digest:
            copy_and_say(self.app, record.local_digest, "the layer digest")
        else:
            self.notify("The journal does not know this upload's digest", severity="warning")

    def select(self, upload_id: str) -> None:
        table = self.table
        if upload_id in table.records:
            table.move_cursor(row=table.get_row_index(upload_id))
            table.focus()
