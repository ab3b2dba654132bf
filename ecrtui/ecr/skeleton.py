"""`--generate-cli-skeleton input|yaml-input|output`, from ECR's operation model, as the aws CLI.

The shapes come from botocore's ECR model file, read by `ecrtui.ecr.model_files` without
importing botocore, so printing a skeleton starts as fast as Python does. The values follow
botocore's ArgumentGenerator, which the aws CLI prints: empty strings, 0, 0.0, true, one list
element, a `KeyName` per map, 1970-01-01 for timestamps, and `{}` where a structure would
contain itself. An enum member shows its first value (the aws CLI picks one at random). Output
samples name each string after its member, as the aws CLI v2 does.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

SKELETON_MODES = ("input", "yaml-input", "output")

_EPOCH = "1970-01-01T00:00:00"  # a timestamp in an output sample, as the aws CLI v2 prints it


def to_json(data: Any) -> str:
    """JSON as the aws CLI prints it: four-space indent, non-ASCII kept, a final newline."""
    return json.dumps(data, indent=4, ensure_ascii=False) + "\n"


class OperationShapes:
    """An operation's input and output shapes, read from the service model's JSON.

    A shape is its dict in the model with the member's own traits (its documentation, say)
    merged over it, as botocore resolves a member."""

    def __init__(self, operation: str, description: dict[str, Any] | None = None) -> None:
        if description is None:
            from ecrtui.ecr.model_files import service_description

            description = service_description()
        try:
            self.model = description["operations"][operation]
        except KeyError:
            raise ValueError(f"ECR has no operation named {operation!r}") from None
        self.name = operation
        self._shapes: dict[str, Any] = description["shapes"]

    def shape(self, reference: dict[str, Any]) -> dict[str, Any]:
        return {**self._shapes[reference["shape"]], **reference}

    @property
    def input(self) -> dict[str, Any] | None:
        reference = self.model.get("input")
        return self.shape(reference) if reference else None

    @property
    def output(self) -> dict[str, Any] | None:
        reference = self.model.get("output")
        return self.shape(reference) if reference else None

    def members(self, shape: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return {name: self.shape(ref) for name, ref in shape.get("members", {}).items()}

    def sample(self, shape: dict[str, Any], *, member_names: bool = False) -> Any:
        """A value of this shape as botocore's ArgumentGenerator makes it (with
        use_member_names=`member_names`); timestamps as text."""
        return self._sample(shape, [], "", member_names)

    def _sample(self, shape: dict[str, Any], stack: list[str], name: str, named: bool) -> Any:
        stack.append(shape["shape"])
        try:
            kind = shape["type"]
            if kind == "structure":
                if stack.count(shape["shape"]) > 1:
                    return {}
                return {
                    member: self._sample(member_shape, stack, member, named)
                    for member, member_shape in self.members(shape).items()
                }
            if kind == "list":
                element = self.shape(shape["member"])
                return [self._sample(element, stack, element["shape"] if named else "", named)]
            if kind == "map":
                return {"KeyName": self._sample(self.shape(shape["value"]), stack, "", named)}
            if kind == "string":
                if named:
                    return name
                enum = shape.get("enum")
                return enum[0] if enum else ""
            if kind in ("integer", "long"):
                return 0
            if kind in ("float", "double"):
                return 0.0
            if kind == "boolean":
                return True
            if kind == "timestamp":
                return _EPOCH
            return None  # a blob: ArgumentGenerator leaves it out of its values
        finally:
            stack.pop()


def _operation(operation: str | Any) -> OperationShapes:
    """The shapes of an operation given by name, or by botocore's model of it (its `.name`)."""
    return OperationShapes(operation if isinstance(operation, str) else operation.name)


def input_skeleton(operation: str | Any) -> str:
    """The JSON a user fills in for --cli-input-json: every member with an empty value."""
    shapes = _operation(operation)
    shape = shapes.input
    return to_json(shapes.sample(shape) if shape else {})


def yaml_input_skeleton(operation: str | Any) -> str:
    """The YAML for --cli-input-yaml, each top-level member commented with its documentation."""
    import yaml

    shapes = _operation(operation)
    shape = shapes.input
    if shape is None:
        return "{}\n"
    skeleton = shapes.sample(shape)
    required = set(shape.get("required", ()))
    members = shapes.members(shape)
    lines: list[str] = []
    for member, value in skeleton.items():
        block = yaml.safe_dump({member: value}, default_flow_style=False, sort_keys=False)
        first, _, rest = block.partition("\n")
        note = ("[REQUIRED] " if member in required else "") + summary(members[member])
        lines.append(f"{first}  # {note}".rstrip() + "\n" + rest)
    return "".join(lines)


def output_skeleton(operation: str | Any) -> str:
    """A sample of the output: each member's value is its own name, as in the aws CLI v2."""
    shapes = _operation(operation)
    shape = shapes.output
    if shape is None:
        return ""
    return to_json(shapes.sample(shape, member_names=True))


def summary(shape: dict[str, Any], limit: int = 120) -> str:
    """The first sentence of a shape's documentation, as plain text."""
    text = plain_text(shape.get("documentation") or "")
    sentence = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "…"


def plain_text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())
