"""The uploads in flight, from the journal: what ECR holds of each, its state, its last activity."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable, Mapping
from typing import ClassVar

import humanize
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.coordinate import Coordinate

from ecrtui.plain_text import shortened
from ecrtui.tui.text import plain_text
from ecrtui.tui.widgets.navigable_table import NavigableTable
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
    return str(humanize.naturaltime(datetime.timedelta(seconds=max(0.0, seconds))))


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


class UploadsTable(NavigableTable):
    """One row per upload; the row key is the upload id."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Actions", tooltip="What can be done with this upload"),
    ]

    HELP = """
## Uploads in flight
ECR cannot list uploads in progress, so ecrtui keeps its own journal: every upload it pushed,
every upload tracked by id (**t**), and in demo mode the seeded ones.

- **c** fill the completion form from the selected upload (digest included when known)
- **u** resume an interrupted upload from the byte ECR last accepted
- **p** probe: ask ECR how many bytes it holds, without changing the upload
- **f** forget the upload (in the journal only), **y** copy its id, **a** show finished ones too
"""

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.clock = clock
        self.records: dict[str, UploadRecord] = {}
        self.verdicts: dict[str, Verdict] = {}
        self.full_ids = False  # whole upload ids, where there is room
        self.wide = False  # beside the details: less room than the terminal's width

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
        self, records: list[UploadRecord], verdicts: Mapping[str, Verdict] | None = None
    ) -> None:
        """The rows, each with its verdict; the cursor stays on the same upload, or on the row
        that took its place when it left the list."""
        selected = self.selected.upload_id if self.selected else None
        row_before = self.cursor_row
        self.loading = False
        rebuilt = not self.columns_fit()
        self.clear(columns=rebuilt)
        if rebuilt:
            self._add_columns()
        self.records = {record.upload_id: record for record in records}
        self.verdicts = dict(verdicts or {})
        keys = self._keys()
        rows = [
            [
                cell
                for (key, _), cell in zip(self.COLUMNS, self._cells(record), strict=True)
                if key in keys
            ]
            for record in records
        ]
        room = self.first_column_room(rows)
        for record, cells in zip(records, rows, strict=True):
            cells[0] = plain_text(shortened(record.repository, room))
            self.add_row(*cells, key=record.upload_id)
        if selected in self.records:
            self.move_cursor(row=self.get_row_index(selected))
        elif selected is not None and self.row_count:
            self.move_cursor(row=min(max(row_before, 0), self.row_count - 1))
        self.border_title = f"Uploads ({len(records)})"  # ecrtui's own words only

    def _cells(self, record: UploadRecord) -> list[Text | str]:
        now = self.clock()
        idle = now - record.updated_at
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
            ago(idle) if self.app.size.width >= 120 and not self.wide else ago_short(idle),
        ]

    @property
    def selected(self) -> UploadRecord | None:
        if not self.records or self.cursor_row < 0 or self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(Coordinate(self.cursor_row, 0)).row_key.value
        return self.records.get(str(key))
