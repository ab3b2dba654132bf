"""`--generate-cli-skeleton input|yaml-input|output`, from the operation model (as the aws CLI)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

SKELETON_MODES = ("input", "yaml-input", "output")


def to_json(data: Any) -> str:
    """JSON as the aws CLI prints it: four-space indent, non-ASCII kept, a final newline."""
    return json.dumps(data, indent=4, ensure_ascii=False) + "\n"


def input_skeleton(operation: Any) -> str:
    """The JSON a user fills in for --cli-input-json: every member with an empty value."""
    from botocore.utils import ArgumentGenerator

    shape = operation.input_shape
    return to_json(ArgumentGenerator().generate_skeleton(shape) if shape else {})


def yaml_input_skeleton(operation: Any) -> str:
    """The YAML for --cli-input-yaml, each top-level member commented with its documentation."""
    import yaml
    from botocore.utils import ArgumentGenerator

    shape = operation.input_shape
    if shape is None:
        return "{}\n"
    skeleton = json.loads(json.dumps(ArgumentGenerator().generate_skeleton(shape)))
    required = set(shape.required_members)
    lines: list[str] = []
    for member, value in skeleton.items():
        block = yaml.safe_dump({member: value}, default_flow_style=False, sort_keys=False)
        first, _, rest = block.partition("\n")
        note = ("[REQUIRED] " if member in required else "") + summary(shape.members[member])
        lines.append(f"{first}  # {note}".rstrip() + "\n" + rest)
    return "".join(lines)


def output_skeleton(operation: Any) -> str:
    """A sample of the output: each member's value is its own name, as in the aws CLI v2."""
    from botocore.utils import ArgumentGenerator

    shape = operation.output_shape
    if shape is None:
        return ""
    sample = ArgumentGenerator(use_member_names=True).generate_skeleton(shape)
    return json.dumps(sample, indent=4, ensure_ascii=False, default=_sample_value) + "\n"


def _sample_value(value: Any) -> Any:
    """Timestamps and blobs of an output sample, as the aws CLI v2 prints them."""
    import base64
    import datetime

    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not in an output sample")


def summary(shape: Any, limit: int = 120) -> str:
    """The first sentence of a shape's documentation, as plain text."""
    text = plain_text(getattr(shape, "documentation", "") or "")
    sentence = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def plain_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
