"""Command-line parameters generated from an operation's input shape, as the aws CLI does.

Each member becomes `--kebab-name`. Scalars take one value, lists of scalars take several, and
structures take JSON or the shorthand `Key=value,Other=value`. Any value may be `file://path` (the
file's text); blobs take `fileb://path` (the file's bytes) or base64 text.
"""

from __future__ import annotations

import argparse
import base64
import binascii
from collections.abc import Mapping
from typing import Any

from ecrtui.cli.global_options import UsageError
from ecrtui.cli.input_files import read_blob, read_text
from ecrtui.ecr.limits import MAX_PART_SIZE
from ecrtui.ecr.model import cli_name
from ecrtui.ecr.request_documents import load_json


def option_name(member: str) -> str:
    return "--" + cli_name(member)


def add_member_arguments(
    parser: argparse.ArgumentParser, shape: Any, rules: Mapping[str, list[str]]
) -> None:
    """One option per member of the input shape; help text from the model's rules."""
    if shape is None:
        return
    group = parser.add_argument_group("parameters")
    required = set(shape.required_members)
    for member, member_shape in shape.members.items():
        words = rules.get(member) or []
        text = "; ".join(words) or member_shape.type_name
        if member in required and "required" not in words:
            text = f"required; {text}"
        kind = member_shape.type_name
        if kind == "boolean":
            group.add_argument(
                option_name(member), dest=member, action="store_true", default=None, help=text
            )
            group.add_argument(
                "--no-" + cli_name(member),
                dest=member,
                action="store_false",
                help=argparse.SUPPRESS,
            )
        elif kind == "list" and member_shape.member.type_name not in ("structure", "list", "map"):
            group.add_argument(
                option_name(member), dest=member, nargs="+", metavar="VALUE", help=text
            )
        elif kind == "list":
            group.add_argument(
                option_name(member), dest=member, nargs="+", metavar="JSON", help=text
            )
        else:
            metavar = {"structure": "JSON", "map": "JSON", "blob": "fileb://PATH"}.get(
                kind, "VALUE"
            )
            group.add_argument(option_name(member), dest=member, metavar=metavar, help=text)


def parameters_from_arguments(shape: Any, parsed: argparse.Namespace) -> dict[str, Any]:
    """The request parameters the user gave on the command line, converted to their types."""
    params: dict[str, Any] = {}
    if shape is None:
        return params
    for member, member_shape in shape.members.items():
        raw = getattr(parsed, member, None)
        if raw is None:
            continue
        params[member] = convert(member_shape, raw, option_name(member))
    return params


def convert(shape: Any, raw: Any, where: str) -> Any:
    kind = shape.type_name
    if kind == "boolean" and isinstance(raw, bool):
        return raw
    if kind == "list":
        values = raw if isinstance(raw, list) else [raw]
        if len(values) == 1 and isinstance(values[0], str) and values[0].lstrip().startswith("["):
            return _json(read_text_param(values[0]), where)
        return [convert(shape.member, value, where) for value in values]
    if kind == "blob":
        # a file bigger than the model allows could never be sent: it is not read whole
        return _read_param_file(raw, where, shape.metadata.get("max", MAX_PART_SIZE))
    text = read_text_param(raw)
    if kind in ("integer", "long"):
        try:
            return int(text)
        except ValueError:
            raise UsageError(f"argument {where}: invalid integer value: '{text}'") from None
    if kind in ("float", "double"):
        try:
            return float(text)
        except ValueError:
            raise UsageError(f"argument {where}: invalid number value: '{text}'") from None
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise UsageError(f"argument {where}: expected true or false: '{text}'")
        return text.lower() == "true"
    if kind in ("structure", "map"):
        if text.lstrip().startswith("{"):
            return _json(text, where)
        pairs = _shorthand(text, where)
        if kind == "map":
            return pairs
        members = shape.members
        return {
            key: convert(members[key], value, f"{where} {key}") if key in members else value
            for key, value in pairs.items()
        }
    return text


def read_text_param(raw: Any) -> str:
    """A parameter value; `file://path` stands for the file's text, as in the aws CLI (a regular
    file of at most MAX_TEXT_BYTES)."""
    return read_text(str(raw))


def _read_param_file(raw: Any, where: str, limit: int) -> bytes:
    """A blob: `fileb://path` (a regular file of at most `limit` bytes) or base64 text."""
    value = str(raw)
    if value.startswith("fileb://"):
        return read_blob(value, where, limit)
    try:
        return base64.b64decode(read_text_param(value), validate=True)
    except (binascii.Error, ValueError):
        raise UsageError(
            f"argument {where}: expected fileb://PATH or base64-encoded bytes"
        ) from None


def _json(text: str, where: str) -> Any:
    try:
        return load_json(text)
    except ValueError as error:
        raise UsageError(
            f"Error parsing parameter '{where}': Invalid JSON: {error}\nJSON received: {text}"
        ) from None


def _shorthand(text: str, where: str) -> dict[str, str]:
    """The aws CLI's simplest shorthand: Key=value,Other=value."""
    result: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(
                f"Error parsing parameter '{where}': Expected: '=', received: '{pair}' "
                "(use JSON or Key=value,Key=value)"
            )
        result[key.strip()] = value.strip()
    return result
