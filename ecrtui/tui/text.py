"""Server, journal, file and user text, made safe to draw: never markup, never a control sequence.

Textual reads a plain `str` as markup in many places (DataTable cells, border titles,
notifications, palette hits), so a repository named `team/[/]api` would crash the console and an
image tag holding an escape sequence would reach the terminal. Everything that did not come from
ecrtui's own source goes through these helpers: the result is a `Content` or `Text` object whose
control characters are escaped (`ecrtui.plain_text.visible`).
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from rich.text import Text
from textual.content import Content

from ecrtui.plain_text import visible, visible_lines

# json.dumps escapes C0 controls but keeps DEL and C1 when ensure_ascii is off.
_JSON_UNESCAPED_CONTROLS = re.compile("[\x7f-\x9f]")


def plain(value: object) -> Content:
    """One line of data as Content: no markup, control characters (newlines too) escaped."""
    return Content(visible(str(value)))


def plain_lines(value: object) -> Content:
    """A message as Content: newlines and tabs kept, every other control escaped."""
    return Content(visible_lines(str(value)))


def plain_text(value: object, style: str = "", justify: Any = None) -> Text:
    """One line of data as a Rich Text (for DataTable cells and Rich tables)."""
    return Text(visible(str(value)), style=style, justify=justify)


def to_json(value: Any, indent: int = 4) -> str:
    """Pretty JSON that is safe to draw and still valid JSON: every control character
    is a \\u escape, dates are ISO 8601, bytes show their size."""
    text = json.dumps(value, indent=indent, default=_json_default, ensure_ascii=False)
    return _JSON_UNESCAPED_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    return str(value)
