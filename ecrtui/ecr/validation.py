"""Checks of ECR requests before they are sent, driven by botocore's ECR service model.

Every rule (required members, types, lengths, ranges, enums and patterns) is read from the model's
shapes at run time; nothing here copies ECR's regular expressions. On top of the model, layer
digests are held to what ECR actually computes: "sha256:" and 64 lower-case hex characters.

`validate` reports every problem at once, one per value, in member order; `field_rules` describes
the rules in plain words for help texts.
"""

from __future__ import annotations

import datetime
import difflib
import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ecrtui.ecr.encoded_parts import EncodedPart
from ecrtui.ecr.model import service_model
from ecrtui.ecr.patterns import ModelPattern, model_pattern
from ecrtui.ecr.short_repr import shorten as shorten  # where the console finds it too

DIGEST_LIKE = "a digest like sha256:<64 hex characters>"
_SHA256_DIGEST = re.compile("sha256:[0-9a-f]{64}")
# Shapes held to sha256 digests: the model's LayerDigest pattern accepts any "algo:hex".
# BatchCheckLayerAvailability's digests (BatchedOperationLayerDigest) are left to ECR, which
# answers a malformed one with an InvalidLayerDigest failure rather than an error, as the aws CLI
# lets it.
_DIGEST_SHAPES = frozenset({"LayerDigest"})

# Operator words for the patterns of well-known shapes: what a broken value is not (with {span}
# filled from the model's lengths), and what the pattern allows. The patterns come from the model.
_PATTERN_WORDS = {
    "RepositoryName": (
        "a repository name"
        " ({span} lowercase letters, digits and . _ - / separators, e.g. team/api)",
        "lowercase letters, digits and the separators . _ - /",
    ),
    "RegistryId": ("a registry id (the 12-digit AWS account id)", "the 12-digit AWS account id"),
    "UploadId": (
        "an upload id (a UUID such as 6cb64b8a-9378-4e33-8ab1-b780fa2c4e01)",
        "a UUID such as 6cb64b8a-9378-4e33-8ab1-b780fa2c4e01",
    ),
}

# Each model type: how to name it to an operator, and the Python types boto3 accepts for it.
_TYPES: dict[str, tuple[str, tuple[type, ...]]] = {
    "string": ("a string", (str,)),
    "integer": ("a whole number", (int,)),
    "long": ("a whole number", (int,)),
    "boolean": ("true or false", (bool,)),
    "blob": ("bytes", (bytes, bytearray, str, EncodedPart)),
    "list": ("a list", (list, tuple)),
    "structure": ("a structure", (Mapping,)),
    "map": ("a mapping", (Mapping,)),
    "timestamp": ("a date and time", (datetime.datetime, int, float, str)),
}


@dataclass(frozen=True)
class FieldProblem:
    """One broken rule: where (a member path), which rule, the value shortened, and plain words."""

    field: str
    rule: str
    value: str
    message: str


def validate(operation: str, params: Mapping[str, Any]) -> list[FieldProblem]:
    """Every problem at once (not just the first), in member order. Empty list: valid."""
    shape = _input_shape(operation)
    if not isinstance(params, Mapping):
        words = f"the parameters of {operation} are {_a(type(params).__name__)}, not a mapping"
        return [FieldProblem("", "type", shorten(params), words)]
    return list(_check_structure(shape, params, "", f"a parameter of {operation}"))


def field_rules(operation: str) -> dict[str, list[str]]:
    """For help texts and form tooltips: top-level member name -> plain-words rules."""
    shape = _input_shape(operation)
    return {
        name: (["required"] if name in shape.required_members else []) + _rules_of(member)
        for name, member in shape.members.items()
    }


# -- the model ------------------------------------------------------------------------------------


@functools.cache
def _input_shape(operation: str) -> Any:
    """The operation's input structure; ValueError for a name that is not an ECR operation."""
    model = service_model()
    if operation not in model.operation_names:
        close = difflib.get_close_matches(operation, model.operation_names, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"{operation!r} is not an ECR operation{hint}")
    return model.operation_model(operation).input_shape


def _compiled(pattern: str) -> ModelPattern:
    """The model's pattern, matched by RE2 in linear time (see `ecrtui.ecr.patterns`)."""
    return model_pattern(pattern)


# -- checks ---------------------------------------------------------------------------------------


def _check(shape: Any, value: Any, path: str) -> Iterator[FieldProblem]:
    """Problems of one value against its shape, descending into structures, lists and maps."""
    kind = shape.type_name
    problem = _type_problem(kind, value, path)
    if problem:
        yield problem
    elif kind == "structure":
        yield from _check_structure(shape, value, path, f"a member of {shape.name}")
    elif kind == "list":
        yield from _check_list(shape, value, path)
    elif kind == "map":
        for key, item in value.items():
            yield from _check(shape.key, key, f"{path}.{key}")
            yield from _check(shape.value, item, f"{path}.{key}")
    else:
        problem = _leaf_problem(shape, value, path)
        if problem:
            yield problem


def _check_structure(shape: Any, value: Any, path: str, owner: str) -> Iterator[FieldProblem]:
    """Missing, broken and unknown members, in the model's member order, unknown ones last."""
    for name, member in shape.members.items():
        where = f"{path}.{name}" if path else name
        if value.get(name) is None and name in shape.required_members:
            yield FieldProblem(where, "required", "", f"{where}: required, and missing")
        elif name in value:
            yield from _check(member, value[name], where)
    for key in value:
        if key not in shape.members:
            where = f"{path}.{key}" if path else str(key)
            yield _problem(where, "unknown", value[key], f"not {owner}{_suggestion(key, shape)}")


_SUGGEST_UP_TO = 100  # characters: no member's name is that long


def _suggestion(key: Any, shape: Any) -> str:
    """A suggestion such as " (did you mean repositoryName?)" for a key close to a member's
    name, or "" (also for a key too long to be a misspelt name)."""
    name = str(key)
    if len(name) > _SUGGEST_UP_TO:  # difflib's work grows with the length of the key
        return ""
    close = difflib.get_close_matches(name, list(shape.members), n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def _check_list(shape: Any, value: Any, path: str) -> Iterator[FieldProblem]:
    problem = _size_problem(shape, len(value), "item", path, value)
    if problem:
        yield problem
    for index, item in enumerate(value):
        yield from _check(shape.member, item, f"{path}[{index}]")


def _type_problem(kind: str, value: Any, path: str) -> FieldProblem | None:
    noun, accepted = _TYPES.get(kind, (kind, (object,)))
    if value is None:
        return _problem(path, "type", value, f"None is not {noun} (leave it out instead)")
    if isinstance(value, accepted) and not (isinstance(value, bool) and kind != "boolean"):
        return None
    if kind == "blob" and hasattr(value, "read"):
        return None  # a file object, as boto3 accepts; its size is not checked
    actual = _a(type(value).__name__)
    return _problem(path, "type", value, f"{shorten(value)} is {actual}, not {noun}")


def _leaf_problem(shape: Any, value: Any, path: str) -> FieldProblem | None:
    """The first problem of a scalar: length, range, enum, then pattern or digest."""
    kind = shape.type_name
    if kind == "blob" and not hasattr(value, "read"):
        # text stands for its UTF-8 bytes; a lone surrogate (JSON may spell one) for the 3 bytes
        # it would take, so the length check holds and ECR judges the rest
        size = len(value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value)
        return _size_problem(shape, size, "byte", path, value)
    if kind in ("integer", "long"):
        return _range_problem(shape, value, path)
    if kind != "string":
        return None
    return (
        _size_problem(shape, len(value), "character", path, value)
        or _enum_problem(shape, value, path)
        or _pattern_problem(shape, value, path)
    )


def _size_problem(shape: Any, size: int, unit: str, path: str, value: Any) -> FieldProblem | None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        rule, bound = "min-length", f"at least {low} needed"
    elif high is not None and size > high:
        rule, bound = "max-length", f"at most {high} allowed"
    else:
        return None
    amount = f"{size} {unit}" + ("" if size == 1 else "s")
    said = amount if unit == "item" else f"{shorten(value)} is {amount}"
    return _problem(path, rule, value, f"{said}, {bound}")


def _range_problem(shape: Any, value: int, path: str) -> FieldProblem | None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        return _problem(path, "min-value", value, f"{shorten(value)} is below the minimum of {low}")
    if high is not None and value > high:
        return _problem(
            path, "max-value", value, f"{shorten(value)} is above the maximum of {high}"
        )
    return None


def _enum_problem(shape: Any, value: str, path: str) -> FieldProblem | None:
    allowed = shape.metadata.get("enum")
    if not allowed or value in allowed:
        return None
    words = f"{shorten(value)} is not allowed, must be one of {', '.join(allowed)}"
    return _problem(path, "enum", value, words)


def _pattern_problem(shape: Any, value: str, path: str) -> FieldProblem | None:
    pattern = shape.metadata.get("pattern")
    fails_model = pattern is not None and not _compiled(pattern).fullmatch(value)
    if shape.name in _DIGEST_SHAPES:
        return _digest_problem(value, path, fails_model)
    if not fails_model:
        return None
    words = _PATTERN_WORDS.get(shape.name)
    if words:
        what = "is not " + words[0].format(span=_span(shape, ""))
    else:
        what = f"does not match the pattern {pattern}"
    return _problem(path, "pattern", value, f"{shorten(value)} {what}")


def _digest_problem(value: str, path: str, fails_model: bool) -> FieldProblem | None:
    """A layer digest must be sha256 in lower case: the only digests ECR ever computes."""
    if _SHA256_DIGEST.fullmatch(value):
        return None
    words = f"{shorten(value)} is not {DIGEST_LIKE}"
    if fails_model:
        return _problem(path, "pattern", value, words)
    if _SHA256_DIGEST.fullmatch(value.lower()):
        note = "ECR reports digests in lower case, so write the hex digits in lower case"
    elif value.startswith("sha256:"):
        note = "the API model would accept it, but a sha256 digest has exactly 64 hex characters"
    else:
        note = (
            "the API model would accept it, but ECR computes sha256 digests, so it can never match"
        )
    return _problem(path, "digest", value, f"{words} ({note})")


def _problem(path: str, rule: str, value: Any, words: str) -> FieldProblem:
    return FieldProblem(path, rule, shorten(value), f"{path}: {words}")


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"


# -- rules in words -------------------------------------------------------------------------------


def _rules_of(shape: Any) -> list[str]:
    """Plain-words rules of one shape, without "required"."""
    kind = shape.type_name
    if kind == "string":
        return _string_rules(shape) or ["any text"]
    if kind == "list":
        return [
            _span(shape, " items") or "a list",
            "each item: " + "; ".join(_rules_of(shape.member)),
        ]
    if kind == "structure":
        return [f"a structure of {', '.join(shape.members)}"]
    blob = kind == "blob"
    rules = [_TYPES.get(kind, (kind,))[0], _span(shape, " bytes" if blob else "", sizes=blob)]
    return [rule for rule in rules if rule]


def _string_rules(shape: Any) -> list[str]:
    rules = [_span(shape, " characters")]
    if shape.metadata.get("enum"):
        rules.append("one of " + ", ".join(shape.metadata["enum"]))
    pattern = shape.metadata.get("pattern")
    if shape.name in _DIGEST_SHAPES:
        rules.append(DIGEST_LIKE)
    elif pattern and shape.name in _PATTERN_WORDS:
        rules.append(f"{_PATTERN_WORDS[shape.name][1]}, matching {pattern}")
    elif pattern:
        rules.append(f"matching {pattern}")
    return [rule for rule in rules if rule]


def _span(shape: Any, unit: str, sizes: bool = True) -> str:
    """The bounds in words: "2-256 characters", "at least 0", "at most 100 items", or "".

    For sizes (`sizes=True`) a minimum of 0 says nothing, so it is left out."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if sizes and low == 0:
        low = None
    if low is not None and high is not None:
        return f"{low}-{high}{unit}"
    if low is not None:
        return f"at least {low}{unit}"
    return f"at most {high}{unit}" if high is not None else ""
