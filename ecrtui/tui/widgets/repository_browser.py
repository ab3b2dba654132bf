"""Repositories, filterable as you type, and the images of the selected one."""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable
from typing import Any

import humanize
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from ecrtui.plain_text import visible
from ecrtui.tui.text import plain, plain_text
from ecrtui.tui.widgets.filter_input import FilterInput
from ecrtui.tui.widgets.filtered_table import FilteredTable, TableRow
from ecrtui.tui.widgets.navigable_table import NavigableTable
from ecrtui.tui.widgets.uploads_table import ago

_EPOCH = datetime.datetime(1970, 1, 1)
_OFFSETS: dict[tuple[str, datetime.datetime], datetime.timedelta] = {}


def _timestamp(value: datetime.datetime) -> float:
    """`value.timestamp()`, asking the time zone its UTC offset once per hour of wall time:
    botocore dates carry dateutil's tzlocal, whose answer takes ~50 µs, and a list of thousands of
    dates would ask thousands of times."""
    zone = value.tzinfo
    if zone is None:
        return value.timestamp()
    wall = value.replace(tzinfo=None)
    hour = (repr(zone), wall.replace(minute=0, second=0, microsecond=0))
    offset = _OFFSETS.get(hour)
    if offset is None:
        if len(_OFFSETS) > 4096:
            _OFFSETS.clear()
        offset = _OFFSETS[hour] = value.utcoffset() or datetime.timedelta(0)
    return (wall - offset - _EPOCH).total_seconds()


def _when(value: Any, now: float) -> str:
    if isinstance(value, datetime.datetime):
        return ago(now - _timestamp(value))
    if isinstance(value, (int, float)):
        return ago(now - float(value))
    return "?"


@functools.lru_cache(maxsize=1024)
def _word(value: str) -> Text:
    """A cell most rows share ("mutable", "AES256", "2 hours ago"): one Text for all of them (the
    table draws cells, it never changes them)."""
    return plain_text(value)


def repository_row(repo: dict[str, Any], now: float) -> TableRow:
    """A repository as a row of the table: server text as text, never markup."""
    name = str(repo["repositoryName"])
    scanning = repo.get("imageScanningConfiguration", {}).get("scanOnPush")
    cells = (
        plain_text(name),
        _word(_when(repo.get("createdAt"), now)),
        _word(str(repo.get("imageTagMutability", "?")).lower()),
        _word("yes" if scanning else "no"),
        _word(str(repo.get("encryptionConfiguration", {}).get("encryptionType", "?"))),
    )
    return TableRow(name, cells, name.lower())


class RepositoryBrowser(Vertical):
    """A filter, the repositories table and the images of the highlighted repository."""

    DEFAULT_CSS = """
    RepositoryBrowser { height: 1fr; }
    RepositoryBrowser #repo-filter { margin: 0 0 0 0; }
    RepositoryBrowser #repositories { height: 1fr; min-height: 5; }
    RepositoryBrowser #images { height: 1fr; min-height: 5; }
    RepositoryBrowser #layer-check-result { height: auto; max-height: 8; padding: 0 1; }
    """

    HELP = """
## Repositories
Every repository of the registry, loaded page by page. Type in the filter (**/**) to narrow the
list; **r** reloads. The images of the highlighted repository appear below it, with their tags,
digest, size and push time; **y** copies the highlighted image's digest.
"""

    class CheckLayers(Message):
        """The operator asked which of these layer digests the repository holds."""

        def __init__(self, repository: str, digests: list[str]) -> None:
            super().__init__()
            self.repository = repository
            self.digests = digests

    class Selected(Message):
        """The operator highlighted a repository."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.name = name

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.repositories: list[dict[str, Any]] = []
        self.more_pages = False
        self.images: list[dict[str, Any]] = []

    def compose(self) -> ComposeResult:
        yield FilterInput("#repositories", placeholder="/ filter repositories…", id="repo-filter")
        yield FilteredTable(id="repositories", cursor_type="row", zebra_stripes=True)
        yield NavigableTable(id="images", cursor_type="row", zebra_stripes=True)
        yield Input(
            placeholder="check layer digests in this repository: sha256:… (Enter)",
            id="layer-check",
        )
        yield Static(id="layer-check-result")

    def on_mount(self) -> None:
        table = self.query_one("#repositories", DataTable)
        for label in ("name", "created", "tags", "scan on push", "encryption"):
            table.add_column(label, key=label)
        table.loading = True
        images = self.query_one("#images", DataTable)
        for label in ("tags", "digest", "size", "pushed"):
            images.add_column(label, key=label)
        images.border_title = "Images"

    @property
    def table(self) -> FilteredTable:
        return self.query_one("#repositories", FilteredTable)

    def add_page(self, repositories: list[dict[str, Any]], first: bool, more: bool) -> None:
        """A page of the listing: its rows go on screen at once, after those already there."""
        table = self.table
        now = self.clock()
        rows = [repository_row(repo, now) for repo in repositories]
        if first:
            self.repositories = list(repositories)
            table.set_rows(rows)
        else:
            self.repositories.extend(repositories)
            table.append_rows(rows)
        self.more_pages = more
        self._show_count()

    @property
    def filter_text(self) -> str:
        return self.query_one("#repo-filter", Input).value.strip().lower()

    @on(Input.Changed, "#repo-filter")
    def _filter_changed(self) -> None:
        self._refill()

    @on(Input.Submitted, "#repo-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        """Enter in the filter: on to the repositories it left."""
        event.stop()
        self.table.focus()

    def _refill(self) -> None:
        self.table.filter_rows(self.filter_text)
        self._show_count()

    def _show_count(self) -> None:
        """ "Repositories (3,200…)" while pages arrive, "(12 of 10,000)" when filtered."""
        table = self.table
        total = f"{table.total:,}{'…' if self.more_pages else ''}"
        count = f"{table.row_count:,} of {total}" if table.filter_text else total
        table.border_title = f"Repositories ({count})"

    def refresh_times(self) -> None:
        """Relative times ("5 minutes ago") as of now, without touching the cursor."""
        now = self.clock()
        created = {
            str(repo["repositoryName"]): _word(_when(repo.get("createdAt"), now))
            for repo in self.repositories
        }
        self.table.update_column("created", created)
        images = self.query_one("#images", DataTable)
        for image in self.images:
            if image["imageDigest"] in images.rows:
                images.update_cell(
                    image["imageDigest"], "pushed", _when(image.get("imagePushedAt"), now)
                )

    def clear_filter(self) -> None:
        self.query_one("#repo-filter", Input).value = ""

    def highlight(self, name: str) -> None:
        table = self.table
        self._refill()
        try:
            table.move_cursor(row=table.get_row_index(name))
        except Exception:  # not loaded (yet)
            return
        table.focus()

    @property
    def selected(self) -> str | None:
        table = self.query_one("#repositories", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)

    @on(DataTable.RowHighlighted, "#repositories")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.post_message(self.Selected(str(event.row_key.value)))

    def show_images(self, repository: str, images: list[dict[str, Any]]) -> None:
        table = self.query_one("#images", DataTable)
        table.loading = False
        table.clear()
        self.images = images
        now = self.clock()
        for image in images:
            table.add_row(
                plain_text(", ".join(image.get("imageTags", [])))
                if image.get("imageTags")
                else Text("<untagged>", style="dim"),
                plain_text(image["imageDigest"][:19] + "…"),
                humanize.naturalsize(image.get("imageSizeInBytes") or 0, binary=True),
                _when(image.get("imagePushedAt"), now),
                key=image["imageDigest"],
            )
        table.border_title = plain(f"Images of {repository} ({len(images)})")

    @on(Input.Submitted, "#layer-check")
    def _check_layers(self, event: Input.Submitted) -> None:
        event.stop()
        digests = event.value.replace(",", " ").split()
        if self.selected and digests:
            self.post_message(self.CheckLayers(self.selected, digests))

    def show_layer_check(self, result: dict[str, Any]) -> None:
        lines = Text()
        for layer in result.get("layers", []):
            size = humanize.naturalsize(layer.get("layerSize") or 0, binary=True)
            lines.append(visible(f"{layer.get('layerAvailability', '?'):<12}"), style="bold green")
            lines.append(visible(f" {layer.get('layerDigest', '?')}  {size}") + "\n")
        for failure in result.get("failures", []):
            lines.append(visible(f"{failure.get('failureCode', '?'):<12}"), style="bold red")
            reason = f" {failure.get('layerDigest', '?')}  {failure.get('failureReason', '')}"
            lines.append(visible(reason) + "\n")
        self.query_one("#layer-check-result", Static).update(lines)

    def show_layer_check_failed(self, error_code: str) -> None:
        """The check did not come back; the failure panel has the whole error."""
        line = Text.assemble(("check failed: ", "bold red"), visible(error_code))
        self.query_one("#layer-check-result", Static).update(line)

    def images_failed(self, repository: str) -> None:
        table = self.query_one("#images", DataTable)
        table.loading = False
        table.border_title = plain(f"Images of {repository} (could not be loaded)")

    def repositories_failed(self) -> None:
        table = self.table
        table.loading = False
        table.border_title = plain(f"Repositories ({len(self.repositories):,}; loading failed)")

    def images_loading(self) -> None:
        self.query_one("#images", DataTable).loading = True

    @property
    def selected_image_digest(self) -> str | None:
        table = self.query_one("#images", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value)
