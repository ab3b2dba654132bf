"""The config file: defaults, each setting, each error with its key and line, and the theme
written back with the rest of the file kept as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ecrtui.config import (
    CONFIG_FILE_ENV,
    ConfigError,
    Settings,
    check_names,
    config_path,
    line_of,
    load_settings,
    save_theme,
)

MiB = 1024 * 1024
THEMES = {"textual-dark", "textual-light", "nord"}
IDS = {"push", "complete", "push.start"}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> Settings:
    return load_settings(path, themes=THEMES, binding_ids=IDS)


def error_of(path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        load(path)
    return raised.value


# -- where the file is ----------------------------------------------------------------------------


def test_the_environment_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CONFIG_FILE_ENV, str(tmp_path / "mine.toml"))
    assert config_path() == tmp_path / "mine.toml"


def test_without_the_environment_the_file_is_in_the_user_config_dir(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import platformdirs

    monkeypatch.delenv(CONFIG_FILE_ENV)
    expected = platformdirs.user_config_path("ecrtui", appauthor=False) / "config.toml"
    assert config_path() == expected


def test_tests_never_read_the_real_config(tmp_path: Path) -> None:
    assert os.environ[CONFIG_FILE_ENV] == str(tmp_path / "config" / "config.toml")


# -- reading ---------------------------------------------------------------------------------------


def test_no_file_means_every_default(tmp_path: Path) -> None:
    settings = load(tmp_path / "absent.toml")
    assert settings == Settings(path=tmp_path / "absent.toml")
    assert (settings.theme, settings.keys, settings.part_size) == ("textual-dark", {}, None)
    assert (settings.confirm, settings.read_only) == ("live", False)
    assert settings.from_file == frozenset()
    assert settings.source("theme") == "default"


def test_every_setting_from_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '# mine\ntheme = "nord"\npart_size = "6 MiB"\nconfirm = "always"\nread_only = true\n'
        '\n[keys]\npush = "N"\n"push.start" = "ctrl+g"\n',
    )
    settings = load(path)
    assert settings.theme == "nord"
    assert settings.part_size == 6 * MiB
    assert settings.confirm == "always"
    assert settings.read_only is True
    assert settings.keys == {"push": "N", "push.start": "ctrl+g"}
    assert settings.from_file == {"theme", "part_size", "confirm", "read_only", "keys"}
    assert settings.source("theme") == "file"


@pytest.mark.parametrize(
    ("written", "size"),
    [("5242880", 5 * MiB), ('"10MiB"', 10 * MiB), ('"7.5 MiB"', 7 * MiB + MiB // 2)],
)
def test_a_part_size_in_bytes_or_with_a_unit(tmp_path: Path, written: str, size: int) -> None:
    assert load(write(tmp_path, f"part_size = {written}\n")).part_size == size


# -- errors, each with its key and line -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key", "line", "words"),
    [
        ("# a comment\n\ntheme = 3\n", "theme", 3, "must be a string"),
        ('theme = "nord"\nread_only = "yes"\n', "read_only", 2, "true or false"),
        ('\n\ncolour = "red"\n', "colour", 3, "unknown setting"),
        ('theme = "no-such"\n', "theme", 1, "no such theme: 'no-such'"),
        ('\npart_size = "lots"\n', "part_size", 2, "not a size: 'lots'"),
        ('part_size = "3 MiB"\n', "part_size", 1, "3 MiB is under the smallest part"),
        ("part_size = 20971520\n", "part_size", 1, "20 MiB is over the largest part"),
        ("part_size = true\n", "part_size", 1, "must be a size"),
        ('confirm = "never"\n', "confirm", 1, 'there is no "never"'),
        ('confirm = "sometimes"\n', "confirm", 1, '"live" or "always"'),
        ('theme = "nord"\n\n[keys]\npush = "N"\nfly = "f"\n', "keys.fly", 5, "'fly'"),
        ('[keys]\npush = ""\n', "keys.push", 2, "must be a string of keys"),
        ("[keys]\npush = 1\n", "keys.push", 2, "must be a string of keys"),
        ('keys.fly = "f"\n', "keys.fly", 1, "no binding has the id 'fly'"),
        ("keys = 3\n", "keys", 1, "must be a table"),
        ('\n[keys]\npush.start = "x"\n', "keys.push", 3, 'quoted: "push.start"'),
    ],
)
def test_an_error_names_the_key_and_its_line(
    tmp_path: Path, text: str, key: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    error = error_of(path)
    assert (error.key, error.line) == (key, line)
    assert words in error.message
    assert str(error) == f"config file {path}, line {line}: {key}: {error.message}"


def test_a_toml_syntax_error_has_its_line(tmp_path: Path) -> None:
    error = error_of(write(tmp_path, 'theme = "nord"\n\npart_size = \n'))
    assert error.key is None and error.line == 3
    assert "not valid TOML" in error.message and "line 3" in error.message


def test_a_file_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b'theme = "nord"\n# \xff\n')
    error = error_of(path)
    assert (error.line, error.message) == (2, "not UTF-8 text")


def test_names_are_checked_only_when_known(tmp_path: Path) -> None:
    """Without Textual, the file is read; theme and binding names are checked by the caller."""
    path = write(tmp_path, 'theme = "someday"\n[keys]\nfly = "f"\n')
    settings = load_settings(path)
    assert settings.theme == "someday" and settings.keys == {"fly": "f"}
    with pytest.raises(ConfigError) as raised:
        check_names(settings, themes=THEMES)
    assert (raised.value.key, raised.value.line) == ("theme", 1)
    with pytest.raises(ConfigError) as raised:
        check_names(settings, binding_ids=IDS)
    assert (raised.value.key, raised.value.line) == ("keys.fly", 3)


def test_line_of_finds_a_key_in_its_table_only() -> None:
    text = 'push = 1\n[other]\npush = 2\n[ "keys" ]  # mine\n  push = "N"\n'
    assert line_of(text, "push") == 1
    assert line_of(text, "push", "keys") == 5
    assert line_of(text, "absent") is None
    assert line_of('keys = { push = "N" }\n', "push", "keys") == 1


# -- the theme written back -----------------------------------------------------------------------


def test_the_theme_line_changes_and_nothing_else(tmp_path: Path) -> None:
    before = (
        "# ecrtui, by hand\n"
        'theme = "nord"   # the dark one\n'
        "read_only = true\n"
        "\n"
        "# my keys\n"
        "[keys]\n"
        'push = "N"\n'
    )
    path = write(tmp_path, before)
    path.chmod(0o600)
    save_theme(path, "textual-light")
    after = path.read_text(encoding="utf-8")
    assert after == before.replace('"nord"', '"textual-light"')
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load(path).theme == "textual-light"


def test_a_missing_theme_is_added_before_the_first_table(tmp_path: Path) -> None:
    before = 'read_only = true\n\n# my keys\n[keys]\npush = "N"\n'
    path = write(tmp_path, before)
    save_theme(path, "nord")
    after = path.read_text(encoding="utf-8")
    assert after == 'read_only = true\ntheme = "nord"\n\n# my keys\n[keys]\npush = "N"\n'
    settings = load(path)
    assert (settings.theme, settings.keys, settings.read_only) == ("nord", {"push": "N"}, True)


def test_a_theme_inside_a_table_is_not_the_setting(tmp_path: Path) -> None:
    path = write(tmp_path, '[keys]\ntheme = "x"\n')
    save_theme(path, "nord")
    assert path.read_text(encoding="utf-8") == 'theme = "nord"\n\n[keys]\ntheme = "x"\n'


def test_a_new_file_holds_only_the_theme(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / "config.toml"
    save_theme(path, "nord")
    assert path.read_text(encoding="utf-8") == 'theme = "nord"\n'
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary left


def test_a_file_without_a_final_newline_keeps_its_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "read_only = true")
    save_theme(path, "nord")
    assert path.read_text(encoding="utf-8") == 'read_only = true\ntheme = "nord"\n'


@pytest.mark.parametrize(
    ("in_file", "read_only", "read_write", "expected"),
    [
        (False, False, False, False),
        (True, False, False, True),
        (True, False, True, False),  # --read-write: this run only
        (False, True, False, True),  # --read-only still forces it
        (True, True, False, True),
    ],
)
def test_read_only_from_the_file_and_the_flags(
    tmp_path: Path, in_file: bool, read_only: bool, read_write: bool, expected: bool
) -> None:
    settings = load(write(tmp_path, f"read_only = {str(in_file).lower()}\n"))
    assert settings.read_only_for(read_only=read_only, read_write=read_write) is expected
