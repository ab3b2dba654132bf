"""Sizes as operators write them (10MiB, 5M, 6.5MiB, 10485760), and what ECR makes of a part size.

ECR's limits themselves live in `ecrtui.ecr.limits`; here they become words for an operator who
picked a part size.
"""

from __future__ import annotations

import re

from ecrtui.ecr.limits import MAX_LAYER_SIZE, MAX_PART_SIZE, MIN_PART_SIZE, size_words
from ecrtui.ecr.short_repr import shorten

# ASCII digits, at most one decimal point, then a unit (any case), spaces allowed between
_SIZE = re.compile(r"([0-9]+)(?:\.([0-9]+))?[ \t]*([A-Za-z]*)")
KiB, MiB, GiB = 1024, 1024**2, 1024**3
_UNITS = {"": 1, "b": 1, "k": KiB, "kib": KiB, "m": MiB, "mib": MiB, "g": GiB, "gib": GiB}
# Decimals past this many cannot change the number of bytes (a unit is at most 2**30 bytes)
_DECIMALS = 30


def parse_size(text: str) -> int:
    """Bytes for a size like 10MiB, 5M, 6.5MiB or 10485760; ValueError for anything else.

    Units: none or b (bytes), k or KiB, m or MiB, g or GiB, in any case. Only ASCII digits and
    at most one decimal point (no signs, exponents, inf or nan); a fraction of a byte is dropped.
    A size must be 1 byte to MAX_LAYER_SIZE (the largest layer ECR stores): nothing larger can
    be a part, and a long string of digits is refused before it is converted."""
    found = _SIZE.fullmatch(text.strip(" \t"))
    if not found or found.group(3).lower() not in _UNITS:
        raise ValueError(f"not a size: {shorten(text)} (e.g. 10MiB)")
    whole, decimals, unit = found.group(1).lstrip("0"), found.group(2) or "", found.group(3)
    if len(whole) > len(str(MAX_LAYER_SIZE)):
        raise ValueError(_too_big(text))
    decimals = decimals[:_DECIMALS]
    scale = 10 ** len(decimals)
    size: int = (int(whole or "0") * scale + int(decimals or "0")) * _UNITS[unit.lower()] // scale
    if size > MAX_LAYER_SIZE:
        raise ValueError(_too_big(text))
    if size < 1:
        raise ValueError(f"a part size must be at least 1 byte: {shorten(text)}")
    return size


def _too_big(text: str) -> str:
    largest = size_words(MAX_LAYER_SIZE)
    return f"a part size must be at most {largest}, the largest layer ECR stores: {shorten(text)}"


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
