"""Printing a response as the aws CLI does: json, yaml or text, after an optional --query.

JSON and YAML escape control characters themselves. The text format writes values bare, so each
value (and each key shown as a row label) goes through `visible`: an image tag holding an escape
sequence is printed as `\\x1b]52;...`, and a tab or newline inside a value cannot split it into
columns or rows. Values without control characters print as the aws CLI prints them.
"""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Sequence
from typing import Any, TextIO

from ecrtui.plain_text import visible


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("utf-8")
    raise TypeError(f"cannot print a {type(value).__name__}")


def to_json(data: Any) -> str:
    """The aws CLI's JSON: four-space indent, non-ASCII kept, a newline at the end."""
    from ecrtui.cli.indented_json import dumps

    return dumps(data, default=_encode) + "\n"


def to_yaml(data: Any) -> str:
    import yaml

    plain = json.loads(json.dumps(data, default=_encode))
    return str(yaml.safe_dump(plain, default_flow_style=False, sort_keys=False, allow_unicode=True))


def to_text(data: Any) -> str:
    """The aws CLI's text output: tab-separated scalars, one line per object, nested by key.

    Every value and row label has its control characters escaped (see the module docstring)."""
    lines: list[str] = []
    _text(data, lines, None, None)
    return "".join(line + "\n" for line in lines)


def _text(item: Any, lines: list[str], identifier: str | None, keys: list[str] | None) -> None:
    if isinstance(item, dict):
        scalars, nested = _split(item, keys)
        if scalars:
            lines.append("\t".join(([_label(identifier)] if identifier else []) + scalars))
        for key, value in nested:
            _text(value, lines, key, None)
    elif isinstance(item, list):
        if not item:
            return
        if any(isinstance(element, dict) for element in item):
            shared = sorted(
                {k for e in item if isinstance(e, dict) for k, v in e.items() if not _nested(v)}
            )
            for element in item:
                _text(element, lines, identifier, shared)
            return
        scalars = [_cell(element) for element in item if not _nested(element)]
        if scalars:
            if identifier:
                lines.extend(f"{_label(identifier)}\t{value}" for value in scalars)
            else:
                lines.append("\t".join(scalars))
        for element in item:
            if _nested(element):
                _text(element, lines, identifier, None)
    else:
        lines.append(_cell(item))


def _cell(value: Any) -> str:
    """One scalar as the text format prints it, shown and not obeyed."""
    return visible(str(value))


def _label(key: str) -> str:
    """The row label for the values under `key`, as the aws CLI writes it: upper case."""
    return visible(key.upper())


def _nested(value: Any) -> bool:
    return isinstance(value, (dict, list))


def _split(item: dict[str, Any], keys: list[str] | None) -> tuple[list[str], list[tuple[str, Any]]]:
    if keys is None:
        ordered = sorted(item.items())
        scalars = [_cell(value) for _, value in ordered if not _nested(value)]
        return scalars, [(key, value) for key, value in ordered if _nested(value)]
    scalars = [_cell(item.get(key, "")) for key in keys]
    return scalars, [(key, item[key]) for key in sorted(set(item) - set(keys))]


def render_pages_as_text(pages: Any, query: str | None = None) -> str:
    """Text output of a paginated call, page by page as the aws CLI prints it: --query applies to
    each page, and a NEXTTOKEN line ends a listing cut short by --max-items."""
    parts: list[str] = []
    for index, page in enumerate(pages):
        current: dict[str, Any] = dict(pages.non_aggregate_part) if index == 0 else {}
        for key in pages.result_keys:
            current[key.expression] = key.search(page)
        parts.append(render(current, "text", query))
    if pages.resume_token:
        parts.append(render({"NextToken": {"NextToken": pages.resume_token}}, "text", query))
    return "".join(parts)


MAX_QUERY_DEPTH = 64


def compile_query(query: str) -> Any:
    """A --query, parsed; UsageError (one line, the query shortened) when it does not parse or
    nests deeper than MAX_QUERY_DEPTH, which no query on an ECR response needs and which would
    exhaust Python's stack while parsing or searching."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    from ecrtui.cli.global_options import UsageError

    shown = query if len(query) <= 80 else f"{query[:40]}…{query[-39:]}"
    try:
        parsed = jmespath.compile(query)
    except JMESPathError as error:
        raise UsageError(f"Bad value for --query {shown}: {error}") from None
    except ValueError as error:  # a number literal past Python's 4,300-digit limit
        raise UsageError(f"Bad value for --query {shown}: {error}") from None
    except RecursionError:
        parsed = None
    if parsed is None or _depth(parsed.parsed) > MAX_QUERY_DEPTH:
        raise UsageError(
            f"Bad value for --query {shown}: nested more than {MAX_QUERY_DEPTH} levels deep"
        )
    return parsed


def _depth(tree: dict[str, Any]) -> int:
    """How deep a parsed JMESPath expression nests (counted without recursion)."""
    depth, level = 0, [tree]
    while level:
        depth += 1
        level = [
            child
            for node in level
            for child in node.get("children", ())
            if isinstance(child, dict) and depth <= MAX_QUERY_DEPTH
        ]
    return depth


def render(data: Any, output: str, query: str | None = None) -> str:
    """The text to print for `data`; empty when the aws CLI prints nothing."""
    if query is not None:
        data = compile_query(query).search(data)
    if output == "json":
        return "" if data == {} else to_json(data)
    if output == "yaml":
        return to_yaml(data)
    return to_text(data)


def columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells as lines of left-aligned columns, two spaces apart (header first)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def write(stream: TextIO, text: str) -> None:
    if text:
        stream.write(text)
        stream.flush()
