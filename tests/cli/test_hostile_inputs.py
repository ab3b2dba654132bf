"""Input built to hurt: alias bombs, endless and blocking files, oversize files, bytes that are not
UTF-8, deep nesting, and argument values that look like command words. Each ends at once with
exit status 252 and one line saying what is wrong, or, for the command words, runs the command
the user meant."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ecrtui.cli.global_options import UsageError, command_index
from ecrtui.cli.input_files import MAX_TEXT_BYTES, document_limit, input_document
from ecrtui.ecr.model import operation_model
from ecrtui.ecr.request_documents import MAX_DEPTH, MAX_YAML_VALUES
from tests.cli.helpers import CLOSED_PORT_URL, DIGEST_EXAMPLE, USAGE, UUID_EXAMPLE, ecrtui
from tests.conftest import AwsCli, CliResult

# Long enough for a slow machine, far shorter than any blow-up (which ran past 60 seconds).
PATIENCE = 30
COMPLETE = ("complete-layer-upload", "--endpoint-url", CLOSED_PORT_URL)
UPLOAD_PART = (
    "upload-layer-part",
    "--endpoint-url",
    CLOSED_PORT_URL,
    "--repository-name",
    "team/api",
    "--upload-id",
    UUID_EXAMPLE,
    "--part-first-byte",
    "0",
    "--part-last-byte",
    "0",
)


def validation_problems(result: CliResult) -> list[str]:
    """The problems the model's checks found (exit 252, nothing sent, no traceback)."""
    assert result.returncode == USAGE, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "Parameter validation failed:", result.stderr
    return [line for line in lines[1:] if not line.startswith("hint: ")]


def usage_line(result: CliResult) -> str:
    """The one error line of a usage error (exit 252, nothing on stdout, no traceback)."""
    assert result.returncode == USAGE, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith("usage: ecrtui ")
    assert lines[1].startswith("ecrtui: error: ")
    return lines[1]


# -- YAML aliases ---------------------------------------------------------------------------------


def laughs(last: str = "") -> str:
    """Nine levels of nine aliases each: a few hundred bytes standing for 9**9 strings."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join([*lines, last]) + "\n"


@pytest.mark.parametrize(
    "document",
    [laughs(), laughs("layerDigests: *i"), laughs("repositoryName: *i")],
    ids=["unknown-keys", "layer-digests", "repository-name"],
)
@pytest.mark.parametrize("form", ["text", "file"])
def test_nested_yaml_aliases_are_refused_before_they_are_expanded(
    tmp_path: Path, document: str, form: str
) -> None:
    given = document
    if form == "file":
        (tmp_path / "laughs.yaml").write_text(document)
        given = f"file://{tmp_path / 'laughs.yaml'}"
    result = ecrtui(*COMPLETE, "--cli-input-yaml", given, timeout=PATIENCE)
    line = usage_line(result)
    assert "Invalid YAML received for --cli-input-yaml" in line
    assert f"more than {MAX_YAML_VALUES} values once its aliases are expanded" in line


def test_a_few_aliases_are_still_fine() -> None:
    document = f"digest: &d {DIGEST_EXAMPLE}\nlayerDigests: [*d, *d]\n"
    result = ecrtui(
        *COMPLETE,
        "--cli-input-yaml",
        document,
        "--repository-name",
        "team/api",
        "--upload-id",
        UUID_EXAMPLE,
        timeout=PATIENCE,
    )
    # the aliases are expanded; the key that only holds the anchor is not a parameter
    assert validation_problems(result) == ["digest: not a parameter of CompleteLayerUpload"]


def test_a_yaml_document_that_contains_itself_is_refused() -> None:
    result = ecrtui(*COMPLETE, "--cli-input-yaml", "a: &a [*a]\n", timeout=PATIENCE)
    assert "the alias *a is inside its own anchor" in usage_line(result)


@pytest.mark.parametrize(
    ("option", "document"),
    [
        ("--cli-input-json", "[" * 100_000),
        ("--cli-input-json", '{"a": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"),
        ("--cli-input-yaml", "a: " + "[" * 100_000),
        ("--cli-input-yaml", "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)),
    ],
    ids=["json-unclosed", "json-just-too-deep", "yaml-unclosed", "yaml-just-too-deep"],
)
def test_deep_nesting_is_a_usage_error(tmp_path: Path, option: str, document: str) -> None:
    path = tmp_path / "deep.txt"
    path.write_text(document)
    result = ecrtui(*COMPLETE, option, f"file://{path}", timeout=PATIENCE)
    assert f"nested more than {MAX_DEPTH} levels deep" in usage_line(result)


def test_deep_json_in_a_parameter_is_a_usage_error() -> None:
    result = ecrtui(*COMPLETE, "--layer-digests", "[" * 5000, timeout=PATIENCE)
    assert result.returncode == USAGE, result.stderr
    assert "Traceback" not in result.stderr
    assert f"Invalid JSON: nested more than {MAX_DEPTH} levels deep" in result.stderr


def test_a_yaml_integer_too_long_for_python_is_a_usage_error() -> None:
    result = ecrtui(*COMPLETE, "--cli-input-yaml", "partFirstByte: " + "9" * 5000)
    assert "Invalid YAML received for --cli-input-yaml: a value YAML cannot hold" in usage_line(
        result
    )


# -- files that are not regular files, or too big --------------------------------------------------


@pytest.fixture
def zero_link(tmp_path: Path) -> Path:
    link = tmp_path / "innocent.json"
    link.symlink_to("/dev/zero")
    return link


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    yield path


def special_files(zero_link: Path, fifo: Path) -> dict[str, tuple[str, str]]:
    """name -> (the path, what the message says it is)"""
    return {
        "dev-zero": ("/dev/zero", "/dev/zero is a character device, not a regular file"),
        "link": (str(zero_link), f"{zero_link} (a link to /dev/zero) is a character device"),
        "fifo": (str(fifo), f"{fifo} is a named pipe (FIFO), not a regular file"),
    }


@pytest.mark.parametrize("name", ["dev-zero", "link", "fifo"])
@pytest.mark.parametrize(
    "how", ["--cli-input-json", "--cli-input-yaml", "--repository-name", "--layer-part-blob"]
)
def test_special_files_are_refused_without_reading_them(
    zero_link: Path, fifo: Path, name: str, how: str
) -> None:
    path, words = special_files(zero_link, fifo)[name]
    if how == "--layer-part-blob":
        args: tuple[str, ...] = (*UPLOAD_PART, how, f"fileb://{path}")
        said = "Error parsing parameter '--layer-part-blob': Unable to load paramfile fileb://"
    else:
        args = (*COMPLETE, how, f"file://{path}")
        said = f"Error parsing parameter: Unable to load paramfile file://{path}: "
    line = usage_line(ecrtui(*args, timeout=PATIENCE))
    assert said in line
    assert words in line


def test_a_folder_is_refused(tmp_path: Path) -> None:
    line = usage_line(ecrtui(*COMPLETE, "--cli-input-json", f"file://{tmp_path}"))
    assert f"{tmp_path} is a directory, not a regular file" in line


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("--cli-input-json",),
            "the file holds more than 4 MiB, the most --cli-input-json may hold",
        ),
        (("--repository-name",), "the file holds more than 4 MiB, the most file:// text may hold"),
    ],
)
def test_oversize_text_files_are_refused(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as big:
        big.truncate(4 * 1024 * 1024 + 1)  # sparse: nothing to write, everything to refuse
    assert words in usage_line(ecrtui(*COMPLETE, *args, f"file://{path}", timeout=PATIENCE))


def test_a_blob_file_over_what_the_model_allows_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "part.bin"
    with path.open("wb") as big:
        big.truncate(20 * 1024 * 1024 + 1)  # LayerPartBlob's maximum is 20 MiB
    line = usage_line(ecrtui(*UPLOAD_PART, "--layer-part-blob", f"fileb://{path}"))
    assert "the file holds more than 20 MiB, the most --layer-part-blob can hold" in line


def test_the_input_document_of_upload_layer_part_has_room_for_a_blob(tmp_path: Path) -> None:
    """4 MiB of request plus a part written as base64: a 6 MiB document is read."""
    document = {"layerPartBlob": "A" * (6 * 1024 * 1024), "unknownKey": 1}
    path = tmp_path / "part.json"
    path.write_text(json.dumps(document))
    result = ecrtui(*UPLOAD_PART, "--cli-input-json", f"file://{path}", timeout=PATIENCE)
    assert validation_problems(result) == ["unknownKey: not a parameter of UploadLayerPart"]


def test_inline_text_is_held_to_the_same_limit() -> None:
    """(The system keeps a single argument far shorter; other systems may not.)"""
    text = json.dumps({"repositoryName": "a" * (4 * 1024 * 1024)})
    with pytest.raises(UsageError, match="--cli-input-json holds more than 4 MiB, the most it"):
        input_document("--cli-input-json", text, MAX_TEXT_BYTES)


def test_the_document_limits() -> None:
    assert document_limit(operation_model("CompleteLayerUpload").input_shape) == MAX_TEXT_BYTES
    # 20 MiB as base64 is 26.7 MiB, rounded up to 27
    assert document_limit(operation_model("UploadLayerPart").input_shape) == 31 * 1024 * 1024


# -- text that cannot be read as text --------------------------------------------------------------


def test_a_file_that_is_not_utf8_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"repositoryName": "caf\xe9"}')
    line = usage_line(ecrtui(*COMPLETE, "--cli-input-json", f"file://{path}"))
    assert f"Unable to load paramfile file://{path}: not UTF-8 text (byte 23 is 0xe9)" in line


def test_an_unknown_users_home_is_just_a_missing_file() -> None:
    """As in the aws CLI, ~nosuchuser stays as typed."""
    line = usage_line(ecrtui(*COMPLETE, "--cli-input-json", "file://~nosuchuser/file"))
    assert "Unable to load paramfile file://~nosuchuser/file: [Errno 2] No such file" in line


def test_a_query_of_three_thousand_brackets_is_a_usage_error() -> None:
    result = ecrtui(
        "describe-repositories", "--endpoint-url", CLOSED_PORT_URL, "--query", "[" * 3000
    )
    line = usage_line(result)
    assert line.startswith("ecrtui: error: Bad value for --query [[[")
    assert line.endswith("nested more than 64 levels deep")
    assert len(line) < 200  # the query is shortened


def test_an_ordinary_query_still_works(endpoint_url: str, repository: str) -> None:
    result = ecrtui(
        "describe-repositories",
        "--endpoint-url",
        endpoint_url,
        "--repository-names",
        repository,
        "--query",
        "repositories[0].repositoryName",
        "--output",
        "text",
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{repository}\n", "")


# -- argument values that are command words --------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "index"),
    [
        (["create-repository", "--repository-name", "uploads"], 0),
        (["--profile", "uploads", "uploads"], 2),
        (["--profile=uploads", "discover"], 1),
        (["--output", "table", "uploads"], 2),
        (["--debug", "--region", "us-east-1", "describe-images"], 3),
        (["--profile", "uploads"], None),
        (["--demo", "uploads"], None),
        ([], None),
    ],
)
def test_the_command_word_is_the_first_word_no_global_option_takes(
    argv: list[str], index: int | None
) -> None:
    assert command_index(argv) == index


@pytest.fixture
def cleaned_up(ecr_client: Any) -> Iterator[list[str]]:
    """Repositories to delete after the test (their names are fixed, the backend is shared)."""
    names: list[str] = []
    yield names
    for name in names:
        ecr_client.delete_repository(repositoryName=name, force=True)


@pytest.mark.parametrize("word", ["uploads", "discover"])
def test_a_repository_named_like_a_command_is_created_as_the_aws_cli_creates_one(
    aws_cli: AwsCli, endpoint_url: str, cleaned_up: list[str], word: str
) -> None:
    aws_repo = f"parity/{uuid.uuid4().hex[:12]}"
    cleaned_up.extend([word, aws_repo])
    aws = aws_cli("ecr", "create-repository", "--repository-name", aws_repo)
    ours = ecrtui("create-repository", "--repository-name", word, "--endpoint-url", endpoint_url)
    assert aws.returncode == 0, aws.stderr
    assert (ours.returncode, ours.stderr) == (0, "")
    created_at = str(ours.json()["repository"]["createdAt"])
    # the name stands in the ARN and the URI too: swap it and the creation time, then compare
    swapped = ours.stdout.replace(f'/{word}"', f'/{aws_repo}"')
    swapped = swapped.replace(f'"{word}"', f'"{aws_repo}"')
    swapped = swapped.replace(created_at, str(aws.json()["repository"]["createdAt"]))
    assert swapped == aws.stdout
    assert ours.json()["repository"]["repositoryName"] == word


@pytest.fixture
def profile_env(tmp_path: Path) -> dict[str, str]:
    """The environment with a config file holding profiles named `uploads` and `discover`."""
    config = tmp_path / "aws-config"
    sections = [
        f"[profile {name}]\nregion = us-east-1\n"
        "aws_access_key_id = AKIAECRTUITESTING000\naws_secret_access_key = ecrtui-test-secret\n"
        for name in ("uploads", "discover")
    ]
    config.write_text("".join(sections))
    return {**os.environ, "AWS_CONFIG_FILE": str(config)}


@pytest.mark.parametrize("profile", ["uploads", "discover"])
def test_a_profile_named_like_a_command_keeps_the_output_format(
    endpoint_url: str, repository: str, profile_env: dict[str, str], profile: str
) -> None:
    result = ecrtui(
        "--profile",
        profile,
        "--endpoint-url",
        endpoint_url,
        "describe-repositories",
        "--repository-names",
        repository,
        "--output",
        "text",
        "--query",
        "repositories[].repositoryName",
        env=profile_env,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, f"{repository}\n", "")


@pytest.mark.parametrize(
    "argv",
    [
        ["--profile", "uploads", "uploads", "--output", "json"],
        ["--output", "json", "--profile", "discover", "uploads"],
        ["uploads", "--profile", "uploads", "--output", "json"],
    ],
)
def test_the_uploads_command_after_a_profile_named_like_a_command(
    profile_env: dict[str, str], argv: list[str]
) -> None:
    result = ecrtui(*argv, env=profile_env)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.json() == []


# -- numbers that float() would take --------------------------------------------------------------


@pytest.mark.parametrize("seconds", ["nan", "inf", "1e400", "1e3", "\uff11\uff10", "0x10", "1_0"])
@pytest.mark.parametrize("option", ["--cli-read-timeout", "--cli-connect-timeout"])
def test_timeouts_are_plain_numbers_of_seconds(option: str, seconds: str) -> None:
    result = ecrtui("describe-repositories", "--endpoint-url", CLOSED_PORT_URL, option, seconds)
    assert f"argument {option}: invalid number of seconds: '{seconds}'" in usage_line(result)


def test_a_timeout_longer_than_a_day_is_refused() -> None:
    result = ecrtui(
        "describe-repositories", "--endpoint-url", CLOSED_PORT_URL, "--cli-read-timeout", "1e30"
    )
    assert "invalid number of seconds" in usage_line(result)
    result = ecrtui(
        "describe-repositories", "--endpoint-url", CLOSED_PORT_URL, "--cli-read-timeout", "90000"
    )
    assert "at most 86400 seconds (0 waits forever): '90000'" in usage_line(result)


@pytest.mark.parametrize("since", ["9" * 400 + "d", "99999999999999999999d", "\uff11\uff10d"])
def test_discover_since_is_a_plain_number(since: str) -> None:
    result = ecrtui("discover", "--since", since, "--endpoint-url", CLOSED_PORT_URL)
    assert result.returncode == USAGE, result.stderr
    assert "is not a duration" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:abc", "http://[zz]:1/"])
def test_an_endpoint_url_that_cannot_be_parsed_is_a_usage_error(url: str) -> None:
    done = ecrtui("describe-repositories", "--endpoint-url", url)
    assert done.returncode == 252, done.stderr
    assert "Bad value for --endpoint-url" in done.stderr and "Traceback" not in done.stderr


def test_an_output_skeleton_with_timestamps_prints_them_as_the_aws_cli_v2() -> None:
    done = ecrtui(
        "describe-images", "--repository-name", "team/api", "--generate-cli-skeleton", "output"
    )
    assert done.returncode == 0, done.stderr
    [image] = done.json()["imageDetails"]
    assert image["imagePushedAt"] == "1970-01-01T00:00:00"


@pytest.mark.parametrize("command", ["forget", "resume"])
def test_an_upload_id_whose_bytes_are_not_utf8_is_a_usage_error(command: str) -> None:
    import subprocess
    import sys

    from tests.uploads.helpers import ecrtui_env

    done = subprocess.run(
        [sys.executable.encode(), b"-m", b"ecrtui", command.encode(), b"ab\xcb"],
        capture_output=True,
        env=ecrtui_env(),
        timeout=60,
    )
    assert done.returncode == 252, done.stderr
    assert b"is not UTF-8 text" in done.stderr and b"Traceback" not in done.stderr


def test_a_query_with_a_number_too_long_for_python_is_a_usage_error() -> None:
    done = ecrtui("describe-repositories", "--query", "1" * 5000, "--endpoint-url", CLOSED_PORT_URL)
    assert done.returncode == 252, done.stderr
    assert "Bad value for --query" in done.stderr and "Traceback" not in done.stderr


def test_a_blob_given_as_text_with_a_lone_surrogate_is_checked_not_crashed() -> None:
    from ecrtui.ecr.validation import validate

    params = {
        "layerPartBlob": "ab\ud818",
        "partFirstByte": 0,
        "partLastByte": 4,
        "repositoryName": "team/api",
        "uploadId": UUID_EXAMPLE,
    }
    assert validate("UploadLayerPart", params) == []
