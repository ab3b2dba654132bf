"""JSON with a four-space indent, as `json.dumps(data, indent=4, ensure_ascii=False)` writes it.

Python's json module writes indented JSON with its pure-Python encoder, one generator step per
token: a listing of 10,000 repositories takes longer to print than to parse. `dumps` writes the
same text with one function call per list or mapping, strings escaped by the json module's own
C function. What it does not handle itself (a value `default` turns into JSON values, a key
that is not a string, a float that is not finite) it hands to the json module, so the text is
always the json module's.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from json.encoder import encode_basestring  # the C function, where Python has it
from typing import Any

INDENT = "    "


def dumps(data: Any, default: Callable[[Any], Any]) -> str:
    """`json.dumps(data, indent=4, default=default, ensure_ascii=False)`, faster."""
    chunks: list[str] = []
    try:
        _value(data, chunks, "\n")
    except (_Fallback, RecursionError):
        return json.dumps(data, indent=4, default=default, ensure_ascii=False)
    return "".join(chunks)


class _Fallback(Exception):
    """A value this module leaves to the json module."""


def _value(value: Any, chunks: list[str], newline: str) -> None:
    if isinstance(value, str):
        chunks.append(encode_basestring(value))
    elif value is None:
        chunks.append("null")
    elif value is True:
        chunks.append("true")
    elif value is False:
        chunks.append("false")
    elif isinstance(value, int):
        chunks.append(int.__repr__(value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Fallback
        chunks.append(float.__repr__(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            chunks.append("[]")
            return
        inner = newline + INDENT
        separator = "," + inner
        chunks.append("[" + inner)
        for index, item in enumerate(value):
            if index:
                chunks.append(separator)
            _value(item, chunks, inner)
        chunks.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            chunks.append("{}")
            return
        inner = newline + INDENT
        separator = "," + inner
        chunks.append("{" + inner)
        first = True
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Fallback
            if first:
                first = False
            else:
                chunks.append(separator)
            chunks.append(encode_basestring(key) + ": ")
            _value(item, chunks, inner)
        chunks.append(newline + "}")
    else:
        raise _Fallback
