"""`ecrtui config path|show`, and the console refusing an invalid config file before its first
frame."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ecrtui.cli.config_command import main
from ecrtui.config import load_settings

from .helpers import CLOSED_PORT_URL, CONFIG, USAGE, ecrtui


def config_file() -> Path:
    return Path(os.environ["ECRTUI_CONFIG_FILE"])


def write_config(text: str) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_path_prints_the_file_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["path"]) == 0
    assert capsys.readouterr().out == f"{config_file()}\n"


def test_show_without_a_file_prints_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show"]) == 0
    out = capsys.readouterr().out
    assert f"# ecrtui settings: {config_file()} (no such file: every value is the default)" in out
    lines = out.splitlines()
    assert 'theme = "textual-dark"  # default' in lines
    assert 'part_size = "10 MiB"  # default: the partSize ECR gives' in lines
    assert 'confirm = "live"  # default: ask before sending outside demo mode' in lines
    assert "read_only = false  # default" in lines
    assert 'push = "n"  # default: Push a layer from a file' in lines
    assert any(line.startswith('"push.start" = "ctrl+s"  # default') for line in lines)


def test_show_says_what_the_file_sets(capsys: pytest.CaptureFixture[str]) -> None:
    write_config(
        '# mine\ntheme = "nord"\npart_size = 6291456\nconfirm = "always"\n'
        'read_only = true\n[keys]\npush = "N"\n"push.start" = "ctrl+g"\n'
    )
    assert main(["show"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert 'theme = "nord"  # file' in lines
    assert 'part_size = "6 MiB"  # file' in lines
    assert 'confirm = "always"  # file: ask before sending, in demo mode too' in lines
    assert "read_only = true  # file" in lines
    assert 'push = "N"  # file (default "n"): Push a layer from a file' in lines
    assert 'complete = "c"  # default: Fill the completion form from the selected upload' in lines
    assert any(line.startswith('"push.start" = "ctrl+g"  # file') for line in lines)


def test_what_show_prints_can_be_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Pasted into the file, the output reads back as the same settings."""
    write_config('theme = "nord"\n[keys]\npush = "N"\n')
    assert main(["show"]) == 0
    pasted = tmp_path / "pasted.toml"
    pasted.write_text(capsys.readouterr().out, encoding="utf-8")
    settings = load_settings(pasted)
    assert settings.theme == "nord" and settings.keys["push"] == "N"
    assert settings.keys["complete"] == "c" and settings.part_size == 10 * 1024 * 1024


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('theme = "nord"\n\nread_only = 1\n', "line 3: read_only: must be true or false"),
        ('[keys]\npush = "N"\nlaunch = "l"\n', "line 3: keys.launch: no binding has the id"),
        ('theme = "beige"\n', "line 1: theme: no such theme: 'beige'"),
        ('part_size = "1 GiB"\n', "line 1: part_size: 1024 MiB is over the largest part"),
        ('theme = "nord\n', "line 1: not valid TOML"),
    ],
)
def test_show_reports_an_invalid_file(
    capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = write_config(text)
    assert main(["show"]) == CONFIG
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"ecrtui: config file {path}, {message}")
    assert len(captured.err.strip().splitlines()) == 1


def test_without_a_subcommand_or_with_a_wrong_one_is_a_usage_error() -> None:
    result = ecrtui("config")
    assert result.returncode == USAGE
    assert "required: {path,show}" in result.stderr
    assert ecrtui("config", "edit").returncode == USAGE


def test_help_explains_both() -> None:
    result = ecrtui("config", "--help")
    assert result.returncode == 0
    assert "path    print the path of the config file in use" in result.stdout
    assert "show    print every setting" in result.stdout
    assert "ECRTUI_CONFIG_FILE" in result.stdout
    assert "config" in ecrtui("--help").stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('read_only = "no"\n', "line 1: read_only: must be true or false"),
        ('\n[keys]\nlaunch = "l"\n', "line 3: keys.launch: no binding has the id 'launch'"),
    ],
)
def test_the_console_refuses_an_invalid_file_before_its_first_frame(
    text: str, message: str
) -> None:
    path = write_config(text)
    result = ecrtui("--endpoint-url", CLOSED_PORT_URL, "--region", "us-east-1")
    assert result.returncode == CONFIG
    assert result.stderr.startswith(f"ecrtui: config file {path}, {message}")
    assert len(result.stderr.splitlines()) == 1
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_read_only_and_read_write_together_is_a_usage_error() -> None:
    result = ecrtui("--read-only", "--read-write")
    assert result.returncode == USAGE
    assert "not allowed with argument" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="a directory cannot be read as a file")
def test_an_unreadable_file_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    config_file().mkdir(parents=True)
    assert main(["show"]) == CONFIG
    assert "cannot be read" in capsys.readouterr().err
