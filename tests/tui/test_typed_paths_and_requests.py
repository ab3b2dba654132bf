"""What the console makes of typed paths and pasted requests that are built to hurt: an unknown
user's `~name` while it is being typed, alias bombs and deep nesting. Each is refused in words,
never raised."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input

from ecrtui.tui.push_words import layer_path
from ecrtui.tui.screens.load_request_screen import RequestError, parse_request
from ecrtui.tui.screens.push_screen import PushLayerScreen
from ecrtui.tui.session import ConsoleOptions, ConsoleSession
from tests.tui.screen_apps import ScreenHost


def test_an_unknown_users_home_stays_as_typed() -> None:
    assert layer_path("~nosuchuser/layer.tar") == Path("~nosuchuser/layer.tar")
    assert layer_path("file://~nosuchuser") == Path("~nosuchuser")


async def test_typing_an_unknown_users_home_in_the_push_form_shows_a_problem() -> None:
    app = ScreenHost(lambda: PushLayerScreen(ConsoleSession(ConsoleOptions())))
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#push-file", Input).value = "~nosuchuser/layer.tar"
        await pilot.pause()
        assert app.is_running
        assert app.screen.query_one("#push-start").disabled


def laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join([*lines, "layerDigests: *i"])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (laughs(), "values once its aliases are expanded"),
        ("[" * 100_000, "nested more than 64 levels deep"),
        ("~nosuchuser/request.json", "not plain text (and no file has that name)"),
    ],
)
def test_hostile_requests_are_refused_in_words(text: str, words: str) -> None:
    with pytest.raises(RequestError) as raised:
        parse_request(text)
    assert words in str(raised.value)


@pytest.mark.parametrize("line", ["a" * 5000, "x/" * 3000, "bad\x00name"])
def test_a_line_no_file_could_be_named_is_read_as_a_request(line: str) -> None:
    with pytest.raises(RequestError):
        parse_request(line)  # not JSON or YAML of a request: refused in words, not OSError


@pytest.mark.parametrize("typed", ["a" * 5000, "d/" * 3000 + "f", "bad\x00name"])
def test_a_file_name_the_system_cannot_take_is_a_problem_of_the_push_form(typed: str) -> None:
    from ecrtui.tui.push_words import file_problems

    [problem] = file_problems(layer_path(typed))
    assert "not a file name this system takes" in problem.message or "not an existing" in (
        problem.message
    )


def test_a_number_too_long_to_print_fills_the_form_in_hexadecimal() -> None:
    from ecrtui.tui.widgets.complete_form import _as_text

    huge = int("f" * 5000, 16)
    assert _as_text(huge) == hex(huge)
    assert _as_text([huge, "sha256:" + "a" * 64]).startswith("0xfff")


def test_a_pasted_request_over_the_size_of_any_request_is_refused_before_parsing() -> None:
    huge = '{"uploadId": "' + "a" * (2 * 1024 * 1024) + '"}'
    with pytest.raises(RequestError, match="not a request"):
        parse_request(huge + "\n")
