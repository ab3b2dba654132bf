"""The Repositories tab: every repository page by page, the images of the highlighted one, and a
check of which layer digests a repository holds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.message import Message

from ecrtui.ecr.errors import EcrCallError
from ecrtui.tui.clipboard import copy_and_say
from ecrtui.tui.keys import binding
from ecrtui.tui.panes.pane import Pane
from ecrtui.tui.session import ConsoleSession
from ecrtui.tui.widgets.repository_browser import RepositoryBrowser

TIMES_REFRESH_SECONDS = 30.0  # "created 4 seconds ago" must not stay on screen for minutes
# A short first page puts rows on screen at once; the rest come in ECR's largest pages, since
# every DescribeRepositories costs a round trip (10,000 repositories: 10 calls, not 100).
FIRST_PAGE_SIZE = 100
PAGE_SIZE = 1000


@dataclass
class RepositoriesLoaded(Message):
    repositories: list[dict[str, Any]]
    next_token: str | None
    first_page: bool


@dataclass
class ImagesLoaded(Message):
    repository: str
    images: list[dict[str, Any]]


@dataclass
class LayersChecked(Message):
    repository: str
    result: dict[str, Any]


class RepositoriesPane(Pane):
    """The repository browser and the workers that fill it."""

    DEFAULT_CSS = """
    RepositoriesPane { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        binding("slash", "app.filter", "Filter", "Filter the repositories by name"),
        binding("ctrl+y,y", "copy", "Copy", "Copy the image digest, or the repository name"),
        binding("r", "app.refresh", "Refresh", "Reload the repositories (and the uploads)"),
    ]

    def __init__(
        self, session: ConsoleSession, clock: Callable[[], float] = time.time, **kwargs: Any
    ) -> None:
        super().__init__(session, **kwargs)
        self.clock = clock
        self._images_of: str | None = None

    def compose(self) -> ComposeResult:
        yield RepositoryBrowser(clock=self.clock, id="browser")

    def on_mount(self) -> None:
        self.set_interval(TIMES_REFRESH_SECONDS, self.browser.refresh_times, name="times")

    @property
    def browser(self) -> RepositoryBrowser:
        return self.query_one(RepositoryBrowser)

    # -- starting work ---------------------------------------------------------------------------

    def load_repositories(self) -> None:
        def work() -> None:
            token: str | None = None
            first = True
            while True:
                size = FIRST_PAGE_SIZE if first else PAGE_SIZE
                page, token = self.session.repositories(token, size)
                self.report(RepositoriesLoaded(page, token, first))
                first = False
                if not token:
                    return

        self.run_in_thread(work, group="repositories", doing="Loading the repositories")

    def stop_waiting(self) -> None:
        """Nothing will load (the console is not connected): no endless spinner."""
        self.browser.repositories_failed()

    def load_images(self, repository: str) -> None:
        self._images_of = repository

        def work() -> None:
            self.report(ImagesLoaded(repository, self.session.images(repository)))

        self.browser.images_loading()
        self.run_in_thread(work, group="images", doing=f"Loading the images of {repository}")

    def check_layers(self, repository: str, digests: list[str]) -> None:
        def work() -> None:
            result = self.session.check_layers(repository, digests)
            self.report(LayersChecked(repository, result))

        self.run_in_thread(work, group="layers", doing=f"Checking layers in {repository}")

    def restore(self, group: str, error: EcrCallError) -> bool:
        if group == "repositories":
            self.browser.repositories_failed()
        elif group == "images":
            self.browser.images_failed(self._images_of or "?")
        elif group == "layers":
            self.browser.show_layer_check_failed(error.code)
        return False

    # -- what the workers found ------------------------------------------------------------------

    def on_repositories_loaded(self, message: RepositoriesLoaded) -> None:
        self.browser.add_page(message.repositories, message.first_page, bool(message.next_token))

    def on_images_loaded(self, message: ImagesLoaded) -> None:
        self.browser.show_images(message.repository, message.images)

    def on_layers_checked(self, message: LayersChecked) -> None:
        self.browser.show_layer_check(message.result)

    @on(RepositoryBrowser.Selected)
    def _selected(self, message: RepositoryBrowser.Selected) -> None:
        self.load_images(message.name)

    @on(RepositoryBrowser.CheckLayers)
    def _check(self, message: RepositoryBrowser.CheckLayers) -> None:
        self.check_layers(message.repository, message.digests)

    def show(self, name: str) -> None:
        """This repository highlighted, with the filter cleared."""
        self.browser.clear_filter()
        self.browser.highlight(name)

    def action_copy(self) -> None:
        """The highlighted image's digest when the images have the focus, else the repository's
        name."""
        browser = self.browser
        images_focused = self.app.focused is not None and self.app.focused.id == "images"
        if images_focused and browser.selected_image_digest:
            copy_and_say(self.app, browser.selected_image_digest, "the image digest")
        elif browser.selected:
            copy_and_say(self.app, browser.selected, "the repository name")
        else:
            self.notify("No repository is selected: nothing to copy", severity="warning")
