"""Server-side checks of ECR's input constraints, read from botocore's ECR service model.

botocore's client only checks required members, types and minimums; the real service also
enforces maximums and patterns, and answers with InvalidParameterException in this wording:
"Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular
expression '...''". The local backend reports the first problem it finds.

This checker is deliberately independent of the client-side validator in `ecrtui.ecr`, so that tests
can hold the two against each other.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
from typing import Any

from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from ecrtui.ecr.patterns import ModelPattern, model_pattern


def constraint_message(path: str, rule: str) -> str:
    return f"Invalid parameter at '{path}' failed to satisfy constraint: '{rule}'"


@functools.cache
def _compiled(pattern: str) -> ModelPattern:
    # RE2, as the client-side validator: Python's re backtracks exponentially on some patterns
    return model_pattern(pattern)


def first_violation(operation: OperationModel, params: Any) -> str | None:
    """The InvalidParameterException message for the first broken constraint, or None."""
    shape = operation.input_shape
    if shape is None:
        return None
    if not isinstance(params, dict):
        return constraint_message("request", "must be a JSON object")
    return _check(shape, params, "")


def decode_blobs(operation: OperationModel, params: dict[str, Any]) -> None:
    """Decode the request's top-level blob members (base64 text) in place, once, so neither the
    checks nor the handler decode them again. A blob that is not base64 is left as it came, for
    `first_violation` to report."""
    shape = operation.input_shape
    if shape is None:
        return
    for name, member in shape.members.items():
        value = params.get(name)
        if member.type_name == "blob" and isinstance(value, str):
            with contextlib.suppress(binascii.Error, ValueError):
                params[name] = base64.b64decode(value, validate=True)


def _check(shape: Shape, value: Any, path: str) -> str | None:
    if value is None:
        return None
    if isinstance(shape, StructureShape):
        return _check_structure(shape, value, path)
    if isinstance(shape, ListShape):
        return _check_list(shape, value, path)
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return constraint_message(path, "must be a map")
        for key, item in value.items():
            problem = _check(shape.key, key, path) or _check(shape.value, item, f"{path}.{key}")
            if problem:
                return problem
        return None
    return _check_scalar(shape, value, path)


def _check_structure(shape: StructureShape, value: Any, path: str) -> str | None:
    if not isinstance(value, dict):
        return constraint_message(path, "must be a structure")
    for name in shape.required_members:
        if value.get(name) is None:
            return constraint_message(_join(path, name), "must not be null")
    for name, member in shape.members.items():
        problem = _check(member, value.get(name), _join(path, name))
        if problem:
            return problem
    return None


def _check_list(shape: ListShape, value: Any, path: str) -> str | None:
    if not isinstance(value, list):
        return constraint_message(path, "must be a list")
    problem = _check_length(shape, len(value), path)
    if problem:
        return problem
    for index, item in enumerate(value):
        problem = _check(shape.member, item, f"{path}[{index}]")
        if problem:
            return problem
    return None


def _check_scalar(shape: Shape, value: Any, path: str) -> str | None:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return constraint_message(path, "must be a string")
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            return constraint_message(path, f"must satisfy enum value set: [{', '.join(enum)}]")
        problem = _check_length(shape, len(value), path)
        if problem:
            return problem
        pattern = shape.metadata.get("pattern")
        if pattern and not _compiled(pattern).fullmatch(value):
            return constraint_message(path, f"must satisfy regular expression '{pattern}'")
        return None
    if kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            return constraint_message(path, f"must be a {kind}")
        low, high = shape.metadata.get("min"), shape.metadata.get("max")
        if low is not None and value < low:
            return constraint_message(path, f"must be greater than or equal to {low}")
        if high is not None and value > high:
            return constraint_message(path, f"must be less than or equal to {high}")
        return None
    if kind == "blob" and isinstance(value, bytes):  # decoded by `decode_blobs`
        return _check_length(shape, len(value), path)
    if kind == "blob":
        try:
            size = len(base64.b64decode(value, validate=True))
        except (binascii.Error, TypeError, ValueError):
            return constraint_message(path, "must be base64-encoded binary data")
        return _check_length(shape, size, path)
    if kind == "boolean" and not isinstance(value, bool):
        return constraint_message(path, "must be a boolean")
    return None


def _check_length(shape: Shape, length: int, path: str) -> str | None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and length < low:
        return constraint_message(path, f"must have length greater than or equal to {low}")
    if high is not None and length > high:
        return constraint_message(path, f"must have length less than or equal to {high}")
    return None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
