"""Nothing is sent without consent, read-only means read-only, and a tracked upload resumes from a
file the operator names.

The console runs LIVE (not --demo) against the session's local backend, so every action that sends
asks first. Each test checks what the confirmation shows (the target, the exact request or the
calls planned), that Cancel has the focus and Enter leaves everything as it was (the journal's
calls for the upload and its row, what ECR holds), and that y sends.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot
from textual.widgets import Button, Input, TextArea

from ecrtui.tui import consent
from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.push_screen import PushLayerScreen
from ecrtui.tui.screens.track_screen import TrackUploadScreen
from ecrtui.tui.widgets.response_panel import ResponsePanel
from ecrtui.uploads.engine import PROBE_OFFSET
from ecrtui.uploads.journal import Origin, UploadJournal, UploadState

from ..local.helpers import data, sha256_digest, upload
from ..uploads.helpers import ecr_holds
from .console_apps import (
    ACCOUNT,
    REGION,
    Layer,
    MiB,
    Row,
    console_app,
    notifications,
    running,
    select_upload,
    start_upload,
    wait_for,
    write_journal,
    write_layer,
)

SIZE = (120, 36)
SENDING = {"InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload"}


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def ready(ecr_client: Any, repository: str, tmp_path: Path) -> Layer:
    """An upload of ours that ECR holds every byte of."""
    return start_upload(ecr_client, repository, tmp_path, 2 * MiB + 5, seed=51)


@pytest.fixture
def interrupted(ecr_client: Any, repository: str, tmp_path: Path) -> Layer:
    """An upload of ours that ECR holds 5 of 12 MiB of."""
    return start_upload(ecr_client, repository, tmp_path, 12 * MiB, sent=5 * MiB, seed=52)


async def asked(pilot: Pilot[Any]) -> ConfirmScreen:
    """The confirmation, opened with Cancel focused."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, what="confirm")
    confirm = app.screen
    assert isinstance(confirm, ConfirmScreen)
    await pilot.pause()
    assert app.focused is confirm.query_one("#confirm-cancel", Button)
    return confirm


def title(confirm: ConfirmScreen) -> str:
    return str(confirm.query_one("#confirm-dialog").border_title)


def target(confirm: ConfirmScreen) -> str:
    return str(confirm.query_one("#confirm-target").render())


def body(confirm: ConfirmScreen) -> str:
    """The request as JSON, or the calls a push or resume plans, as shown."""
    return confirm.query_one("#confirm-request", TextArea).text


def sent(app: EcrtuiApp, upload_id: str | None = None) -> list[dict[str, Any]]:
    """The calls that change uploads, from the journal's history (of one upload, or of all)."""
    return [call for call in app.session.journal.calls(upload_id) if call["operation"] in SENDING]


def expected_target(endpoint_url: str) -> str:
    return f"endpoint {endpoint_url}\nregion {REGION}\naccount {ACCOUNT}"


async def cancel_with_enter(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen), timeout=5)


# -- each action asks ---------------------------------------------------------------------------


async def test_complete_asks_and_enter_leaves_it_unsent(
    endpoint_url: str, ready: Layer, journal_path: Path
) -> None:
    write_journal(journal_path, endpoint_url, [ready.row()])
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        await select_upload(pilot, ready.upload_id)
        await pilot.press("c")
        complete = app.query_one("#complete", Button)
        await wait_for(pilot, lambda: app.focused is complete, timeout=5, what="Complete focused")
        await pilot.press("enter")
        confirm = await asked(pilot)
        assert title(confirm) == "Send CompleteLayerUpload?"
        assert target(confirm) == expected_target(endpoint_url)
        assert json.loads(body(confirm)) == {
            "repositoryName": ready.repository,
            "uploadId": ready.upload_id,
            "layerDigests": [ready.digest],
        }
        await cancel_with_enter(pilot)
        assert sent(app, ready.upload_id) == []
        row = app.session.journal.find(ready.upload_id, endpoint=endpoint_url)
        assert row is not None and row.state is UploadState.READY

        await wait_for(pilot, lambda: app.focused is complete, timeout=5, what="Complete again")
        await pilot.press("enter")
        await asked(pilot)
        await pilot.press("y")
        panel = app.query_one(ResponsePanel)
        await wait_for(pilot, lambda: panel.has_class("-success"), what="the response")
        assert [call["operation"] for call in sent(app, ready.upload_id)] == ["CompleteLayerUpload"]


async def test_push_asks_with_the_calls_it_will_make(
    endpoint_url: str, repository: str, journal_path: Path, tmp_path: Path
) -> None:
    layer, digest = write_layer(tmp_path / "layer.tar", 11 * MiB, seed=53)
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        await pilot.press("n")
        push = app.screen
        assert isinstance(push, PushLayerScreen)
        push.query_one("#push-file", Input).value = str(layer)
        push.query_one("#push-repository", Input).value = repository
        push.query_one("#push-part-size", Input).value = "5MiB"
        start = push.query_one("#push-start", Button)
        await wait_for(pilot, lambda: not start.disabled, timeout=5, what="Start enabled")
        await pilot.press("ctrl+s")
        confirm = await asked(pilot)
        assert title(confirm) == f"Push layer.tar to {repository}?"
        assert target(confirm) == expected_target(endpoint_url)
        from_file = '["digest: computed from the file"]'
        assert body(confirm).splitlines() == [
            f'1. BatchCheckLayerAvailability {{"repositoryName": "{repository}", '
            f'"layerDigests": {from_file}}}',
            "   only reads: if the repository already has the layer, nothing more is sent",
            f'2. InitiateLayerUpload {{"repositoryName": "{repository}"}}',
            "3. 3 \N{MULTIPLICATION SIGN} UploadLayerPart from byte 0",
            f"   parts of 5 MiB, the last 1.0 MiB: bytes 0-{11 * MiB - 1} of {layer} (11.0 MiB)",
            f'4. CompleteLayerUpload {{"repositoryName": "{repository}", '
            f'"uploadId": "(InitiateLayerUpload\'s answer)", "layerDigests": {from_file}}}',
        ]
        await cancel_with_enter(pilot)
        assert push.stage == "form"  # back to the form, nothing started
        assert sent(app) == []
        assert app.session.journal.uploads(include_finished=True) == []

        await pilot.press("ctrl+s")
        await asked(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: push.stage in ("done", "failed"), what="the push")
        assert push.stage == "done", str(push.query_one("#push-status").render())
        assert push.result is not None and push.result.digest == digest
        assert push.result.record is not None
        parts = sent(app, push.result.record.upload_id)
        assert [call["operation"] for call in parts] == [
            "InitiateLayerUpload",
            "UploadLayerPart",
            "UploadLayerPart",
            "UploadLayerPart",
            "CompleteLayerUpload",
        ]


async def test_resume_asks_with_the_calls_left(
    endpoint_url: str, interrupted: Layer, journal_path: Path, raw_ecr_client: Any
) -> None:
    write_journal(journal_path, endpoint_url, [interrupted.row()])
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        await select_upload(pilot, interrupted.upload_id)
        await pilot.press("u")
        confirm = await asked(pilot)
        upload_id, repository = interrupted.upload_id, interrupted.repository
        assert title(confirm) == f"Resume upload {upload_id}?"
        assert target(confirm) == expected_target(endpoint_url)
        where = f'"repositoryName": "{repository}", "uploadId": "{upload_id}"'
        assert body(confirm).splitlines() == [
            f'1. UploadLayerPart {{{where}, "partFirstByte": {PROBE_OFFSET}, '
            f'"partLastByte": {PROBE_OFFSET}, "layerPartBlob": "<0 bytes>"}}',
            "   the probe: ECR refuses it and says how many bytes it holds (nothing changes)",
            f"2. 1 \N{MULTIPLICATION SIGN} UploadLayerPart from byte {5 * MiB} "
            "(what ECR held when last asked; the probe decides)",
            f"   parts of 10 MiB: bytes {5 * MiB}-{12 * MiB - 1} of {interrupted.path} (7.0 MiB)",
            f'3. CompleteLayerUpload {{{where}, "layerDigests": ["{interrupted.digest}"]}}',
        ]
        assert "InitiateLayerUpload" not in body(confirm)
        await cancel_with_enter(pilot)
        assert len(app.screen_stack) == 1  # the resume was all that screen was for
        assert sent(app, upload_id) == []
        assert ecr_holds(raw_ecr_client, repository, upload_id) == 5 * MiB

        await pilot.press("u")
        await asked(pilot)
        await pilot.press("y")
        resume = app.screen
        assert isinstance(resume, PushLayerScreen)
        await wait_for(pilot, lambda: resume.stage in ("done", "failed"), what="the resume")
        assert resume.stage == "done", str(resume.query_one("#push-status").render())
        row = app.session.journal.find(upload_id, endpoint=endpoint_url)
        assert row is not None and row.state is UploadState.COMPLETED


def probe_body(repository: str, upload_id: str) -> dict[str, Any]:
    return {
        "repositoryName": repository,
        "uploadId": upload_id,
        "partFirstByte": 2**50,
        "partLastByte": 2**50,
        "layerPartBlob": "<0 bytes>",
    }


async def test_probe_asks_and_shows_the_part_ecr_will_refuse(
    endpoint_url: str, interrupted: Layer, journal_path: Path
) -> None:
    row = dataclasses.replace(interrupted.row(), bytes_confirmed=0, state=UploadState.INITIATED)
    write_journal(journal_path, endpoint_url, [row])
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        await select_upload(pilot, interrupted.upload_id)
        await pilot.press("p")
        confirm = await asked(pilot)
        assert title(confirm) == "Send UploadLayerPart (probe)?"
        assert target(confirm) == expected_target(endpoint_url)
        assert json.loads(body(confirm)) == probe_body(
            interrupted.repository, interrupted.upload_id
        )
        assert "The upload is not changed." in str(confirm.query_one("#confirm-note").render())
        await cancel_with_enter(pilot)
        assert sent(app, interrupted.upload_id) == []
        kept = app.session.journal.find(interrupted.upload_id, endpoint=endpoint_url)
        assert kept is not None and kept.bytes_confirmed == 0

        await pilot.press("p")
        await asked(pilot)
        await pilot.press("y")
        journal = app.session.journal

        def probed() -> bool:
            found = journal.find(interrupted.upload_id, endpoint=endpoint_url)
            return found is not None and found.bytes_confirmed == 5 * MiB

        await wait_for(pilot, probed, what="the probe")
        [probe] = sent(app, interrupted.upload_id)
        assert probe["parameters"]["partFirstByte"] == 2**50


async def test_track_asks_before_its_probe(
    endpoint_url: str, interrupted: Layer, journal_path: Path
) -> None:
    app = console_app(endpoint_url, journal_path)
    upload_id, repository = interrupted.upload_id, interrupted.repository

    async def fill_track() -> None:
        await pilot.press("t")
        track = app.screen
        assert isinstance(track, TrackUploadScreen)
        track.query_one("#track-repository", Input).post_message(events.Paste(repository))
        await pilot.press("tab")
        track.query_one("#track-upload-id", Input).post_message(events.Paste(upload_id))
        submit = track.query_one("#track-submit", Button)
        await wait_for(pilot, lambda: not submit.disabled, timeout=5, what="Track enabled")
        await pilot.press("enter")

    async with running(app, SIZE) as pilot:
        await fill_track()
        confirm = await asked(pilot)
        assert title(confirm) == "Send UploadLayerPart (track)?"
        assert target(confirm) == expected_target(endpoint_url)
        assert json.loads(body(confirm)) == probe_body(repository, upload_id)
        await cancel_with_enter(pilot)
        assert app.session.journal.find(upload_id) is None
        assert sent(app, upload_id) == []

        await fill_track()
        await asked(pilot)
        await pilot.press("y")
        journal = app.session.journal
        await wait_for(pilot, lambda: journal.find(upload_id) is not None, what="the tracked row")
        row = journal.find(upload_id)
        assert row is not None and row.origin is Origin.TRACKED
        assert row.bytes_confirmed == 5 * MiB


async def test_forget_asks_because_the_journal_may_be_the_only_record(
    endpoint_url: str, interrupted: Layer, journal_path: Path
) -> None:
    write_journal(journal_path, endpoint_url, [interrupted.row()])
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        await select_upload(pilot, interrupted.upload_id)
        await pilot.press("f")
        confirm = await asked(pilot)
        assert title(confirm) == f"Forget upload {interrupted.upload_id}?"
        assert target(confirm) == expected_target(endpoint_url)
        shown = json.loads(body(confirm))
        assert shown["uploadId"] == interrupted.upload_id
        assert shown["bytesHeldByEcr"] == 5 * MiB
        note = str(confirm.query_one("#confirm-note").render())
        assert "changes the journal only" in note and "only record of this upload id" in note
        await cancel_with_enter(pilot)
        row = app.session.journal.find(interrupted.upload_id, endpoint=endpoint_url)
        assert row is not None and row.state is UploadState.INTERRUPTED

        await pilot.press("f")
        await asked(pilot)
        await pilot.press("y")
        journal = app.session.journal

        def forgotten() -> bool:
            found = journal.find(interrupted.upload_id, endpoint=endpoint_url)
            return found is not None and found.state is UploadState.FORGOTTEN

        await wait_for(pilot, forgotten, what="the forgotten row")
        assert sent(app, interrupted.upload_id) == []  # ECR is not told


# -- read-only -----------------------------------------------------------------------------------


async def test_read_only_refuses_each_action_and_says_why(
    endpoint_url: str, interrupted: Layer, journal_path: Path, raw_ecr_client: Any
) -> None:
    write_journal(journal_path, endpoint_url, [interrupted.row()])
    app = console_app(endpoint_url, journal_path, read_only=True)
    async with running(app, SIZE) as pilot:
        await select_upload(pilot, interrupted.upload_id)
        for key, action in [
            ("u", "resume"),
            ("n", "push"),
            ("p", "probe"),
            ("t", "track"),
            ("f", "forget"),
        ]:
            app.clear_notifications()
            await pilot.press(key)
            await pilot.pause()
            assert len(app.screen_stack) == 1, key  # neither a screen nor a confirmation
            assert notifications(app) == [consent.REFUSALS[action]], key
        assert (
            consent.REFUSALS["probe"] == "read-only: ecrtui will not send UploadLayerPart (probe)"
        )

        # The palette lists them too, and running one says why.
        entries = {entry.title: entry for entry in app.palette_entries()}
        assert entries["Probe"].help == consent.REFUSALS["probe"]
        app.clear_notifications()
        await entries["Forget"].run()  # what the palette runs: the app's refuse action
        await pilot.pause()
        assert consent.REFUSALS["forget"] in notifications(app)

        # Completing: the form fills, and the form says it will not send.
        await pilot.press("c")
        await pilot.pause()
        app.query_one("#upload-id", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "read-only" in str(app.query_one("#form-error").render())
        assert len(app.screen_stack) == 1

        await app.workers.wait_for_complete()
        assert sent(app) == []
        row = app.session.journal.find(interrupted.upload_id, endpoint=endpoint_url)
        assert row is not None and row.state is UploadState.INTERRUPTED
        assert ecr_holds(raw_ecr_client, interrupted.repository, interrupted.upload_id) == 5 * MiB


# -- a completion ECR will refuse ---------------------------------------------------------------


def blocked_upload(
    ecr_client: Any, repository: str, journal_path: Path, endpoint_url: str, seed: int
) -> str:
    """An upload whose middle part is 1 MiB, journaled with its parts: ECR will refuse to complete
    it with LayerPartTooSmallException, and its verdict says so."""
    blob = data(9 * MiB, seed=seed)
    parts = [6 * MiB, 1 * MiB, 2 * MiB]
    upload_id = upload(ecr_client, repository, blob, parts)
    row = Row(repository, upload_id, UploadState.READY, 9 * MiB, local_digest=sha256_digest(blob))
    [record] = write_journal(journal_path, endpoint_url, [row])
    with UploadJournal(journal_path) as journal:
        journal.update(record.row_id, part_sizes=parts, sent_digest=sha256_digest(blob))
    return upload_id


async def test_a_blocked_completion_takes_the_override(
    endpoint_url: str, ecr_client: Any, repository: str, journal_path: Path
) -> None:
    """A middle part under 5 MiB: ECR will refuse, so y does not send; o (Send anyway) does."""
    upload_id = blocked_upload(ecr_client, repository, journal_path, endpoint_url, seed=54)
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        await select_upload(pilot, upload_id)
        await pilot.press("c")
        complete = app.query_one("#complete", Button)
        await wait_for(pilot, lambda: app.focused is complete, timeout=5, what="Complete focused")
        await pilot.press("enter")
        confirm = await asked(pilot)
        assert confirm.needs_override
        predicted = str(confirm.query_one("#confirm-predicted").render())
        assert predicted.startswith("ECR will answer LayerPartTooSmallException (")
        assert str(confirm.query_one("#confirm-send", Button).label) == "Send anyway (o)"
        await pilot.press("y")  # not enough
        await pilot.pause()
        assert app.screen is confirm
        assert any("o sends it anyway" in words for words in notifications(app))
        await cancel_with_enter(pilot)
        assert sent(app, upload_id) == []

        await wait_for(pilot, lambda: app.focused is complete, timeout=5, what="Complete again")
        await pilot.press("enter")
        await asked(pilot)
        await pilot.press("o")
        panel = app.query_one(ResponsePanel)
        await wait_for(pilot, lambda: panel.has_class("-error"), what="ECR's answer")
        assert panel.shown_text.startswith("LayerPartTooSmallException\n")
        assert [call["outcome"] for call in sent(app, upload_id)] == ["LayerPartTooSmallException"]


# -- demo mode ------------------------------------------------------------------------------------


def as_demo(app: EcrtuiApp) -> None:
    """Demo mode's consent rules on this LIVE app (demo mode proper starts a backend of its own,
    and the test session already runs one)."""
    app.options = dataclasses.replace(app.options, demo=True)
    app.session.options = app.options


async def test_demo_mode_does_not_ask_but_still_warns_of_a_refusal(
    endpoint_url: str, ecr_client: Any, repository: str, interrupted: Layer, journal_path: Path
) -> None:
    blocked_id = blocked_upload(ecr_client, repository, journal_path, endpoint_url, seed=55)
    write_journal(journal_path, endpoint_url, [interrupted.row()])
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        as_demo(app)
        await select_upload(pilot, interrupted.upload_id)
        await pilot.press("p")  # no confirmation: the probe goes at once
        await wait_for(pilot, lambda: len(sent(app, interrupted.upload_id)) == 1, what="probe")
        assert len(app.screen_stack) == 1

        await select_upload(pilot, blocked_id)
        await pilot.press("c")
        complete = app.query_one("#complete", Button)
        await wait_for(pilot, lambda: app.focused is complete, timeout=5, what="Complete focused")
        await pilot.press("enter")
        confirm = await asked(pilot)  # the prediction is the point, demo or not
        assert confirm.needs_override
        await cancel_with_enter(pilot)
        assert sent(app, blocked_id) == []


# -- a tracked upload, resumed from a file ---------------------------------------------------------


async def test_a_tracked_upload_resumes_from_a_checked_file(
    endpoint_url: str, ecr_client: Any, repository: str, journal_path: Path, tmp_path: Path
) -> None:
    size = 13 * MiB
    layer, digest = write_layer(tmp_path / "layer.tar", size, seed=56)
    upload_id = upload(ecr_client, repository, layer.read_bytes()[: 6 * MiB])
    row = Row(repository, upload_id, UploadState.INTERRUPTED, 6 * MiB, Origin.TRACKED)
    write_journal(journal_path, endpoint_url, [row])
    short, _ = write_layer(tmp_path / "short.tar", 5 * MiB, seed=56)
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        await select_upload(pilot, upload_id)
        await pilot.press("u")
        resume = app.screen
        assert isinstance(resume, PushLayerScreen)  # no confirmation yet: the file comes first
        field = resume.query_one("#push-file", Input)
        start = resume.query_one("#push-start", Button)
        assert start.disabled and resume.stage == "form"

        # A file shorter than what ECR holds: the probe finds out, nothing else is sent.
        field.value = str(short)
        await wait_for(pilot, lambda: not start.disabled, timeout=5, what="Start enabled")
        await pilot.press("ctrl+s")
        confirm = await asked(pilot)
        assert title(confirm) == f"Resume upload {upload_id}?"
        plan = body(confirm)
        assert "then the file is checked: at least the bytes ECR holds" in plan
        assert "the file holds 5.0 MiB, fewer than the 6.0 MiB ECR held" in plan
        await cancel_with_enter(pilot)
        assert resume.stage == "form" and sent(app, upload_id) == []
        await pilot.press("ctrl+s")
        await asked(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: resume.stage == "failed", what="the refusal")
        status = str(resume.query_one("#push-status").render())
        assert f"more than the file's {5 * MiB}" in status
        assert [call["parameters"]["partFirstByte"] for call in sent(app, upload_id)] == [2**50]
        kept = app.session.journal.find(upload_id, endpoint=endpoint_url)
        assert kept is not None and kept.source_path is None

        # The right file: checked, journaled as the upload's file, and the rest is sent.
        field.value = str(layer)
        await wait_for(pilot, lambda: not start.disabled, timeout=5, what="Start enabled")
        await pilot.press("ctrl+s")
        await asked(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: resume.stage in ("done", "failed"), what="the resume")
        assert resume.stage == "done", str(resume.query_one("#push-status").render())
        assert resume.result is not None and resume.result.digest == digest
        done = app.session.journal.find(upload_id, endpoint=endpoint_url)
        assert done is not None and done.state is UploadState.COMPLETED
        assert done.source_path == str(layer.resolve()) and done.local_digest == digest


async def test_a_file_that_is_not_the_layer_is_a_problem_and_nothing_is_sent(
    endpoint_url: str, ecr_client: Any, repository: str, journal_path: Path, tmp_path: Path
) -> None:
    layer, digest = write_layer(tmp_path / "layer.tar", 8 * MiB, seed=57)
    other, other_digest = write_layer(tmp_path / "other.tar", 8 * MiB, seed=58)
    upload_id = upload(ecr_client, repository, layer.read_bytes()[: 5 * MiB])
    row = Row(repository, upload_id, UploadState.INTERRUPTED, 5 * MiB, Origin.TRACKED)
    known = dataclasses.replace(row, local_digest=digest)  # the journal knows the digest
    write_journal(journal_path, endpoint_url, [known])
    app = console_app(endpoint_url, journal_path)
    async with running(app, SIZE) as pilot:
        await select_upload(pilot, upload_id)
        await pilot.press("u")
        resume = app.screen
        assert isinstance(resume, PushLayerScreen)
        resume.query_one("#push-file", Input).value = str(other)
        start = resume.query_one("#push-start", Button)
        await wait_for(pilot, lambda: not start.disabled, timeout=5, what="Start enabled")
        await pilot.press("ctrl+s")
        confirm = await asked(pilot)
        assert f"its sha256 must be the journal's {digest}" in body(confirm)
        await pilot.press("y")
        await wait_for(pilot, lambda: resume.stage == "failed", what="the refusal")
        status = str(resume.query_one("#push-status").render())
        assert f"hashes to {other_digest}, not to the layer's digest" in status
        assert [call["parameters"]["partFirstByte"] for call in sent(app, upload_id)] == [2**50]
        row_now = app.session.journal.find(upload_id, endpoint=endpoint_url)
        assert row_now is not None and row_now.source_path is None
        assert row_now.bytes_confirmed == 5 * MiB and row_now.state is UploadState.INTERRUPTED


def test_every_refusal_names_what_is_not_sent() -> None:
    assert set(consent.REFUSALS) == {"complete", "push", "resume", "probe", "track", "forget"}
    for action, words in consent.REFUSALS.items():
        assert words.startswith("read-only: ecrtui will not "), action
        assert f"({action}" in words or action == "track", action
