"""YAML request documents read within limits: `ecrtui.ecr.request_documents.load_yaml`.

PyYAML's safe loader, held to MAX_DEPTH nested lists and mappings and to MAX_YAML_VALUES values
counted with every alias expanded, while the document is composed, before any value is built.
"""

from __future__ import annotations

from typing import Any

import yaml

from ecrtui.ecr.request_documents import MAX_DEPTH, MAX_YAML_VALUES


def load_bounded_yaml(text: str) -> Any:
    """YAML text as Python values, safely (no Python objects) and within MAX_DEPTH and
    MAX_YAML_VALUES; yaml.YAMLError for anything else."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except RecursionError:
        raise yaml.YAMLError(f"nested more than {MAX_DEPTH} levels deep") from None
    # a value the constructor refuses, e.g. an integer of 5,000 digits or the 30th of February
    except (ValueError, OverflowError) as error:
        raise yaml.YAMLError(f"a value YAML cannot hold: {error}") from None
    finally:
        loader.dispose()


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, counting values and depth while it composes the document.

    An alias counts as many values as its anchor stands for, so a document of nested aliases is
    refused before any value is built. An alias inside its own anchor (a document that contains
    itself) is refused too."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._values = 0
        self._depth = 0
        self._stands_for: dict[int, int] = {}

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent):
            node = super().compose_node(parent, index)
            size = self._stands_for.get(id(node))
            if size is None:
                raise _LimitError(f"the alias *{event.anchor} is inside its own anchor", event)
            self._count(size, event)
            return node
        first = self._values
        self._count(1, event)
        nests = not isinstance(event, yaml.ScalarEvent)
        self._depth += nests
        if self._depth > MAX_DEPTH:
            raise _LimitError(f"nested more than {MAX_DEPTH} levels deep", event)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= nests
        self._stands_for[id(node)] = self._values - first
        return node

    def _count(self, values: int, event: Any) -> None:
        self._values += values
        if self._values > MAX_YAML_VALUES:
            raise _LimitError(
                f"more than {MAX_YAML_VALUES} values once its aliases are expanded", event
            )


class _LimitError(yaml.YAMLError):
    def __init__(self, words: str, event: Any) -> None:
        mark = event.start_mark
        super().__init__(f"{words} (line {mark.line + 1}, column {mark.column + 1})")
