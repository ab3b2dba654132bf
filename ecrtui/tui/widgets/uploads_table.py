"""The uploads in flight, from the journal: what ECR holds of each, its state, its last activity."""

from __future__ import annotations

import datetime
import functools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import humanize
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate

from ecrtui.plain_text import shortened
from ecrtui.tui.text import plain_text
from ecrtui.tui.widgets.filtered_table import FilteredTable, TableRow, cell_width
from ecrtui.uploads.journal import Origin, UploadRecord, UploadState
from ecrtui.uploads.verdict import Kind, Verdict

STUCK_AFTER = 3600.0  # seconds without activity before an upload in flight counts as stuck

_STATE_STYLE = {
    UploadState.READY: "bold green",
    UploadState.INTERRUPTED: "yellow",
    UploadState.UPLOADING: "cyan",
    UploadState.INITIATED: "dim",
    UploadState.FAILED: "bold red",
    UploadState.EXPIRED: "red",
    UploadState.COMPLETED: "dim green",
    UploadState.FORGOTTEN: "dim",
}


_VERDICT_STYLE = {
    Kind.COMPLETABLE: "bold green",
    Kind.NEEDS_RESUME: "yellow",
    Kind.BLOCKED: "bold red",
    Kind.WILL_NOT_MATCH: "bold red",
    Kind.ALREADY_THERE: "cyan",
    Kind.EXPIRED: "red",
    Kind.COMPLETED: "dim green",
    Kind.FORGOTTEN: "dim",
    Kind.UNKNOWN: "magenta",
    Kind.PUSH_AGAIN: "yellow",
}


def verdict_style(verdict: Verdict) -> str:
    return _VERDICT_STYLE[verdict.kind]


def ago(seconds: float) -> str:
    return _ago(int(max(0.0, seconds)))  # whole seconds, as humanize counts them


@functools.lru_cache(maxsize=8192)
def _ago(seconds: int) -> str:
    return str(humanize.naturaltime(datetime.timedelta(seconds=seconds)))


def held_of_total(held: int, total: int | None) -> str:
    """'10.0 MiB' or, when the size is known, '10.0/14.0 MiB'."""
    if total is None:
        return str(humanize.naturalsize(held, binary=True))
    whole = str(humanize.naturalsize(total, binary=True))
    _, _, unit = whole.partition(" ")
    if held == 0:
        return f"0/{whole}"
    part = str(humanize.naturalsize(held, binary=True))
    held_number, _, held_unit = part.partition(" ")
    return f"{held_number}/{whole}" if held_unit == unit else f"{part}/{whole}"


_SOURCES = {
    Origin.PUSHED: "here",
    Origin.TRACKED: "tracked",
    Origin.DEMO: "demo",
}


def source_words(record: UploadRecord, long: bool = False) -> str:
    """Where the console learnt of the upload: 'here', 'tracked', 'demo', or for one found in
    CloudTrail the client that left it ('docker', or 'docker 27.3.1' where there is room)."""
    if record.origin is Origin.DISCOVERED:
        client = record.client or "CloudTrail"
        return client if long else client.split(" ")[0]
    return _SOURCES.get(record.origin, str(record.origin.value))


def ago_short(seconds: float) -> str:
    """'now', '42s ago', '3m ago', '5h ago', '2d ago': for narrow columns."""
    seconds = max(0.0, seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit} ago"
    return "now"


@dataclass
class _Made:
    """An upload's cells, what they were made from, and its row once the room is known."""

    source: tuple[Any, ...]
    cells: list[Text]
    widths: list[int]
    room: int = -1
    row: TableRow | None = None


class UploadsTable(FilteredTable):
    """One row per upload; the row key is the upload id. The filter (`/`) keeps the uploads whose
    repository, upload id or state holds its text."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "select_cursor",
            "Actions",
            id="upload.actions",
            tooltip="What can be done with this upload",
        ),
    ]

    HELP = """
## Uploads in flight
ECR cannot list uploads in progress, so ecrtui keeps its own journal: every upload it pushed,
every upload tracked by id (**t**), and in demo mode the seeded ones.

- **c** fill the completion form from the selected upload (digest included when known)
- **u** resume an interrupted upload from the byte ECR last accepted
- **p** probe: ask ECR how many bytes it holds, without changing the upload
- **f** forget the upload (in the journal only), **y** copy its id, **a** show finished ones too
- **/** filter the list by repository, upload id or state (Escape back to the list)
"""

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.clock = clock
        self.records: dict[str, UploadRecord] = {}
        self.verdicts: dict[str, Verdict] = {}
        self.full_ids = False  # whole upload ids, where there is room
        self.wide = False  # beside the details: less room than the terminal's width
        self.more_coming = False  # the journal is still being read
        # each upload's row as last made, with what it was made from: a reload of an unchanged
        # journal makes no row again
        self._made: dict[str, _Made] = {}

    # (key, label); the percentage only where there is room (held/size says it too)
    COLUMNS = (
        ("repository", "repository"),
        ("upload", "upload id"),
        ("held", "ECR holds/size"),
        ("percent", "%"),
        ("state", "state"),
        ("source", "source"),
        ("activity", "updated"),
    )
    NARROW = 100  # columns under which the table has no % column

    def on_mount(self) -> None:
        self._add_columns()
        self.loading = True

    def _keys(self) -> list[str]:
        narrow = (self.size.width or self.app.size.width or self.NARROW) < self.NARROW
        return [key for key, _ in self.COLUMNS if not (narrow and key == "percent")]

    def columns_fit(self) -> bool:
        """The columns shown are those the table's width calls for."""
        return [str(key.value) for key in self.columns] == self._keys()

    def _add_columns(self) -> None:
        keys = self._keys()
        for key, label in self.COLUMNS:
            if key in keys:
                self.add_column(label, key=key)

    def show(
        self,
        records: list[UploadRecord],
        verdicts: Mapping[str, Verdict] | None = None,
        *,
        more_coming: bool = False,
    ) -> None:
        """The rows, each with its verdict; the cursor stays on the same upload, or on the row
        that took its place when it left the list. `more_coming`: the journal is still being
        read, these are its newest uploads."""
        selected = self.selected.upload_id if self.selected else None
        if not self.columns_fit():
            self.clear(columns=True)
            self._add_columns()
        self.records = {record.upload_id: record for record in records}
        self.verdicts = dict(verdicts or {})
        self.more_coming = more_coming
        now = self.clock()
        short = not (self.app.size.width >= 120 and not self.wide)
        layout = (short, self.full_ids, tuple(self._keys()))
        made = [self._made_row(record, now, layout) for record in records]
        room = self._first_column_room([entry.widths for entry in made])
        rows = []
        for record, entry in zip(records, made, strict=True):
            if entry.row is None or entry.room != room:
                entry.room, entry.row = room, self._table_row(record, entry.cells, room)
            rows.append(entry.row)
        self._made = {record.upload_id: entry for record, entry in zip(records, made, strict=True)}
        self.set_rows(rows, cursor_key=selected)
        self.show_count()

    def on_resize(self) -> None:
        """The repository column takes the room the table has now: a table laid out after its
        rows were made (a busy start) fits them again."""
        if not self.records or not self._made:
            return
        room = self._first_column_room([entry.widths for entry in self._made.values()])
        if any(entry.room != room for entry in self._made.values()):
            self.show(list(self.records.values()), self.verdicts, more_coming=self.more_coming)

    def show_count(self) -> None:
        """ "Uploads (6)", "(2 of 6)" when filtered, "(200…)" while the journal is read."""
        total = f"{self.total:,}{'…' if self.more_coming else ''}"
        count = f"{self.row_count:,} of {total}" if self.filter_text else total
        self.border_title = f"Uploads ({count})"  # ecrtui's own words only

    def _made_row(self, record: UploadRecord, now: float, layout: tuple[Any, ...]) -> _Made:
        """The record's cells and their widths, made again only when what they show changed.
        `layout`: whether times are short, ids whole, and the columns shown."""
        idle = now - record.updated_at
        activity = ago_short(idle) if layout[0] else ago(idle)
        stuck = record.state.in_flight and idle > STUCK_AFTER
        verdict = self.verdicts.get(record.upload_id)
        source = (record, verdict, activity, stuck, layout)
        known = self._made.get(record.upload_id)
        if known is not None and known.source == source:
            return known
        keys = layout[2]
        cells = [
            cell if isinstance(cell, Text) else Text(cell)
            for (key, _), cell in zip(
                self.COLUMNS, self._cells(record, idle, activity), strict=True
            )
            if key in keys
        ]
        return _Made(source, cells, [cell_width(cell) for cell in cells])

    def _first_column_room(self, widths: list[list[int]]) -> int:
        """How wide the repository column can be with every other column on screen."""
        width = self.scrollable_content_region.width or self.app.size.width - 4
        padding = 2 * self.cell_padding
        others = 0
        for index, column in enumerate(list(self.columns.values())[1:], start=1):
            widest = max((row[index] for row in widths), default=0)
            others += max(widest, column.label.cell_len) + padding
        return max(12, width - others - padding)

    def _table_row(self, record: UploadRecord, cells: list[Text], room: int) -> TableRow:
        shown = [plain_text(shortened(record.repository, room)), *cells[1:]]
        state = self.verdicts[record.upload_id].words if record.upload_id in self.verdicts else ""
        text = f"{record.repository} {record.upload_id} {record.state.value} {state}".lower()
        return TableRow(record.upload_id, shown, text)

    def _cells(self, record: UploadRecord, idle: float, activity: str) -> list[Text | str]:
        verdict = self.verdicts.get(record.upload_id)
        if verdict is not None:
            state, style = verdict.words, verdict_style(verdict)
        else:
            state, style = record.state.value, _STATE_STYLE[record.state]
        if record.state.in_flight and idle > STUCK_AFTER:
            # stuck: said in words where there is room, in colour everywhere
            state = f"{state}, stuck" if self.full_ids else state
            style = "bold magenta"
        if verdict is None and record.state is UploadState.FAILED and record.last_error_code:
            state = f"failed: {record.last_error_code}"
        percent = record.percent
        return [
            plain_text(record.repository),
            plain_text(record.upload_id if self.full_ids else record.upload_id[:8], style="bold"),
            Text(held_of_total(record.bytes_confirmed, record.source_size), justify="right"),
            Text(f"{percent:.0f}%" if percent is not None else "?", justify="right"),
            plain_text(state, style=style),
            plain_text(source_words(record, long=self.full_ids), style="dim"),
            activity,
        ]

    @property
    def selected(self) -> UploadRecord | None:
        if not self.records or self.cursor_row < 0 or self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        return self.records.get(str(key))
