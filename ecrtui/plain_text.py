"""Text from ECR, files and users is data: control characters are shown, never obeyed.

An image tag or an error message may hold an escape sequence (OSC 52 sets the clipboard, OSC 0
the window title, CSI codes move the cursor or change colours). `visible` writes every C0 and C1
control character, ESC and DEL as a `\\xNN` escape, so the terminal draws the text instead of
acting on it. Newlines and tabs are kept only where the caller says they are layout.
"""

from __future__ import annotations

import re

# C0 (0x00-0x1f), DEL (0x7f) and C1 (0x80-0x9f); ESC is 0x1b, inside C0.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LAYOUT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match.group()):02x}"


def visible(text: str, *, keep_layout: bool = False) -> str:
    """`text` with its control characters escaped; with keep_layout, newlines and tabs stay."""
    pattern = _CONTROLS_BUT_LAYOUT if keep_layout else _CONTROLS
    return pattern.sub(_escaped, text)


def visible_lines(text: str) -> str:
    """For messages printed whole: line breaks and tabs kept, every other control escaped."""
    return visible(text, keep_layout=True)


def has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


def shortened(text: str, room: int) -> str:
    """The text, cut with an ellipsis where it is longer than `room` characters."""
    return text if len(text) <= room else text[: room - 1] + "\N{HORIZONTAL ELLIPSIS}"
