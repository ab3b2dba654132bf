"""The console does not guess: each of the demo's six uploads shows its true verdict before any
action, with the evidence behind it and the next step, and the selection stays put."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.text import Text

from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.verdict import Kind

from .console_apps import console_app, demo_rows, running, select_upload, wait_for, write_journal

# situation in the demo seed -> (verdict, the words in the state column)
EXPECTED = {
    "ready": (Kind.COMPLETABLE, "complete-able"),
    "small-middle-part": (Kind.BLOCKED, "blocked"),
    "no-parts": (Kind.NEEDS_RESUME, "needs resume"),
    "digest-mismatch": (Kind.WILL_NOT_MATCH, "will not match"),
    "already-exists": (Kind.ALREADY_THERE, "already there"),
    "interrupted": (Kind.NEEDS_RESUME, "needs resume"),
}


def state_cell(table: UploadsTable, upload_id: str) -> str:
    value = table.get_cell(upload_id, "state")
    return value.plain if isinstance(value, Text) else str(value)


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


async def test_each_demo_upload_shows_its_true_verdict(
    endpoint_url: str, demo_registry: Any, journal_path: Path
) -> None:
    write_journal(journal_path, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal_path)
    async with running(app, (200, 60)) as pilot:
        pane = app.uploads
        table = pane.table
        already = demo_registry.upload("already-exists").upload_id
        await wait_for(pilot, lambda: already in pane.evidence, what="ECR's layer check")
        await pilot.pause()
        for situation, (kind, words) in EXPECTED.items():
            upload = demo_registry.upload(situation)
            verdict = pane.verdict_of(upload.upload_id)
            assert verdict is not None and verdict.kind is kind, situation
            assert state_cell(table, upload.upload_id) == words, situation
            expected_error = (
                None if situation in ("ready", "interrupted") else upload.expected_error
            )
            assert verdict.predicted_error == expected_error, situation

        worker = demo_registry.upload("small-middle-part")
        await select_upload(pilot, worker.upload_id)
        verdict = pane.verdict_of(worker.upload_id)
        assert verdict is not None
        assert verdict.summary == "blocked: part 2 is 1 MiB, under 5 MiB"
        assert "parts accepted: 6 MiB, 1 MiB, 2 MiB" in verdict.evidence
        assert "push the layer again" in verdict.next_step

        mismatch = pane.verdict_of(demo_registry.upload("digest-mismatch").upload_id)
        assert mismatch is not None
        assert any(line.startswith("the bytes sent hash to sha256:") for line in mismatch.evidence)


async def test_the_selection_stays_on_its_upload_when_the_list_changes(
    endpoint_url: str, demo_registry: Any, journal_path: Path
) -> None:
    write_journal(journal_path, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        table = app.uploads.table
        chosen = demo_registry.upload("digest-mismatch").upload_id
        await select_upload(pilot, chosen)
        row = table.cursor_row
        app.session.journal.update(app.session.journal.find(chosen).row_id, bytes_confirmed=7)  # type: ignore[union-attr]
        app.uploads.load_uploads()
        await wait_for(pilot, lambda: table.records[chosen].bytes_confirmed == 7, what="reload")
        assert table.selected is not None and table.selected.upload_id == chosen
        assert table.cursor_row == row  # a changed row does not move

        app.uploads.forget(chosen)
        await wait_for(pilot, lambda: chosen not in table.records, what="forgotten")
        assert table.cursor_row == row  # the neighbour takes its place
