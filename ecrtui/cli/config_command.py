"""`ecrtui config`: where the config file is, and what each setting is and where it comes from."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, NoReturn

from ecrtui.cli import exit_codes

if TYPE_CHECKING:
    from ecrtui.config import Settings
    from ecrtui.tui.keymap import KeyDefault

DESCRIPTION = """\
The console's settings live in one TOML file (ECRTUI_CONFIG_FILE overrides its path):

  theme = "nord"          a Textual theme; the theme picked in the console is saved here
  part_size = "10 MiB"    the push form's part size (5 MiB to 10 MiB, ECR's limits)
  confirm = "always"      "live" (default): ask before each call outside demo mode;
                          "always": ask in demo mode too
  read_only = true        start read-only (--read-write overrides it for one run)

  [keys]                  a binding id = its keys (the ids: `ecrtui config show`)
  push = "N"

commands:
  path    print the path of the config file in use (it need not exist)
  show    print every setting: its effective value and where it comes from (default or file),
          as TOML that can be pasted into the file; an invalid file is reported with the key
          and line, and exit status 253
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        exit_codes.write_line(sys.stderr, f"{self.prog}: error: {message}")
        raise SystemExit(exit_codes.USAGE)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ecrtui config",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="{path,show}", parser_class=_Parser)
    commands.required = True
    commands.add_parser("path", help="print the path of the config file in use")
    commands.add_parser("show", help="print every setting, its value and where it comes from")
    return parser


def main(argv: Sequence[str]) -> int:
    from ecrtui.config import ConfigError, config_path, load_settings

    options = build_parser().parse_args(list(argv))
    path = config_path()
    if options.command == "path":
        exit_codes.write_line(sys.stdout, str(path))
        return exit_codes.OK
    from ecrtui.tui.keymap import binding_defaults, theme_names

    defaults = binding_defaults()
    try:
        settings = load_settings(path, themes=theme_names(), binding_ids=defaults)
    except ConfigError as error:
        exit_codes.write_line(sys.stderr, f"ecrtui: {error}")
        return exit_codes.CONFIG
    exit_codes.write_line(sys.stdout, show(settings, defaults, sorted(theme_names())))
    return exit_codes.OK


def show(settings: Settings, defaults: dict[str, KeyDefault], themes: list[str]) -> str:
    """The settings as TOML, each line saying where its value comes from."""
    from ecrtui.config import part_size_toml
    from ecrtui.ecr.limits import DEFAULT_PART_SIZE

    exists = "" if settings.path.exists() else " (no such file: every value is the default)"
    lines = [f"# ecrtui settings: {settings.path}{exists}"]

    def setting(name: str, value: str, note: str = "") -> None:
        lines.append(f"{name} = {value}  # {settings.source(name)}{note}")

    lines += textwrap.wrap(
        ", ".join(themes), 100, initial_indent="# themes: ", subsequent_indent="#   "
    )
    setting("theme", _string(settings.theme))
    if settings.part_size is None:
        setting("part_size", part_size_toml(DEFAULT_PART_SIZE), ": the partSize ECR gives")
    else:
        setting("part_size", part_size_toml(settings.part_size))
    note = ": ask before sending outside demo mode"
    if settings.confirm == "always":
        note = ": ask before sending, in demo mode too"
    setting("confirm", _string(settings.confirm), note)
    setting("read_only", "true" if settings.read_only else "false")
    lines += ["", "[keys]  # binding id = keys (several: comma-separated)"]
    for binding_id, default in defaults.items():
        keys = settings.keys.get(binding_id)
        where = "default" if keys is None else f"file (default {_string(default.keys)})"
        if default.words:
            where += f": {default.words}"
        lines.append(f"{_key(binding_id)} = {_string(keys or default.keys)}  # {where}")
    return "\n".join(lines)


def _string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _key(name: str) -> str:
    """A TOML key: bare if it can be, else quoted (binding ids may hold dots)."""
    bare = name.replace("-", "").replace("_", "").isalnum() and name.isascii()
    return name if bare else _string(name)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main(sys.argv[1:]))
