"""The calls made for the selected upload, from the journal's history: ecrtui's own CloudTrail."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ecrtui.tui.text import plain_text
from ecrtui.tui.widgets.navigable_table import NavigableTable
from ecrtui.tui.widgets.uploads_table import ago
from ecrtui.uploads.call_words import asked, is_probe


class UploadCalls(NavigableTable):
    HELP = """
## Calls for this upload
Every call ecrtui made for the selected upload, newest first, from the journal's history: what
was asked (for a part, its byte range), what came back (ok, or the error code), how long it took,
and the request id to quote to AWS support. ECR's own record of these calls is in CloudTrail;
this one is on your disk. Blobs and credentials are never recorded.
"""

    def __init__(self, clock: Callable[[], float] = time.time, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self.clock = clock

    def on_mount(self) -> None:
        for label in ("when", "call", "asked", "outcome", "took", "request id"):
            self.add_column(label, key=label)
        self.border_title = "Calls for this upload"

    def show(self, upload_id: str | None, calls: list[dict[str, Any]]) -> None:
        self.clear()
        now = self.clock()
        for call in reversed(calls):
            operation = str(call.get("operation"))
            params = call.get("parameters", {})
            outcome = str(call.get("outcome"))
            probe = is_probe(operation, params)
            ok = outcome == "ok" or probe
            self.add_row(
                ago(now - float(call.get("at", now))),
                plain_text("probe" if probe else operation),
                plain_text(asked(operation, params)),
                plain_text(
                    "answered" if probe else outcome,
                    style="green" if ok else "bold red",
                ),
                f"{float(call.get('duration_ms', 0)):.0f} ms",
                plain_text(call.get("request_id") or ""),
            )
        short = upload_id[:8] if upload_id else ""
        self.border_title = (
            f"Calls for upload {short} ({len(calls)})" if upload_id else "Calls for this upload"
        )
