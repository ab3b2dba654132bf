"""The aws CLI's global options, accepted before or after the command, as the aws CLI does."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ecrtui.ecr.client import Target
from ecrtui.plain_text import visible_lines

if TYPE_CHECKING:
    import argparse

# option -> takes a value
GLOBAL_OPTIONS: dict[str, bool] = {
    "--profile": True,
    "--region": True,
    "--endpoint-url": True,
    "--output": True,
    "--query": True,
    "--cli-read-timeout": True,
    "--cli-connect-timeout": True,
    "--debug": False,
    "--no-verify-ssl": False,
    "--no-paginate": False,
}

OUTPUT_FORMATS = ("json", "yaml", "text")


class UsageError(Exception):
    """A bad command line: exit status 252, as the aws CLI v2 documents.

    The message often quotes what was typed (a value, a path, a JSON document, an unknown word);
    it keeps that text with its control characters escaped, so whichever command prints it, the
    terminal shows the input instead of obeying it."""

    def __init__(self, message: str) -> None:
        super().__init__(visible_lines(message))


@dataclass
class GlobalOptions:
    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    output: str = "json"
    query: str | None = None
    debug: bool = False
    read_timeout: float | None = None
    connect_timeout: float | None = None
    verify_ssl: bool = True
    paginate: bool = True
    given: list[str] = field(default_factory=list)

    def target(self) -> Target:
        return Target(
            profile=self.profile,
            region=self.region,
            endpoint_url=self.endpoint_url,
            read_timeout=self.read_timeout,
            connect_timeout=self.connect_timeout,
            verify_ssl=self.verify_ssl,
        )


def command_index(argv: list[str]) -> int | None:
    """Where the command word stands: the first word that is neither a global option nor the
    value of one, as the aws CLI reads a command line. None when there is none, or when another
    option comes first (e.g. the console's --demo).

    A value is never taken for the command: in `--profile uploads describe-repositories` the
    command is describe-repositories, and in `create-repository --repository-name uploads` it is
    create-repository."""
    index = 0
    while index < len(argv):
        name, has_inline, _ = argv[index].partition("=")
        if name not in GLOBAL_OPTIONS:
            return None if argv[index].startswith("-") else index
        index += 2 if GLOBAL_OPTIONS[name] and not has_inline else 1
    return None


def split_global_options(
    argv: list[str], keep: frozenset[str] = frozenset()
) -> tuple[GlobalOptions, list[str]]:
    """Take the global options out of argv wherever they stand; the rest keeps its order.

    Options in `keep` stay in the rest, for a command that gives them its own meaning."""
    options = GlobalOptions()
    rest: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        name, has_inline, inline = word.partition("=")
        if name not in GLOBAL_OPTIONS or name in keep:
            rest.append(word)
            index += 1
            continue
        if GLOBAL_OPTIONS[name]:
            if has_inline:
                value = inline
            elif index + 1 < len(argv):
                index += 1
                value = argv[index]
            else:
                raise UsageError(f"argument {name}: expected one argument")
            _apply(options, name, value)
        else:
            _apply(options, name, None)
        options.given.append(name)
        index += 1
    return options, rest


def _apply(options: GlobalOptions, name: str, value: str | None) -> None:
    if name == "--output":
        if value not in OUTPUT_FORMATS:
            choices = ", ".join(f"'{choice}'" for choice in OUTPUT_FORMATS)
            raise UsageError(
                f"argument --output: invalid choice: '{value}' (choose from {choices})"
            )
        options.output = value
    elif name in ("--cli-read-timeout", "--cli-connect-timeout"):
        seconds = _seconds(name, value or "")
        if name == "--cli-read-timeout":
            options.read_timeout = seconds
        else:
            options.connect_timeout = seconds
    elif name == "--endpoint-url":
        options.endpoint_url = _endpoint(value or "")
    elif name == "--debug":
        options.debug = True
    elif name == "--no-verify-ssl":
        options.verify_ssl = False
    elif name == "--no-paginate":
        options.paginate = False
    else:
        setattr(options, name[2:].replace("-", "_"), value)


def _endpoint(text: str) -> str:
    from urllib.parse import urlparse

    try:
        parsed = urlparse(text)
        parsed.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError as error:  # "http://[::1": Invalid IPv6 URL
        raise UsageError(f'Bad value for --endpoint-url "{text}": {error}') from None
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(
            f'Bad value for --endpoint-url "{text}": scheme is missing. Must be of the form '
            "http://<hostname>/ or https://<hostname>/"
        )
    return text


# The longest timeout taken (a day); 0 waits forever.
MAX_TIMEOUT_SECONDS = 86_400
# ASCII digits and at most one decimal point: float() alone would take "nan", "inf", "1e400"
# and full-width digits, which botocore refuses only when it connects.
_SECONDS = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def _seconds(name: str, text: str) -> float | None:
    """A timeout in seconds, 0 to MAX_TIMEOUT_SECONDS; 0 means none (block forever)."""
    if not _SECONDS.fullmatch(text.strip()):
        raise UsageError(f"argument {name}: invalid number of seconds: '{text}'")
    value = float(text)
    if value < 0:
        raise UsageError(f"argument {name}: must not be negative: '{text}'")
    if value > MAX_TIMEOUT_SECONDS:
        raise UsageError(
            f"argument {name}: at most {MAX_TIMEOUT_SECONDS} seconds (0 waits forever): '{text}'"
        )
    # As in the aws CLI, 0 means no timeout (block forever).
    return None if value == 0 else value


def add_global_help(parser: argparse.ArgumentParser, skip: set[str] | None = None) -> None:
    """Document the global options in a command's --help (they are parsed before argparse)."""
    group = _SkippingGroup(
        parser.add_argument_group("global options (before or after the command)"), skip or set()
    )
    group.add_argument("--profile", metavar="NAME", help="a profile from the AWS config files")
    group.add_argument("--region", metavar="REGION", help="the AWS region, e.g. us-east-1")
    group.add_argument("--endpoint-url", metavar="URL", help="send requests to this URL")
    group.add_argument("--output", choices=OUTPUT_FORMATS, help="output format (default: json)")
    group.add_argument("--query", metavar="JMESPATH", help="a JMESPath query on the response")
    group.add_argument("--debug", action="store_true", help="log every request (no secrets)")
    group.add_argument(
        "--cli-read-timeout", metavar="SECONDS", help="socket read timeout; 0 blocks forever"
    )
    group.add_argument(
        "--cli-connect-timeout", metavar="SECONDS", help="connect timeout; 0 blocks forever"
    )
    group.add_argument("--no-verify-ssl", action="store_true", help="skip TLS verification")
    group.add_argument(
        "--no-paginate", action="store_true", help="one call only, no automatic pagination"
    )


class _SkippingGroup:
    """An argument group that leaves out the options a command defines for itself."""

    def __init__(self, group: Any, skip: set[str]) -> None:
        self.group, self.skip = group, skip

    def add_argument(self, name: str, **kwargs: Any) -> None:
        if name not in self.skip:
            self.group.add_argument(name, **kwargs)
