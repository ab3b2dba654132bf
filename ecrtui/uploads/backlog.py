"""The journal's backlog: changes it could not take yet, kept until it can.

A change the journal cannot write (the disk is full, another process holds the write lock past
the busy timeout, the file is damaged, read-only, or cannot be opened) stays in memory, and is
appended to a backlog file next to the journal, `journal.sqlite3.backlog-<pid>-<nonce>`
(JSON lines, file mode 0600), one file per process. The journal writes its backlog before each
later change, and reads every backlog file when it opens: once a write succeeds, every change kept
is in the journal, in order, and the files are removed.

A change is a dict that JSON keeps as it is:

    {"op": "record", "key": [endpoint, region, upload_id], "values": {column: value}, "at": t}
    {"op": "update", "key": [...], "values": {...}, "at": t}
    {"op": "call", "values": {...}, "at": t}

Changes read from a file are marked `replayed`: they may be older than what another process
wrote since, so the journal applies them only to rows that did not change after them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

Change = dict[str, Any]


class Backlog:
    """The changes not yet in the journal, oldest first, and the files that keep them."""

    def __init__(self, journal_path: Path) -> None:
        self.journal_path = journal_path
        self.changes: list[Change] = []
        self._saved = 0  # how many of `changes` are in a file
        self._own: Path | None = None  # this process's backlog file, once written
        self._read: list[Path] = []  # other files whose changes are in `changes`

    def __len__(self) -> int:
        return len(self.changes)

    @property
    def pattern(self) -> str:
        """The names of the backlog files, as a shell glob next to the journal."""
        return f"{self.journal_path}.backlog-*"

    @property
    def saved(self) -> bool:
        return self._saved == len(self.changes)

    @property
    def where(self) -> str:
        """Where the backlog is kept, in words."""
        if self.saved and self._own is not None:
            return f"in {self._own}"
        if self.saved and self._read:
            return f"in {self._read[0]}"
        return "in memory only (lost when ecrtui ends)"

    def files(self) -> list[Path]:
        directory = self.journal_path.parent
        prefix = f"{self.journal_path.name}.backlog-"
        try:
            names = sorted(os.listdir(directory))
        except OSError:
            return []
        return [directory / name for name in names if name.startswith(prefix)]

    def load(self) -> list[str]:
        """Read every backlog file (oldest change first); the problems met, in words."""
        problems: list[str] = []
        loaded: list[Change] = []
        for path in self.files():
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except OSError as error:
                problems.append(f"cannot read {path}: {error.strerror}")
                continue
            for line in lines:
                try:
                    change = json.loads(line)
                except ValueError:
                    continue  # the last line of a process killed while writing it
                if isinstance(change, dict) and change.get("op") in ("record", "update", "call"):
                    loaded.append({**change, "replayed": True})
            self._read.append(path)
        loaded.sort(key=lambda change: float(change.get("at") or 0))
        self.changes[:0] = loaded
        self._saved += len(loaded)
        return problems

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def save(self) -> bool:
        """Append the changes not yet in a file to this process's file; False if it cannot."""
        if self.saved:
            return True
        if self._own is None:
            nonce = secrets.token_hex(4)
            self._own = self.journal_path.with_name(
                f"{self.journal_path.name}.backlog-{os.getpid()}-{nonce}"
            )
        text = "".join(
            json.dumps({k: v for k, v in change.items() if k != "replayed"}, default=str) + "\n"
            for change in self.changes[self._saved :]
        )
        try:
            descriptor = os.open(self._own, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(descriptor, text.encode("utf-8"))
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        except OSError:
            return False
        self._saved = len(self.changes)
        return True

    def clear(self) -> None:
        """Every change is in the journal now: forget them and remove their files."""
        for path in [*self._read, *([self._own] if self._own else [])]:
            with contextlib.suppress(OSError):
                path.unlink()
        self.changes.clear()
        self._saved = 0
        self._read.clear()
        self._own = None

    def describe(self) -> list[str]:
        """Each upload's latest change kept, in words, for a warning when they would be lost."""
        latest: dict[str, dict[str, Any]] = {}
        for change in self.changes:
            if change["op"] != "call":
                upload = str(change.get("key", [None, None, "?"])[2])
                latest.setdefault(upload, {}).update(change.get("values", {}))
        words = []
        for upload, values in latest.items():
            state, held = values.get("state"), values.get("bytes_confirmed")
            facts = [f"state {state}" if state else "", f"{held} bytes confirmed" if held else ""]
            words.append(f"upload {upload}: {', '.join(fact for fact in facts if fact) or 'seen'}")
        return words
