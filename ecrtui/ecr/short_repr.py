"""Values shown in messages: their repr, cut in the middle when long.

The value may be anything a request document holds, of any size and shape: a 20 MiB blob, a list
of a million items, a YAML document whose lists share each other. Only the two ends of the repr
are built, so the work is bounded by the length shown, not by the value.
"""

from __future__ import annotations

from typing import Any


def shorten(value: Any, limit: int = 40) -> str:
    """The repr of `value`, cut in the middle with "…" when longer than `limit` characters.

    Only the ends of the repr are built, so the work is bounded by `limit` whatever the value:
    a 20 MiB blob, a list of a million items, or a structure whose lists share each other."""
    keep = max(limit - 1, 0)
    head, tail = keep - keep // 2, keep // 2
    start, whole = _repr_end(value, limit + 1, from_end=False, path=set())
    if whole and len(start) <= limit:
        return start
    end = start if whole else _repr_end(value, tail, from_end=True, path=set())[0]
    return start[:head] + "…" + (end[-tail:] if tail else "")


def _repr_end(value: Any, room: int, from_end: bool, path: set[int]) -> tuple[str, bool]:
    """The start (or end) of repr(value), at least `room` characters of it, and whether that is
    the whole repr. Containers are walked only as far as `room` needs; one inside itself is shown
    as repr shows it, e.g. [[...]]."""
    if isinstance(value, (str, bytes, bytearray)):
        if len(value) <= room:
            return repr(value), True
        return _text_end(value, room, from_end), False
    brackets = None if isinstance(value, bool) else _BRACKETS.get(type(value))
    if brackets is None:
        try:
            return repr(value), True
        except Exception:  # e.g. an int of more than 4300 digits
            return f"<{type(value).__name__}>", True
    opening, closing = brackets
    if not value:
        return repr(value), True
    if id(value) in path:
        return opening + "..." + closing, True
    if type(value) is tuple and len(value) == 1:
        closing = ",)"
    path.add(id(value))
    try:
        return _items_end(value, (opening, closing), room, from_end, path)
    finally:
        path.discard(id(value))


def _text_end(value: str | bytes | bytearray, room: int, from_end: bool) -> str:
    """The start (or end) of the repr of a long string or bytes, from a slice of `room`.

    repr quotes with " only when the value holds ' and no ", so the slice is given the quote
    character the whole value lacks, to be quoted (and escaped) as the whole value is; that
    character and the slice's own quotes are then cut off."""
    if isinstance(value, str):
        double = "'" in value and '"' not in value
        piece: str | bytes = value[-room:] if from_end else value[:room]
        extra: str | bytes = "'" if double else '"'
    else:
        double = b"'" in value and b'"' not in value
        piece = bytes(value[-room:] if from_end else value[:room])
        extra = b"'" if double else b'"'
    if from_end:
        opened = 2 if isinstance(piece, str) else 3  # [b] and the quote, then the extra character
        text = repr(extra + piece)[opened:]  # type: ignore[operator]
    else:
        text = repr(piece + extra)[:-2]  # type: ignore[operator]
    if isinstance(value, bytearray):
        return text + ")" if from_end else "bytearray(" + text
    return text


# The containers whose repr `_repr_end` builds piece by piece, and their brackets.
_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    dict: ("{", "}"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
}


def _items_end(
    value: Any, brackets: tuple[str, str], room: int, from_end: bool, path: set[int]
) -> tuple[str, bool]:
    """`_repr_end` of a container that is not empty: its items one by one, from either end."""
    entries: Any = value.items() if isinstance(value, dict) else value
    if isinstance(value, (set, frozenset)):
        entries = list(entries)  # a set has no reverse order of its own
    opening, closing = brackets
    pieces = [closing if from_end else opening]  # in the order they are built
    used = len(pieces[0])
    for number, entry in enumerate(reversed(entries) if from_end else entries):
        if number:
            pieces.append(", ")
            used += 2
        if used >= room:
            return _joined(pieces, from_end), False
        parts = entry if isinstance(value, dict) else (entry,)
        for index, part in enumerate(reversed(parts) if from_end else parts):
            if index:
                pieces.append(": ")
                used += 2
            text, whole = _repr_end(part, max(room - used, 0), from_end, path)
            pieces.append(text)
            used += len(text)
            if not whole:
                return _joined(pieces, from_end), False
    pieces.append(opening if from_end else closing)
    return _joined(pieces, from_end), True


def _joined(pieces: list[str], from_end: bool) -> str:
    return "".join(reversed(pieces) if from_end else pieces)
