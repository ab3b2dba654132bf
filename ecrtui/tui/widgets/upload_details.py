"""What the journal knows of the selected upload, and what to do next."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ecrtui.plain_text import visible
from ecrtui.tui.text import plain_text
from ecrtui.tui.widgets.uploads_table import ago, verdict_style
from ecrtui.uploads.journal import UploadRecord, UploadState
from ecrtui.uploads.verdict import Verdict

# What the journal's state says, beside the verdict (which may contradict "every byte sent").
JOURNAL_WORDS = {
    UploadState.INITIATED: "initiated, no part sent",
    UploadState.UPLOADING: "sending parts",
    UploadState.INTERRUPTED: "interrupted",
    UploadState.READY: "every byte sent",
    UploadState.COMPLETED: "completed",
    UploadState.FAILED: "failed",
    UploadState.EXPIRED: "expired",
    UploadState.FORGOTTEN: "forgotten",
}


class UploadDetails(Static):
    DEFAULT_CSS = """
    UploadDetails {
        height: auto;
        max-height: 12;
        padding: 0 1;
    }
    """

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock

    def show_empty(self, read_only: bool = False, journal_problem: str | None = None) -> None:
        """No upload in the journal: why the list is empty, and how to fill it. When the journal
        cannot be opened, that comes first: the list is empty because it cannot be read."""
        words = Text()
        if journal_problem is not None and journal_problem != "is read-only":
            words.append(f"The journal {visible(journal_problem)}", style="bold red")
            words.append(
                ": the uploads it knows are not listed. Changes wait beside it until it can be "
                "written (see the warning for how to start a new one).\n"
            )
        else:
            words.append("No uploads in flight in ecrtui's journal.\n", style="bold")
        words.append(
            "ECR has no call that lists uploads in progress, so ecrtui lists the uploads it "
            "pushed and those tracked by their id."
        )
        words.append("\nPress ")
        if not read_only:
            words.append("t", style="bold")
            words.append(" to track an upload by its id, ")
            words.append("n", style="bold")
            words.append(" to push a layer from a file, or ")
        words.append("D", style="bold")
        words.append(" to discover the uploads other tools left in flight (CloudTrail).")
        self.update(words)

    def show(
        self, record: UploadRecord | None, verdict: Verdict | None = None, read_only: bool = False
    ) -> None:
        """The verdict and the next step first (they decide what to press), then the evidence
        behind the verdict, then the upload's facts."""
        if record is None:
            self.update(Text("Select an upload to see what ECR holds of it.", style="dim"))
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        step = verdict.step(read_only) if verdict is not None else None
        if verdict is not None:
            grid.add_row("verdict", plain_text(verdict.summary, style=verdict_style(verdict)))
        if step:
            grid.add_row("next step", plain_text(step, style="bold"))
        for number, line in enumerate(verdict.evidence if verdict is not None else ()):
            grid.add_row("evidence" if number == 0 else "", plain_text(line))
        if record.last_error_code:
            grid.add_row(
                "last error",
                plain_text(f"{record.last_error_code}: {record.last_error_message}", style="red"),
            )
        grid.add_row("upload id", plain_text(record.upload_id))
        where = f"  (registry {record.registry_id})" if record.registry_id else ""
        grid.add_row("repository", plain_text(record.repository + where))
        grid.add_row(
            "journal",
            f"{JOURNAL_WORDS[record.state]}, {record.origin.value}, "
            f"last activity {ago(self.clock() - record.updated_at)}",
        )
        if record.source_path:
            grid.add_row("file", plain_text(record.source_path))
        if record.local_digest:
            grid.add_row("digest", plain_text(record.local_digest))
        self.update(grid)
