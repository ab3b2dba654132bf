"""A table that moves as operators' fingers expect: j/k, g/G and Home/End go to rows; and fits
its first column (a repository name) to the room the others leave."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class NavigableTable(DataTable[Any]):
    """A row-cursor DataTable with j/k for down/up and g/Home, G/End for the first/last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g,home", "scroll_top", "First row", show=False, id="table.first"),
        Binding("G,end", "scroll_bottom", "Last row", show=False, id="table.last"),
    ]

    def first_column_room(self, rows: list[list[Any]], width: int | None = None) -> int:
        """How wide the first column can be with every other column still on screen: inside
        `width`, or the table's own width once laid out (the terminal's, less borders, before)."""
        width = width or self.scrollable_content_region.width or self.app.size.width - 4
        padding = 2 * self.cell_padding
        others = 0
        for index, column in enumerate(list(self.columns.values())[1:], start=1):
            widest = max((Text(str(row[index])).cell_len for row in rows), default=0)
            others += max(widest, column.label.cell_len) + padding
        return max(12, width - others - padding)
