"""Profiles, regions and the about screen, against an AWS config written for the test.

The profiles point at the session's local backend with `endpoint_url` (botocore reads it from a
profile); `no-keys` has no credentials and `sso-dev` is an SSO profile that never logged in (no
token cached under the test's HOME). Nothing reaches real AWS.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError
from ecrtui.ecr.profiles import CallerIdentity
from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.screens.about_screen import AboutScreen
from ecrtui.tui.screens.profile_screen import ProfileScreen
from ecrtui.tui.screens.region_screen import RegionScreen
from ecrtui.tui.session import ConsoleOptions, ConsoleSession, Identity
from ecrtui.tui.widgets.repository_browser import RepositoryBrowser
from ecrtui.tui.widgets.uploads_table import UploadsTable

from .console_apps import (
    ACCOUNT,
    FailingSession,
    bar_text,
    notifications,
    running,
    wait_for,
)
from .screen_apps import ScreenHost

PROFILES = ["default", "local-a", "local-b", "no-keys", "sso-dev"]
SECRET = "ecrtui-profile-secret-never-shown"


def write_aws_config(folder: Path, endpoint_url: str) -> tuple[Path, Path]:
    config = folder / "aws-config"
    config.write_text(
        f"""\
[default]
region = us-east-1
endpoint_url = {endpoint_url}

[profile local-a]
region = us-east-1
endpoint_url = {endpoint_url}

[profile local-b]
region = eu-west-1
endpoint_url = {endpoint_url}

[profile no-keys]
region = us-east-2
endpoint_url = {endpoint_url}

[profile sso-dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer
region = us-west-2

[sso-session corp]
sso_start_url = https://corp.awsapps.example/start
sso_region = us-east-1
"""
    )
    credentials = folder / "aws-credentials"
    credentials.write_text(
        "".join(
            f"[{name}]\naws_access_key_id = AKIAECRTUIPROFILE{n:03d}\n"
            f"aws_secret_access_key = {SECRET}\n\n"
            for n, name in enumerate(("default", "local-a", "local-b"))
        )
    )
    return config, credentials


@pytest.fixture
def aws_config(endpoint_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"  # no SSO token cache, no ~/.aws of the machine
    home.mkdir()
    config, credentials = write_aws_config(tmp_path, endpoint_url)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    return config


def profile_app(tmp_path: Path, profile: str = "local-a", **options: Any) -> EcrtuiApp:
    target = Target(profile=profile)
    app = EcrtuiApp(
        ConsoleOptions(target=target, journal_path=tmp_path / "journal.sqlite3", **options)
    )
    app.animation_level = "none"
    return app


def cell(screen: ProfileScreen, profile: str, column: int) -> str:
    value = screen.table.get_row(profile)[column]
    return value.plain if isinstance(value, Text) else str(value)


async def open_picker(pilot: Pilot[Any]) -> ProfileScreen:
    await pilot.press("P")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, ProfileScreen), what="the picker")
    screen = pilot.app.screen
    assert isinstance(screen, ProfileScreen)
    await wait_for(
        pilot, lambda: len(screen.answers) == len(PROFILES), what="every profile's answer"
    )
    return screen


async def pick_row(pilot: Pilot[Any], screen: ProfileScreen, profile: str) -> None:
    table = screen.table
    table.move_cursor(row=table.get_row_index(profile))
    await pilot.pause()


async def pick(pilot: Pilot[Any], screen: ProfileScreen, profile: str) -> None:
    await pick_row(pilot, screen, profile)
    await pilot.press("enter")


async def test_picker_lists_each_profile_with_its_identity_or_its_fix(
    aws_config: Path, tmp_path: Path
) -> None:
    app = profile_app(tmp_path)
    async with running(app, (120, 36)) as pilot:
        screen = await open_picker(pilot)
        assert [str(key.value) for key in screen.table.rows] == PROFILES
        assert cell(screen, "local-a", 0) == "●"  # the profile in use
        assert cell(screen, "local-b", 2) == "eu-west-1"
        assert cell(screen, "sso-dev", 2) == "us-west-2"
        for name in ("default", "local-a", "local-b"):
            answer = screen.answers[name]
            assert isinstance(answer, CallerIdentity)
            assert answer.account == ACCOUNT
            assert cell(screen, name, 3).startswith(f"{ACCOUNT} · arn:aws:")
        sso = screen.answers["sso-dev"]
        assert isinstance(sso, EcrCallError) and sso.code == "SSOTokenExpired"
        assert cell(screen, "sso-dev", 3) == "SSOTokenExpired: aws sso login --profile sso-dev"
        no_keys = screen.answers["no-keys"]
        assert isinstance(no_keys, EcrCallError) and no_keys.code == "NoCredentials"
        assert cell(screen, "no-keys", 3) == "NoCredentials: aws configure --profile no-keys"
        # the highlighted profile's whole answer shows under the table
        await pick_row(pilot, screen, "sso-dev")
        detail = str(screen.query_one("#profile-detail", Static).render())
        assert "sso-dev: the SSO session has expired or was never started" in detail
        assert "aws sso login --profile sso-dev" in detail
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProfileScreen)


async def test_switching_profile_reconnects_and_reloads(
    aws_config: Path, tmp_path: Path, repository: str
) -> None:
    app = profile_app(tmp_path)
    async with running(app, (160, 40)) as pilot:
        bar = bar_text(app)
        assert "us-east-1" in bar and "profile local-a" in bar
        assert "(endpoint_url of profile local-a)" in bar
        browser = app.query_one(RepositoryBrowser)
        names = {str(repo["repositoryName"]) for repo in browser.repositories}
        assert repository in names  # made in us-east-1
        journal = app.session.journal
        screen = await open_picker(pilot)
        await pick(pilot, screen, "local-b")
        await wait_for(pilot, lambda: "profile local-b" in bar_text(app), what="the new header")
        await wait_for(
            pilot,
            lambda: (
                not app.query_one(UploadsTable).loading
                and not browser.query_one("#repositories", DataTable).loading
            ),
            what="the reloads",
        )
        assert app.identity is not None and app.identity.profile == "local-b"
        assert app.identity.region == "eu-west-1"
        assert "eu-west-1" in bar_text(app)
        # the repositories are eu-west-1's now: the one made in us-east-1 is not among them
        assert repository not in {str(repo["repositoryName"]) for repo in browser.repositories}
        assert app.session.journal is journal  # the journal stays


async def test_switching_region_keeps_the_profile(aws_config: Path, tmp_path: Path) -> None:
    app = profile_app(tmp_path)
    async with running(app, (120, 36)) as pilot:
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RegionScreen), what="regions")
        screen = app.screen
        assert isinstance(screen, RegionScreen)
        await wait_for(pilot, lambda: bool(screen.shown), what="the regions")
        assert screen.shown[0] == "us-east-1"  # the profile's own first
        assert "ap-southeast-2" in screen.shown and "eu-west-3" in screen.shown
        screen.query_one(Input).value = "eu-west-3"
        await pilot.pause()
        assert screen.shown == ["eu-west-3"]
        await pilot.press("enter")
        await wait_for(pilot, lambda: "eu-west-3" in bar_text(app), what="the new region")
        assert app.identity is not None and app.identity.region == "eu-west-3"
        assert "profile local-a" in bar_text(app)


async def test_switching_to_an_sso_profile_without_a_token_says_how_to_log_in(
    aws_config: Path, tmp_path: Path
) -> None:
    app = profile_app(tmp_path)
    async with running(app, (120, 36)) as pilot:
        app.switch_to(app.session.target_for_profile("sso-dev"))
        await wait_for(pilot, lambda: "NOT CONNECTED" in bar_text(app), what="the failure")
        assert "aws sso login --profile sso-dev" in bar_text(app)
        assert app.identity is None
        assert not app.query_one(UploadsTable).loading  # no endless spinner
        assert "Traceback" not in bar_text(app)


async def test_a_profile_without_credentials_says_how_to_configure_it(
    aws_config: Path, tmp_path: Path
) -> None:
    app = profile_app(tmp_path)
    async with running(app, (120, 36)) as pilot:
        screen = await open_picker(pilot)
        await pick(pilot, screen, "no-keys")
        await wait_for(pilot, lambda: "NOT CONNECTED" in bar_text(app), what="the failure")
        assert "profile 'no-keys' has no credentials" in bar_text(app)
        assert "aws configure --profile no-keys" in bar_text(app)
        # r tries the profile switched to again, not the one before
        await pilot.press("escape")  # the failure panel
        await pilot.press("r")
        await wait_for(pilot, lambda: "NOT CONNECTED" in bar_text(app), what="the retry")
        assert "no-keys" in bar_text(app)


async def test_an_unknown_profile_lists_the_known_ones(aws_config: Path, tmp_path: Path) -> None:
    app = profile_app(tmp_path, profile="nope")
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for(pilot, lambda: "NOT CONNECTED" in bar_text(app), what="the failure")
        text = bar_text(app)
        assert "no such profile 'nope'" in text
        assert "known profiles: default, local-a, local-b, no-keys, sso-dev" in text


async def test_the_demo_says_why_it_does_not_switch(tmp_path: Path) -> None:
    options = ConsoleOptions(demo=True, journal_path=tmp_path / "journal.sqlite3")
    app = EcrtuiApp(options)
    app.session = FailingSession(options, {"connect": RuntimeError("no backend in this test")})
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: "NOT CONNECTED" in bar_text(app), what="the failure")
        await pilot.press("escape")
        for key in ("P", "R"):
            await pilot.press(key)
            await pilot.pause()
            assert not isinstance(app.screen, (ProfileScreen, RegionScreen))
        assert notifications(app)[-1].startswith("The demo has one backend")


async def test_about_shows_endpoint_source_and_retries(
    aws_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    app = profile_app(tmp_path)
    async with running(app, (120, 36)) as pilot:
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AboutScreen), what="about")
        screen = app.screen
        assert isinstance(screen, AboutScreen)
        await wait_for(pilot, lambda: bool(screen.facts), what="the facts")
        facts = dict(screen.facts)
        assert facts["profile"] == "local-a"
        assert facts["endpoint"] == app.session.endpoint
        assert facts["endpoint from"] == "endpoint_url of profile local-a"
        assert facts["retry mode"] == "standard"
        assert facts["attempts per call"] == "4 (AWS_MAX_ATTEMPTS)"
        assert facts["journal"] == str(tmp_path / "journal.sqlite3")
        assert SECRET not in str(screen.facts) and "AKIAECRTUIPROFILE" not in str(screen.facts)


async def test_the_palette_offers_profiles_regions_and_about(
    aws_config: Path, tmp_path: Path
) -> None:
    app = profile_app(tmp_path)
    async with running(app, (120, 36)):
        titles = {entry.title for entry in app.palette_entries()}
        assert {"Profiles", "Regions", "About"} <= titles


# -- pictures ---------------------------------------------------------------------------------


def test_snapshot_profile_picker(snap_compare: Any, aws_config: Path) -> None:
    screen = ProfileScreen("local-a", lambda profile: Target(profile=profile))

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: len(screen.answers) == len(PROFILES), what="the answers")
        await pilot.pause()

    assert snap_compare(ScreenHost(lambda: screen), terminal_size=(100, 24), run_before=run_before)


def test_snapshot_about(snap_compare: Any, aws_config: Path, tmp_path: Path) -> None:
    # a fixed endpoint: the about screen reads the config, it does not connect
    aws_config.write_text(
        "[profile local-a]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:4566\n"
    )
    journal = Path("/srv/ecrtui/state/journal.sqlite3")
    session = ConsoleSession(ConsoleOptions(target=Target(profile="local-a"), journal_path=journal))
    versions = {"ecrtui": "1.0.0", "Textual": "8.2.0", "boto3": "1.40.0", "botocore": "1.40.0"}

    def facts() -> list[tuple[str, str]]:
        return [(label, versions.get(label, value)) for label, value in session.about()]

    screen = AboutScreen(facts)

    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for(pilot, lambda: bool(screen.facts), what="the facts")
        await pilot.pause()

    assert snap_compare(ScreenHost(lambda: screen), terminal_size=(80, 24), run_before=run_before)


def test_a_connect_begun_before_a_switch_does_not_win(aws_config: Path, tmp_path: Path) -> None:
    """A slow connect to the old target ends after the switch: the new target stays."""
    silent = socket.socket()  # accepts, never answers: the old target's STS hangs
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    port = silent.getsockname()[1]
    with aws_config.open("a") as config:
        config.write(
            f"\n[profile slow]\nregion = us-east-1\nendpoint_url = http://127.0.0.1:{port}\n"
        )
    with (tmp_path / "aws-credentials").open("a") as credentials:
        credentials.write(
            f"[slow]\naws_access_key_id = AKIAECRTUIPROFILE999\naws_secret_access_key = {SECRET}\n"
        )
    old = Target(profile="slow", read_timeout=1.0)
    session = ConsoleSession(ConsoleOptions(target=old, journal_path=tmp_path / "j.sqlite3"))
    outcome: list[BaseException | Identity] = []

    def connect_old() -> None:
        try:
            outcome.append(session.connect())
        except BaseException as raised:
            outcome.append(raised)

    slow = threading.Thread(target=connect_old)
    try:
        slow.start()
        time.sleep(0.3)  # the old connect is waiting for STS
        identity = session.switch(session.target_for_profile("local-a"))
        slow.join(timeout=20)
        [late] = outcome
        assert isinstance(late, EcrCallError) and late.code == "Superseded"
        assert identity.profile == "local-a"
        assert session.endpoint != f"http://127.0.0.1:{port}"
        assert session.target.profile == "local-a"
    finally:
        session.close()
        silent.close()


async def test_profile_names_and_answers_are_data_not_markup() -> None:
    hostile = "ops[/]\x1b[31m[bold]x"

    def ask(target: Target) -> CallerIdentity:
        return CallerIdentity(account="[red]1", arn="arn:[/]\x07")

    screen = ProfileScreen(hostile, Target, list_profiles=lambda: [(hostile, "[b]r")], ask=ask)
    host = ScreenHost(lambda: screen)
    async with host.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: bool(screen.answers), what="the answer")
        await pilot.pause()
        assert cell(screen, hostile, 1) == "ops[/]\\x1b[31m[bold]x"
        assert cell(screen, hostile, 2) == "[b]r"
        assert cell(screen, hostile, 3) == "[red]1 · arn:[/]\\x07"
