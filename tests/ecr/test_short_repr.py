"""shorten: the repr cut in the middle, the same as cutting the whole repr, but built from the two
ends only, so a value of any size or shape costs the same."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ecrtui.ecr.short_repr import shorten


def cut_repr(value: Any, limit: int) -> str:
    """What shorten says: the whole repr, cut in the middle when longer than `limit`."""
    try:
        text = repr(value)
    except ValueError:
        text = f"<{type(value).__name__}>"
    if len(text) <= limit:
        return text
    keep = max(limit - 1, 0)
    head, tail = keep - keep // 2, keep // 2
    return text[:head] + "…" + (text[-tail:] if tail else "")


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(alphabet=st.sampled_from("ab'\"\\\x00\x1bé\n"), max_size=60)
    | st.binary(max_size=60)
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.tuples(inner)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=4)
        | st.frozensets(st.integers(), max_size=4)
        | st.sets(st.integers(), max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=500)
@given(values, st.integers(0, 90))
def test_shorten_is_the_whole_repr_cut_in_the_middle(value: Any, limit: int) -> None:
    assert shorten(value, limit) == cut_repr(value, limit)


def test_values_inside_themselves_are_shown_as_repr_shows_them() -> None:
    loop: list[Any] = []
    loop.append(loop)
    nest: dict[str, Any] = {}
    nest["a"] = [nest]
    assert shorten(loop) == "[[...]]"
    assert shorten(nest) == "{'a': [{...}]}"


SHARED_LISTS = """
import sys
from ecrtui.ecr.short_repr import shorten
shared = ["lol"] * 9
for _ in range(30):  # 9**30 strings, in 30 lists that share each other
    shared = [shared] * 9
print(shorten(shared))
print(shorten(list(range(10**6)), limit=12))
print(shorten(b"x" * 50_000_000))
print(shorten(10**5000))
"""


def test_the_work_is_bounded_by_the_length_shown() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SHARED_LISTS], capture_output=True, text=True, timeout=20
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "[" * 20 + "…" + "]" * 19,
        "[0, 1,…9999]",
        "b'xxxxxxxxxxxxxxxxxx…xxxxxxxxxxxxxxxxxx'",
        "<int>",
    ]
