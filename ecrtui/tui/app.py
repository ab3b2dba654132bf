"""The ecrtui console: where am I, what is in flight, and what happens if I press the button.

The app holds the session, the target, copying, the palette and the tabs; each tab is a pane
(`ecrtui.tui.panes`) that owns its workers and handlers. The first frame is drawn before boto3 or
moto load: connecting (and, in demo mode, starting the local backend) runs in a thread worker, and
each dialog's module is imported when it first opens.
A worker that fails puts back what waited on it and its error lands in a panel.
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Footer, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError
from ecrtui.plain_text import visible
from ecrtui.tui import consent
from ecrtui.tui.commands import ConsoleCommands, PaletteEntry
from ecrtui.tui.keys import action_name, binding, key_names, refusal_bindings
from ecrtui.tui.messages import Connected, ConnectFailed, JournalTrouble, WorkFailed
from ecrtui.tui.panes.complete_pane import CompletePane, CompletionAnswered
from ecrtui.tui.panes.repositories_pane import RepositoriesPane
from ecrtui.tui.panes.uploads_pane import UploadsJudged, UploadsPane
from ecrtui.tui.screens.failure_screen import FailureScreen
from ecrtui.tui.session import ConsoleOptions, ConsoleSession, Identity
from ecrtui.tui.widgets.target_bar import TargetBar
from ecrtui.uploads.engine import PushResult
from ecrtui.uploads.journal import UploadRecord
from ecrtui.uploads.progress_text import size

if TYPE_CHECKING:
    from ecrtui.tui.screens.confirm_screen import ConfirmScreen

SHUTDOWN_GRACE = 5.0  # seconds a quitting console may take before its process is ended
# Seconds, at most, the uploads tab (the one shown first) has the first round of calls to itself
# before the other tabs start loading (see `on_connected`).
FIRST_ROUND_GRACE = 0.5
# The garbage collector's thresholds once the console is connected (gc.set_threshold): young
# objects are collected every 50,000 allocations, the older generations 20 and 100 times rarer.
COLLECTION_THRESHOLDS = (50_000, 20, 100)

# F1's words for Textual's own keys, where its description is terse.
_KEY_WORDS = {"command_palette": "Command palette", "quit": "Quit"}


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
    # Keys that work in every tab; each pane adds the keys of what it shows.
    BINDINGS: ClassVar[list[BindingType]] = [
        binding("f1", "help", "Help", "What the focused panel is for, and every key"),
        binding("n", "push", "Push", "Push a layer from a file"),
        binding("t", "track", "Track", "Track an upload by its id", show=False),
        binding(
            "D",
            "discover",
            "Discover",
            "Find the uploads other tools left in flight, in CloudTrail",
            show=False,
        ),
        binding("h", "history", "History", "Every call made from this console", show=False),
        binding(
            "r", "refresh", "Refresh", "Reload uploads and repositories, or reconnect", show=False
        ),
        binding("slash", "filter", "Filter", "Filter repositories", show=False),
        binding(
            "P",
            "profiles",
            "Profiles",
            "Switch AWS profile: each profile's region and who it is",
            show=False,
        ),
        binding("R", "regions", "Regions", "Switch region (the profile stays)", show=False),
        binding(
            "A",
            "about",
            "About",
            "Versions, target and endpoint source, retries, journal path",
            show=False,
        ),
        Binding("1,f2", "show_tab('uploads-tab')", "Uploads tab", id="tab-uploads", show=False),
        Binding("2,f3", "show_tab('complete-tab')", "Complete tab", id="tab-complete", show=False),
        Binding("3,f4", "show_tab('repos-tab')", "Repositories tab", id="tab-repos", show=False),
    ]
    BINDINGS += refusal_bindings(BINDINGS, consent.REFUSED_ACTIONS)  # read-only: keys say why

    def __init__(self, options: ConsoleOptions, clock: Callable[[], float] = time.time) -> None:
        super().__init__()
        self.options = options
        self.clock = clock
        self.session = ConsoleSession(options)
        self.session.on_journal_warning = self._journal_trouble
        self.identity: Identity | None = None
        self._rest_started = False  # the other tabs' first loads, for this connection
        self._rest_timer: Timer | None = None
        # the config file's theme and keys (see ecrtui.config)
        from ecrtui.tui.keymap import console_keymap

        self._saved_theme = options.theme or self.theme  # the file's theme, or Textual's
        if options.theme is not None:
            self.theme = options.theme
        if options.keys:
            self.set_keymap(console_keymap(options.keys))

    def watch_theme(self, theme: str) -> None:
        """The theme the operator picks is saved in the config file: the next console starts
        with it. Only the file's theme line changes."""
        from ecrtui.config import save_theme

        path = self.options.config_file
        if path is None or theme == self._saved_theme:
            return
        try:
            save_theme(path, theme)
        except OSError as error:
            words = f"The theme was not saved in {path}: {error.strerror or error}"
            self.notify(visible(words), title="Config", severity="warning", markup=False)
            return
        self._saved_theme = theme

    def compose(self) -> ComposeResult:
        self._size_classes()  # before the widgets are styled: changing them later restyles all
        yield TargetBar(id="target")
        with TabbedContent(initial="uploads-tab", id="tabs"):
            with TabPane("Uploads", id="uploads-tab"):
                yield UploadsPane(self.session, self.clock, id="uploads-pane")
            with TabPane("Complete", id="complete-tab"):
                yield CompletePane(self.session, id="complete-pane")
            with TabPane("Repositories", id="repos-tab"):
                yield RepositoriesPane(self.session, self.clock, id="repos-pane")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.connect()

    def on_resize(self) -> None:
        self._size_classes()

    def _size_classes(self) -> None:
        self.set_class(self.size.width < 140, "-narrow")
        self.set_class(self.size.height < 36, "-short")

    def on_unmount(self) -> None:
        self.session.close()
        if self.is_headless:
            return
        # The console is ending. If the terminal went away meanwhile (a window closed right after
        # ctrl+q), the terminal driver can wait forever to write to it: everything is saved by
        # now (the journal commits each change), so a process still here in a few seconds ends.
        ending = threading.Timer(SHUTDOWN_GRACE, os._exit, args=(0,))
        ending.daemon = True
        ending.start()

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
        self.post_message(Connected(identity))
        from ecrtui.ecr.validation import validate

        validate("CompleteLayerUpload", {})  # load the model now, not on the first keystroke

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own worker (connecting): its failure is a NOT CONNECTED header."""
        if event.state is WorkerState.ERROR:
            raised = event.worker.error
            error = EcrCallError.from_exception(raised or RuntimeError("connecting failed"))
            self.post_message(ConnectFailed(error))

    def on_connected(self, message: Connected) -> None:
        self._started()
        self.identity = message.identity
        self.query_one(TargetBar).show(message.identity)
        self.completion.identity = message.identity
        self.completion.verdicts = self.uploads.verdict_of
        self.completion.form.set_default_registry(message.identity.account)
        # The uploads tab, shown first, has the first round of calls to itself: on a loaded
        # machine (or a 2-core one running the demo backend) its verdicts come first. The other
        # tabs start loading when its uploads are judged, when one of them is shown, or after
        # FIRST_ROUND_GRACE, whichever comes first.
        self._rest_started = False
        self.uploads.start()
        self._rest_timer = self.set_timer(FIRST_ROUND_GRACE, self._start_the_rest)

    @staticmethod
    def _started() -> None:
        """The garbage collector, off while the console starts (`ecrtui.cli.main`), collects
        again. What is loaded by now (Textual, botocore and its models) lasts as long as the
        console: frozen, the collector stops walking it at every collection, which took a third
        of the time of listing 10,000 repositories. The collections come less often than
        Python's (700, 10, 10) would have them (COLLECTION_THRESHOLDS): with those, listing
        10,000 repositories and filtering them spent ~0.1 s in 330 collections; now ~0.02 s in
        60."""
        gc.freeze()
        gc.set_threshold(*COLLECTION_THRESHOLDS)
        gc.enable()

    def on_uploads_judged(self, message: UploadsJudged) -> None:
        self._start_the_rest()

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "repos-tab":
            self._start_the_rest()

    def _start_the_rest(self) -> None:
        """The repositories' first page and, in demo mode, the discovery: once a connection."""
        if self._rest_started or self.identity is None:
            return
        self._rest_started = True
        if self._rest_timer is not None:
            self._rest_timer.stop()
        self.repositories.load_repositories()
        if self.options.demo:
            self.uploads.discover_demo()

    def on_connect_failed(self, message: ConnectFailed) -> None:
        self._started()
        self.identity = None
        self.query_one(TargetBar).show_failure(message.error)
        self.uploads.stop_waiting()
        self.repositories.stop_waiting()
        self._fail("Connecting", message.error)

    # -- failures ------------------------------------------------------------------------------

    def _journal_trouble(self, text: str) -> None:
        self.post_message(JournalTrouble(text))  # from any thread: post_message is thread-safe

    def on_journal_trouble(self, message: JournalTrouble) -> None:
        text = visible(message.text)
        self.notify(text, title="Journal", severity="warning", timeout=20, markup=False)

    def on_work_failed(self, message: WorkFailed) -> None:
        if message.shown_in_place:
            self.session.record_failure(message.doing, message.error)
        else:
            self._fail(message.doing, message.error)

    def _fail(self, doing: str, error: EcrCallError) -> None:
        """Keep the failure in the history and show it in the failure panel."""
        self.session.record_failure(doing, error)
        if not self.screen_stack:
            return  # the console is closing: kept in the history, with nothing to show it on
        if isinstance(self.screen, FailureScreen):
            self.screen.show(doing, error)
        else:
            self.push_screen(FailureScreen(doing, error))

    # -- what changes the list of uploads ------------------------------------------------------

    def on_completion_answered(self, message: CompletionAnswered) -> None:
        self.uploads.reload()  # the layer is in the repository now: ask ECR again

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (self.options.read_only and action in consent.REFUSED_ACTIONS)

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
            from ecrtui.tui.screens.push_screen import PushLayerScreen

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
        from ecrtui.tui.screens.push_screen import PushLayerScreen

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

        from ecrtui.tui.screens.track_screen import TrackUploadScreen

        self.push_screen(TrackUploadScreen(), tracked)

    def action_discover(self) -> None:
        if not self.session.connected:
            self.notify("Not connected: r connects", severity="warning")
            return

        def ask(uploads: list[Any], then: Callable[[], None]) -> None:
            self._ask(consent.discover_consent(self.identity, uploads), then)

        def added(count: int | None) -> None:
            if count is not None:
                self.notify(f"Added {count} upload(s) found in CloudTrail to the journal")
            self.uploads.reload()

        from ecrtui.tui.screens.discover_screen import DiscoverScreen

        screen = DiscoverScreen(self.session, ask, read_only=self.options.read_only)
        self.push_screen(screen, added)

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

    # -- profiles, regions, about ----------------------------------------------------------------

    def _switching_refused(self) -> bool:
        if self.options.demo:
            self.notify(
                "The demo has one backend: restart without --demo to switch profile or region",
                severity="warning",
            )
        return self.options.demo

    def action_profiles(self) -> None:
        if self._switching_refused():
            return
        session = self.session

        def chosen(profile: str | None) -> None:
            if profile is not None:
                self.switch_to(session.target_for_profile(profile))

        from ecrtui.tui.screens.profile_screen import ProfileScreen

        screen = ProfileScreen(session.profile, session.target_for_profile)
        self.push_screen(screen, chosen)

    def action_regions(self) -> None:
        if self._switching_refused():
            return
        session = self.session
        current = self.identity.region if self.identity else session.target.region

        def chosen(region: str | None) -> None:
            if region is not None:
                self.switch_to(session.target_for_region(region))

        from ecrtui.tui.screens.region_screen import RegionScreen

        self.push_screen(RegionScreen(session.profile, current), chosen)

    def switch_to(self, target: Target) -> None:
        """Reconnect to `target` (in the connect worker); the header, uploads and repositories
        reload on Connected, or the header says NOT CONNECTED and why."""
        self.identity = None
        self.uploads.stop_waiting()
        self.query_one(TargetBar).connecting()
        self.run_worker(
            partial(self._switch, target),
            thread=True,
            exclusive=True,
            exit_on_error=False,
            group="connect",
            description="Switching target",
        )

    def _switch(self, target: Target) -> None:
        self.post_message(Connected(self.session.switch(target)))

    def action_about(self) -> None:
        from ecrtui.tui.screens.about_screen import AboutScreen

        self.push_screen(AboutScreen(self.session.about))

    def action_filter(self) -> None:
        self.switch_tab("repos-tab")
        self.query_one("#repo-filter").focus()

    def action_history(self) -> None:
        from ecrtui.tui.screens.history_screen import HistoryScreen

        self.push_screen(HistoryScreen(list(self.session.history)))

    def action_help(self) -> None:
        from ecrtui.tui.screens.help_screen import HelpScreen, help_for, help_title

        markdown = help_for(self.focused)
        self.push_screen(HelpScreen(help_title(markdown), markdown, self.key_rows()))

    def _panes(self) -> list[tuple[str, Any]]:
        """Each tab's name and pane, in tab order."""
        return [
            ("Uploads", self.uploads),
            ("Complete", self.completion),
            ("Repositories", self.repositories),
        ]

    def key_rows(self) -> list[tuple[str, str, str]]:
        """Every key the console answers to, as (keys, what it does, where): those of the focused
        panel first (the footer's before the others), then those that work everywhere, then the
        other tabs'. A binding's keys share its row."""
        rows: dict[tuple[str, str, str], list[str]] = {}
        active = [item for item in self.screen.active_bindings.values() if item.enabled]
        here = sorted(
            (item for item in active if item.node is not self), key=lambda a: not a.binding.show
        )
        everywhere = [item for item in active if item.node is self]
        for where, items in (("here", here), ("everywhere", everywhere)):
            for item in items:
                words = _KEY_WORDS.get(item.binding.action, item.binding.description)
                if words:
                    rows.setdefault((words, item.binding.action, where), []).append(
                        key_names(item.binding.key)
                    )
        for name, pane in self._panes():
            for binding_ in type(pane).BINDINGS:
                if (
                    isinstance(binding_, Binding)
                    and binding_.description
                    and self.check_action(action_name(binding_.action), ())
                    and (binding_.description, binding_.action, "here") not in rows
                ):
                    remapped = self._keymap.get(binding_.id or "", binding_.key)
                    rows.setdefault(
                        (binding_.description, binding_.action, f"{name} tab"), []
                    ).append(key_names(remapped))
        listed: dict[tuple[str, str], str] = {}  # a key that works everywhere is listed once
        for (words, _, where), keys in rows.items():
            listed.setdefault((" / ".join(keys), words), where)
        return [(keys, words, where) for (keys, words), where in listed.items()]

    # -- the palette ---------------------------------------------------------------------------

    def palette_entries(self) -> list[PaletteEntry]:
        """The actions (those read-only refuses say why when run), the loaded repositories and
        the listed uploads."""
        entries = []
        sources: list[tuple[Any, list[BindingType]]] = [(self, self.BINDINGS)]
        sources += [(pane, type(pane).BINDINGS) for _, pane in self._panes()]
        for owner, bindings in sources:
            for item in bindings:
                if not isinstance(item, Binding) or not item.description:
                    continue
                action, words = item.action, item.tooltip
                name = action_name(action)
                if not self.check_action(name, ()):
                    action, words = f"app.refuse('{name}')", consent.REFUSALS[name]
                run = partial(self.run_action, action, owner)
                entries.append(PaletteEntry(item.description, words, run))
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
                    f"{self.uploads.verdict_words(record)}, "
                    f"ECR holds {size(record.bytes_confirmed)}",
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
