"""Server and user text is data in the console: never markup, never a control sequence.

A fake ECR endpoint (the local backend would refuse these names) serves repository names and image
tags holding markup and escape sequences, and answers a probe with an error message holding them;
the journal holds an upload in such a repository; a loaded request file has such a key. The
console must not crash, must show each string with its control characters escaped, and must not
let an ESC from the data reach the screen. One run in tmux checks the real terminal: its title and
clipboard stay untouched.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from ecrtui.ecr.client import Target
from ecrtui.plain_text import visible
from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.screens.confirm_screen import ConfirmScreen
from ecrtui.tui.screens.failure_screen import FailureScreen
from ecrtui.tui.session import ConsoleOptions
from ecrtui.tui.widgets.complete_form import CompleteLayerForm
from ecrtui.uploads.journal import Origin, UploadState
from tests.fake_ecr import FakeEcr, FakeError

from .console_apps import REGION, Row, pin_row, wait_for, write_journal

OSC52 = "\x1b]52;c;aGVsbG8=\x07"
TITLE = "\x1b]0;pwned\x07"
CSI = "\x1b[31mred\x1b[0m"
MARKUP = ("[/]", "[bold]x[/bold]", "[@click=app.quit]")
HOSTILE = (*MARKUP, OSC52, TITLE, CSI)
REPOSITORY = "team/[/]api" + OSC52
TAGS = ["[bold]x[/bold]", "[@click=app.quit]", OSC52, TITLE, CSI]
DIGEST = "sha256:" + "ab" * 32
UPLOAD_ID = str(uuid.UUID(int=7))
VALID_UPLOAD_ID = str(uuid.UUID(int=8))  # in team/api: a probe of it reaches the fake


def answers() -> dict[str, Any]:
    repositories = [
        {
            "repositoryName": name,
            "repositoryArn": "arn:aws:ecr:us-east-1:123456789012:repository/x",
            "registryId": "123456789012",
            "createdAt": 1_700_000_000,
            "imageTagMutability": "MUTABLE" + CSI,
        }
        for name in ("team/api", REPOSITORY, *HOSTILE)  # the first is valid: its images load
    ]
    images = [
        {
            "registryId": "123456789012",
            "repositoryName": "team/api",
            "imageDigest": DIGEST,
            "imageTags": TAGS,
            "imageSizeInBytes": 1024,
            "imagePushedAt": 1_700_000_000,
        }
    ]
    return {
        "DescribeRepositories": {"repositories": repositories},
        "DescribeImages": {"imageDetails": images},
        "UploadLayerPart": FakeError(400, "AccessDeniedException", "denied " + " ".join(HOSTILE)),
    }


@pytest.fixture
def fake() -> Any:
    with FakeEcr(answers()) as server:
        yield server


def hostile_journal(path: Path, endpoint_url: str) -> None:
    row = Row(REPOSITORY, UPLOAD_ID, UploadState.INTERRUPTED, 5, Origin.TRACKED)
    valid = Row("team/api", VALID_UPLOAD_ID, UploadState.INTERRUPTED, 5, Origin.TRACKED)
    write_journal(path, endpoint_url, [valid, row])
    pin_row(
        path,
        UPLOAD_ID,
        updated_at=time.time(),
        source_path="/srv/" + TITLE,
        last_error=("InvalidLayerException" + CSI, "bad " + OSC52),
    )


def app_for(fake: FakeEcr, journal_path: Path) -> EcrtuiApp:
    target = Target(endpoint_url=fake.endpoint_url, region=REGION, local_backend=True)
    app = EcrtuiApp(ConsoleOptions(target=target, journal_path=journal_path))
    app.animation_level = "none"
    return app


def screen_text(app: EcrtuiApp) -> str:
    """The characters on screen, in drawing order, from the console's own screenshot."""
    picture = app.export_screenshot()
    assert "\x1b" not in picture and "\x07" not in picture  # nothing raw from the data
    spans = re.findall(r"<text[^>]*>(.*?)</text>", picture, flags=re.DOTALL)
    return html.unescape("".join(spans)).replace("\xa0", " ")


def assert_escaped_on_screen(app: EcrtuiApp, *texts: str) -> None:
    """No raw ESC or BEL from the data on screen, and each text shown escaped (its first 12
    characters, so that a cut cell still counts)."""
    shown = screen_text(app)
    for text in texts:
        assert visible(text)[:12] in shown, f"{visible(text)!r} is not on screen"


async def test_hostile_names_tags_and_errors_are_shown_as_text(
    fake: FakeEcr, tmp_path: Path
) -> None:
    journal_path = tmp_path / "journal.sqlite3"
    hostile_journal(journal_path, fake.endpoint_url)
    app = app_for(fake, journal_path)
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for(pilot, lambda: app.identity is not None, what="connected")
        table = app.uploads.table
        await wait_for(pilot, lambda: UPLOAD_ID in table.records, what="the upload")
        await pilot.pause()
        details = screen_text(app)
        assert visible(REPOSITORY) in details and "/srv/\\x1b]0;pwned\\x07" in details
        assert "InvalidLayerException\\x1b[31mred\\x1b[0m: bad" in details
        assert "\\x1b]52;c;aGVsbG8=\\x07" in details  # the message folds before it

        await pilot.press("3")
        repositories = app.query_one("#repositories", DataTable)
        await wait_for(pilot, lambda: repositories.row_count == 2 + len(HOSTILE), what="repos")
        images = app.query_one("#images", DataTable)
        await wait_for(pilot, lambda: images.row_count == 1, what="the images")
        await pilot.pause()
        tags = str(images.get_row_at(0)[0])
        assert tags == ", ".join(visible(tag) for tag in TAGS)
        assert_escaped_on_screen(app, REPOSITORY, *MARKUP, OSC52, TITLE, CSI)

        # An invalid name is not sent: the panel says why, with the name escaped.
        repositories.focus()
        await pilot.press("down")
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), what="the panel")
        assert visible(REPOSITORY) in app.screen.shown_text  # type: ignore[attr-defined]
        assert "(could not be loaded)" in str(images.border_title)
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pilot.press(*"repository team")
        await pilot.pause(0.5)
        await pilot.press("escape")

        app.show_upload(VALID_UPLOAD_ID)
        await pilot.press("p")  # the fake answers with a hostile error message
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the question")
        assert_escaped_on_screen(app, REPOSITORY)  # the probe's request, as data
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, FailureScreen), what="the panel")
        panel = app.screen
        assert isinstance(panel, FailureScreen)
        assert "denied [/] [bold]x[/bold] [@click=app.quit] \\x1b]52;c;aGVsbG8=\\x07" in (
            panel.shown_text
        )
        await pilot.pause()
        assert_escaped_on_screen(app, OSC52, TITLE, CSI)
        await pilot.press("escape")
        assert app.is_running
        await pilot.press("h")
        await pilot.pause()
        assert_escaped_on_screen(app)
        await pilot.press("escape")
        assert app.is_running


async def test_a_loaded_request_with_a_hostile_key(tmp_path: Path, fake: FakeEcr) -> None:
    app = app_for(fake, tmp_path / "journal.sqlite3")
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_for(pilot, lambda: app.identity is not None, what="connected")
        await pilot.press("2")
        form = app.query_one(CompleteLayerForm)
        form.load({"repositoryName": "team/api", "uploadId": UPLOAD_ID, TITLE + "[/]": 1})
        await pilot.pause()
        error = str(form.query_one("#form-error").render())
        assert "\\x1b]0;pwned\\x07[/]" in error
        screen_text(app)  # no raw ESC or BEL anywhere on screen
        assert app.is_running


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_the_real_terminal_keeps_its_title_and_clipboard(fake: FakeEcr, tmp_path: Path) -> None:
    """In tmux: the console lists the hostile repositories and tags; tmux's pane title and paste
    buffers (where OSC 0 and OSC 52 would land) stay as they were."""
    journal_path = tmp_path / "journal.sqlite3"
    hostile_journal(journal_path, fake.endpoint_url)
    session = f"ecrtui-hostile-{os.getpid()}"
    socket = str(tmp_path / "tmux.sock")
    env = {**os.environ, "ECRTUI_STATE_DIR": str(tmp_path / "state"), "TERM": "xterm-256color"}
    command = (
        f"{sys.executable} -m ecrtui --endpoint-url {fake.endpoint_url} --region {REGION}; sleep 5"
    )
    tmux = ["tmux", "-S", socket]
    state = tmp_path / "state"
    state.mkdir()
    # The journal the console reads: this test's, at the default path of its state directory.
    (state / "journal.sqlite3").write_bytes(journal_path.read_bytes())
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", session, "-x", "160", "-y", "48", command],
        env=env,
        check=True,
    )
    try:
        subprocess.run([*tmux, "set-option", "-g", "set-clipboard", "on"], check=True)
        subprocess.run([*tmux, "set-option", "-g", "allow-rename", "on"], check=True)
        title_before = _tmux(tmux, "display-message", "-p", "-t", session, "#{pane_title}")
        _wait_for_screen(tmux, session, "team/[/]api")  # the journal's hostile row, listed
        subprocess.run([*tmux, "send-keys", "-t", session, "3"], check=True)
        # the repositories tab: hostile names from the endpoint, escaped
        screen = _wait_for_screen(tmux, session, "Repositories (")
        screen = _wait_for_screen(tmux, session, "[bold]x[/bold]")
        assert "\\x1b]52;c;aGVsbG8=\\x07" in screen and "\\x1b]0;pwned\\x07" in screen
        title_after = _tmux(tmux, "display-message", "-p", "-t", session, "#{pane_title}")
        assert title_after == title_before and "pwned" not in title_after
        buffers = _tmux(tmux, "list-buffers", "-F", "#{buffer_sample}")
        assert "hello" not in buffers  # OSC 52 with aGVsbG8= would have pasted "hello"
    finally:
        subprocess.run([*tmux, "kill-server"], check=False, capture_output=True)


def _tmux(tmux: list[str], *args: str) -> str:
    done = subprocess.run([*tmux, *args], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _wait_for_screen(tmux: list[str], session: str, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _tmux(tmux, "capture-pane", "-p", "-t", session)
        if text in screen:
            return screen
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared on the screen:\n{screen}\n{json.dumps(text)}")
