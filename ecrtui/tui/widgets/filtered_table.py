"""A table of thousands of rows (10,000 repositories, a long journal) that fills and filters at
the speed of typing.

DataTable's own `add_row` costs tens of microseconds a row (a reactive cursor update per row, then
a Rich measurement of every cell on idle): 10,000 rows take about a second, on every page and on
every keystroke of a filter. This table builds each row's DataTable bookkeeping once, when the row
arrives, measures its cells by their text's width, and shows a filtered view by handing DataTable
the prepared rows in one pass. Everything else (drawing only the visible lines, the cursor, the
messages, `get_cell`, `get_row_index`) is DataTable's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from rich.cells import cell_len
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.coordinate import Coordinate
from textual.widgets._data_table import ColumnKey, Row, RowKey
from typing_extensions import Self

from ecrtui.tui.widgets.navigable_table import NavigableTable


class TableRow(NamedTuple):
    """One row: its key, its cells (Rich Text, never markup), and what a filter searches."""

    key: str
    cells: Sequence[Text]
    text: str  # lower case


class _Prepared(NamedTuple):
    """What DataTable keeps of a row, made once."""

    row: TableRow
    key: RowKey
    meta: Row
    cells: dict[ColumnKey, Any]
    offset: tuple[RowKey, int]  # its one line, as DataTable's line index holds it


def cell_width(cell: Text) -> int:
    """The cell's width on screen, as DataTable's measurement would find it."""
    plain = cell.plain
    if plain.isascii() and plain.isprintable():
        return len(plain)  # one cell per character (most names, every word of ecrtui's)
    return max(cell_len(line) for line in plain.split("\n"))


class FilteredTable(NavigableTable):
    """Every row given (`set_rows`, `append_rows`), showing those whose text holds the filter."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.all_rows: list[TableRow] = []
        self.filter_text = ""
        self._prepared: dict[str, _Prepared] = {}
        self._shown: list[_Prepared] = []  # the rows the filter keeps, in order

    @property
    def total(self) -> int:
        """How many rows there are, shown or not."""
        return len(self.all_rows)

    # -- changing the rows -------------------------------------------------------------------

    def set_rows(self, rows: Iterable[TableRow], cursor_key: str | None = None) -> None:
        """These rows instead of the ones before; the cursor goes to `cursor_key` when it is
        shown, else stays on the same row number."""
        before, self._prepared = self._prepared, {}
        self.all_rows = self._prepare(rows, before)
        changed = any(before.get(row.key) is not self._prepared[row.key] for row in self.all_rows)
        self._show(cursor_key, cells_changed=changed or len(before) != len(self._prepared))

    def append_rows(self, rows: Iterable[TableRow]) -> None:
        """More rows at the end (the next page of a listing): the rows on screen stay as they
        are, cursor included, and DataTable learns only of the new ones the filter keeps."""
        added = self._prepare(rows)
        self.all_rows.extend(added)
        start = len(self._shown)
        kept = [self._prepared[row.key] for row in added if self.matches(row)]
        self._shown.extend(kept)
        for index, entry in enumerate(kept, start):
            self._data[entry.key] = entry.cells
            self.rows[entry.key] = entry.meta
            self._row_locations[entry.key] = index
        self._index_lines()
        if start == 0 and kept:
            self._highlight_cursor()  # a row under the cursor of an empty table, as add_row says
        self.refresh()

    def filter_rows(self, text: str) -> None:
        """Only the rows whose text holds `text` (case-insensitive), the cursor on the first."""
        self.filter_text = text.strip().lower()
        self._show(None, top=True)

    def update_column(self, column: str, cells: Mapping[str, Text]) -> None:
        """New cells for one column, by row key (relative times as of now); the cursor stays."""
        key = ColumnKey(column)
        found = self.columns.get(key)
        if found is None:
            return
        for row_key, cell in cells.items():
            entry = self._prepared.get(row_key)
            if entry is not None:
                entry.cells[key] = cell
                found.content_width = max(found.content_width, cell_width(cell))
        self._show(self._cursor_key(), cells_changed=True)

    def clear(self, columns: bool = False) -> Self:
        self.all_rows = []
        self._prepared = {}
        self._shown = []
        return super().clear(columns)

    def matches(self, row: TableRow) -> bool:
        return not self.filter_text or self.filter_text in row.text

    # -- DataTable's bookkeeping, in one pass --------------------------------------------------

    def _prepare(
        self, rows: Iterable[TableRow], before: Mapping[str, _Prepared] | None = None
    ) -> list[TableRow]:
        """Make DataTable's records of these rows (or take those made `before` for the very same
        row), and widen the columns to their cells; the rows new to the table (a key already
        there keeps its row)."""
        columns = self.ordered_columns
        keys = [column.key for column in columns]
        widths = [column.content_width for column in columns]
        new = []
        for row in rows:
            if row.key in self._prepared:
                continue
            new.append(row)
            made = before.get(row.key) if before else None
            if made is not None and made.row is row:
                self._prepared[row.key] = made
                continue
            key = RowKey(row.key)
            cells = dict(zip(keys, row.cells, strict=True))
            self._prepared[row.key] = _Prepared(row, key, Row(key, 1), cells, (key, 0))
            for index, cell in enumerate(row.cells):
                width = cell_width(cell)
                if width > widths[index]:
                    widths[index] = width
        for column, width in zip(columns, widths, strict=True):
            column.content_width = width
        return new

    def _cursor_key(self) -> str | None:
        if self.row_count == 0:
            return None
        key = self._row_locations.get_key(self.cursor_row)
        return None if key is None else key.value

    def _index_lines(self) -> None:
        """The row order and line index DataTable would build from its rows on the next frame,
        and the scrollable size."""
        shown = self._shown
        self._ordered_row_cache[(len(shown), self._update_count)] = [e.meta for e in shown]
        self._offset_cache[self._update_count] = [entry.offset for entry in shown]
        self._update_dimensions(())
        self.loading = False

    def _show(
        self, cursor_key: str | None, *, top: bool = False, cells_changed: bool = False
    ) -> None:
        """Hand DataTable the rows the filter keeps, as `clear` and `add_row` would leave them."""
        before = self._cursor_key()
        row_before = self.cursor_row
        rows = self.all_rows
        self._shown = [self._prepared[row.key] for row in rows if self.matches(row)]
        if cells_changed:
            self._clear_caches()
            self._update_count += 1
        else:
            # the same rows in other places: what is drawn per place goes, each cell's drawing
            # (keyed by its row, its row's style and the cursor) stays
            for cache in (
                self._row_render_cache,
                self._row_renderable_cache,
                self._line_cache,
                self._offset_cache,
                self._ordered_row_cache,
            ):
                cache.clear()
        shown = self._shown
        self._data = {entry.key: entry.cells for entry in shown}
        self.rows = {entry.key: entry.meta for entry in shown}
        self._row_locations = TwoWayDict({entry.key: index for index, entry in enumerate(shown)})
        self._index_lines()
        if top:
            row = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        elif cursor_key is not None and RowKey(cursor_key) in self._row_locations:
            row = self.get_row_index(cursor_key)
        else:
            row = min(row_before, max(len(shown) - 1, 0))
        self.cursor_coordinate = Coordinate(row, self.cursor_column)
        after = self._cursor_key()
        if after is not None and after != before and row == row_before:
            # the cursor stayed put but another row is under it: say so, as DataTable does when
            # a row appears under the cursor of an empty table
            self._highlight_cursor()
        self.refresh()
