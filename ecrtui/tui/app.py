"""The ecrtui console: where am I, what is in flight, and what happens if I press the button.

The app holds the session, the target, copying, the palette and the tabs; each tab is a pane
(`ecrtui.tui.panes`) that owns its workers and handlers. The first frame is drawn before boto3 or
moto load: connecting (and, in demo mode, starting the local backend) runs in a thread worker.
A worker that fails puts back what waited on it and its error lands in a panel.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from ecrtui.ecr.caller import CallRecord
from ecrtui.ecr.errors import EcrCallError
from ecrtui.plain_text import visible
from ecrtui.tui import clipboard, consent
from ecrtui.tui.commands import ConsoleCommands, PaletteEntry
from ecrtui.tui.messages import Connected, ConnectFailed, WorkFailed
from ecrtui.tui.panes.complete_pane import CompletePane, CompletionAnswered
from ecrtui.tui.panes.repositories_pane import RepositoriesPane
from ecrtui.tui.panes.uploads_pane import UploadsPane
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.failure_screen import FailureScreen
from ecrtui.tui.screens.help_screen import HelpScreen, help_for, help_title
from ecrtui.tui.screens.history_screen import HistoryScreen
from ecrtui.tui.screens.push_screen import PushLayerScreen
from ecrtui.tui.screens.track_screen import TrackUploadScreen
from ecrtui.tui.session import ConsoleOptions, ConsoleSession, Identity
from ecrtui.tui.widgets.complete_form import CompleteLayerForm
from ecrtui.tui.widgets.target_bar import TargetBar
from ecrtui.uploads.engine import PushResult
from ecrtui.uploads.journal import UploadRecord

MUTATING_ACTIONS = frozenset({"resume", "push", "probe", "track", "forget"})


def _binding(key: str, action: str, description: str, tooltip: str, **kwargs: Any) -> Binding:
    return Binding(key, action, description, id=action.replace("_", "-"), tooltip=tooltip, **kwargs)


class EcrtuiApp(App[None]):
    CSS_PATH = ["app.tcss", "screens/screens.tcss"]  # noqa: RUF012 (Textual reads it per class)
    TITLE = "ecrtui"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    HELP: ClassVar[str] = """\
## ecrtui
An operator console for Amazon ECR layer uploads. The **Uploads** tab lists the uploads in flight
from ecrtui's journal; **Complete** holds the completion form and the response panel;
**Repositories** lists the repositories and their images.

Every action has a key (below) and an entry in the command palette (**ctrl+p**), where
repositories and uploads can be searched too. **ctrl+q** quits.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding("c", "complete", "Complete", "Fill the completion form from the selected upload"),
        _binding("u", "resume", "Resume", "Resume the selected upload from the byte ECR holds"),
        _binding("p", "probe", "Probe", "Ask ECR how many bytes it holds of the selected upload"),
        _binding("n", "push", "Push", "Push a layer from a file"),
        _binding("t", "track", "Track", "Track an upload by its id"),
        _binding("f1", "help", "Help", "Help for the focused panel"),
        _binding("f", "forget", "Forget", "Forget the selected upload (journal only)"),
        _binding("y", "copy", "Copy", "Copy the response, the upload id or the image digest"),
        _binding("Y", "copy_command", "Copy aws cmd", "Copy the form's request as an aws command"),
        _binding("d", "copy_digest", "Copy digest", "Copy the selected upload's digest"),
        _binding("slash", "filter", "Filter", "Filter repositories"),
        _binding("r", "refresh", "Refresh", "Reload uploads and repositories, or reconnect"),
        _binding("a", "toggle_all", "All/in flight", "Show finished uploads too, or not"),
        _binding("h", "history", "History", "The requests and failures of this session"),
        Binding("1,f2", "show_tab('uploads-tab')", "Uploads", id="tab-uploads", show=False),
        Binding("2,f3", "show_tab('complete-tab')", "Complete form", id="tab-complete", show=False),
        Binding("3,f4", "show_tab('repos-tab')", "Repositories", id="tab-repos", show=False),
    ]
    BINDINGS += consent.refusal_bindings(BINDINGS, MUTATING_ACTIONS)  # read-only: keys say why

    def __init__(self, options: ConsoleOptions, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.options = options
        self.clock = clock
        self.session = ConsoleSession(options)
        self.identity: Identity | None = None

    def compose(self) -> ComposeResult:
        yield TargetBar(id="target")
        with TabbedContent(initial="uploads-tab", id="tabs"):
            with TabPane("Uploads", id="uploads-tab"):
                yield UploadsPane(self.session, self.clock, id="uploads-pane")
            with TabPane("Complete", id="complete-tab"):
                yield CompletePane(self.session, id="complete-pane")
            with TabPane("Repositories", id="repos-tab"):
                yield RepositoriesPane(self.session, self.clock, id="repos-pane")
        yield Footer()

    def on_mount(self) -> None:
        self.connect()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 140, "-narrow")
        self.set_class(self.size.height < 36, "-short")

    def on_unmount(self) -> None:
        self.session.close()

    @property
    def uploads(self) -> UploadsPane:
        return self.query_one(UploadsPane)

    @property
    def completion(self) -> CompletePane:
        return self.query_one(CompletePane)

    @property
    def repositories(self) -> RepositoriesPane:
        return self.query_one(RepositoriesPane)

    # -- connecting ----------------------------------------------------------------------------

    def connect(self) -> None:
        self.query_one(TargetBar).connecting()
        self.run_worker(
            self._connect,
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="connect",
            description="Connecting",
        )

    def _connect(self) -> None:
        identity = self.session.connect()  # any failure arrives as an EcrCallError
        from ecrtui.ecr.validation import validate

        validate("CompleteLayerUpload", {})  # load the model now, not on the first keystroke
        self.post_message(Connected(identity))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own worker (connecting): its failure is a NOT CONNECTED header."""
        if event.state is WorkerState.ERROR:
            raised = event.worker.error
            error = EcrCallError.from_exception(raised or RuntimeError("connecting failed"))
            self.post_message(ConnectFailed(error))

    def on_connected(self, message: Connected) -> None:
        self.identity = message.identity
        self.query_one(TargetBar).show(message.identity)
        self.completion.identity = message.identity
        self.completion.verdicts = self.uploads.verdict_of
        self.completion.form.set_default_registry(message.identity.account)
        self.uploads.start()
        self.repositories.load_repositories()

    def on_connect_failed(self, message: ConnectFailed) -> None:
        self.identity = None
        self.query_one(TargetBar).show_failure(message.error)
        self.uploads.stop_waiting()
        self.repositories.stop_waiting()
        self._fail("Connecting", message.error)

    # -- failures ------------------------------------------------------------------------------

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.shown_in_place:
            self.session.record_failure(message.doing, message.error)
        else:
            self._fail(message.doing, message.error)

    def _fail(self, doing: str, error: EcrCallError) -> None:
        """Keep the failure in the history and show it in the failure panel."""
        self.session.record_failure(doing, error)
        if isinstance(self.screen, FailureScreen):
            self.screen.show(doing, error)
        else:
            self.push_screen(FailureScreen(doing, error))

    # -- what changes the list of uploads ------------------------------------------------------

    def on_completion_answered(self, message: CompletionAnswered) -> None:
        self.uploads.reload()  # the layer is in the repository now: ask ECR again

    @on(CompleteLayerForm.CopyCommandRequested)
    def _copy_command_requested(self, message: CompleteLayerForm.CopyCommandRequested) -> None:
        self._copy_command(message.request)

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.options.read_only and action in MUTATING_ACTIONS)

    def action_refuse(self, action: str) -> None:
        """A key or palette entry of an action a read-only console does not do: say so."""
        self.notify(consent.REFUSALS[action], severity="warning", markup=False)

    def _ask(self, confirm: ConfirmScreen, then: Callable[[], None]) -> None:
        consent.ask(self, confirm, then, demo=self.options.demo)

    def action_show_tab(self, tab: str) -> None:
        self.switch_tab(tab)

    # The widget that takes the focus when its tab is shown. TabbedContent brings back the tab of
    # the focused widget, so the focus has to move with the tab.
    _TAB_FOCUS: ClassVar[dict[str, str]] = {
        "uploads-tab": "#uploads",
        "complete-tab": "#form Input",
        "repos-tab": "#repositories",
    }

    def switch_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        target = self.query(self._TAB_FOCUS[tab]).first()
        if self.focused is None or tab not in {
            pane.id for pane in self.focused.ancestors if isinstance(pane, TabPane)
        }:
            target.focus()

    def action_complete(self) -> None:
        record = self._selected_upload()
        if record is None:
            return
        form = self.completion.form
        digests = [record.local_digest] if record.local_digest else []
        form.fill(record.repository, record.upload_id, digests, record.registry_id)
        self.switch_tab("complete-tab")
        self.call_after_refresh(form.query_one("#complete").focus)

    def action_resume(self) -> None:
        record = self._selected_upload()
        if record is not None:
            ask = consent.push_asker(self, self.identity, demo=self.options.demo, record=record)
            no_file = not record.source_path  # tracked by id: the resume asks for the file
            screen = PushLayerScreen(
                self.session, None, record.upload_id, ask_for_file=no_file, ask=ask
            )
            self.push_screen(screen, self._pushed)

    def action_push(self) -> None:
        repository = None
        if self.query_one(TabbedContent).active == "repos-tab":
            repository = self.repositories.browser.selected
        elif (record := self.uploads.selected) is not None:
            repository = record.repository
        ask = consent.push_asker(self, self.identity, demo=self.options.demo)
        self.push_screen(PushLayerScreen(self.session, repository, ask=ask), self._pushed)

    def _pushed(self, result: PushResult | None) -> None:
        self.uploads.load_uploads()

    def action_probe(self) -> None:
        record = self._selected_upload()
        if record is not None:
            ids = (record.repository, record.upload_id, record.registry_id)
            self._ask(consent.probe_consent(self.identity, *ids), partial(self.uploads.probe, *ids))

    def action_track(self) -> None:
        def tracked(ids: tuple[str, str, str | None] | None) -> None:
            if ids is not None:
                confirm = consent.probe_consent(self.identity, *ids, tracking=True)
                self._ask(confirm, partial(self.uploads.probe, *ids))

        self.push_screen(TrackUploadScreen(), tracked)

    def action_forget(self) -> None:
        record = self._selected_upload()
        if record is not None:
            confirm = consent.forget_consent(self.identity, record)
            self._ask(confirm, partial(self.uploads.forget, record.upload_id))

    def action_refresh(self) -> None:
        if not self.session.connected or self.identity is None:
            self.connect()
            return
        self.uploads.reload()
        self.repositories.load_repositories()

    def action_toggle_all(self) -> None:
        showing_all = self.uploads.toggle_all()
        self.notify("Showing all uploads" if showing_all else "Showing uploads in flight")

    def action_filter(self) -> None:
        self.switch_tab("repos-tab")
        self.query_one("#repo-filter").focus()

    def action_history(self) -> None:
        def chosen(entry: CallRecord | None) -> None:
            if entry is not None:
                self.completion.response.show_call(entry)
                self.switch_tab("complete-tab")

        self.push_screen(HistoryScreen(list(self.session.history)), chosen)

    def action_help(self) -> None:
        markdown = help_for(self.focused)
        keys = [
            (binding.key_display or binding.key, binding.description)
            for binding in self.BINDINGS
            if isinstance(binding, Binding)
            and binding.description
            and self.check_action(binding.action, ())
        ]
        self.push_screen(HelpScreen(help_title(markdown), markdown, keys))

    # -- copying -------------------------------------------------------------------------------

    def action_copy(self) -> None:
        tab = self.query_one(TabbedContent).active
        if tab == "complete-tab":
            text = self.completion.response.copy_text
            if text:
                self.copy(text, "the response")
            else:
                self.notify("Nothing to copy yet", severity="warning")
        elif tab == "repos-tab":
            browser = self.repositories.browser
            digest = browser.selected_image_digest
            if digest:
                self.copy(digest, "the image digest")
            elif browser.selected:
                self.copy(browser.selected, "the repository name")
        elif (record := self._selected_upload()) is not None:
            self.copy(record.upload_id, "the upload id")

    def action_copy_digest(self) -> None:
        record = self._selected_upload()
        if record is not None and record.local_digest:
            self.copy(record.local_digest, "the layer digest")
        elif record is not None:
            self.notify("The journal does not know this upload's digest", severity="warning")

    def action_copy_command(self) -> None:
        self._copy_command(self.completion.form.request)

    def _copy_command(self, request: dict[str, Any]) -> None:
        try:
            command = clipboard.aws_command(request, self.identity, self.options)
        except ValueError as error:
            self.notify(
                visible(f"Cannot write this request as an aws command: {error}"),
                severity="error",
                markup=False,
            )
            return
        self.copy(command, "the aws CLI command")

    def copy(self, text: str, what: str) -> None:
        """Copy to the system clipboard, or the terminal's; the notification says which."""
        how = clipboard.copy(text, self.copy_to_clipboard)
        self.notify(f"Copied {what} to {how}", markup=False)

    # -- the palette ---------------------------------------------------------------------------

    def palette_entries(self) -> list[PaletteEntry]:
        """The actions (those read-only refuses say why when run), the loaded repositories and
        the listed uploads."""
        entries = []
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.description:
                action, words = binding.action, binding.tooltip
                if not self.check_action(action.split("(")[0], ()):
                    action, words = f"refuse('{action}')", consent.REFUSALS[action]
                run = partial(self.run_action, action)
                entries.append(PaletteEntry(binding.description, words, run))
        for repository in self.repositories.browser.repositories:
            name = str(repository["repositoryName"])
            entries.append(
                PaletteEntry(
                    f"repository {name}", "show its images", partial(self.show_repository, name)
                )
            )
        for record in self.uploads.table.records.values():
            entries.append(
                PaletteEntry(
                    f"upload {record.upload_id[:8]} {record.repository}",
                    f"{record.state.value}, {record.bytes_confirmed} bytes held",
                    partial(self.show_upload, record.upload_id),
                )
            )
        return entries

    def show_repository(self, name: str) -> None:
        """Switch to the Repositories tab with this repository highlighted."""
        self.switch_tab("repos-tab")
        self.repositories.show(name)

    def show_upload(self, upload_id: str) -> None:
        """Switch to the Uploads tab with this upload selected."""
        self.switch_tab("uploads-tab")
        self.uploads.select(upload_id)

    def _selected_upload(self) -> UploadRecord | None:
        record = self.uploads.selected
        if record is None:
            self.notify("Select an upload first (Uploads tab)", severity="warning")
        return record
