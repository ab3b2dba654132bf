"""The aws CLI command equivalent to one ECR request, quoted so a shell reads it back unchanged.

`aws_cli_command("CompleteLayerUpload", request)` gives `aws ecr complete-layer-upload
--repository-name team/api --upload-id ... --layer-digests sha256:...` (on one line).
Flags come from the operation model in its member order, as the aws CLI derives its own. Lists of
scalars become separate words after one flag; structures, maps and lists of structures become one
JSON word. Every word goes through `shlex.quote`, so spaces, quotes, `$` and `;` stay literal.

A value the aws CLI would not read back as written raises `ValueError` instead of giving a command
that sends something else: raw bytes (write them to a file and use fileb://), values starting with
file://, fileb://, http:// or https:// (the aws CLI would fetch them), and unknown parameters.
"""

from __future__ import annotations

import datetime
import json
import shlex
from collections.abc import Mapping
from typing import Any

from ecrtui.ecr.model import cli_name, operation_model

# Prefixes the aws CLI (v1) replaces with the contents of a file or URL.
_FETCHED_PREFIXES = ("file://", "fileb://", "http://", "https://")


def aws_cli_command(
    operation: str,
    request: Mapping[str, Any],
    *,
    region: str | None = None,
    endpoint_url: str | None = None,
    profile: str | None = None,
) -> str:
    """The `aws ecr ...` command line that sends `request`; global options only when given."""
    shape = operation_model(operation).input_shape
    members = shape.members if shape is not None else {}
    unknown = [str(key) for key in request if key not in members]
    if unknown:
        raise ValueError(f"{operation} has no parameter named {', '.join(map(repr, unknown))}")
    words = ["aws", "ecr", cli_name(operation)]
    for name, member in members.items():
        value = request.get(name)
        if value is not None:
            words.extend(_member_words(cli_name(name), member, value))
    for flag, option in (("region", region), ("endpoint-url", endpoint_url), ("profile", profile)):
        if option:
            words.extend([f"--{flag}", option])
    return " ".join(shlex.quote(word) for word in words)


def _member_words(flag: str, shape: Any, value: Any) -> list[str]:
    """The words for one parameter: the flag and its value(s), unquoted."""
    kind = shape.type_name
    if kind == "boolean":
        return [f"--{flag}" if value else f"--no-{flag}"]
    if kind == "list" and shape.member.type_name not in ("structure", "map", "list"):
        items = [_scalar(shape.member, item, flag) for item in value]
        if items and all(not item.startswith(("-", "[")) for item in items):
            return [f"--{flag}", *items]
        # A leading "-" reads as an option and a leading "[" as JSON: say the list in JSON.
        return [f"--{flag}", json.dumps(items)]
    if kind in ("list", "structure", "map"):
        return [f"--{flag}", json.dumps(value, default=_json_default)]
    text = _scalar(shape, value, flag)
    # "--flag=-value": argparse would read a separate "-value" as an option.
    return [f"--{flag}={text}"] if text.startswith("-") else [f"--{flag}", text]


def _scalar(shape: Any, value: Any, flag: str) -> str:
    if isinstance(value, (bytes, bytearray)):
        raise ValueError(
            f"--{flag}: raw bytes cannot be written on a command line; "
            f"save them to a file and pass fileb://PATH"
        )
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    if shape.type_name in ("string", "blob") and text.lower().startswith(_FETCHED_PREFIXES):
        raise ValueError(
            f"--{flag}: the aws CLI would read {text!r} as a file or URL to fetch, "
            f"not as the value itself"
        )
    return text


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")
