"""Command palette entries: the console's actions, and its repositories and uploads by name.

The palette reads typed `PaletteEntry` objects that the app offers (`palette_entries`), built from
what the panes already loaded off the UI thread; searching is in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.markup import escape

from ecrtui.plain_text import visible
from ecrtui.tui.text import plain


@dataclass(frozen=True)
class PaletteEntry:
    """One line of the palette: its title (may hold server text), a help line, and what it does."""

    title: str
    help: str
    run: Callable[[], Any]


@runtime_checkable
class OffersPaletteEntries(Protocol):
    def palette_entries(self) -> list[PaletteEntry]: ...


class ConsoleCommands(Provider):
    def _entries(self) -> list[PaletteEntry]:
        app = self.app
        return app.palette_entries() if isinstance(app, OffersPaletteEntries) else []

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(plain(entry.title), entry.run, help=_markup_free(entry.help))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for entry in self._entries():
            score = matcher.match(entry.title)
            if score > 0:
                shown = matcher.highlight(_markup_free(entry.title))
                yield Hit(score, shown, entry.run, text=entry.title, help=_markup_free(entry.help))


def _markup_free(text: str) -> str:
    """The palette reads help lines and highlighted titles as markup: escape it all."""
    return escape(visible(text))
