"""Command palette entries: the console's actions, and its repositories and uploads by name.

The data comes from what the app already loaded off the UI thread; searching is in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from ecrtui.tui.app import EcrtuiApp


class ConsoleCommands(Provider):
    def _entries(self) -> list[tuple[str, str, Callable[[], Any]]]:
        app: EcrtuiApp = self.app  # type: ignore[assignment]
        entries: list[tuple[str, str, Callable[[], Any]]] = []
        for binding in app.BINDINGS:
            action = getattr(binding, "action", "")
            description = getattr(binding, "description", "")
            if description and app.check_action(action.split("(")[0], ()):
                entries.append(
                    (description, getattr(binding, "tooltip", ""), partial(app.run_action, action))
                )
        browser = app.query_one("#browser")
        for repository in getattr(browser, "repositories", []):
            name = repository["repositoryName"]
            entries.append(
                (f"repository {name}", "show its images", partial(app.show_repository, name))
            )
        table = app.query_one("#uploads")
        for record in getattr(table, "records", {}).values():
            entries.append(
                (
                    f"upload {record.upload_id[:8]} {record.repository}",
                    f"{record.state.value}, {record.bytes_confirmed} bytes held",
                    partial(app.show_upload, record.upload_id),
                )
            )
        return entries

    async def discover(self) -> Hits:
        for title, help_text, callback in self._entries():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
