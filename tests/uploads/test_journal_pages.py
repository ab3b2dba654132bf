"""The journal read a page at a time: the same uploads as `uploads()`, in the same order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ecrtui.uploads.journal import Origin, UploadJournal, UploadState

STATES = [UploadState.INTERRUPTED, UploadState.COMPLETED, UploadState.READY, UploadState.FAILED]


def fill(path: Path, count: int) -> None:
    with UploadJournal(path) as journal:
        for index in range(count):
            journal.record(
                endpoint="http://127.0.0.1:1",
                region="us-east-1",
                repository=f"team/svc-{index % 7}",
                upload_id=f"u-{index:04d}",
                origin=Origin.PUSHED,
                state=STATES[index % len(STATES)],
            )
    with sqlite3.connect(path) as db:  # rows sharing a creation time are ordered by row id
        db.execute("UPDATE uploads SET created_at = 1000 + (row_id / 3)")
    db.close()


@pytest.mark.parametrize("include_finished", [False, True])
@pytest.mark.parametrize(("first", "size"), [(1, 1), (3, 7), (200, 2000), (50, 40)])
def test_pages_hold_the_uploads_in_order(
    tmp_path: Path, include_finished: bool, first: int, size: int
) -> None:
    path = tmp_path / "journal.sqlite3"
    fill(path, 101)
    with UploadJournal(path) as journal:
        whole = journal.uploads(include_finished=include_finished)
        pages = list(
            journal.upload_pages(
                include_finished=include_finished, page_size=size, first_page_size=first
            )
        )
    assert [record for page in pages for record in page] == whole
    assert len(whole) == (101 if include_finished else 51)
    assert len(pages[0]) == min(first, len(whole))
    assert all(len(page) <= size for page in pages[1:])


def test_an_empty_journal_has_no_pages(tmp_path: Path) -> None:
    with UploadJournal(tmp_path / "journal.sqlite3") as journal:
        assert list(journal.upload_pages()) == []
