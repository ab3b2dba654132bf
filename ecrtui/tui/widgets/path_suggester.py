"""Completing a file path as it is typed, from the entries of the folder typed so far."""

from __future__ import annotations

import asyncio
import os

from textual.suggester import Suggester


class PathSuggester(Suggester):
    """Completes a path from the entries of the folder typed so far (read off the UI thread)."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)


def complete_path(value: str, limit: int = 5000) -> str | None:
    """`value` completed by the folder's entries that start with what follows its last slash."""
    folder, slash, prefix = value.rpartition(os.sep)
    if not prefix:
        return None
    where = os.path.expanduser(folder + slash) if slash else "."
    names: list[tuple[str, bool]] = []
    try:
        with os.scandir(where) as entries:
            for count, entry in enumerate(entries):
                if count >= limit:
                    break
                if entry.name.startswith(prefix) and (prefix[0] == "." or entry.name[0] != "."):
                    names.append((entry.name, entry.is_dir()))
    except OSError:
        return None
    if not names:
        return None
    pool = sorted(entry for entry in names if len(entry[0]) > len(prefix)) or names
    common, last = pool[0][0], pool[-1][0]
    while not last.startswith(common):
        common = common[:-1]
    name, is_dir = pool[0] if len(pool) == 1 or len(common) <= len(prefix) else (common, False)
    completed = value + name[len(prefix) :] + (os.sep if is_dir else "")
    return completed if completed != value else None
