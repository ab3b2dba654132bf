"""The filter above a long table (repositories, uploads): type to narrow the table, Enter or
Escape to go back to it with the text kept."""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.widgets import Input


class FilterInput(Input):
    """A filter for the table `table` (a selector among its siblings). With `hidden_when_empty`
    it takes no room until `/` opens it, and gives the room back when left empty."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "Leave the filter", show=False, id="filter.leave"),
    ]

    def __init__(self, table: str, *, hidden_when_empty: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.table = table
        self.hidden_when_empty = hidden_when_empty
        self.display = not hidden_when_empty

    def open(self) -> None:
        """Shown (if it was hidden) and focused."""
        self.display = True
        self.call_after_refresh(self.focus)

    def action_leave(self) -> None:
        if self.parent is not None:
            self.parent.query_one(self.table).focus()

    def on_blur(self, event: events.Blur) -> None:
        if self.hidden_when_empty and not self.value:
            self.display = False
