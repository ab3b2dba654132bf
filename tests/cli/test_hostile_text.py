"""Server and user text reaches the terminal as text: control characters are shown, never obeyed.

An image tag, a repository name, an error message from ECR, a key of an input document, a path or
an upload id may hold an escape sequence: OSC 52 sets the terminal's clipboard, OSC 0 its window
title, CSI codes its colours. `--output text`, the error lines and the upload commands' lines print
each control character as `\\xNN`; `--output json` escapes them as JSON does, byte for byte as the
aws CLI. A fake ECR endpoint serves the text the local backend would refuse to store.

Every command runs as a subprocess and its output is checked as the bytes a terminal receives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import (
    CLOSED_PORT_URL,
    DIGEST_EXAMPLE,
    OTHER,
    SERVICE,
    USAGE,
    UUID_EXAMPLE,
    BytesResult,
    aws_bytes,
    ecrtui_bytes,
    error_line,
)
from tests.fake_ecr import ACCOUNT, FakeEcr, FakeError

# Each hostile string, and how the command line must print it.
SHOWN = {
    "[/]": "[/]",  # Rich/Textual markup: plain text on a terminal, printed as it is
    "[bold]x[/bold]": "[bold]x[/bold]",
    "[@click=app.quit]": "[@click=app.quit]",
    "\x1b]52;c;aGVsbG8=\x07": r"\x1b]52;c;aGVsbG8=\x07",  # OSC 52: write the clipboard
    "\x1b]0;pwned\x07": r"\x1b]0;pwned\x07",  # OSC 0: set the window title
    "\x1b[31mred\x1b[0m": r"\x1b[31mred\x1b[0m",  # CSI: colours
    "\x9b31m": r"\x9b31m",  # the C1 form of CSI
    "\x7f": r"\x7f",  # DEL
}
HOSTILE = list(SHOWN)
WITH_CONTROLS = [text for text in HOSTILE if not text.startswith("[")]
# A tab and a newline inside one value: in text output they would split it into columns and rows.
LAYOUT, LAYOUT_SHOWN = "tab\there\nnext", r"tab\x09here\x0anext"
# Every hostile string in one, for commands that echo one value.
ALL = "".join(HOSTILE)
ALL_SHOWN = "".join(SHOWN.values())

RAW_BYTES = (b"\x1b", b"\x07", b"\x9b", b"\x7f")
# What a terminal would act on: every control but the line breaks and tabs of the layout.
_ACTED_ON = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

IMAGE_DIGEST = "sha256:" + "cd" * 32
IMAGES = {
    "imageDetails": [
        {
            "registryId": ACCOUNT,
            "repositoryName": "team/api",
            "imageDigest": IMAGE_DIGEST,
            "imageTags": [*HOSTILE, LAYOUT],
            "imageSizeInBytes": 1234,
        }
    ]
}
REPOSITORY_NAMES = [f"team/{text}api" for text in HOSTILE]
REPOSITORIES = {
    "repositories": [
        {
            "registryId": ACCOUNT,
            "repositoryName": name,
            "repositoryArn": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{name}",
            "repositoryUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{name}",
        }
        for name in REPOSITORY_NAMES
    ]
}


def assert_nothing_to_obey(output: bytes) -> str:
    """No raw control byte a terminal acts on; returns the output decoded."""
    for byte in RAW_BYTES:
        assert byte not in output, (byte, output)
    text = output.decode("utf-8")
    assert not _ACTED_ON.search(text), text
    return text


def describe(fake: FakeEcr, command: str, *args: str) -> BytesResult:
    return ecrtui_bytes(command, *args, "--endpoint-url", fake.endpoint_url)


# -- --output text and json ----------------------------------------------------------------------


def test_text_output_shows_hostile_image_tags_escaped() -> None:
    with FakeEcr({"DescribeImages": IMAGES}) as fake:
        result = describe(
            fake, "describe-images", "--repository-name", "team/api", "--output", "text"
        )
        assert fake.operations() == ["DescribeImages"]
    assert (result.returncode, result.stderr) == (0, b"")
    lines = assert_nothing_to_obey(result.stdout).splitlines()
    assert lines[0] == f"IMAGEDETAILS\t{IMAGE_DIGEST}\t1234\t{ACCOUNT}\tteam/api"
    assert lines[1:] == [f"IMAGETAGS\t{SHOWN[tag]}" for tag in HOSTILE] + [
        f"IMAGETAGS\t{LAYOUT_SHOWN}"
    ]


def test_text_output_is_the_aws_clis_with_only_the_controls_escaped() -> None:
    args = ("describe-images", "--repository-name", "team/api", "--output", "text")
    with FakeEcr({"DescribeImages": IMAGES}) as fake:
        ours = describe(fake, *args)
        aws = aws_bytes(fake.endpoint_url, "ecr", *args)
    assert aws.returncode == 0, aws.stderr
    expected = aws.stdout.decode("utf-8")
    for tag, shown in [*SHOWN.items(), (LAYOUT, LAYOUT_SHOWN)]:
        assert tag in expected  # the aws CLI prints the raw tag
        expected = expected.replace(tag, shown)
    assert ours.stdout.decode("utf-8") == expected


def test_text_output_of_a_query_keeps_one_value_per_column() -> None:
    query = "imageDetails[0].imageTags"
    with FakeEcr({"DescribeImages": IMAGES}) as fake:
        result = describe(
            fake,
            "describe-images",
            "--repository-name",
            "team/api",
            "--output",
            "text",
            "--query",
            query,
        )
    assert result.returncode == 0, result.stderr
    text = assert_nothing_to_obey(result.stdout)
    assert text == "\t".join([*SHOWN.values(), LAYOUT_SHOWN]) + "\n"


def test_text_output_shows_hostile_repository_names_escaped() -> None:
    with FakeEcr({"DescribeRepositories": REPOSITORIES}) as fake:
        result = describe(fake, "describe-repositories", "--output", "text")
    assert (result.returncode, result.stderr) == (0, b"")
    lines = assert_nothing_to_obey(result.stdout).splitlines()
    names = [line.split("\t")[3] for line in lines]
    assert names == [f"team/{shown}api" for shown in SHOWN.values()]
    assert all(line.startswith("REPOSITORIES\t") for line in lines)


@pytest.mark.parametrize(
    ("answers", "args"),
    [
        ({"DescribeImages": IMAGES}, ("describe-images", "--repository-name", "team/api")),
        ({"DescribeRepositories": REPOSITORIES}, ("describe-repositories",)),
    ],
    ids=["describe-images", "describe-repositories"],
)
def test_json_output_is_byte_for_byte_the_aws_clis(
    answers: Mapping[str, Any], args: tuple[str, ...]
) -> None:
    with FakeEcr(answers) as fake:
        ours = describe(fake, *args, "--output", "json")
        aws = aws_bytes(fake.endpoint_url, "--output", "json", "ecr", *args)
    assert (aws.returncode, ours.returncode, ours.stderr) == (0, 0, b"")
    assert ours.stdout == aws.stdout
    assert b"\\u001b]0;pwned\\u0007" in ours.stdout  # JSON escapes ESC and BEL itself
    assert b"\x1b" not in ours.stdout


# -- errors from ECR -----------------------------------------------------------------------------


def test_an_ecr_error_message_is_shown_escaped() -> None:
    message = f"layer {ALL} was rejected"
    with FakeEcr({"CompleteLayerUpload": FakeError(400, "InvalidLayerException", message)}) as fake:
        result = ecrtui_bytes(
            "complete-layer-upload",
            "--repository-name",
            "team/api",
            "--upload-id",
            UUID_EXAMPLE,
            "--layer-digests",
            DIGEST_EXAMPLE,
            "--endpoint-url",
            fake.endpoint_url,
        )
        assert fake.operations() == ["CompleteLayerUpload"]
    assert result.returncode == SERVICE
    stderr = assert_nothing_to_obey(result.stderr)
    assert error_line(stderr) == (
        "An error occurred (InvalidLayerException) when calling the CompleteLayerUpload "
        f"operation: layer {ALL_SHOWN} was rejected"
    )


def test_the_debug_traceback_is_shown_escaped() -> None:
    """--debug adds a Python traceback, whose last line repeats the message."""
    message = f"repository {ALL} not found"
    answers = {"DescribeImages": FakeError(400, "RepositoryNotFoundException", message)}
    with FakeEcr(answers) as fake:
        result = describe(fake, "describe-images", "--repository-name", "team/api", "--debug")
    assert result.returncode == SERVICE
    stderr = result.stderr.decode("utf-8")
    traceback = stderr[stderr.index("Traceback (most recent call last)") :]
    assert "\x1b" not in traceback
    assert "botocore.errorfactory.RepositoryNotFoundException: An error occurred" in traceback
    assert f"repository {ALL_SHOWN} not found" in traceback


# -- input the user typed ------------------------------------------------------------------------


@pytest.mark.parametrize("key", WITH_CONTROLS)
def test_an_unknown_key_of_the_input_document_is_shown_escaped(key: str) -> None:
    document = {
        "repositoryName": "team/api",
        "uploadId": UUID_EXAMPLE,
        "layerDigests": [DIGEST_EXAMPLE],
        key: 1,
    }
    result = ecrtui_bytes(
        "complete-layer-upload",
        "--cli-input-json",
        json.dumps(document),
        "--endpoint-url",
        CLOSED_PORT_URL,
    )
    assert result.returncode == USAGE
    lines = assert_nothing_to_obey(result.stderr).splitlines()
    assert f"{SHOWN[key]}: not a parameter of CompleteLayerUpload" in lines


@pytest.mark.parametrize("text", WITH_CONTROLS)
def test_a_bad_repository_name_is_shown_escaped(text: str) -> None:
    """The validator quotes the value it refuses (its repr, which escapes controls too)."""
    result = ecrtui_bytes(
        "describe-images", "--repository-name", f"team/{text}", "--endpoint-url", CLOSED_PORT_URL
    )
    assert result.returncode == USAGE
    lines = assert_nothing_to_obey(result.stderr).splitlines()
    said = f"repositoryName: 'team/{SHOWN[text]}' is not a repository name"
    assert [line for line in lines if line.startswith(said)], lines


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("complete-layer-upload", "--layer-digests", f"[{ALL}"),
            f"JSON received: [{ALL_SHOWN}",
        ),
        (
            ("complete-layer-upload", "--repository-name", f"file:///nonexistent/{ALL}"),
            f"Unable to load paramfile file:///nonexistent/{ALL_SHOWN}: ",
        ),
        (("describe-images", "--max-items", ALL), ALL_SHOWN),
        (("describe-images", "--repository-name", "team/api", ALL), ALL_SHOWN),
        (("describe-images", "--output", ALL), f"invalid choice: '{ALL_SHOWN}'"),
        (("describe-images", "--endpoint-url", ALL), f'Bad value for --endpoint-url "{ALL_SHOWN}"'),
        (
            ("describe-images", "--cli-read-timeout", ALL),
            f"invalid number of seconds: '{ALL_SHOWN}'",
        ),
    ],
    ids=["bad-json", "paramfile", "bad-integer", "unknown-word", "output", "endpoint", "timeout"],
)
def test_a_usage_error_shows_the_input_escaped(args: tuple[str, ...], expected: str) -> None:
    result = ecrtui_bytes(*args, "--endpoint-url", CLOSED_PORT_URL)
    assert result.returncode == USAGE
    stderr = assert_nothing_to_obey(result.stderr)
    assert expected in stderr
    assert "error: " in stderr


# -- the upload commands -------------------------------------------------------------------------


def test_forget_shows_an_unknown_upload_id_escaped() -> None:
    result = ecrtui_bytes("forget", ALL)
    assert result.returncode == OTHER
    stderr = assert_nothing_to_obey(result.stderr)
    assert stderr == f"ecrtui forget: upload {ALL_SHOWN} is not in the journal\n"


def test_resume_shows_an_unknown_upload_id_escaped() -> None:
    result = ecrtui_bytes("resume", ALL, "--endpoint-url", CLOSED_PORT_URL)
    assert result.returncode == USAGE  # not an upload id: refused before anything is sent
    stderr = assert_nothing_to_obey(result.stderr)
    assert "\nuploadId: " in stderr and "is not an upload id" in stderr


def test_push_layer_shows_a_missing_path_escaped() -> None:
    path = f"/nonexistent/{ALL}.tar"
    result = ecrtui_bytes("push-layer", path, "--repository-name", "team/api")
    assert result.returncode == USAGE
    stderr = assert_nothing_to_obey(result.stderr)
    assert stderr.endswith(
        f"ecrtui push-layer: error: no such file: /nonexistent/{ALL_SHOWN}.tar\n"
    )


def test_push_layer_shows_an_empty_files_path_escaped(tmp_path: Path) -> None:
    name = "".join(WITH_CONTROLS)  # a file name holds no "/"
    empty = tmp_path / name
    empty.touch()
    result = ecrtui_bytes(
        "push-layer", str(empty), "--repository-name", "team/api", "--endpoint-url", CLOSED_PORT_URL
    )
    assert result.returncode == OTHER
    stderr = assert_nothing_to_obey(result.stderr)
    shown = "".join(SHOWN[text] for text in WITH_CONTROLS)
    assert stderr == (
        f"ecrtui push-layer: {tmp_path}/{shown} is empty: ECR cannot store an empty layer\n"
    )


def test_push_layer_shows_an_ecr_error_escaped(tmp_path: Path) -> None:
    layer = tmp_path / "".join(WITH_CONTROLS)
    layer.write_bytes(b"layer bytes")
    message = f"The repository with name {ALL} does not exist"
    answers = {"InitiateLayerUpload": FakeError(400, "RepositoryNotFoundException", message)}
    with FakeEcr(answers) as fake:
        result = ecrtui_bytes(
            "push-layer",
            str(layer),
            "--repository-name",
            "team/api",
            "--endpoint-url",
            fake.endpoint_url,
        )
        assert fake.operations() == ["BatchCheckLayerAvailability", "InitiateLayerUpload"]
    assert result.returncode == SERVICE
    stderr = assert_nothing_to_obey(result.stderr)
    line = error_line(stderr)  # the engine tries once, and the line says so
    assert line.startswith(
        "An error occurred (RepositoryNotFoundException) when calling the InitiateLayerUpload "
        "operation"
    )
    assert line.endswith(f": The repository with name {ALL_SHOWN} does not exist")
