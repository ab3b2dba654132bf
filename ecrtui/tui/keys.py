"""The console's keys: how a binding is declared, named in F1 help, and refused when read-only.

Each pane declares the keys of what it shows, so the footer holds the keys of the focused pane,
most important first; keys that work everywhere belong to the app. Copy keys use ctrl+y as well
as y: an input keeps y for itself, never ctrl+y.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from textual.binding import Binding, BindingType

# How F1 writes the keys Textual names differently from what is printed on them.
_KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "escape": "esc",
    "pageup": "page up",
    "pagedown": "page down",
}


def binding(
    key: str, action: str, description: str, tooltip: str, *, show: bool = True, **kwargs: Any
) -> Binding:
    """A binding whose id (for remapping) is its action's name."""
    return Binding(
        key,
        action,
        description,
        show=show,
        id=action_name(action).replace("_", "-"),
        tooltip=tooltip,
        **kwargs,
    )


def action_name(action: str) -> str:
    """'app.copy' -> 'copy'; "show_tab('uploads-tab')" -> 'show_tab'."""
    return action.removeprefix("app.").split("(")[0]


def key_names(keys: str) -> str:
    """The keys of a binding as they are typed: 'ctrl+y,y' -> 'ctrl+y / y', 'slash' -> '/'."""
    return " / ".join(_KEY_NAMES.get(key.strip(), key.strip()) for key in keys.split(","))


def refusal_bindings(bindings: Iterable[BindingType], refused: Collection[str]) -> list[Binding]:
    """A hidden binding on the key of each refused action: the action's own binding is hidden and
    does nothing while the app's `check_action` refuses it, so the key reaches this one, which
    says why."""
    return [
        Binding(
            item.key,
            f"app.refuse('{action_name(item.action)}')",
            show=False,
            id=f"refuse-{action_name(item.action)}",
        )
        for item in bindings
        if isinstance(item, Binding) and action_name(item.action) in refused
    ]
