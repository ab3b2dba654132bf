"""What the config file may name: the console's binding ids (its `[keys]`) and Textual's themes.

A binding id is found on every binding the console's classes declare (and those of the Textual
classes they build on), so a binding added anywhere in `ecrtui.tui` can be remapped at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual.binding import Binding
from textual.dom import DOMNode


@dataclass(frozen=True)
class KeyDefault:
    """A binding id's keys as the console ships them, and what the binding does."""

    keys: str
    words: str


def _console_classes() -> list[type[DOMNode]]:
    import importlib
    import pkgutil

    import ecrtui.tui

    # every module of the console: the app loads its dialogs only when they open
    for module in pkgutil.walk_packages(ecrtui.tui.__path__, prefix="ecrtui.tui."):
        importlib.import_module(module.name)
    found: list[type[DOMNode]] = []
    waiting: list[type[DOMNode]] = [DOMNode]
    while waiting:
        for subclass in waiting.pop().__subclasses__():
            if subclass not in found:
                found.append(subclass)
                waiting.append(subclass)
    return [cls for cls in found if cls.__module__.startswith("ecrtui.tui.")]


def binding_defaults() -> dict[str, KeyDefault]:
    """Every binding id the console answers to, by id, with its default keys. The hidden
    bindings that say why a read-only console refuses an action follow that action's keys."""
    keys: dict[str, list[str]] = {}
    words: dict[str, str] = {}
    for cls in _console_classes():
        for klass in cls.__mro__:
            for item in vars(klass).get("BINDINGS", ()):
                if isinstance(item, Binding) and item.id and not item.id.startswith("refuse-"):
                    words.setdefault(item.id, item.tooltip or item.description or "")
                    known = keys.setdefault(item.id, [])  # one id may stand in several panes
                    known += [
                        key.strip() for key in item.key.split(",") if key.strip() not in known
                    ]
    return {name: KeyDefault(",".join(keys[name]), words[name]) for name in sorted(keys)}


def theme_names() -> frozenset[str]:
    """The themes a console can start with (Textual's own)."""
    from textual.theme import BUILTIN_THEMES

    return frozenset(BUILTIN_THEMES)


def console_keymap(keys: Mapping[str, str]) -> dict[str, str]:
    """The config file's `[keys]` as the app's keymap: a refused action's hidden binding (see
    `ecrtui.tui.keys.refusal_bindings`) moves with the action's keys."""
    keymap = dict(keys)
    for binding_id, new_keys in keys.items():
        keymap.setdefault(f"refuse-{binding_id}", new_keys)
    return keymap
