"""ecrtui's settings: one TOML file, each setting's meaning, and its errors with their line.

The file lives in the user config directory (`ecrtui config path` prints it; ECRTUI_CONFIG_FILE
overrides it). Every setting is optional:

    theme = "nord"            # a Textual theme; the theme picked in the console is saved here
    part_size = "10 MiB"      # the push form's part size (5 MiB to 10 MiB, ECR's limits)
    confirm = "always"        # "live" (the default): ask before sending outside demo mode;
                              # "always": in demo mode too
    read_only = true          # start read-only (`ecrtui --read-write` overrides it for one run)

    [keys]                    # a binding id = the keys for it
    push = "N"

Theme names and binding ids belong to the console: the caller that knows them passes them in,
so this module reads the file without Textual.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover (Python 3.10)
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

from ecrtui.ecr.limits import MAX_PART_SIZE, MIN_PART_SIZE, MiB, size_words
from ecrtui.uploads.sizes import parse_size

CONFIG_FILE_ENV = "ECRTUI_CONFIG_FILE"
DEFAULT_THEME = "textual-dark"  # Textual's own default
Confirm = Literal["live", "always"]
CONFIRM_CHOICES: tuple[Confirm, ...] = ("live", "always")
# The settings in the order `ecrtui config show` prints them.
SETTINGS = ("theme", "part_size", "confirm", "read_only", "keys")
_TYPES = {
    "theme": "a string (a theme name)",
    "part_size": 'a size: bytes, or a string like "10 MiB"',
    "confirm": 'a string: "live" or "always"',
    "read_only": "true or false",
    "keys": 'a table of binding ids and keys, e.g. [keys] push = "N"',
}
_KEY_PART = re.compile(r"[^\s,]+")


class ConfigError(Exception):
    """The config file cannot be used: which key (None for the whole file), on which line."""

    def __init__(
        self, key: str | None, line: int | None, message: str, path: Path | None = None
    ) -> None:
        super().__init__(message)
        self.key = key
        self.line = line
        self.message = message
        self.path = path

    def __str__(self) -> str:
        where = f"config file {self.path}" if self.path is not None else "config file"
        if self.line is not None:
            where += f", line {self.line}"
        what = f"{self.key}: " if self.key else ""
        return f"{where}: {what}{self.message}"


@dataclass(frozen=True)
class Settings:
    """The effective settings; `from_file` names the ones the file sets (the rest are defaults)."""

    path: Path
    theme: str = DEFAULT_THEME
    keys: dict[str, str] = field(default_factory=dict)
    part_size: int | None = None  # None: the partSize ECR gives
    confirm: Confirm = "live"
    read_only: bool = False
    from_file: frozenset[str] = frozenset()
    text: str = field(default="", repr=False, compare=False)  # the file as read

    def source(self, setting: str) -> str:
        """'file' or 'default'."""
        return "file" if setting in self.from_file else "default"

    def read_only_for(self, *, read_only: bool, read_write: bool) -> bool:
        """Whether the console starts read-only: --read-only forces it, and --read-write lifts
        the file's read_only = true for one run."""
        return read_only or (self.read_only and not read_write)


def config_path() -> Path:
    """The config file in use: ECRTUI_CONFIG_FILE, else config.toml in the user config dir."""
    override = os.environ.get(CONFIG_FILE_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_config_path("ecrtui", appauthor=False) / "config.toml"


def load_settings(
    path: Path,
    *,
    themes: Collection[str] | None = None,
    binding_ids: Collection[str] | None = None,
) -> Settings:
    """The settings in `path` (all defaults if there is no such file); ConfigError if the file
    cannot be used. Theme names and binding ids are checked when given (see `check_names`)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(path=path)
    except OSError as error:
        raise ConfigError(None, None, f"cannot be read: {error.strerror or error}", path) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise ConfigError(None, line, "not UTF-8 text", path) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        at = int(found.group(1)) if found else None
        raise ConfigError(None, at, f"not valid TOML: {error}", path) from None
    settings = _settings(path, text, data)
    check_names(settings, themes=themes, binding_ids=binding_ids)
    return settings


def _settings(path: Path, text: str, data: dict[str, Any]) -> Settings:
    def fail(key: str, message: str, table: str | None = None) -> ConfigError:
        shown = f"{table}.{key}" if table else key
        return ConfigError(shown, line_of(text, key, table), message, path)

    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in _TYPES:
            known = ", ".join(SETTINGS)
            raise fail(key, f"unknown setting (the settings are {known})")
        if key == "theme":
            if not isinstance(value, str) or not value:
                raise fail(key, f"must be {_TYPES[key]}")
        elif key == "part_size":
            value = _part_size(value, partial(fail, "part_size"))
        elif key == "confirm":
            if value == "never":
                raise fail(
                    key,
                    'there is no "never": outside demo mode the console always shows the '
                    'request first ("live" or "always")',
                )
            if value not in CONFIRM_CHOICES:
                raise fail(key, f"must be {_TYPES[key]}")
        elif key == "read_only":
            if not isinstance(value, bool):
                raise fail(key, f"must be {_TYPES[key]}")
        elif key == "keys":
            if not isinstance(value, dict):
                raise fail(key, f"must be {_TYPES[key]}")
            for binding_id, keys in value.items():
                if isinstance(keys, dict):
                    dotted = f"{binding_id}.{next(iter(keys), '')}"
                    message = f'a binding id with a dot is quoted: "{dotted}" = ...'
                    raise fail(binding_id, message, "keys")
                if not isinstance(keys, str) or not _keys_ok(keys):
                    raise fail(
                        binding_id,
                        'must be a string of keys, e.g. "N", "ctrl+n" or "ctrl+n,N"',
                        "keys",
                    )
            value = dict(value)
        values[key] = value
    return Settings(path=path, from_file=frozenset(values), text=text, **values)


def _keys_ok(keys: str) -> bool:
    parts = keys.split(",")
    return all(_KEY_PART.fullmatch(part.strip()) for part in parts)


def _part_size(value: Any, fail: Callable[[str], ConfigError]) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise fail(f"must be {_TYPES['part_size']}")
    if isinstance(value, str):
        try:
            size = parse_size(value)
        except ValueError as error:
            raise fail(str(error)) from None
    else:
        size = value
    limits = f"ECR takes parts of {size_words(MIN_PART_SIZE)} to {size_words(MAX_PART_SIZE)}"
    if size > MAX_PART_SIZE:
        raise fail(f"{_size_text(size)} is over the largest part: {limits}")
    if size < MIN_PART_SIZE:
        raise fail(
            f"{_size_text(size)} is under the smallest part an upload can complete with: {limits}"
        )
    return size


def _size_text(size: int) -> str:
    return f"{size // MiB} MiB" if size > 0 and size % MiB == 0 else f"{size} bytes"


def part_size_toml(size: int) -> str:
    """A part size as the file writes it: "10 MiB", or a number of bytes."""
    return f'"{size // MiB} MiB"' if size % MiB == 0 else str(size)


def check_names(
    settings: Settings,
    *,
    themes: Collection[str] | None = None,
    binding_ids: Collection[str] | None = None,
) -> None:
    """ConfigError for a theme the console does not have, or a binding id it does not know."""

    def fail(key: str, message: str, table: str | None = None) -> ConfigError:
        shown = f"{table}.{key}" if table else key
        line = line_of(settings.text, key, table)
        return ConfigError(shown, line, message, settings.path)

    if themes is not None and "theme" in settings.from_file and settings.theme not in themes:
        raise fail("theme", f"no such theme: {settings.theme!r} (the themes: {_list(themes)})")
    if binding_ids is not None:
        for binding_id in settings.keys:
            if binding_id not in binding_ids:
                raise fail(
                    binding_id,
                    f"no binding has the id {binding_id!r} (`ecrtui config show` lists them)",
                    "keys",
                )


def _list(names: Collection[str]) -> str:
    return ", ".join(sorted(names))


# -- where a key is -------------------------------------------------------------------------------

_HEADER = re.compile(r"\s*\[\s*([^\[\]]+?)\s*\]\s*(#.*)?$")


def _key_pattern(key: str) -> str:
    escaped = re.escape(key)
    return rf"(?:{escaped}|\"{escaped}\"|'{escaped}')"


def line_of(text: str, key: str, table: str | None = None) -> int | None:
    """The line (from 1) where `key` is set, in `table` (None: the top level), or None.

    A key in a table may be written in its [table], dotted at the top level (`keys.push = "N"`)
    or in an inline table (`keys = { push = "N" }`: the line of `keys`)."""
    own = re.compile(rf"\s*{_key_pattern(key)}\s*[=.]")  # `push = ..`, or dotted `push.x = ..`
    dotted = (
        re.compile(rf"\s*{_key_pattern(table)}\s*\.\s*{_key_pattern(key)}\s*=") if table else None
    )
    whole = re.compile(rf"\s*{_key_pattern(table)}\s*=") if table else None
    current: str | None = None
    fallback = None
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header:
            current = header.group(1).strip().strip("\"'")
            if table is not None and current == table and fallback is None:
                fallback = number
            continue
        if current == table and own.match(line):
            return number
        if current is None and dotted is not None and dotted.match(line):
            return number
        if current is None and whole is not None and whole.match(line) and fallback is None:
            fallback = number
    return fallback


# -- writing the theme back ---------------------------------------------------------------------

_THEME_LINE = re.compile(
    r"""(\s*(?:theme|"theme"|'theme')\s*=\s*)("(?:[^"\\]|\\.)*"|'[^']*')(.*)"""
)


def save_theme(path: Path, theme: str) -> None:
    """Set `theme` in the file, everything else kept as it was (comments too): the theme line is
    changed, or added before the first table. OSError if the file cannot be written."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        text = ""
    lines = text.splitlines(keepends=True)
    quoted = '"' + theme.replace("\\", "\\\\").replace('"', '\\"') + '"'
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    first_table = None
    for index, line in enumerate(lines):
        if _HEADER.match(line):
            first_table = index
            break
        found = _THEME_LINE.fullmatch(line.rstrip("\r\n"))
        if found:
            end = line[len(line.rstrip("\r\n")) :]
            lines[index] = found.group(1) + quoted + found.group(3) + end
            _write(path, "".join(lines))
            return
    added = f"theme = {quoted}{newline}"
    if first_table is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += newline
        lines.append(added)
    else:
        at = first_table
        while at > 0 and lines[at - 1].lstrip().startswith("#"):
            at -= 1  # the comments above a table belong to it
        while at > 0 and not lines[at - 1].strip():
            at -= 1  # right after the last setting, before the blank lines
        lines.insert(at, added + ("" if not lines[at].strip() else newline))
    _write(path, "".join(lines))


def _write(path: Path, text: str) -> None:
    """Replace the file at once: a reader sees the old text or the new, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    handle, temporary = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(text.encode("utf-8"))
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
