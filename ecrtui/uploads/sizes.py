"""Sizes as operators write them (10MiB, 5M, 6.5MiB, 10485760), and what ECR makes of a part size.

ECR's limits themselves live in `ecrtui.ecr.limits`; here they become words for an operator who
picked a part size.
"""

from __future__ import annotations

from ecrtui.ecr.limits import MAX_PART_SIZE, MIN_PART_SIZE, size_words

_UNITS = {"": 1, "b": 1, "k": 1024, "kib": 1024, "m": 1024**2, "mib": 1024**2, "g": 1024**3}


def parse_size(text: str) -> int:
    """Bytes for a size like 5MiB, 10485760, 8M or 6.5MiB; ValueError for anything else."""
    cleaned = text.strip().lower().replace(" ", "")
    number = cleaned.rstrip("kmgib")
    try:
        value = float(number) * _UNITS[cleaned[len(number) :]]
    except (ValueError, KeyError):
        raise ValueError(f"not a size: {text!r} (e.g. 10MiB)") from None
    if value < 1:
        raise ValueError(f"a part size must be at least 1 byte: {text!r}")
    return int(value)


def part_size_problem(part_size: int) -> str | None:
    """Why ECR would refuse parts of this size (UploadLayerPart fails), or None."""
    if part_size > MAX_PART_SIZE:
        largest = size_words(MAX_PART_SIZE)
        return f"{size_words(part_size)} is over the {largest} ECR accepts in one part"
    return None


def part_size_note(part_size: int) -> str | None:
    """Advice for parts ECR accepts but that keep an upload from completing unless the layer
    fits in one part (CompleteLayerUpload fails with LayerPartTooSmallException), or None."""
    if part_size < MIN_PART_SIZE:
        return f"ECR cannot complete an upload with parts under {size_words(MIN_PART_SIZE)}"
    return None
