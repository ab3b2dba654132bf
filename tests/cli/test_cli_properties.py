"""Properties of `ecrtui complete-layer-upload` on arbitrary command lines, run in-process.

The endpoint is a closed port, so a request the validator accepts fails at once with a connection
error. Whatever the input, the outcome is a usage error naming what is wrong (252), that
connection error (255), or a skeleton (0): never an exception, a traceback, or stray stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ecrtui.cli.global_options import GLOBAL_OPTIONS
from ecrtui.cli.main import main
from ecrtui.ecr.hints import hint_for
from tests.cli.helpers import (
    CLOSED_PORT_URL,
    DIGEST_EXAMPLE,
    NOT_CONNECTED,
    OTHER,
    USAGE,
    UUID_EXAMPLE,
)

COMMAND = "complete-layer-upload"
MEMBERS = ("registryId", "repositoryName", "uploadId", "layerDigests")
OUTPUT_MEMBERS = ("registryId", "repositoryName", "uploadId", "layerDigest")
FLAGS = {
    "--registry-id": "123456789012",
    "--repository-name": "team/api",
    "--upload-id": UUID_EXAMPLE,
    "--layer-digests": DIGEST_EXAMPLE,
}
VALID = {
    "registryId": "123456789012",
    "repositoryName": "team/api",
    "uploadId": UUID_EXAMPLE,
    "layerDigests": [DIGEST_EXAMPLE],
}
TARGET = ["--endpoint-url", CLOSED_PORT_URL, "--cli-connect-timeout", "1"]

PROPERTY_SETTINGS = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True, scope="module")
def _one_attempt() -> Iterator[None]:
    """A refused connection is not retried, so each accepted example costs one attempt."""
    saved = os.environ.get("AWS_MAX_ATTEMPTS")
    os.environ["AWS_MAX_ATTEMPTS"] = "1"
    yield
    if saved is None:
        os.environ.pop("AWS_MAX_ATTEMPTS", None)
    else:
        os.environ["AWS_MAX_ATTEMPTS"] = saved


def harmless(word: str) -> bool:
    """False for words that would make the run something else: help, a global option (these
    are taken out of argv wherever they stand, as the aws CLI does), or reading a local file."""
    name = word.partition("=")[0]
    if word.startswith("-h") or (len(name) > 2 and "--help".startswith(name)):
        return False
    return name not in GLOBAL_OPTIONS and not word.startswith(("file://", "fileb://"))


text = st.text(st.characters(exclude_categories=["Cs"]), max_size=80).filter(harmless)
# Keys on one line, so each reported problem stays one line.
keys = st.text(st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"]), max_size=30)


def often(times: int = 3) -> st.SearchStrategy[bool]:
    """True `times - 1` times out of `times`."""
    return st.sampled_from([True] * (times - 1) + [False])


def mostly(valid: Any, other: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """The valid value four times out of five, else anything `other` gives."""
    return often(5).flatmap(lambda pick: st.just(valid) if pick else other)


@st.composite
def option(draw: st.DrawFn, flag: str | None = None) -> list[str]:
    """One option and its values; `flag` None: any of them, with arbitrary values."""
    if flag is None:
        flag = draw(st.sampled_from([*FLAGS, "--cli-input-json", "--generate-cli-skeleton"]))
        pick = text
    else:
        pick = mostly(FLAGS[flag], text)
    if flag == "--layer-digests":
        values = draw(st.lists(pick, min_size=0, max_size=3))
    elif flag == "--cli-input-json":
        values = [draw(st.one_of(text, json_documents.map(json.dumps)))]
    elif flag == "--generate-cli-skeleton":
        values = draw(st.lists(st.sampled_from(["input", "yaml-input", "output"]), max_size=1))
    else:
        values = [draw(pick)]
    if len(values) == 1 and draw(st.booleans()):
        return [f"{flag}={values[0]}"]
    return [flag, *values]


@st.composite
def command_line(draw: st.DrawFn) -> list[list[str]]:
    """Each member's option, mostly valid and sometimes left out, plus a few arbitrary ones."""
    options = [draw(option(flag)) for flag in FLAGS if draw(often(6))]
    if not draw(often()):
        options += draw(st.lists(option(), min_size=1, max_size=3))
    return draw(st.permutations(options))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
member_values = {
    "registryId": mostly(VALID["registryId"], json_values),
    "repositoryName": mostly(VALID["repositoryName"], json_values),
    "uploadId": mostly(VALID["uploadId"], json_values),
    "layerDigests": mostly(VALID["layerDigests"], st.lists(text, max_size=3) | json_values),
}


@st.composite
def json_document(draw: st.DrawFn) -> dict[str, Any]:
    document: dict[str, Any] = {}
    for member, values in member_values.items():
        if draw(often(6)):
            document[member] = draw(values)
    if not draw(often()):  # unknown keys, or members left out as null
        document.update(draw(st.dictionaries(keys | st.sampled_from(MEMBERS), json_values)))
    return document


json_documents = json_document()


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def assert_outcome(code: int, out: str, err: str, document: Any = None) -> None:
    assert "Traceback" not in err
    if code == 0:
        assert err == ""
        skeleton = json.loads(out) if out.startswith("{") else yaml.safe_load(out)
        assert set(skeleton) in (set(MEMBERS), set(OUTPUT_MEMBERS))
        return
    assert out == ""
    if code == OTHER:
        assert NOT_CONNECTED in err, err
        assert err.endswith(f"\nhint: {hint_for('EndpointConnection')}\n"), err
        return
    assert code == USAGE, err
    if "Parameter validation failed:" in err:
        assert_problems_named(err, document)
    else:
        assert_argument_named(err)


def assert_problems_named(err: str, document: Any) -> None:
    """Each problem line starts with the member path it is about."""
    lines = err.strip("\n").splitlines()
    assert lines[0] == "Parameter validation failed:", err
    assert lines[-1] == f"hint: {hint_for('ParamValidation')}"
    problems = lines[1:-1]
    assert problems, err
    roots = set(MEMBERS) | (set(document) if isinstance(document, dict) else set())
    for line in problems:
        assert any(re.match(re.escape(root) + r"[:.\[]", line) for root in roots), line


def assert_argument_named(err: str) -> None:
    usage, message = err.splitlines()[0], "\n".join(err.splitlines()[1:])
    assert usage.startswith(f"usage: ecrtui {COMMAND}"), err
    assert message.startswith("ecrtui: error: "), err
    named = (
        r"argument --[a-z-]+|unrecognized arguments: |the following arguments are required: --"
        r"|Error parsing parameter '--[a-z-]+'|--cli-input-json"
    )
    assert re.search(named, message), err


@PROPERTY_SETTINGS
@given(options=command_line())
def test_any_command_line_is_a_usage_error_or_a_connection_attempt(
    options: list[list[str]],
) -> None:
    argv = [COMMAND, *(word for words in options for word in words), *TARGET]
    code, out, err = run(argv)
    event(f"exit {code}")
    document = None
    for words in options:
        if words[0].startswith("--cli-input-json"):
            raw = words[0].partition("=")[2] if "=" in words[0] else words[-1]
            with contextlib.suppress(ValueError):
                document = json.loads(raw)
    assert_outcome(code, out, err, document)


@PROPERTY_SETTINGS
@given(document=json_documents)
def test_any_cli_input_json_is_a_usage_error_or_a_connection_attempt(
    document: dict[str, Any],
) -> None:
    code, out, err = run([COMMAND, "--cli-input-json", json.dumps(document), *TARGET])
    event(f"exit {code}")
    assert_outcome(code, out, err, document)
    required = ("repositoryName", "uploadId", "layerDigests")
    accepted = set(document) <= set(MEMBERS) and all(
        document.get(member, VALID[member]) == VALID[member] for member in MEMBERS
    )
    if accepted and all(member in document for member in required):
        assert code == OTHER, err


def test_a_valid_request_reaches_for_the_network() -> None:
    """The properties can tell the two outcomes apart: a valid request gets to connect."""
    code, out, err = run([COMMAND, "--cli-input-json", json.dumps(VALID), *TARGET])
    assert (code, out) == (OTHER, "")
    assert_outcome(code, out, err, VALID)
    code, out, err = run([COMMAND, "--cli-input-json", json.dumps({**VALID, "x": 1}), *TARGET])
    assert code == USAGE
    assert "x: not a parameter of CompleteLayerUpload" in err
