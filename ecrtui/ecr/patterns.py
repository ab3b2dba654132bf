"""The regular expressions of ECR's API model, matched in time linear in the value.

Python's `re` backtracks, and a few model patterns nest quantifiers: ScanningRepositoryFilterValue's
`^[a-z0-9*](?:[._\\-/a-z0-9*]?[a-z0-9*]+)*$` takes time exponential in the length of a value that
almost matches ("a" * 21 + "!" takes about a second, 25 characters about twenty, while holding
the interpreter lock). RE2 (the `google-re2` package) never backtracks: every model pattern is
matched at its longest allowed value in microseconds.

The service reads `\\d`, `\\w` and `\\s` as ASCII classes (Java's defaults). RE2 does too, except
that its `\\s` leaves out the vertical tab, so `\\s` and `\\S` are rewritten as the POSIX class
`[:space:]` before compiling. A pattern then matches exactly what Python's `re` matches with
`re.ASCII`, which the tests check on every pattern of the model.

A value holding a lone surrogate (JSON may spell one, "\\ud800") cannot be encoded to UTF-8; it is
matched with U+FFFD in its place, which no ASCII class holds either.

A pattern RE2 cannot compile (a back-reference or a look-around; today's model has none) is not
checked at all (`ModelPattern.checked` is False and every value passes), so ECR itself judges the
value: a check that can hang is worse than none. The tests fail as soon as the model has such a
pattern.
"""

from __future__ import annotations

import functools
from typing import Any

# Perl space classes as RE2's POSIX class: [\t\n\v\f\r ], the vertical tab included.
_POSIX_SPACE = {"\\s": "[:space:]", "\\S": "[:^space:]"}


class ModelPattern:
    """One model pattern, compiled for RE2; `fullmatch` says whether a whole value matches."""

    def __init__(self, pattern: str) -> None:
        import re2  # type: ignore[import-untyped]  # on first use: nothing slow at import time

        self.pattern = pattern
        options = re2.Options()
        options.never_capture = True
        options.log_errors = False  # a pattern RE2 refuses is reported by `checked`, not on stderr
        try:
            self._regexp: Any = re2.compile(re2_syntax(pattern), options)
        except re2.error:
            self._regexp = None

    @property
    def checked(self) -> bool:
        """False when RE2 cannot compile the pattern: then every value passes."""
        return self._regexp is not None

    def fullmatch(self, value: str) -> bool:
        if self._regexp is None:
            return True
        return self._regexp.fullmatch(_utf8(value)) is not None

    def __repr__(self) -> str:
        return f"ModelPattern({self.pattern!r})"


@functools.cache
def model_pattern(pattern: str) -> ModelPattern:
    """The compiled form of a model pattern, made once per pattern."""
    return ModelPattern(pattern)


def re2_syntax(pattern: str) -> str:
    """`pattern` with `\\s` and `\\S` spelled as POSIX classes, inside brackets or out."""
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            pair = pattern[index : index + 2]
            posix = _POSIX_SPACE.get(pair)
            out.append(pair if posix is None else posix if in_class else f"[{posix}]")
            index += len(pair)
        elif char == "[" and not in_class:
            # "]" right after "[" or "[^" is a member of the class, not its end
            end = index + 1 + pattern.startswith("^", index + 1)
            end += pattern.startswith("]", end)
            out.append(pattern[index:end])
            index, in_class = end, True
        else:
            in_class = in_class and char != "]"
            out.append(char)
            index += 1
    return "".join(out)


def _utf8(value: str) -> bytes:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: each becomes U+FFFD (pairs are joined)
        repaired = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return repaired.encode("utf-8")
