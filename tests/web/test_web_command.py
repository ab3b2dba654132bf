"""`ecrtui web`'s command line, without a browser: what each tab's console is started with, and
what it says when textual-serve (the `web` extra) is missing."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest

from ecrtui.cli import web_command


@pytest.mark.parametrize(
    ("given", "passed"),
    [
        (["--demo", "--read-only"], ["--demo", "--read-only"]),
        (["--profile", "prod", "--read-write"], ["--profile", "prod", "--read-write"]),
    ],
)
def test_the_console_options_reach_each_tab_s_console(given: list[str], passed: list[str]) -> None:
    command = web_command.console_command(web_command.build_parser().parse_args(given))
    assert command.split()[-len(passed) :] == passed


def test_read_only_and_read_write_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        web_command.main(["--read-only", "--read-write"])
    assert "not allowed with" in capsys.readouterr().err


def test_without_textual_serve_it_says_which_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    found = importlib.util.find_spec

    def without_textual_serve(name: str, *args: Any) -> Any:
        return None if name == "textual_serve" else found(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", without_textual_serve)
    assert web_command.main(["--demo", "--port", "0"]) == 1
    assert "pip install 'ecrtui[web]'" in capsys.readouterr().err
