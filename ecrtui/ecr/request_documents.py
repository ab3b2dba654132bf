"""Request documents and the files that hold them, read within limits set before anything is read,
parsed or expanded: the command line's --cli-input-json / --cli-input-yaml, file:// and fileb://
values, and the console's "load a request".

Only a regular file is read (symlinks resolved): a FIFO would block the reader and a device such
as /dev/zero never ends. It is opened without blocking and read up to a limit the caller gives.

JSON and YAML documents may nest at most MAX_DEPTH lists and mappings deep. YAML is also held to
MAX_YAML_VALUES values counted with every alias expanded, while it is composed, before any value is
built: nine nested aliases could otherwise stand for a billion values, and whatever walks the
document (the checks, the error messages, the form) would walk all of them.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

from ecrtui.ecr.limits import size_words

MAX_DEPTH = 64
MAX_YAML_VALUES = 10_000

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileProblem(Exception):
    """A path that cannot be read as a request file; the message says why."""


def read_regular_file(path_text: str, limit: int, holder: str) -> bytes:
    """The bytes of the regular file `path_text` names (`~` expanded as the aws CLI expands it:
    an unknown user's `~name` stays as typed), if it holds at most `limit` bytes.

    `holder` says what the bytes are for, for the message when the file holds more."""
    path = os.path.expanduser(path_text)
    too_big = f"the file holds more than {size_words(limit)}, the most {holder}"
    try:
        info = os.stat(path)
        _refuse_special(path, info)
        if info.st_size > limit:
            raise FileProblem(too_big)
        descriptor = os.open(path, _OPEN_FLAGS)
        with os.fdopen(descriptor, "rb") as source:
            _refuse_special(path, os.fstat(source.fileno()))  # replaced since the stat
            data = source.read(limit + 1)
    except OSError as error:
        raise FileProblem(str(error)) from None
    except ValueError as error:  # a NUL character in the path, or one no file name can hold
        raise FileProblem(f"not a usable path: {error}") from None
    if len(data) > limit:  # it grew since the stat
        raise FileProblem(too_big)
    return data


def _refuse_special(path: str, info: os.stat_result) -> None:
    if stat.S_ISREG(info.st_mode):
        return
    kind = next((words for test, words in _KINDS if test(info.st_mode)), "not a regular file")
    real = os.path.realpath(path)
    shown = path if real == os.path.abspath(path) else f"{path} (a link to {real})"
    raise FileProblem(f"{shown} is {kind}, not a regular file")


def load_json(text: str) -> Any:
    """JSON text as Python values; ValueError (its message one line) for anything else,
    including nesting deeper than MAX_DEPTH."""
    try:
        document = json.loads(text)
    except RecursionError:
        raise ValueError(f"nested more than {MAX_DEPTH} levels deep") from None
    _check_depth(document)
    return document


def load_yaml(text: str) -> Any:
    """YAML text as Python values, safely (no Python objects) and within MAX_DEPTH and
    MAX_YAML_VALUES; yaml.YAMLError for anything else. (PyYAML loads only when YAML is read.)"""
    from ecrtui.ecr.yaml_documents import load_bounded_yaml

    return load_bounded_yaml(text)


def _check_depth(document: Any) -> None:
    """ValueError when lists and mappings nest deeper than MAX_DEPTH (checked without recursion)."""
    level: list[Any] = [document]
    for _ in range(MAX_DEPTH):
        level = [
            child
            for container in level
            if isinstance(container, (list, dict))
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, (list, dict))
        ]
        if not level:
            return
    raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
