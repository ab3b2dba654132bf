"""`ecrtui.cli.indented_json.dumps` writes what json.dumps(indent=4, ensure_ascii=False) writes."""

from __future__ import annotations

import datetime
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ecrtui.cli.indented_json import dumps


def encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def reference(value: Any) -> str:
    return json.dumps(value, indent=4, default=encode, ensure_ascii=False)


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # nan and infinities included
    | st.text()  # control characters, quotes, backslashes, non-ASCII, surrogates
    | st.datetimes()
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
        | st.dictionaries(st.integers() | st.booleans() | st.none(), children, max_size=3)
    ),
    max_leaves=30,
)


@given(values)
def test_the_text_is_json_dumps(value: Any) -> None:
    assert dumps(value, default=encode) == reference(value)


def test_a_listing_response() -> None:
    response = {
        "repositories": [
            {
                "repositoryName": "team/api",
                "createdAt": 1795949044.801,
                "imageScanningConfiguration": {"scanOnPush": False},
                "tags": [],
                "labels": {},
            }
        ],
        "nextToken": None,
    }
    assert dumps(response, default=encode) == reference(response)
    assert (
        dumps(response, default=encode).splitlines()[3]
        == '            "repositoryName": "team/api",'
    )


def test_a_value_json_cannot_write_raises_as_json_does() -> None:
    import pytest

    with pytest.raises(TypeError, match="object"):
        dumps({"a": object()}, default=encode)
