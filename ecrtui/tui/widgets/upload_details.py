"""What the journal knows of the selected upload, and what to do next."""

from __future__ import annotations

import time
from collections.abc import Callable

import humanize
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ecrtui.ecr.hints import hint_for
from ecrtui.tui.text import plain_text
from ecrtui.tui.widgets.uploads_table import ago
from ecrtui.uploads.journal import UploadRecord, UploadState

_NEXT_STEP = {
    UploadState.READY: "every byte is in: press c to complete it",
    UploadState.INTERRUPTED: "press u to resume from the byte ECR last accepted, or p to probe",
    UploadState.UPLOADING: "a push is sending parts; p shows what ECR holds",
    UploadState.INITIATED: "no part sent yet: press u to send the file, or c to see ECR's answer",
    UploadState.EXPIRED: "ECR no longer knows this upload: push the layer again (n)",
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

    def show(self, record: UploadRecord | None) -> None:
        if record is None:
            self.update(Text("Select an upload to see what ECR holds of it.", style="dim"))
            return
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        size = record.source_size
        held = humanize.naturalsize(record.bytes_confirmed, binary=True)
        of = f" of {humanize.naturalsize(size, binary=True)}" if size is not None else ""
        grid.add_row("upload id", plain_text(record.upload_id))
        grid.add_row(
            "repository",
            plain_text(
                record.repository
                + (f"  (registry {record.registry_id})" if record.registry_id else "")
            ),
        )
        grid.add_row(
            "ECR holds",
            f"{held}{of}  (bytes 0-{record.bytes_confirmed - 1})"
            if record.bytes_confirmed
            else f"nothing yet{of}",
        )
        grid.add_row(
            "state",
            f"{record.state.value}, {record.origin.value}, "
            f"last activity {ago(self.clock() - record.updated_at)}",
        )
        if record.source_path:
            grid.add_row("file", plain_text(record.source_path))
        if record.local_digest:
            grid.add_row("digest", plain_text(record.local_digest))
        if record.last_error_code:
            grid.add_row(
                "last error",
                plain_text(f"{record.last_error_code}: {record.last_error_message}", style="red"),
            )
            hint = hint_for(record.last_error_code)
            if hint:
                grid.add_row("next step", plain_text(hint, style="bold"))
        elif record.state in _NEXT_STEP:
            grid.add_row("next step", Text(_NEXT_STEP[record.state], style="bold"))
        self.update(grid)
