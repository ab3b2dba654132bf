"""The ecrtui console: where am I, what is in flight, and what happens if I press the button.

The first frame is drawn before boto3 or moto load: connecting (and, in demo mode, starting the
local backend) runs in a thread worker, like every other AWS call. Workers only post messages;
the handlers below update the widgets on the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Footer, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from ecrtui.ecr.errors import EcrCallError
from ecrtui.tui.commands import ConsoleCommands
from ecrtui.tui.messages import (
    CallFinished,
    Connected,
    ConnectFailed,
    ImagesLoaded,
    ProbeFinished,
    RepositoriesLoaded,
    UploadCallsLoaded,
    UploadsLoaded,
    WorkFailed,
)
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.help_screen import HelpScreen
from ecrtui.tui.screens.history_screen import HistoryScreen
from ecrtui.tui.screens.load_request_screen import LoadRequestScreen
from ecrtui.tui.screens.push_screen import PushLayerScreen
from ecrtui.tui.screens.text_screen import TextScreen
from ecrtui.tui.screens.track_screen import TrackUploadScreen
from ecrtui.tui.session import ConsoleOptions, ConsoleSession, HistoryEntry, Identity
from ecrtui.tui.widgets.complete_form import CompleteLayerForm
from ecrtui.tui.widgets.repository_browser import RepositoryBrowser
from ecrtui.tui.widgets.response_panel import ResponsePanel
from ecrtui.tui.widgets.target_bar import TargetBar
from ecrtui.tui.widgets.upload_calls import UploadCalls
from ecrtui.tui.widgets.upload_details import UploadDetails
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.engine import PushResult

MUTATING_ACTIONS = frozenset({"resume", "push"})
LIVE_REFRESH_SECONDS = 5.0


class EcrtuiApp(App[None]):
    CSS_PATH = ["app.tcss", "screens/screens.tcss"]  # noqa: RUF012 (Textual reads it per class)
    TITLE = "ecrtui"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "c",
            "complete",
            "Complete",
            id="complete",
            tooltip="Fill the completion form from the selected upload",
        ),
        Binding(
            "u",
            "resume",
            "Resume",
            id="resume",
            tooltip="Resume the selected upload from the byte ECR last accepted",
        ),
        Binding(
            "p",
            "probe",
            "Probe",
            id="probe",
            tooltip="Ask ECR how many bytes it holds of the selected upload",
        ),
        Binding("n", "push", "Push", id="push", tooltip="Push a layer from a file"),
        Binding("t", "track", "Track", id="track", tooltip="Track an upload by its id"),
        Binding("f1", "help", "Help", id="help", tooltip="Help for the focused panel"),
        Binding(
            "f",
            "forget",
            "Forget",
            id="forget",
            tooltip="Forget the selected upload (journal only)",
        ),
        Binding(
            "y",
            "copy",
            "Copy",
            id="copy",
            tooltip="Copy the response, the upload id or the image digest",
        ),
        Binding(
            "Y",
            "copy_command",
            "Copy aws cmd",
            id="copy-command",
            tooltip="Copy the form's request as an aws CLI command",
        ),
        Binding(
            "d",
            "copy_digest",
            "Copy digest",
            id="copy-digest",
            tooltip="Copy the selected upload's digest",
        ),
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter repositories"),
        Binding("r", "refresh", "Refresh", id="refresh", tooltip="Reload uploads and repositories"),
        Binding(
            "a",
            "toggle_all",
            "All/in flight",
            id="toggle-all",
            tooltip="Show finished uploads too, or only those in flight",
        ),
        Binding(
            "h",
            "history",
            "History",
            id="history",
            tooltip="The requests and responses since the console started",
        ),
        Binding("1,f2", "show_tab('uploads-tab')", "Uploads", id="tab-uploads", show=False),
        Binding("2,f3", "show_tab('complete-tab')", "Complete form", id="tab-complete", show=False),
        Binding("3,f4", "show_tab('repos-tab')", "Repositories", id="tab-repos", show=False),
    ]

    def __init__(self, options: ConsoleOptions, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.options = options
        self.clock = clock
        self.session = ConsoleSession(options)
        self.identity: Identity | None = None
        self.show_all_uploads = False

    def compose(self) -> ComposeResult:
        yield TargetBar(id="target")
        with TabbedContent(initial="uploads-tab", id="tabs"):
            with TabPane("Uploads", id="uploads-tab"):
                yield UploadsTable(clock=self.clock, id="uploads")
                yield UploadDetails(clock=self.clock, id="upload-details")
                yield UploadCalls(clock=self.clock, id="upload-calls")
            with TabPane("Complete", id="complete-tab"), Horizontal(id="work"):
                yield CompleteLayerForm(id="form")
                yield ResponsePanel(id="response")
            with TabPane("Repositories", id="repos-tab"):
                yield RepositoryBrowser(clock=self.clock, id="browser")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(CompleteLayerForm).read_only = self.options.read_only
        self.query_one(UploadDetails).show(None)
        self.query_one(ResponsePanel).clear()
        self.connect()

    def on_resize(self) -> None:
        self.set_class(self.size.width < 140, "-narrow")
        self.set_class(self.size.height < 36, "-short")

    def on_unmount(self) -> None:
        self.session.close()

    # -- connecting and loading (thread workers) ---------------------------------------------

    @work(
        thread=True, exclusive=True, exit_on_error=False, group="connect", description="Connecting"
    )
    def connect(self) -> None:
        try:
            identity = self.session.connect()
        except EcrCallError as error:
            self.post_message(ConnectFailed(error))
            return
        from ecrtui.ecr.validation import validate

        validate("CompleteLayerUpload", {})  # load the model now, not on the first keystroke
        self.post_message(Connected(identity))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="uploads",
        description="Loading uploads",
    )
    def load_uploads(self) -> None:
        self.post_message(UploadsLoaded(self.session.uploads(self.show_all_uploads)))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="repositories",
        description="Loading repositories",
    )
    def load_repositories(self) -> None:
        token: str | None = None
        first = True
        while True:
            try:
                page, token = self.session.repositories(token)
            except EcrCallError as error:
                self.post_message(WorkFailed("loading repositories", error))
                return
            self.post_message(RepositoriesLoaded(page, token, first))
            first = False
            if not token:
                return

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="images",
        description="Loading images",
    )
    def load_images(self, repository: str) -> None:
        try:
            images = self.session.images(repository)
        except EcrCallError as error:
            self.post_message(WorkFailed(f"loading the images of {repository}", error))
            return
        self.post_message(ImagesLoaded(repository, images))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="send",
        description="Sending CompleteLayerUpload",
    )
    def send_complete(self, request: dict[str, Any]) -> None:
        self.post_message(CallFinished(self.session.complete(request)))

    @work(
        thread=True,
        exclusive=False,
        exit_on_error=False,
        group="probe",
        description="Probing an upload",
    )
    def probe(self, repository: str, upload_id: str, registry_id: str | None) -> None:
        try:
            record = self.session.probe(repository, upload_id, registry_id)
        except EcrCallError as error:
            self.post_message(WorkFailed(f"probing upload {upload_id}", error))
            self.load_uploads()
            return
        self.post_message(ProbeFinished(record))

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="layers",
        description="Checking layers",
    )
    def check_layers(self, repository: str, digests: list[str]) -> None:
        try:
            result = self.session.check_layers(repository, digests)
        except EcrCallError as error:
            self.post_message(WorkFailed("checking layers", error))
            return
        self.call_from_thread(self.query_one(RepositoryBrowser).show_layer_check, result)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="calls",
        description="Reading the upload's calls",
    )
    def load_calls(self, upload_id: str) -> None:
        self.post_message(UploadCallsLoaded(upload_id, self.session.calls(upload_id)))

    @work(thread=True, exit_on_error=False, group="journal", description="Forgetting")
    def forget(self, upload_id: str) -> None:
        self.session.forget(upload_id)
        self.load_uploads()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """No worker failure may vanish: anything a worker did not report itself shows here."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            wrapped = EcrCallError.from_exception(error) if error else None
            self.notify(
                f"{event.worker.description} failed: {wrapped or 'unknown error'}",
                severity="error",
                timeout=10,
            )

    # -- messages from workers ----------------------------------------------------------------

    def on_connected(self, message: Connected) -> None:
        self.identity = message.identity
        self.query_one(TargetBar).show(message.identity)
        self.query_one(CompleteLayerForm).set_default_registry(message.identity.account)
        self.load_uploads()
        self.load_repositories()
        self.set_interval(LIVE_REFRESH_SECONDS, self.load_uploads, name="live uploads")

    def on_connect_failed(self, message: ConnectFailed) -> None:
        self.query_one(TargetBar).show_failure(message.error.message)
        self.query_one(UploadsTable).loading = False
        self.query_one(ResponsePanel).show_entry(
            HistoryEntry("Connect", {}, None, message.error, 0.0, time.time())
        )
        self.switch_tab("complete-tab")

    def on_uploads_loaded(self, message: UploadsLoaded) -> None:
        table = self.query_one(UploadsTable)
        first_load = table.loading
        table.show(message.uploads)
        if first_load and self.screen is self.screen_stack[0]:
            table.focus()
        self._show_selected_upload()

    def on_upload_calls_loaded(self, message: UploadCallsLoaded) -> None:
        selected = self.query_one(UploadsTable).selected
        if selected is not None and selected.upload_id == message.upload_id:
            self.query_one(UploadCalls).show(message.upload_id, message.calls)

    def _show_selected_upload(self) -> None:
        record = self.query_one(UploadsTable).selected
        self.query_one(UploadDetails).show(record)
        if record is None:
            self.query_one(UploadCalls).show(None, [])
        else:
            self.load_calls(record.upload_id)

    def on_repositories_loaded(self, message: RepositoriesLoaded) -> None:
        browser = self.query_one(RepositoryBrowser)
        browser.add_page(message.repositories, message.first_page, bool(message.next_token))

    def on_images_loaded(self, message: ImagesLoaded) -> None:
        self.query_one(RepositoryBrowser).show_images(message.repository, message.images)

    def on_call_finished(self, message: CallFinished) -> None:
        self.query_one(ResponsePanel).show_entry(message.entry)
        error = message.entry.error
        if error is None:
            self.notify(f"{message.entry.operation} succeeded")
        else:
            self.notify(f"{message.entry.operation}: {error.code}", severity="error")
        self.load_uploads()

    def on_probe_finished(self, message: ProbeFinished) -> None:
        record = message.record
        self.notify(
            f"ECR holds {record.bytes_confirmed} bytes of upload {record.upload_id[:8]} "
            f"in {record.repository}"
        )
        self.load_uploads()

    def on_work_failed(self, message: WorkFailed) -> None:
        hint = f"\n{message.error.hint}" if message.error.hint else ""
        self.notify(f"{message.doing}: {message.error}{hint}", severity="error", timeout=10)

    # -- widgets' messages ---------------------------------------------------------------------

    @on(UploadsTable.RowHighlighted, "#uploads")
    def _upload_highlighted(self) -> None:
        self._show_selected_upload()

    @on(RepositoryBrowser.Selected)
    def _repository_selected(self, message: RepositoryBrowser.Selected) -> None:
        self.query_one(RepositoryBrowser).images_loading()
        self.load_images(message.name)

    @on(RepositoryBrowser.CheckLayers)
    def _check_layers(self, message: RepositoryBrowser.CheckLayers) -> None:
        self.check_layers(message.repository, message.digests)

    @on(CompleteLayerForm.Submitted)
    def _submitted(self, message: CompleteLayerForm.Submitted) -> None:
        if self.options.read_only:
            self.notify("Read-only: nothing is sent", severity="warning")
            return
        request = dict(message.request)
        if self.options.demo:
            self._send(request)
            return
        identity = self.identity
        target = [
            f"endpoint {identity.endpoint}" if identity else "endpoint ?",
            f"region {identity.region}" if identity else "",
            f"account {identity.account}" if identity and identity.account else "",
        ]

        def confirmed(send: bool | None) -> None:
            if send:
                self._send(request)

        self.push_screen(
            ConfirmScreen("CompleteLayerUpload", request, [line for line in target if line]),
            confirmed,
        )

    def _send(self, request: dict[str, Any]) -> None:
        self.query_one(ResponsePanel).show_loading("CompleteLayerUpload")
        self.send_complete(request)

    @on(CompleteLayerForm.Invalid)
    def _invalid(self, message: CompleteLayerForm.Invalid) -> None:
        self.query_one(ResponsePanel).show_problems("CompleteLayerUpload", message.problems)

    @on(CompleteLayerForm.CopyCommandRequested)
    def _copy_command_requested(self, message: CompleteLayerForm.CopyCommandRequested) -> None:
        self._copy_command(message.request)

    @on(CompleteLayerForm.LoadRequested)
    def _load_requested(self) -> None:
        def loaded(params: dict[str, Any] | None) -> None:
            if params is not None:
                self.query_one(CompleteLayerForm).load(params)

        self.push_screen(LoadRequestScreen(), loaded)

    @on(CompleteLayerForm.SkeletonRequested)
    def _skeleton_requested(self) -> None:
        from ecrtui.ecr.model import operation_model
        from ecrtui.ecr.skeleton import input_skeleton

        skeleton = input_skeleton(operation_model("CompleteLayerUpload"))
        self.push_screen(TextScreen("CompleteLayerUpload input skeleton", skeleton, "json"))

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.options.read_only and action in MUTATING_ACTIONS)

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
        form = self.query_one(CompleteLayerForm)
        digests = [record.local_digest] if record.local_digest else []
        form.fill(record.repository, record.upload_id, digests, record.registry_id)
        self.switch_tab("complete-tab")
        self.call_after_refresh(form.query_one("#complete").focus)

    def action_resume(self) -> None:
        record = self._selected_upload()
        if record is not None:
            self.push_screen(
                PushLayerScreen(self.session, resume_upload_id=record.upload_id),
                self._pushed,
            )

    def action_push(self) -> None:
        repository = None
        if self.query_one(TabbedContent).active == "repos-tab":
            repository = self.query_one(RepositoryBrowser).selected
        elif (record := self.query_one(UploadsTable).selected) is not None:
            repository = record.repository
        self.push_screen(
            PushLayerScreen(self.session, repository=repository),
            self._pushed,
        )

    def _pushed(self, result: PushResult | None) -> None:
        self.load_uploads()

    def action_probe(self) -> None:
        record = self._selected_upload()
        if record is not None:
            self.probe(record.repository, record.upload_id, record.registry_id)

    def action_track(self) -> None:
        def tracked(answer: tuple[str, str, str | None] | None) -> None:
            if answer is not None:
                self.probe(*answer)

        self.push_screen(TrackUploadScreen(), tracked)

    def action_forget(self) -> None:
        record = self._selected_upload()
        if record is not None:
            self.forget(record.upload_id)
            self.notify(f"Forgot upload {record.upload_id[:8]} (journal only; ECR is not told)")

    def action_refresh(self) -> None:
        self.load_uploads()
        self.load_repositories()

    def action_toggle_all(self) -> None:
        self.show_all_uploads = not self.show_all_uploads
        self.notify("Showing all uploads" if self.show_all_uploads else "Showing uploads in flight")
        self.load_uploads()

    def action_filter(self) -> None:
        self.switch_tab("repos-tab")
        self.query_one("#repo-filter").focus()

    def action_history(self) -> None:
        def chosen(entry: HistoryEntry | None) -> None:
            if entry is not None:
                self.query_one(ResponsePanel).show_entry(entry)
                self.switch_tab("complete-tab")

        self.push_screen(HistoryScreen(list(self.session.history)), chosen)

    def action_help(self) -> None:
        widget: Widget | None = self.focused
        title, markdown = "ecrtui", HELP
        while widget is not None:
            text = getattr(type(widget), "HELP", None)
            if isinstance(text, str):
                title, markdown = type(widget).__name__, text
                break
            parent = widget.parent
            widget = parent if isinstance(parent, Widget) else None
        keys = [
            (binding.key_display or binding.key, binding.description)
            for binding in self.BINDINGS
            if isinstance(binding, Binding) and self.check_action(binding.action, ())
        ]
        self.push_screen(HelpScreen(title, markdown, keys))

    def action_copy(self) -> None:
        tab = self.query_one(TabbedContent).active
        if tab == "complete-tab":
            text = self.query_one(ResponsePanel).copy_text
            if text:
                self.copy(text, "the response")
            else:
                self.notify("Nothing to copy yet", severity="warning")
        elif tab == "repos-tab":
            browser = self.query_one(RepositoryBrowser)
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
        self._copy_command(self.query_one(CompleteLayerForm).request)

    def _copy_command(self, request: dict[str, Any]) -> None:
        from ecrtui.ecr.aws_command import aws_cli_command

        identity = self.identity
        try:
            command = aws_cli_command(
                "CompleteLayerUpload",
                request,
                region=identity.region if identity else None,
                endpoint_url=identity.endpoint if identity and self._endpoint_chosen else None,
                profile=identity.profile if identity else None,
            )
        except ValueError as error:
            self.notify(f"Cannot write this request as an aws command: {error}", severity="error")
            return
        self.copy(command, "the aws CLI command")

    @property
    def _endpoint_chosen(self) -> bool:
        """The console talks to an endpoint the aws CLI would not pick on its own."""
        return self.options.demo or self.options.target.endpoint_url is not None

    def copy(self, text: str, what: str) -> None:
        """pyperclip where it works, the terminal's own clipboard (OSC 52) otherwise."""
        try:
            import pyperclip

            pyperclip.copy(text)
            how = "the system clipboard"
        except Exception:
            self.copy_to_clipboard(text)
            how = "the terminal's clipboard (OSC 52)"
        self.notify(f"Copied {what} to {how}")

    def show_repository(self, name: str) -> None:
        """Switch to the Repositories tab with this repository highlighted."""
        self.switch_tab("repos-tab")
        browser = self.query_one(RepositoryBrowser)
        browser.query_one("#repo-filter", Input).value = ""
        browser.highlight(name)

    def show_upload(self, upload_id: str) -> None:
        """Switch to the Uploads tab with this upload selected."""
        self.switch_tab("uploads-tab")
        table = self.query_one(UploadsTable)
        if upload_id in table.records:
            table.move_cursor(row=table.get_row_index(upload_id))
            table.focus()

    def _selected_upload(self) -> Any:
        record = self.query_one(UploadsTable).selected
        if record is None:
            self.notify("Select an upload first (Uploads tab)", severity="warning")
        return record


HELP = """
## ecrtui
An operator console for Amazon ECR layer uploads. The **Uploads** tab lists the uploads in flight
from ecrtui's journal; **Complete** holds the completion form and the response panel;
**Repositories** lists the repositories and their images.

Every action has a key (below) and an entry in the command palette (**ctrl+p**), where
repositories and uploads can be searched too. **ctrl+q** quits.
"""
