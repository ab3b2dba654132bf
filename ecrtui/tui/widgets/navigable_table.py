"""A table that moves as operators' fingers expect: j/k, g/G and Home/End go to rows."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class NavigableTable(DataTable[Any]):
    """A row-cursor DataTable with j/k for down/up and g/Home, G/End for the first/last row."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "scroll_top", "First row", show=False),
        Binding("G,end", "scroll_bottom", "Last row", show=False),
    ]
