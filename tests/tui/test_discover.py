"""Discover in the console: uploads "docker" left through the registry face are found in the
backend's CloudTrail, probed after consent, and listed with their source, client and the next
step for that client; a read-only console finds them without probing; Escape stops it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, DataTable, Select

from ecrtui.tui.screens import discover_screen
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.discover_screen import DiscoverScreen
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads import discovery
from tests.local.registry_helpers import MiB, registry_session, start_upload, upload_id_of

from .console_apps import console_app, details_text, running, select_upload, wait_for


@pytest.fixture(autouse=True)
def quick_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test backend does not throttle: no need to keep to 2 requests a second."""
    monkeypatch.setattr(discovery, "REQUESTS_PER_SECOND", 0.0)
    # only this test's uploads, not every upload the test session left in the last day
    monkeypatch.setattr(discover_screen, "LOOK_BACK", 60.0)


def left_by_docker(endpoint_url: str, ecr_client: Any, repository: str) -> tuple[str, str]:
    """An upload abandoned after a 6 MiB PATCH, and one whose 2 MiB middle chunk failed."""
    docker = registry_session(ecr_client)
    abandoned = start_upload(docker, endpoint_url, repository)
    assert docker.patch(abandoned, data=os.urandom(6 * MiB)).status_code == 201
    failed = start_upload(docker, endpoint_url, repository)
    for size in (6 * MiB, 2 * MiB, 3 * MiB):
        assert docker.patch(failed, data=os.urandom(size)).status_code == 201
    refused = docker.put(failed, params={"digest": "sha256:" + "0" * 64})
    assert refused.status_code == 400  # LayerPartTooSmall: checked before the digest
    return upload_id_of(abandoned), upload_id_of(failed)


async def test_discover_probes_after_consent_and_lists_what_docker_left(
    endpoint_url: str, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    abandoned, failed = left_by_docker(endpoint_url, ecr_client, repository)
    app = console_app(endpoint_url, tmp_path / "journal.sqlite3")
    async with running(app, (120, 36)) as pilot:
        assert "D to discover" in details_text(app)  # the empty journal offers it
        await pilot.press("D")
        screen = app.screen
        assert isinstance(screen, DiscoverScreen)
        await wait_for(pilot, lambda: screen.stage == "found", timeout=60, what="the findings")
        found = {u.upload_id: u for u in screen.findings.uploads}  # type: ignore[union-attr]
        assert found[abandoned].client == "docker 27.3.1"
        assert found[failed].last_error_code == "LayerPartTooSmallException"
        assert screen.query_one("#discover-found", DataTable).row_count >= 2
        await pilot.click("#discover-add")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="consent")
        assert app.focused is app.screen.query_one("#confirm-cancel")  # Cancel is the default
        await pilot.press("y")
        table = app.query_one(UploadsTable)
        await wait_for(pilot, lambda: {abandoned, failed} <= set(table.records), timeout=90)
        assert str(table.get_cell(abandoned, "source")) == "docker"
        assert table.records[abandoned].bytes_confirmed == 6 * MiB
        assert table.records[failed].bytes_confirmed == 11 * MiB

        await select_upload(pilot, failed)
        shown = details_text(app)
        assert "set its chunk size to 5 MiB or more, then push again" in shown
        assert "found in CloudTrail: docker 27.3.1" in shown and " at 20" in shown
        await select_upload(pilot, abandoned)
        assert "push again; ECR does not keep partial layers" in details_text(app)

        # again: the journal has them now, so they are known and not probed twice
        await pilot.press("D")
        screen = app.screen
        assert isinstance(screen, DiscoverScreen)
        await wait_for(pilot, lambda: screen.stage == "found", timeout=60, what="the findings")
        assert not {abandoned, failed} & {u.upload_id for u in screen.new}
        ids = [str(row[1]) for row in map(screen.query_one(DataTable).get_row_at, range(2))]
        assert f"{abandoned[:8]} known" in ids or f"{failed[:8]} known" in ids

        # a longer look back reads CloudTrail again
        screen.query_one("#discover-since", Select).value = 7 * 24 * 3600.0
        await wait_for(
            pilot, lambda: screen._run == 2 and screen.stage == "found", timeout=60, what="again"
        )
        assert {abandoned, failed} <= {u.upload_id for u in screen.findings.uploads}  # type: ignore[union-attr]


async def test_a_read_only_console_discovers_without_probing(
    endpoint_url: str, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    left_by_docker(endpoint_url, ecr_client, repository)
    app = console_app(endpoint_url, tmp_path / "journal.sqlite3", read_only=True)
    async with running(app, (120, 36)) as pilot:
        await pilot.press("D")
        screen = app.screen
        assert isinstance(screen, DiscoverScreen)
        await wait_for(pilot, lambda: screen.stage == "found", timeout=60, what="the findings")
        assert screen.query_one("#discover-add", Button).disabled
        notes = str(screen.query_one("#discover-notes").render())
        assert "read-only: the uploads are not probed" in notes
        await pilot.press("escape")
        assert not isinstance(app.screen, DiscoverScreen)
        assert app.session.journal.uploads(include_finished=True) == []


async def test_escape_stops_a_discovery(
    endpoint_url: str, repository: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = console_app(endpoint_url, tmp_path / "journal.sqlite3")
    async with running(app, (120, 36)) as pilot:
        import threading

        release = threading.Event()
        real = app.session.find_in_cloudtrail

        def slow(since: float, cancel: Any = None, on_page: Any = None) -> Any:
            release.wait(10)  # the first page is slow: Escape comes while it is read
            return real(since, cancel, on_page)

        monkeypatch.setattr(app.session, "find_in_cloudtrail", slow)
        await pilot.press("D")
        assert isinstance(app.screen, DiscoverScreen)
        await pilot.press("escape")
        assert "Stopping" in str(app.screen.query_one("#discover-status").render())
        release.set()
        await wait_for(pilot, lambda: not isinstance(app.screen, DiscoverScreen), timeout=30)


class FixedFindings:
    """A session whose CloudTrail holds two uploads docker left (fixed, for a picture)."""

    def find_in_cloudtrail(self, since: float, cancel: Any = None, on_page: Any = None) -> Any:
        import time

        from ecrtui.uploads.discovery import Findings, FoundUpload

        started = time.mktime((2026, 11, 29, 6, 31, 0, 0, 0, -1))
        docker = "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0 os/linux"
        uploads = [
            FoundUpload(
                "ml/inference", "751547e7-ac21-4773-90d6-7c5b0770305f", None,
                "arn:aws:iam::123456789012:user/ci", "docker 27.3.1", docker, started,
                started + 9, parts=3, bytes_sent=11 * MiB,
                last_error_code="LayerPartTooSmallException",
                last_error_message="All layer parts except the last part should be at least 5MB",
            ),
            FoundUpload(
                "platform/otel-collector", None, None, "arn:aws:iam::123456789012:user/ci",
                "docker 27.3.1", docker, started + 60, started + 61, parts=1,
                bytes_sent=7 * MiB, id_from="nowhere",
            ),
        ]  # fmt: skip
        return Findings(uploads, events_read=9, requests=3, newest_event_at=started + 61)

    def known_uploads(self, findings: Any) -> set[str]:
        return set()

    def journal_findings(self, findings: Any) -> int:
        return 1


def test_snapshot_discover(snap_compare: Any) -> None:
    from .screen_apps import ScreenHost

    app = ScreenHost(
        lambda: DiscoverScreen(FixedFindings(), lambda f, then: then(), read_only=False)  # type: ignore[arg-type]
    )

    async def run_before(pilot: Any) -> None:
        await wait_for(pilot, lambda: getattr(app.screen, "stage", "") == "found")

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
