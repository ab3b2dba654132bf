"""Image manifests as PutImage takes them: what is checked before one is stored.

A manifest that is not a JSON object, nests deeper than any manifest does, or has members of the
wrong type where ECR and its clients read them is refused (InvalidParameterException through the
API, MANIFEST_INVALID or UNSUPPORTED through the registry face), so nothing that reads stored
manifests later (DescribeImages' sizes, BatchGetImage, the registry's GETs) meets one it cannot
read. Nothing here imports moto.
"""

from __future__ import annotations

import json
from typing import Any

# A manifest nests about 4 deep (an index, its descriptors, their annotations); deeper is refused
# before anything walks it recursively.
MAX_MANIFEST_DEPTH = 32
INVALID_JSON = "Invalid JSON syntax"


class InvalidManifest(ValueError):
    """A manifest ECR would refuse; `rule` is the constraint it breaks, as PutImage words it."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


def parse_manifest(text: str) -> dict[str, Any]:
    """An image manifest as a JSON object, or InvalidManifest.

    Text that is not a JSON object (NaN and lone surrogates included) is 'Invalid JSON syntax', as
    ECR words it. A document nested deeper than MAX_MANIFEST_DEPTH, or whose members ECR reads
    (schemaVersion, mediaType, artifactType, config, layers, manifests, subject, annotations) have
    the wrong type, is refused too, so no such manifest is ever stored."""
    try:
        text.encode("utf-8")
        document = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError, UnicodeError):
        raise InvalidManifest(INVALID_JSON) from None
    if not isinstance(document, dict):
        raise InvalidManifest(INVALID_JSON)
    if nested_deeper_than(document, MAX_MANIFEST_DEPTH):
        raise InvalidManifest(f"Manifest nests deeper than {MAX_MANIFEST_DEPTH} levels")
    problem = _manifest_problem(document)
    if problem:
        raise InvalidManifest(f"Invalid manifest: {problem}")
    return document


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Whether parsed JSON nests lists and objects more than `limit` deep (walked without
    recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if not isinstance(item, (dict, list)):
            continue
        if depth > limit:
            return True
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children)
    return False


def _manifest_problem(document: dict[str, Any]) -> str | None:
    version = document.get("schemaVersion", 2)
    if not isinstance(version, int) or isinstance(version, bool):
        return "schemaVersion must be an integer"
    for name in ("mediaType", "artifactType"):
        if name in document and not isinstance(document[name], str):
            return f"{name} must be a string"
    for name in ("config", "subject"):
        if name in document:
            problem = _descriptor_problem(document[name], name)
            if problem:
                return problem
    for name in ("layers", "manifests"):
        if name not in document:
            continue
        items = document[name]
        if not isinstance(items, list):
            return f"{name} must be a list of descriptors"
        for index, item in enumerate(items):
            problem = _descriptor_problem(item, f"{name}[{index}]")
            if problem:
                return problem
    return _annotations_problem(document, "annotations")


def _descriptor_problem(descriptor: Any, where: str) -> str | None:
    if not isinstance(descriptor, dict):
        return f"{where} must be a descriptor (an object)"
    if not isinstance(descriptor.get("digest"), str):
        return f"{where}.digest must be a string"
    size = descriptor.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return f"{where}.size must be a non-negative integer"
    if "mediaType" in descriptor and not isinstance(descriptor["mediaType"], str):
        return f"{where}.mediaType must be a string"
    return _annotations_problem(descriptor, f"{where}.annotations")


def _annotations_problem(holder: dict[str, Any], where: str) -> str | None:
    annotations = holder.get("annotations")
    if annotations is None and "annotations" not in holder:
        return None
    if not isinstance(annotations, dict) or not all(
        isinstance(value, str) for value in annotations.values()
    ):
        return f"{where} must map strings to strings"
    return None
