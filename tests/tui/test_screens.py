"""Pilot and snapshot tests of the modal screens; the push screen pushes to the local backend."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.pilot import Pilot
from textual.widgets import (
    Button,
    DataTable,
    Input,
    Label,
    OptionList,
    ProgressBar,
    Static,
    TextArea,
)

from ecrtui.ecr.caller import CallRecord
from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.help_screen import HelpScreen, help_for
from ecrtui.tui.screens.history_screen import HistoryScreen
from ecrtui.tui.screens.load_request_screen import LoadRequestScreen
from ecrtui.tui.screens.push_screen import PushCancelled, PushLayerScreen, PushProgress, parse_size
from ecrtui.tui.screens.text_screen import TextScreen
from ecrtui.tui.screens.track_screen import TrackUploadScreen
from ecrtui.tui.session import ConsoleOptions, ConsoleSession
from ecrtui.tui.widgets.path_suggester import PathSuggester, complete_path
from ecrtui.uploads.engine import MiB, Progress
from ecrtui.uploads.journal import UploadState
from tests.tui.calls import call_record

from .screen_apps import ScreenHost, wait_for

UPLOAD_ID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"


def push_screen_of(app: ScreenHost) -> PushLayerScreen:
    screen = app.screen
    assert isinstance(screen, PushLayerScreen)
    return screen


def text_of(app: ScreenHost, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def problems_shown(app: ScreenHost) -> str:
    """The problems and notes shown under the screen's fields, one per line."""
    shown = app.screen.query(".field-error.-shown").results(Label)
    return "\n".join(str(label.render()) for label in shown)


# -- the push screen, against the local backend ----------------------------------------------------


@pytest.fixture
def session(endpoint_url: str, tmp_path: Path) -> Iterator[GatedSession]:
    target = Target(endpoint_url=endpoint_url, region="us-east-1")
    console = GatedSession(ConsoleOptions(target=target, journal_path=tmp_path / "j.sqlite3"))
    console.go_on.set()  # open unless a test closes it
    console.connect()
    yield console
    console.close()


class GatedSession(ConsoleSession):
    """Holds a push after its first part until the test lets it go on, so that a cancel lands
    mid-push however fast the local backend is."""

    def __init__(self, options: ConsoleOptions) -> None:
        super().__init__(options)
        self.go_on = threading.Event()

    def pusher(self, on_progress: Any = None, cancel: Any = None) -> Any:
        def gated(progress: Progress) -> None:
            on_progress(progress)
            if progress.phase == "uploading" and progress.done > 0:
                self.go_on.wait(timeout=20)

        return super().pusher(on_progress=gated, cancel=cancel)


def write_layer(path: Path, size: int, seed: int) -> str:
    data = random.Random(seed).randbytes(size)
    path.write_bytes(data)
    return "sha256:" + hashlib.sha256(data).hexdigest()


async def fill_push_form(pilot: Pilot[Any], layer: Path, part_size: str = "5MiB") -> None:
    screen = pilot.app.screen
    screen.query_one("#push-file", Input).value = str(layer)
    screen.query_one("#push-part-size", Input).value = part_size
    start = screen.query_one("#push-start", Button)
    await wait_for(pilot, lambda: not start.disabled, timeout=5, what="Start enabled")


async def test_push_layer_completes_and_returns_the_result(
    session: ConsoleSession, repository: str, tmp_path: Path
) -> None:
    digest = write_layer(tmp_path / "layer.tar", 12 * MiB, seed=12)
    app = ScreenHost(lambda: PushLayerScreen(session, repository=repository))
    seen: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = push_screen_of(app)
        assert screen.query_one("#push-repository", Input).value == repository
        await fill_push_form(pilot, tmp_path / "layer.tar")
        await pilot.click("#push-start")
        await wait_for(pilot, lambda: screen.stage in ("done", "failed"), what="the push")
        assert screen.stage == "done", text_of(app, "#push-status")
        bar = screen.query_one("#push-progress", ProgressBar)
        assert bar.total == 12 * MiB
        assert bar.progress == bar.total
        assert digest in text_of(app, "#push-status")
        assert screen.query_one("#push-close", Button).display
        await pilot.click("#push-close")
    [result] = app.results
    assert result.digest == digest
    assert result.response["layerDigest"] == digest
    record = session.journal.find(
        result.record.upload_id, endpoint=session.client.meta.endpoint_url
    )
    assert record is not None and record.state is UploadState.COMPLETED
    phases = [m.progress.phase for m in seen if isinstance(m, PushProgress)]
    assert phases[0] == "hashing" and phases[-1] == "done" and "uploading" in phases


async def test_cancelled_push_is_interrupted_and_resumes(
    session: GatedSession, repository: str, tmp_path: Path
) -> None:
    session.go_on.clear()
    size = 30 * MiB
    digest = write_layer(tmp_path / "big.tar", size, seed=30)
    app = ScreenHost(lambda: PushLayerScreen(session, repository=repository))
    seen: list[Message] = []
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        screen = push_screen_of(app)
        await fill_push_form(pilot, tmp_path / "big.tar")
        await pilot.click("#push-start")
        bar = screen.query_one("#push-progress", ProgressBar)
        await wait_for(pilot, lambda: (bar.progress or 0) > 0, what="the first part")
        await pilot.press("escape")
        assert screen.stage == "cancelling"
        session.go_on.set()
        await wait_for(pilot, lambda: screen.stage != "cancelling", what="the cancel")
        assert screen.stage == "cancelled", text_of(app, "#push-status")
        # the hook sees a message once per node it reaches (the screen, then the app)
        [cancelled] = {id(m): m for m in seen if isinstance(m, PushCancelled)}.values()
        assert cancelled.at_byte == 5 * MiB  # the first part, held by ECR
        status = text_of(app, "#push-status")
        assert f"Cancelled at byte {cancelled.at_byte}" in status
        assert "can be resumed (u)" in status
        await pilot.press("escape")
    assert app.results == [None]
    assert cancelled.upload_id is not None
    endpoint = session.client.meta.endpoint_url
    record = session.journal.find(cancelled.upload_id, endpoint=endpoint)
    assert record is not None
    assert record.state is UploadState.INTERRUPTED
    assert record.bytes_confirmed == cancelled.at_byte

    resume = ScreenHost(lambda: PushLayerScreen(session, resume_upload_id=cancelled.upload_id))
    async with resume.run_test(size=(80, 24)) as pilot:
        screen = push_screen_of(resume)
        assert not screen.query(Input)  # resume mode: no form, it starts at once
        await wait_for(pilot, lambda: screen.stage in ("done", "failed"), what="the resume")
        assert screen.stage == "done", text_of(resume, "#push-status")
        bar = screen.query_one("#push-progress", ProgressBar)
        assert bar.progress == bar.total == size
        await pilot.press("escape")  # after success, Escape closes with the result too
    [result] = resume.results
    assert result.digest == digest
    assert result.response["layerDigest"] == digest


async def test_push_to_a_missing_repository_shows_the_error_and_hint(
    session: ConsoleSession, tmp_path: Path
) -> None:
    write_layer(tmp_path / "layer.tar", 1024, seed=1)
    app = ScreenHost(lambda: PushLayerScreen(session, repository="no/such-repository"))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = push_screen_of(app)
        await fill_push_form(pilot, tmp_path / "layer.tar", part_size="")
        await pilot.press("enter")  # Enter in a field starts the push
        await wait_for(pilot, lambda: screen.stage == "failed", what="the failure")
        status = text_of(app, "#push-status")
        assert status.startswith("RepositoryNotFoundException:")
        assert "create it with create-repository" in status
        assert not screen.query_one("#push-file", Input).disabled  # fix it and start again
        await pilot.press("escape")
    assert app.results == [None]


async def test_resume_of_an_unknown_upload_says_so(session: ConsoleSession) -> None:
    app = ScreenHost(lambda: PushLayerScreen(session, resume_upload_id=UPLOAD_ID))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = push_screen_of(app)
        await wait_for(pilot, lambda: screen.stage == "failed", what="the failure")
        assert f"upload {UPLOAD_ID} is not in the journal" in text_of(app, "#push-status")


async def test_a_worker_failure_is_shown_not_lost() -> None:
    unconnected = ConsoleSession(ConsoleOptions())  # pusher() raises RuntimeError in the worker
    app = ScreenHost(lambda: PushLayerScreen(unconnected, resume_upload_id=UPLOAD_ID))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = push_screen_of(app)
        await wait_for(pilot, lambda: screen.stage == "failed", timeout=5, what="the failure")
        assert text_of(app, "#push-status") == "push stopped: RuntimeError: not connected"
        assert screen.query_one("#push-start", Button).display  # Start again = retry


async def test_push_form_problems_and_start_button(tmp_path: Path) -> None:
    (tmp_path / "layer.tar").write_bytes(b"x")
    app = ScreenHost(lambda: PushLayerScreen(ConsoleSession(ConsoleOptions())))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        start = screen.query_one("#push-start", Button)
        screen.query_one("#push-file", Input).value = str(tmp_path)
        screen.query_one("#push-repository", Input).value = "Team/API"
        screen.query_one("#push-part-size", Input).value = "ten"
        await pilot.pause()
        problems = problems_shown(app)
        assert f"file: {tmp_path} is a folder" in problems
        assert "repositoryName: 'Team/API' is not a repository name" in problems
        assert "part size: not a size: 'ten' (e.g. 10MiB)" in problems
        assert start.disabled
        screen.query_one("#push-file", Input).value = str(tmp_path / "layer.tar")
        screen.query_one("#push-repository", Input).value = "team/api"
        screen.query_one("#push-part-size", Input).value = "1MiB"
        await pilot.pause()
        assert problems_shown(app) == ("note: ECR cannot complete an upload with parts under 5 MiB")
        assert not start.disabled


async def test_file_field_suggests_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "layers").mkdir()
    (tmp_path / "layers" / "app-layer.tar").write_bytes(b"x")
    (tmp_path / "layers" / "app-layer.tar.gz").write_bytes(b"x")
    (tmp_path / "layers" / ".hidden").write_bytes(b"x")
    assert complete_path(f"{tmp_path}/lay") == f"{tmp_path}/layers/"
    assert complete_path(f"{tmp_path}/layers/a") == f"{tmp_path}/layers/app-layer.tar"
    assert complete_path(f"{tmp_path}/layers/.h") == f"{tmp_path}/layers/.hidden"
    assert (
        complete_path(f"{tmp_path}/layers/app-layer.tar") == f"{tmp_path}/layers/app-layer.tar.gz"
    )
    assert complete_path(f"{tmp_path}/layers/") is None
    assert complete_path(f"{tmp_path}/nothing/here") is None
    monkeypatch.setenv("HOME", str(tmp_path))
    assert complete_path("~/lay") == "~/layers/"
    assert await PathSuggester().get_suggestion(f"{tmp_path}/La") is None  # case counts

    app = ScreenHost(lambda: PushLayerScreen(ConsoleSession(ConsoleOptions())))
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.screen.query_one("#push-file", Input)
        field.focus()
        field.value = f"{tmp_path}/lay"
        field.cursor_position = len(field.value)
        await wait_for(pilot, lambda: field._suggestion != "", timeout=5, what="a suggestion")
        await pilot.press("right")
        assert field.value == f"{tmp_path}/layers/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("5MiB", 5 * MiB), ("10485760", 10 * MiB), ("8M", 8 * MiB), ("6.5 MiB", int(6.5 * MiB))],
)
def test_parse_size(text: str, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["", "ten", "5 TiB", "0", "0.5"])
def test_parse_size_refuses(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a size|at least 1 byte"):
        parse_size(text)


# -- track, confirm, load, history, help, text ---------------------------------------------------


async def test_track_validates_as_you_type_and_returns_the_ids() -> None:
    app = ScreenHost(lambda: TrackUploadScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        track = screen.query_one("#track-submit", Button)
        await pilot.pause()
        assert track.disabled
        assert problems_shown(app) == ""  # nothing typed, nothing to complain of
        await pilot.press(*"Team")
        await pilot.pause()
        assert "repositoryName: 'Team' is not a repository name" in problems_shown(app)
        screen.query_one("#track-repository", Input).value = "team/api"
        screen.query_one("#track-upload-id", Input).value = "not-a-uuid"
        screen.query_one("#track-registry-id", Input).value = "123"
        await pilot.pause()
        problems = problems_shown(app)
        assert "uploadId: 'not-a-uuid' is not an upload id" in problems
        assert "registryId: '123' is not a registry id" in problems
        assert "layerDigests" not in problems and "repositoryName" not in problems
        assert track.disabled
        await pilot.press("enter")  # refused while invalid
        assert not app.results
        screen.query_one("#track-upload-id", Input).value = f"  {UPLOAD_ID} "
        screen.query_one("#track-registry-id", Input).value = ""
        await pilot.pause()
        assert problems_shown(app) == ""
        assert not track.disabled
        await pilot.click("#track-submit")
    assert app.results == [("team/api", UPLOAD_ID, None)]


async def test_track_passes_the_registry_id_and_escape_cancels() -> None:
    app = ScreenHost(lambda: TrackUploadScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.query_one("#track-repository", Input).value = "team/api"
        screen.query_one("#track-upload-id", Input).value = UPLOAD_ID
        screen.query_one("#track-registry-id", Input).value = "123456789012"
        await pilot.pause()
        await pilot.press("enter")
    assert app.results == [("team/api", UPLOAD_ID, "123456789012")]
    app = ScreenHost(lambda: TrackUploadScreen())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
    assert app.results == [None]


REQUEST = {
    "registryId": "123456789012",
    "repositoryName": "team/api",
    "uploadId": UPLOAD_ID,
    "layerDigests": ["sha256:9a77f85878aa1906f2020a0ecdf7a7e962d57e882250acd773383224b3fe9a02"],
}
TARGET = [
    "endpoint https://api.ecr.us-east-1.amazonaws.com",
    "region us-east-1 · account 123456789012",
]


@pytest.mark.parametrize(
    ("key", "expected"), [("y", True), ("enter", False), ("n", False), ("escape", False)]
)
async def test_confirm_keys(key: str, expected: bool) -> None:
    app = ScreenHost(lambda: ConfirmScreen("CompleteLayerUpload", REQUEST, TARGET))
    async with app.run_test(size=(80, 24)) as pilot:
        shown = app.screen.query_one("#confirm-request", TextArea)
        assert shown.read_only and shown.language == "json"
        assert '"uploadId": "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"' in shown.text
        assert text_of(app, "#confirm-target") == "\n".join(TARGET)
        await pilot.press(key)
    assert app.results == [expected]


async def test_confirm_buttons() -> None:
    app = ScreenHost(lambda: ConfirmScreen("CompleteLayerUpload", REQUEST, TARGET))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()  # the request's height is known once it is wrapped
        assert await pilot.click("#confirm-cancel")
    assert app.results == [False]


async def load(text: str) -> tuple[list[Any], str]:
    """Paste `text` into the load screen and press ctrl+l: the results, and the error shown."""
    app = ScreenHost(LoadRequestScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#load-text", TextArea).text = text
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: app.dismissed or bool(error_of(app)), timeout=5)
        return app.results, error_of(app)


def error_of(app: ScreenHost) -> str:
    if not isinstance(app.screen, LoadRequestScreen):
        return ""
    return text_of(app, "#load-error")


async def test_load_json_text() -> None:
    results, _ = await load('{"repositoryName": "team/api", "layerDigests": ["sha256:ab"]}')
    assert results == [{"repositoryName": "team/api", "layerDigests": ["sha256:ab"]}]


async def test_load_yaml_text() -> None:
    results, _ = await load(
        f"repositoryName: team/api\nuploadId: {UPLOAD_ID}\nlayerDigests:\n- sha256:ab\n"
    )
    assert results == [
        {"repositoryName": "team/api", "uploadId": UPLOAD_ID, "layerDigests": ["sha256:ab"]}
    ]


@pytest.mark.parametrize("prefix", ["", "file://"])
async def test_load_a_file_path(tmp_path: Path, prefix: str) -> None:
    (tmp_path / "request.yaml").write_text("repositoryName: team/api\n")
    results, _ = await load(f"{prefix}{tmp_path / 'request.yaml'}\n")
    assert results == [{"repositoryName": "team/api"}]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"repositoryName": "team/api",', "neither JSON nor YAML: JSON: Expecting property name"),
        ("- team/api\n- team/web\n", "must be a mapping of parameter names to values, not a list"),
        ("file:///no/such/request.json", "no such file: /no/such/request.json"),
        ("", "paste a request (JSON or YAML), or the path of a file holding one"),
    ],
)
async def test_load_refuses_what_is_not_a_request(text: str, error: str) -> None:
    results, shown = await load(text)
    assert not results  # still open, the error in the screen
    assert error in shown


async def test_load_escape_cancels() -> None:
    app = ScreenHost(LoadRequestScreen)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*"a: 1", "escape")
    assert app.results == [None]


def entry(operation: str, at: float, code: str | None = None, ms: float = 84.0) -> CallRecord:
    error = EcrCallError(code, "it failed", ErrorKind.SERVICE) if code else None
    return call_record(
        operation, {"repositoryName": "team/api"}, None if code else {}, error, ms, at
    )


def part(upload_id: str, first: int, last: int, at: float) -> CallRecord:
    request = {
        "repositoryName": "team/api",
        "uploadId": upload_id,
        "partFirstByte": first,
        "partLastByte": last,
        "layerPartBlob": b"x" * (last - first + 1),
    }
    return call_record("UploadLayerPart", request, {"uploadId": upload_id}, None, 20.0, at)


async def test_history_lists_newest_first_with_parts_grouped_and_shows_a_call() -> None:
    import time

    midnight = time.mktime((2024, 5, 1, 0, 0, 0, 0, 0, -1))
    upload = "0b6f1f9e-1b7f-4c0f-8f0e-3d2b6f1a9c11"
    initiated = call_record(
        "InitiateLayerUpload",
        {"repositoryName": "team/api"},
        {"uploadId": upload},
        None,
        9,
        midnight + 10,
    )
    refused = EcrCallError("LayerPartTooSmallException", "it failed", ErrorKind.SERVICE)
    completed = call_record(
        "CompleteLayerUpload",
        {"repositoryName": "team/api", "uploadId": upload, "layerDigests": ["sha256:" + "a" * 64]},
        None,
        refused,
        131.4,
        midnight + 3600 + 62,
    )
    parts = [part(upload, n * 100, n * 100 + 99, midnight + 20 + n) for n in range(3)]
    app = ScreenHost(lambda: HistoryScreen([initiated, *parts, completed]))
    async with app.run_test(size=(100, 24)) as pilot:
        options = app.screen.query_one("#history-list", OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        where = "team/api 0b6f1f9e"
        assert lines == [
            f"01:01:02  CompleteLayerUpload  LayerPartTooSmallException    131 ms  {where}",
            f"00:00:22  UploadLayerPart \N{MULTIPLICATION SIGN}3   ok{' ' * 29}60 ms  {where}"
            "  300 Bytes sent",
            f"00:00:10  InitiateLayerUpload  ok{' ' * 30}9 ms  {where}",
        ]
        assert app.screen.query_one("#history-dialog").border_title == "History (5 calls)"
        await pilot.press("down", "enter")  # the parts: every call, request and response
        shown = app.screen
        assert isinstance(shown, TextScreen)
        document = json.loads(shown.query_one(TextArea).text)
        assert [call["request"]["partFirstByte"] for call in document["calls"]] == [0, 100, 200]
        assert document["calls"][0]["request"]["layerPartBlob"] == "<100 bytes>"
        assert document["calls"][0]["response"] == {"uploadId": upload}
        await pilot.press("escape", "up", "enter")  # the refused completion: its error
        document = json.loads(app.screen.query_one(TextArea).text)
        assert document["error"]["code"] == "LayerPartTooSmallException"
        assert document["request"]["uploadId"] == upload
        await pilot.press("escape", "escape")
    assert app.results == [None]


async def test_history_empty_state() -> None:
    app = ScreenHost(lambda: HistoryScreen([]))
    async with app.run_test(size=(80, 24)) as pilot:
        assert "No calls made yet" in text_of(app, "#history-empty")
        await pilot.press("escape")
    assert app.results == [None]


@pytest.mark.parametrize("key", ["escape", "f1", "q"])
async def test_help_closes(key: str) -> None:
    keys = [("c", "Complete", "here"), ("u", "Resume", "here")]
    app = ScreenHost(lambda: HelpScreen("Push a layer", PushLayerScreen.HELP, keys))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one("#help-keys", DataTable).row_count == 2
        await pilot.press(key)
    assert app.results == [None]


def test_help_for_finds_the_nearest_help() -> None:
    screen = TrackUploadScreen()
    assert help_for(screen) is TrackUploadScreen.HELP
    assert "No help" in help_for(None)


async def test_text_screen_copies_the_text() -> None:
    skeleton = '{\n  "repositoryName": "",\n  "uploadId": ""\n}'
    app = ScreenHost(lambda: TextScreen("CompleteLayerUpload input skeleton", skeleton, "json"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one("#text-area", TextArea).language == "json"
        await pilot.press("y")
        assert app.clipboard == skeleton
        assert any("Copied" in n.message for n in app._notifications)
        await pilot.press("escape")
    assert app.results == [None]


async def test_text_screen_unknown_language_is_plain_text() -> None:
    app = ScreenHost(lambda: TextScreen("notes", "hello", "klingon"))
    async with app.run_test(size=(80, 24)):
        assert app.screen.query_one("#text-area", TextArea).language is None


# -- snapshots -------------------------------------------------------------------------------------


def test_snapshot_push_mid_progress(snap_compare: Any) -> None:
    screen = PushLayerScreen(ConsoleSession(ConsoleOptions()), "team/api", clock=lambda: 1000.0)

    async def run_before(pilot: Pilot[Any]) -> None:
        screen.query_one("#push-file", Input).value = "/srv/layers/api-layer.tar"
        screen.query_one("#push-part-size", Input).value = "10MiB"
        await pilot.pause()
        progress = Progress(UPLOAD_ID, "uploading", 6 * MiB, 12 * MiB, 997.0)
        screen.post_message(PushProgress(progress))
        await pilot.pause()

    assert snap_compare(ScreenHost(lambda: screen), terminal_size=(80, 24), run_before=run_before)


def test_snapshot_help(snap_compare: Any) -> None:
    keys = [
        ("esc", "Cancel / close", "here"),
        ("ctrl+s", "Start", "here"),
        ("f1", "Help", "everywhere"),
    ]
    app = ScreenHost(lambda: HelpScreen("Push a layer", PushLayerScreen.HELP, keys))
    assert snap_compare(app, terminal_size=(80, 24))


def test_snapshot_confirm(snap_compare: Any) -> None:
    app = ScreenHost(lambda: ConfirmScreen("CompleteLayerUpload", REQUEST, TARGET))
    assert snap_compare(app, terminal_size=(100, 30))
