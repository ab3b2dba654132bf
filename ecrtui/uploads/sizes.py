"""Sizes as operators write them: 10MiB, 5M, 6.5MiB, 10485760."""

from __future__ import annotations

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
