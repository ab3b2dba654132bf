"""The whole console, driven by its keys, against the local backend (LIVE mode, not --demo).

Each flow asserts what the operator would see (widget state, notifications) and what the app's
workers posted (`run_test(message_hook=...)`).
"""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any, TypeVar

import pyperclip
import pytest
from botocore.exceptions import ClientError
from rich.text import Text
from textual import events
from textual.command import CommandList, CommandPalette
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import (
    Button,
    DataTable,
    Footer,
    Input,
    Markdown,
    OptionList,
    ProgressBar,
    TabbedContent,
    TextArea,
)
from textual.widgets._footer import FooterKey

from ecrtui.ecr.hints import hint_for
from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.messages import Connected
from ecrtui.tui.panes.complete_pane import CompletionAnswered
from ecrtui.tui.panes.repositories_pane import RepositoriesLoaded
from ecrtui.tui.panes.uploads_pane import (
    EvidenceFound,
    ProbeFinished,
    UploadsJudged,
    UploadsLoaded,
)
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.help_screen import HelpScreen
from ecrtui.tui.screens.history_screen import HistoryScreen
from ecrtui.tui.screens.push_screen import PushCancelled, PushLayerScreen, PushProgress
from ecrtui.tui.screens.text_screen import TextScreen
from ecrtui.tui.screens.track_screen import TrackUploadScreen
from ecrtui.tui.session import Identity
from ecrtui.tui.widgets.complete_form import CompleteLayerForm
from ecrtui.tui.widgets.repository_browser import RepositoryBrowser
from ecrtui.tui.widgets.response_panel import ResponsePanel
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.journal import Origin, UploadState

from .calls import sent_by_operator
from .console_apps import (
    ACCOUNT,
    REGION,
    Layer,
    MiB,
    Row,
    bar_text,
    console_app,
    demo_rows,
    gate_pushes,
    notifications,
    running,
    select_upload,
    start_upload,
    until_connected,
    wait_for,
    write_journal,
    write_layer,
)

M = TypeVar("M", bound=Message)
# Members of an error response that are not fields of the error shape.
_NOT_FIELDS = {"Error", "ResponseMetadata", "message", "Message"}


def held(app: Any, upload_id: str) -> str:
    """What the table says ECR holds, with its unit ("5.0/30.0 MiB" -> "5.0 MiB")."""
    text = str(cell(app, upload_id, "held"))
    part, _, total = text.partition("/")
    if total and " " not in part:
        part = f"{part} {total.split(' ')[-1]}"
    return part


def received(seen: list[Message], kind: type[M]) -> list[M]:
    """The messages of this kind, once each (the hook sees a message at every node it reaches)."""
    return list({id(m): m for m in seen if isinstance(m, kind)}.values())


def cell(app: EcrtuiApp, upload_id: str, column: str) -> str:
    value = app.query_one(UploadsTable).get_cell(upload_id, column)
    return value.plain if isinstance(value, Text) else str(value)


def field_value(app: EcrtuiApp, field_id: str) -> str:
    return app.query_one(f"#{field_id}", Input).value


def field_error(app: EcrtuiApp, field_id: str) -> str:
    """The problems shown under a form field; "" when its error label is hidden."""
    label = app.query_one(f"#{field_id}-error")
    return str(label.render()) if label.has_class("-shown") else ""


def hold_connect(app: EcrtuiApp) -> threading.Event:
    """Keep the connect worker waiting until the returned event is set."""
    release = threading.Event()
    connect = app.session.connect

    def held() -> Any:
        release.wait(timeout=20)
        return connect()

    app.session.connect = held  # type: ignore[method-assign]
    return release


async def confirm_and_send(pilot: Pilot[Any]) -> tuple[str, dict[str, Any]]:
    """Enter on the focused Complete button, then y on the confirmation (o, the override, when
    the upload's verdict predicts ECR's refusal: these flows want ECR's answer); what the
    confirmation showed: the target lines and the request."""
    app = pilot.app
    complete = app.query_one("#complete", Button)
    await wait_for(pilot, lambda: app.focused is complete, timeout=5, what="Complete focused")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, what="confirm")
    confirm = app.screen
    assert isinstance(confirm, ConfirmScreen)
    target = str(confirm.query_one("#confirm-target").render())
    request = json.loads(confirm.query_one("#confirm-request", TextArea).text)
    await pilot.press("o" if confirm.needs_override else "y")
    panel = app.query_one(ResponsePanel)
    await wait_for(
        pilot,
        lambda: panel.has_class("-success") or panel.has_class("-error"),
        what="the response",
    )
    return target, request


async def send_when_asked(pilot: Pilot[Any]) -> None:
    """The console asks before it sends (LIVE mode): y on the confirmation."""
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, what="confirm")
    await pilot.press("y")


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "journal.sqlite3"


@pytest.fixture
def ready_layer(ecr_client: Any, repository: str, tmp_path: Path) -> Layer:
    """An upload of ours that ECR holds every byte of: ready to complete."""
    return start_upload(ecr_client, repository, tmp_path, 2 * MiB + 123, seed=2)


# -- 1. startup ------------------------------------------------------------------------------------


async def test_startup_draws_first_then_shows_the_live_target_uploads_and_repositories(
    endpoint_url: str, demo_registry: Any, ecr_client: Any, journal_path: Path
) -> None:
    rows = demo_rows(demo_registry)
    write_journal(journal_path, endpoint_url, rows)
    app = console_app(endpoint_url, journal_path)
    release = hold_connect(app)
    seen: list[Message] = []
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        # The first frame is up while connecting is still under way.
        assert bar_text(app) == " ecrtui connecting…"
        assert app.query_one(UploadsTable).loading
        assert app.identity is None and not received(seen, Connected)
        release.set()
        await until_connected(pilot)

        [connected] = received(seen, Connected)
        assert connected.identity == Identity(
            account=ACCOUNT,
            arn=f"arn:aws:sts::{ACCOUNT}:user/moto",
            region=REGION,
            endpoint=endpoint_url,
            profile=None,
            demo=False,
            read_only=False,
            endpoint_source="--endpoint-url",
        )
        bar = bar_text(app)
        assert bar.startswith(" ecrtui  LIVE  ")
        assert "DEMO" not in bar and "READ-ONLY" not in bar
        assert f"account {ACCOUNT} · {REGION} · {endpoint_url}" in bar

        table = app.query_one(UploadsTable)
        assert set(table.records) == {row.upload_id for row in rows}
        assert table.border_title == "Uploads (6)"
        ready = demo_registry.upload("ready")
        assert cell(app, ready.upload_id, "state") == "complete-able"
        assert cell(app, ready.upload_id, "percent") == "100%"
        assert cell(app, demo_registry.upload("interrupted").upload_id, "state") == "needs resume"
        assert held(app, demo_registry.upload("no-parts").upload_id) == "0 MiB"
        loaded = received(seen, UploadsLoaded)
        assert {r.upload_id for r in loaded[0].uploads} == set(table.records)

        browser = app.query_one(RepositoryBrowser)
        names = [repo["repositoryName"] for repo in browser.repositories]
        assert set(demo_registry.repositories) <= set(names)
        listed = ecr_client.describe_repositories(maxResults=1000)["repositories"]
        assert len(names) == len(listed)
        assert browser.query_one("#repositories", DataTable).border_title == (
            f"Repositories ({len(names)})"
        )
        pages = received(seen, RepositoriesLoaded)
        assert pages[0].first_page


async def test_the_uploads_are_judged_before_the_repositories_are_asked_for(
    endpoint_url: str, demo_registry: Any, journal_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The uploads tab, shown first, has the first round of calls to itself: its verdicts need
    the journal and ECR's layer checks, and the repositories wait for them (at most
    FIRST_ROUND_GRACE, long here, so that only the verdicts can start them)."""
    monkeypatch.setattr("ecrtui.tui.app.FIRST_ROUND_GRACE", 60.0)
    write_journal(journal_path, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal_path)
    asked: list[int] = []  # for each page of repositories: how many messages came before
    repositories = app.session.repositories

    def asking(*args: Any) -> Any:
        asked.append(len(seen))
        return repositories(*args)

    app.session.repositories = asking  # type: ignore[method-assign]
    seen: list[Message] = []
    async with running(app, (120, 36), seen) as pilot:
        await pilot.pause()
        kinds = [type(message) for message in seen]  # a message once per node it bubbles to
        assert len({id(message) for message in received(seen, UploadsJudged)}) == 1
        evidence = kinds.index(EvidenceFound)
        assert evidence < kinds.index(UploadsJudged) < kinds.index(RepositoriesLoaded)
        assert asked and kinds.index(UploadsJudged) < asked[0]  # the first page, asked after


async def test_showing_the_repositories_tab_asks_for_them_at_once(
    endpoint_url: str, demo_registry: Any, journal_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The operator need not wait for the uploads' verdicts to see the repositories."""
    monkeypatch.setattr("ecrtui.tui.app.FIRST_ROUND_GRACE", 60.0)
    write_journal(journal_path, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal_path)
    release = hold_connect(app)
    evidence = threading.Event()
    layer_evidence = app.session.layer_evidence

    def held_evidence(records: Any) -> Any:
        evidence.wait(20)  # ECR is slow to answer about the layers
        return layer_evidence(records)

    app.session.layer_evidence = held_evidence  # type: ignore[method-assign]
    seen: list[Message] = []
    async with app.run_test(size=(120, 36), message_hook=seen.append) as pilot:
        release.set()
        await wait_for(pilot, lambda: app.identity is not None, what="connecting")
        await pilot.press("3")
        await wait_for(pilot, lambda: bool(received(seen, RepositoriesLoaded)), what="repositories")
        assert not received(seen, EvidenceFound)
        evidence.set()
        await until_connected(pilot)
        await app.workers.wait_for_complete()


async def test_the_uploads_table_has_the_focus_once_loaded(
    endpoint_url: str, demo_registry: Any, journal_path: Path
) -> None:
    """Arrows and Enter should work on the uploads at once, without Tab first."""
    write_journal(journal_path, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        await pilot.pause()
        assert app.focused is app.query_one(UploadsTable)


# -- 2. complete a ready upload ----------------------------------------------------------------


async def test_complete_a_ready_upload_with_confirmation(
    endpoint_url: str, ready_layer: Layer, journal_path: Path
) -> None:
    other = Row(ready_layer.repository, str(uuid.uuid4()), UploadState.INTERRUPTED, 5 * MiB)
    write_journal(journal_path, endpoint_url, [ready_layer.row(), other])
    app = console_app(endpoint_url, journal_path)
    seen: list[Message] = []
    async with running(app, (120, 36), seen) as pilot:
        newest = app.query_one(UploadsTable).selected
        assert newest is not None and newest.upload_id == other.upload_id
        await select_upload(pilot, ready_layer.upload_id)
        await pilot.press("c")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "complete-tab"
        assert field_value(app, "registry-id") == ""
        assert field_value(app, "repository-name") == ready_layer.repository
        assert field_value(app, "upload-id") == ready_layer.upload_id
        assert field_value(app, "layer-digests") == ready_layer.digest
        request = {
            "repositoryName": ready_layer.repository,
            "uploadId": ready_layer.upload_id,
            "layerDigests": [ready_layer.digest],
        }
        assert app.query_one(CompleteLayerForm).request == request
        assert app.query_one("#registry-id", Input).placeholder == f"{ACCOUNT} (default)"

        target, sent = await confirm_and_send(pilot)
        assert sent == request
        assert target == f"endpoint {endpoint_url}\nregion {REGION}\naccount {ACCOUNT}"

        panel = app.query_one(ResponsePanel)
        assert panel.has_class("-success"), panel.shown_text
        response = json.loads(panel.shown_text)
        assert response["layerDigest"] == ready_layer.digest
        assert response["uploadId"] == ready_layer.upload_id
        assert response["repositoryName"] == ready_layer.repository
        assert str(panel.border_title).startswith("Response · CompleteLayerUpload · ")
        [finished] = received(seen, CompletionAnswered)
        assert finished.call.error is None and finished.call.parameters == request
        assert "CompleteLayerUpload succeeded" in notifications(app)

        record = app.session.journal.find(ready_layer.upload_id, endpoint=endpoint_url)
        assert record is not None and record.state is UploadState.COMPLETED
        assert record.final_response is not None
        assert record.final_response["layerDigest"] == ready_layer.digest
        table = app.query_one(UploadsTable)
        await wait_for(pilot, lambda: ready_layer.upload_id not in table.records, what="reload")
        await pilot.press("1")
        table.focus()
        await pilot.press("a")  # all uploads, finished ones too
        await wait_for(pilot, lambda: ready_layer.upload_id in table.records, what="show all")
        assert cell(app, ready_layer.upload_id, "state") == "completed"

        await pilot.press("h")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        options = history.query_one("#history-list", OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        # the completion (with its repository and upload id), and the console's own reads
        [sent] = [
            i for i, line in enumerate(lines) if line.split()[1:3] == ["CompleteLayerUpload", "ok"]
        ]
        assert lines[sent].endswith(f"{ready_layer.repository} {ready_layer.upload_id[:8]}")
        others = {line.split()[1] for i, line in enumerate(lines) if i != sent}
        assert others <= {"BatchCheckLayerAvailability", "DescribeRepositories", "DescribeImages"}
        options.highlighted = sent
        await pilot.press("enter")  # request and response, to read and copy
        shown = app.screen
        assert isinstance(shown, TextScreen)
        document = json.loads(shown.query_one(TextArea).text)
        assert document["request"] == request
        assert document["response"]["layerDigest"] == ready_layer.digest
        await pilot.press("escape", "escape")
        assert len(app.screen_stack) == 1


# -- 3. bad input ----------------------------------------------------------------------------------


async def test_each_bad_field_shows_its_problem_and_complete_is_disabled(
    endpoint_url: str, journal_path: Path
) -> None:
    app = console_app(endpoint_url, journal_path)
    seen: list[Message] = []
    async with running(app, (120, 36), seen) as pilot:
        await pilot.press("2")
        complete = app.query_one("#complete", Button)
        app.query_one("#repository-name", Input).focus()
        await pilot.press(*"Team/API")  # typed: checked at each key
        for field_id, pasted in [
            ("upload-id", "not-a-uuid"),
            ("layer-digests", "sha256:xyz md5:0f"),
        ]:
            await pilot.press("tab")
            assert app.focused is app.query_one(f"#{field_id}", Input)
            app.focused.post_message(events.Paste(pasted))
            await pilot.pause()
        for field_id, value in [
            ("repository-name", "Team/API"),
            ("upload-id", "not-a-uuid"),
            ("layer-digests", "sha256:xyz md5:0f"),
        ]:
            assert field_value(app, field_id) == value
        assert "repositoryName: 'Team/API' is not a repository name" in field_error(
            app, "repository-name"
        )
        assert "uploadId: 'not-a-uuid' is not an upload id" in field_error(app, "upload-id")
        digests = field_error(app, "layer-digests")
        assert "layerDigests[0]: 'sha256:xyz' is not a digest" in digests
        assert "layerDigests[1]: 'md5:0f' is not a digest" in digests
        assert field_error(app, "registry-id") == ""
        for field_id in ("repository-name", "upload-id", "layer-digests"):
            assert app.query_one(f"#{field_id}", Input).has_class("-invalid")
        assert complete.disabled

        await pilot.press("enter")  # in the digests field: every problem, nothing sent
        await pilot.pause()
        [invalid] = received(seen, CompleteLayerForm.Invalid)
        assert [p.field for p in invalid.problems] == [
            "repositoryName",
            "uploadId",
            "layerDigests[0]",
            "layerDigests[1]",
        ]
        panel = app.query_one(ResponsePanel)
        assert panel.has_class("-invalid")
        assert panel.border_title == "Not sent · CompleteLayerUpload · 4 problems"
        assert not isinstance(app.screen, ConfirmScreen)
        assert sent_by_operator(app.session.history) == []
        assert app.focused is app.query_one("#repository-name", Input)


# -- 4. service errors -----------------------------------------------------------------------------

ERRORS = [
    ("small-middle-part", "LayerPartTooSmallException"),
    ("no-parts", "EmptyUploadException"),
    ("digest-mismatch", "InvalidLayerException"),
    ("already-exists", "LayerAlreadyExistsException"),
    ("unknown-upload", "UploadNotFoundException"),
]


@pytest.mark.parametrize(("situation", "code"), ERRORS)
async def test_each_service_error_shows_code_message_and_next_step(
    endpoint_url: str,
    demo_registry: Any,
    raw_ecr_client: Any,
    journal_path: Path,
    situation: str,
    code: str,
) -> None:
    if situation == "unknown-upload":  # an id ECR never gave, in a repository that exists
        ready = demo_registry.upload("ready")
        row = Row(
            ready.repository,
            str(uuid.uuid4()),
            UploadState.READY,
            origin=Origin.TRACKED,
            local_digest=ready.file_digest,
        )
    else:
        stuck = demo_registry.upload(situation)
        [row] = [r for r in demo_rows(demo_registry) if r.upload_id == stuck.upload_id]
    assert row.local_digest is not None
    # What ECR answers now; a failed completion leaves the upload as it was.
    with pytest.raises(ClientError) as raised:
        raw_ecr_client.complete_layer_upload(
            repositoryName=row.repository, uploadId=row.upload_id, layerDigests=[row.local_digest]
        )
    answer = raised.value.response
    assert answer["Error"]["Code"] == code
    fields = {name: value for name, value in answer.items() if name not in _NOT_FIELDS}

    write_journal(journal_path, endpoint_url, [row])
    app = console_app(endpoint_url, journal_path)
    seen: list[Message] = []
    async with running(app, (120, 36), seen) as pilot:
        await select_upload(pilot, row.upload_id)
        await pilot.press("c")
        await confirm_and_send(pilot)
        panel = app.query_one(ResponsePanel)
        assert panel.has_class("-error"), panel.shown_text
        assert not panel.has_class("-success")
        assert str(panel.border_title).startswith("Error · CompleteLayerUpload · ")
        shown = panel.shown_text
        assert shown.startswith(f"{code}\n{answer['Error']['Message']}\n")
        assert "HTTP status: 400" in shown
        hint = hint_for(code, fields)
        assert hint
        assert f"Next step: {hint}" in shown.splitlines()
        assert json.loads(panel.copy_text or "")["code"] == code
        [finished] = received(seen, CompletionAnswered)
        assert finished.call.error is not None and finished.call.error.code == code
        assert f"CompleteLayerUpload: {code}" in notifications(app)
        record = app.session.journal.find(row.upload_id, endpoint=endpoint_url)
        assert record is not None and record.last_error_code == code
        hopeless = ("LayerPartTooSmallException", "EmptyUploadException")
        expected = UploadState.FAILED if code in hopeless else row.state
        if code == "LayerAlreadyExistsException":  # the layer is there: the upload's job is done
            expected = UploadState.COMPLETED
        if code == "UploadNotFoundException":
            expected = UploadState.EXPIRED
        assert record.state is expected


# -- 5. push, cancel, resume -----------------------------------------------------------------------


async def test_push_with_progress_cancel_then_resume(
    endpoint_url: str, repository: str, journal_path: Path, tmp_path: Path
) -> None:
    size = 30 * MiB
    layer, digest = write_layer(tmp_path / "big-layer.tar", size, seed=30)
    app = console_app(endpoint_url, journal_path)
    go_on = gate_pushes(app.session)
    seen: list[Message] = []
    async with running(app, (120, 36), seen) as pilot:
        await pilot.press("n")
        push = app.screen
        assert isinstance(push, PushLayerScreen)
        push.query_one("#push-file", Input).value = str(layer)
        push.query_one("#push-repository", Input).value = repository
        push.query_one("#push-part-size", Input).focus()
        await pilot.press(*"5MiB")
        start = push.query_one("#push-start", Button)
        await wait_for(pilot, lambda: not start.disabled, timeout=5, what="Start enabled")
        await pilot.press("ctrl+s")
        await send_when_asked(pilot)
        bar = push.query_one("#push-progress", ProgressBar)
        await wait_for(pilot, lambda: (bar.progress or 0) > 0, what="the first part")
        await pilot.press("escape")
        assert push.stage == "cancelling"
        go_on.set()
        await wait_for(pilot, lambda: push.stage != "cancelling", what="the cancel")
        assert push.stage == "cancelled"
        [cancelled] = received(seen, PushCancelled)
        assert cancelled.at_byte == 5 * MiB and cancelled.total == size
        upload_id = cancelled.upload_id
        assert upload_id is not None
        await pilot.press("escape")  # close: the uploads reload

        table = app.query_one(UploadsTable)
        await wait_for(pilot, lambda: upload_id in table.records, what="the interrupted row")
        assert cell(app, upload_id, "state") == "needs resume"
        assert held(app, upload_id) == "5.0 MiB"
        assert cell(app, upload_id, "percent") == "17%"

        await select_upload(pilot, upload_id)
        await pilot.press("u")
        await send_when_asked(pilot)
        resume = app.screen
        assert isinstance(resume, PushLayerScreen) and resume is not push
        assert not resume.query(Input)  # resume mode: no form, it starts at once
        await wait_for(pilot, lambda: resume.stage in ("done", "failed"), what="the resume")
        assert resume.stage == "done", str(resume.query_one("#push-status").render())
        assert digest in str(resume.query_one("#push-status").render())
        assert resume.result is not None and resume.result.digest == digest
        await pilot.press("escape")
        await wait_for(pilot, lambda: upload_id not in table.records, what="the completed row")
        record = app.session.journal.find(upload_id, endpoint=endpoint_url)
        assert record is not None and record.state is UploadState.COMPLETED
        assert record.final_response is not None
        assert record.final_response["layerDigest"] == digest
    phases = [m.progress.phase for m in received(seen, PushProgress)]
    assert "uploading" in phases and phases[-1] == "done"


# -- 6. probe and track ----------------------------------------------------------------------------


async def test_probe_a_row_and_track_an_upload_by_id(
    endpoint_url: str, ecr_client: Any, repository: str, journal_path: Path, tmp_path: Path
) -> None:
    # The journal says nothing was sent; ECR holds 6 MiB.
    mine = start_upload(ecr_client, repository, tmp_path, 8 * MiB, sent=6 * MiB, seed=6)
    write_journal(
        journal_path,
        endpoint_url,
        [Row(repository, mine.upload_id, UploadState.INITIATED, 0, source=mine.path)],
    )
    theirs = start_upload(ecr_client, repository, tmp_path, 6 * MiB, seed=7)
    app = console_app(endpoint_url, journal_path)
    seen: list[Message] = []
    async with running(app, (120, 36), seen) as pilot:
        table = app.query_one(UploadsTable)
        assert held(app, mine.upload_id) == "0 MiB"
        await select_upload(pilot, mine.upload_id)
        await pilot.press("p")
        await send_when_asked(pilot)
        await wait_for(pilot, lambda: bool(received(seen, ProbeFinished)), what="the probe")
        assert f"ECR holds 6.0 MiB of upload {mine.upload_id[:8]} in {repository}" in notifications(
            app
        )
        await wait_for(pilot, lambda: held(app, mine.upload_id) == "6.0 MiB", what="the new figure")

        await pilot.press("t")
        track = app.screen
        assert isinstance(track, TrackUploadScreen)
        # Pasted, as one would from another terminal.
        track.query_one("#track-repository", Input).post_message(events.Paste(repository))
        await pilot.press("tab")
        track.query_one("#track-upload-id", Input).post_message(events.Paste(theirs.upload_id))
        submit = track.query_one("#track-submit", Button)
        await wait_for(pilot, lambda: not submit.disabled, timeout=5, what="Track enabled")
        await pilot.press("enter")
        await send_when_asked(pilot)
        await wait_for(pilot, lambda: theirs.upload_id in table.records, what="the tracked row")
        record = table.records[theirs.upload_id]
        assert record.origin is Origin.TRACKED
        assert record.bytes_confirmed == 6 * MiB
        assert held(app, theirs.upload_id) == "6.0 MiB"
        assert cell(app, theirs.upload_id, "percent") == "?"  # the size of their file is unknown
        assert [m.record.upload_id for m in received(seen, ProbeFinished)] == [
            mine.upload_id,
            theirs.upload_id,
        ]


async def test_a_probe_that_finds_bytes_turns_an_initiated_row_interrupted(
    endpoint_url: str, ecr_client: Any, repository: str, journal_path: Path, tmp_path: Path
) -> None:
    """A row journaled as "initiated" (no part sent) of which ECR holds 6 MiB: after the probe
    the row should say what a newly tracked row with those bytes says ("interrupted", resume
    with u), not "initiated" with "no part sent yet" beside "ECR holds 6.0 MiB"."""
    mine = start_upload(ecr_client, repository, tmp_path, 8 * MiB, sent=6 * MiB, seed=8)
    write_journal(
        journal_path,
        endpoint_url,
        [Row(repository, mine.upload_id, UploadState.INITIATED, 0, source=mine.path)],
    )
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, mine.upload_id)
        await pilot.press("p")
        await send_when_asked(pilot)
        await wait_for(pilot, lambda: held(app, mine.upload_id) == "6.0 MiB", what="the probe")
        record = app.session.journal.find(mine.upload_id, endpoint=endpoint_url)
        assert record is not None and record.bytes_confirmed == 6 * MiB
        assert cell(app, mine.upload_id, "state") == "needs resume"
        assert record.state is UploadState.INTERRUPTED


# -- 7. read-only ----------------------------------------------------------------------------------


async def test_read_only_hides_and_refuses_every_change(
    endpoint_url: str, ready_layer: Layer, journal_path: Path
) -> None:
    write_journal(journal_path, endpoint_url, [ready_layer.row()])
    app = console_app(endpoint_url, journal_path, read_only=True)
    async with running(app, (120, 36)) as pilot:
        assert " READ-ONLY " in bar_text(app) and "LIVE" not in bar_text(app)
        assert app.check_action("resume", ()) is False
        assert app.check_action("push", ()) is False
        assert app.check_action("complete", ()) is True
        for sends_or_forgets in ("probe", "track", "forget"):
            assert app.check_action(sends_or_forgets, ()) is False
        footer = app.screen.query_one(Footer)
        await wait_for(pilot, lambda: bool(footer.query(FooterKey)), what="the footer's keys")
        shown = [key.description for key in footer.query(FooterKey)]
        assert "Complete" in shown and "Actions" in shown
        assert not {"Resume", "Push", "Probe", "Track", "Forget"} & set(shown)

        await select_upload(pilot, ready_layer.upload_id)
        for key in ("u", "n", "p", "t", "f"):
            await pilot.press(key)
            await pilot.pause()
            assert len(app.screen_stack) == 1, key  # no screen pushed
        await app.workers.wait_for_complete()
        kept = app.session.journal.find(ready_layer.upload_id, endpoint=endpoint_url)
        assert kept is not None and kept.state is UploadState.READY  # nothing forgotten
        assert [call["operation"] for call in app.session.calls(ready_layer.upload_id)] == []

        await pilot.press("c")
        await pilot.pause()
        form = app.query_one(CompleteLayerForm)
        assert form.problems == []  # a valid request, and still it cannot be sent
        button = app.query_one("#complete", Button)
        assert button.disabled and str(button.label) == "Complete (read-only)"
        app.query_one("#upload-id", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert "read-only" in field_error(app, "form")
        assert len(app.screen_stack) == 1
        assert sent_by_operator(app.session.history) == []

        app.query_one(UploadsTable).focus()
        await pilot.press("f1")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        keys = help_screen.query_one("#help-keys", DataTable)
        described = [keys.get_row_at(i)[1] for i in range(keys.row_count)]
        assert "Complete" in described and "Resume" not in described
        assert "Push layer" not in described


# -- 8. copy -------------------------------------------------------------------------------------


@pytest.fixture
def no_system_clipboard(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(text: str) -> None:
        raise pyperclip.PyperclipException("no clipboard mechanism")

    monkeypatch.setattr(pyperclip, "copy", refuse)


@pytest.mark.usefixtures("no_system_clipboard")
async def test_copy_upload_id_digest_response_and_aws_command(
    endpoint_url: str, ready_layer: Layer, journal_path: Path
) -> None:
    write_journal(journal_path, endpoint_url, [ready_layer.row()])
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, ready_layer.upload_id)
        await pilot.press("y")
        assert app.clipboard == ready_layer.upload_id
        assert "Copied the upload id to the terminal's clipboard (OSC 52)" in notifications(app)
        await pilot.press("d")
        assert app.clipboard == ready_layer.digest

        await pilot.press("c")
        await confirm_and_send(pilot)
        assert app.query_one(ResponsePanel).has_class("-success")
        await pilot.press("ctrl+y")  # on the Complete tab: the response
        assert json.loads(app.clipboard)["layerDigest"] == ready_layer.digest
        assert "Copied the response to the terminal's clipboard (OSC 52)" in notifications(app)

        await pilot.press("ctrl+o")
        command = app.clipboard
        assert command.startswith("aws ecr complete-layer-upload ")
        assert f"--repository-name {ready_layer.repository}" in command
        assert f"--upload-id {ready_layer.upload_id}" in command
        assert f"--layer-digests {ready_layer.digest}" in command
        assert f"--region {REGION}" in command


async def test_copy_uses_the_system_clipboard_when_there_is_one(
    endpoint_url: str, ready_layer: Layer, journal_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copied: list[str] = []
    monkeypatch.setattr(pyperclip, "copy", copied.append)
    write_journal(journal_path, endpoint_url, [ready_layer.row()])
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, ready_layer.upload_id)
        await pilot.press("y")
        assert copied == [ready_layer.upload_id]
        assert app.clipboard == ""
        assert "Copied the upload id to the system clipboard" in notifications(app)


@pytest.mark.usefixtures("no_system_clipboard")
async def test_copied_aws_command_goes_to_the_endpoint_the_console_uses(
    endpoint_url: str, ready_layer: Layer, journal_path: Path
) -> None:
    """`ecrtui --endpoint-url URL` (LIVE): the copied command must reach the same endpoint, or
    pasting it sends the request to AWS proper instead of the backend the console shows."""
    write_journal(journal_path, endpoint_url, [ready_layer.row()])
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        await select_upload(pilot, ready_layer.upload_id)
        await pilot.press("c", "ctrl+o")
        assert app.clipboard.startswith("aws ecr complete-layer-upload ")
        assert f"--endpoint-url {endpoint_url}" in app.clipboard


# -- 9. help and the command palette ---------------------------------------------------------------


async def test_f1_explains_the_uploads_table_and_the_palette_finds_a_repository(
    endpoint_url: str, demo_registry: Any, journal_path: Path
) -> None:
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        app.query_one(UploadsTable).focus()
        await pilot.press("f1")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        assert help_screen.query_one(Markdown).source == UploadsTable.HELP
        assert help_screen.query_one("#help-dialog").border_title == "Help · Uploads in flight"
        keys = help_screen.query_one("#help-keys", DataTable)
        rows = [tuple(keys.get_row_at(i)) for i in range(keys.row_count)]
        assert ("c", "Complete", "here") in rows
        assert ("ctrl+p", "Command palette", "everywhere") in rows
        assert ("y / ctrl+y", "Copy id", "here") in rows
        assert ("ctrl+q", "Quit", "everywhere") in rows
        assert ("ctrl+y", "Copy response", "Complete tab") in rows
        assert ("1 / f2", "Uploads tab", "everywhere") in rows
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)

        await pilot.press("ctrl+p")
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        await pilot.press(*"team/api")
        commands = palette.query_one(CommandList)

        def offered() -> list[str]:
            return [
                str(commands.get_option_at_index(i).prompt).splitlines()[0]
                for i in range(commands.option_count)
            ]

        await wait_for(pilot, lambda: "repository team/api" in offered(), what="the hit")
        index = offered().index("repository team/api")
        while (commands.highlighted or 0) < index:
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(TabbedContent).active == "repos-tab"
        assert app.query_one(RepositoryBrowser).selected == "team/api"


# -- 10. narrow and wide ---------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "narrow"), [((80, 24), True), ((200, 60), False)])
async def test_form_and_response_stack_on_a_narrow_terminal(
    endpoint_url: str, journal_path: Path, size: tuple[int, int], narrow: bool
) -> None:
    app = console_app(endpoint_url, journal_path)
    async with running(app, size) as pilot:
        await pilot.press("2")
        await pilot.pause()
        assert app.has_class("-narrow") is narrow
        form = app.query_one(CompleteLayerForm).region
        response = app.query_one(ResponsePanel).region
        assert form.width > 0 and response.width > 0 and response.height > 0
        if narrow:
            assert form.y < response.y and form.bottom <= response.y
            assert form.x == response.x
        else:
            assert form.y == response.y and form.right <= response.x


async def test_the_console_tracks_an_upload_a_registry_client_opened(
    endpoint_url: str, ecr_client: Any, repository: str, journal_path: Path
) -> None:
    """One store behind both faces: an upload docker opened through /v2/ is tracked by its id
    and shows the bytes its PATCH sent."""
    from tests.local.registry_helpers import registry_session, upload_id_of
    from tests.local.registry_helpers import start_upload as open_through_registry

    session = registry_session(ecr_client)
    location = open_through_registry(session, endpoint_url, repository)
    assert session.patch(location, data=b"\x01" * (6 * MiB)).status_code == 201
    upload_id = upload_id_of(location)
    app = console_app(endpoint_url, journal_path)
    async with running(app, (120, 36)) as pilot:
        await pilot.press("t")
        track = app.screen
        assert isinstance(track, TrackUploadScreen)
        track.query_one("#track-repository", Input).post_message(events.Paste(repository))
        await pilot.press("tab")
        track.query_one("#track-upload-id", Input).post_message(events.Paste(upload_id))
        submit = track.query_one("#track-submit", Button)
        await wait_for(pilot, lambda: not submit.disabled, timeout=5, what="Track enabled")
        await pilot.press("enter")
        await send_when_asked(pilot)
        table = app.query_one(UploadsTable)
        await wait_for(pilot, lambda: upload_id in table.records, what="the tracked row")
        assert held(app, upload_id) == "6.0 MiB"
