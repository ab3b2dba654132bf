"""The headless commands' inputs: input documents, global options, bad command lines, credentials,
help, a push through ecrtui alone, and interruption."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore import xform_name

from ecrtui.cli.main import API_COMMANDS
from tests.cli.helpers import (
    CLOSED_PORT_URL,
    CONFIG,
    DIGEST_EXAMPLE,
    INTERRUPTED,
    NOT_CONNECTED,
    OTHER,
    SERVICE,
    USAGE,
    UUID_EXAMPLE,
    ecrtui,
    error_line,
    hint_lines,
)
from tests.conftest import CliResult
from tests.local.helpers import ACCOUNT, MIN_PART, data, sha256_digest, upload


def assert_usage_error(result: CliResult, *words: str) -> None:
    """Exit 252, nothing on stdout, these words on stderr, and no Python traceback."""
    assert result.returncode == USAGE, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in result.stderr


@pytest.fixture
def pending(ecr_client: Any, repository: str) -> dict[str, Any]:
    """An upload with every byte in, ready to complete: the CompleteLayerUpload request."""
    blob = data(1500, seed=uuid.uuid4().int % 1000)
    upload_id = upload(ecr_client, repository, blob)
    return {
        "repositoryName": repository,
        "uploadId": upload_id,
        "layerDigests": [sha256_digest(blob)],
    }


def completed(request: dict[str, Any]) -> dict[str, Any]:
    return {
        "registryId": ACCOUNT,
        "repositoryName": request["repositoryName"],
        "uploadId": request["uploadId"],
        "layerDigest": request["layerDigests"][0],
    }


# -- --cli-input-json / --cli-input-yaml ---------------------------------------------------------


def input_argument(form: str, document: dict[str, Any], tmp_path: Path) -> list[str]:
    """The command-line words that hand `document` over as JSON or YAML, inline or as a file."""
    kind, where = form.split("-")
    text = json.dumps(document) if kind == "json" else yaml.safe_dump(document)
    if where == "file":
        path = tmp_path / f"input.{kind}"
        path.write_text(text, encoding="utf-8")
        text = f"file://{path}"
    return [f"--cli-input-{kind}", text]


INPUT_FORMS = ["json-text", "json-file", "yaml-text", "yaml-file"]


@pytest.mark.parametrize("form", INPUT_FORMS)
def test_complete_layer_upload_from_an_input_document(
    endpoint_url: str, pending: dict[str, Any], tmp_path: Path, form: str
) -> None:
    result = ecrtui(
        "--endpoint-url",
        endpoint_url,
        "complete-layer-upload",
        *input_argument(form, pending, tmp_path),
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.json() == completed(pending)


@pytest.mark.parametrize("form", ["json-file", "yaml-text"])
def test_command_line_values_override_the_input_document(
    endpoint_url: str, pending: dict[str, Any], tmp_path: Path, form: str
) -> None:
    wrong = {**pending, "repositoryName": f"missing/{uuid.uuid4().hex[:12]}"}
    result = ecrtui(
        "--endpoint-url",
        endpoint_url,
        "complete-layer-upload",
        *input_argument(form, wrong, tmp_path),
        "--repository-name",
        pending["repositoryName"],
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.json() == completed(pending)


def test_json_and_yaml_input_together_is_a_usage_error() -> None:
    result = ecrtui(
        "--endpoint-url",
        CLOSED_PORT_URL,
        "describe-repositories",
        "--cli-input-json",
        "{}",
        "--cli-input-yaml",
        "{}",
    )
    assert_usage_error(result, "not allowed with argument")


@pytest.mark.parametrize(
    ("option", "text"),
    [
        ("--cli-input-json", '{"repositoryNames": ["team/api"]'),
        ("--cli-input-json", '["team/api"]'),
        ("--cli-input-yaml", "- team/api\n"),
        ("--cli-input-yaml", "repositoryNames: [team/api\n"),
    ],
    ids=["json-invalid", "json-list", "yaml-list", "yaml-invalid"],
)
def test_an_input_document_that_is_not_an_object_is_a_usage_error(option: str, text: str) -> None:
    result = ecrtui("--endpoint-url", CLOSED_PORT_URL, "describe-repositories", option, text)
    assert_usage_error(result, option)
    assert NOT_CONNECTED not in result.stderr


# -- global options -------------------------------------------------------------------------------


def test_global_options_before_or_after_the_command(endpoint_url: str, repository: str) -> None:
    names = ["--repository-names", repository]
    before = ecrtui(
        "--endpoint-url", endpoint_url, "--output", "text", "describe-repositories", *names
    )
    after = ecrtui(
        "describe-repositories", *names, "--output", "text", "--endpoint-url", endpoint_url
    )
    assert (before.returncode, before.stderr) == (0, "")
    assert after == before
    assert before.stdout.startswith("REPOSITORIES\t")
    assert repository in before.stdout


def test_output_yaml_is_the_same_data_as_json(endpoint_url: str, repository: str) -> None:
    args = ["--endpoint-url", endpoint_url, "describe-repositories", "--repository-names"]
    as_json = ecrtui(*args, repository, "--output", "json")
    as_yaml = ecrtui(*args, repository, "--output", "yaml")
    assert (as_json.returncode, as_yaml.returncode) == (0, 0)
    assert not as_yaml.stdout.lstrip().startswith("{")
    assert yaml.safe_load(as_yaml.stdout) == as_json.json()
    assert as_json.json()["repositories"][0]["repositoryName"] == repository


def test_unknown_output_format_is_a_usage_error() -> None:
    result = ecrtui("--endpoint-url", CLOSED_PORT_URL, "describe-repositories", "--output", "bogus")
    assert_usage_error(result, "--output", "bogus")


# -- bad command lines never reach the network ---------------------------------------------------


def test_missing_required_arguments() -> None:
    result = ecrtui(
        "--endpoint-url", CLOSED_PORT_URL, "complete-layer-upload", "--repository-name", "team/api"
    )
    assert_usage_error(result, "the following arguments are required: --upload-id, --layer-digests")


GOOD = {
    "--repository-name": "team/api",
    "--upload-id": UUID_EXAMPLE,
    "--layer-digests": DIGEST_EXAMPLE,
}
REPOSITORY_PROBLEM = "repositoryName: 'Team API' is not a repository name"
UPLOAD_ID_PROBLEM = "uploadId: 'upload-1' is not an upload id"
DIGEST_PROBLEM = "layerDigests[0]: 'sha256:xyz' is not a digest like sha256:<64 hex characters>"


@pytest.mark.parametrize(
    ("bad", "problems"),
    [
        ({"--repository-name": "Team API"}, [REPOSITORY_PROBLEM]),
        ({"--layer-digests": "sha256:xyz"}, [DIGEST_PROBLEM]),
        ({"--upload-id": "upload-1"}, [UPLOAD_ID_PROBLEM]),
        (
            {
                "--repository-name": "Team API",
                "--upload-id": "upload-1",
                "--layer-digests": "sha256:xyz",
            },
            [REPOSITORY_PROBLEM, UPLOAD_ID_PROBLEM, DIGEST_PROBLEM],
        ),
    ],
    ids=["repository-name", "digest", "upload-id", "all-three"],
)
def test_invalid_values_are_reported_without_a_connection(
    bad: dict[str, str], problems: list[str]
) -> None:
    values = {**GOOD, **bad}
    args = [word for option, value in values.items() for word in (option, value)]
    started = time.monotonic()
    result = ecrtui("--endpoint-url", CLOSED_PORT_URL, "complete-layer-upload", *args)
    assert time.monotonic() - started < 20
    assert_usage_error(result, "\nParameter validation failed:\n")
    assert NOT_CONNECTED not in result.stderr
    lines = result.stderr.strip("\n").splitlines()
    header = lines.index("Parameter validation failed:")
    reported = lines[header + 1 : -1]
    assert len(reported) == len(problems), result.stderr
    for line, problem in zip(reported, problems, strict=True):
        assert line.startswith(problem), line
    assert lines[-1] == "hint: fix the parameters named above; nothing was sent to ECR"


def test_invalid_query_is_a_usage_error_before_any_call() -> None:
    # The aws CLI rejects a --query it cannot compile before sending anything.
    result = ecrtui("--endpoint-url", CLOSED_PORT_URL, "describe-repositories", "--query", "[[")
    assert_usage_error(result, "--query")
    assert NOT_CONNECTED not in result.stderr


def test_invalid_endpoint_url_is_a_usage_error() -> None:
    result = ecrtui("--endpoint-url", "not a url", "describe-repositories")
    assert_usage_error(result, "--endpoint-url")


@pytest.mark.parametrize(
    "args",
    [["ecr-bogus-command"], ["complete-layer-upload", "--bogus-flag"]],
    ids=["command", "flag"],
)
def test_unknown_command_or_flag(args: list[str]) -> None:
    result = ecrtui("--endpoint-url", CLOSED_PORT_URL, *args)
    assert_usage_error(result, "unrecognized arguments", args[-1])


# -- errors of the environment -------------------------------------------------------------------


def test_debug_logs_requests_but_never_credentials(endpoint_url: str, repository: str) -> None:
    token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDecrtuiTestToken+abc/def=="
    env = {**os.environ, "AWS_SESSION_TOKEN": token}
    secret, key_id = env["AWS_SECRET_ACCESS_KEY"], env["AWS_ACCESS_KEY_ID"]
    result = ecrtui(
        "--debug",
        "--endpoint-url",
        endpoint_url,
        "complete-layer-upload",
        "--repository-name",
        repository,
        "--upload-id",
        str(uuid.uuid4()),
        "--layer-digests",
        DIGEST_EXAMPLE,
        env=env,
    )
    assert result.returncode == SERVICE, result.stderr
    assert re.search(r" - botocore\.[a-z.]+ - DEBUG - ", result.stderr)
    assert "x-amz-security-token" in result.stderr.lower()  # the token was sent, and masked
    assert error_line(result.stderr).startswith("An error occurred (UploadNotFoundException)")
    assert "Signature=<redacted>" in result.stderr
    for value in (secret, key_id, token, token[:20], token[-20:]):
        assert value not in result.stdout
        assert value not in result.stderr


def test_connection_refused_exits_255_and_points_at_the_endpoint() -> None:
    result = ecrtui("--endpoint-url", CLOSED_PORT_URL, "describe-repositories")
    assert result.returncode == OTHER
    assert result.stdout == ""
    assert f'{NOT_CONNECTED}: "{CLOSED_PORT_URL}/"' in result.stderr
    (hint,) = hint_lines(result.stderr)
    assert "--endpoint-url" in hint
    assert "Traceback" not in result.stderr


def test_no_credentials_exits_253(endpoint_url: str, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("")
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env |= {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    result = ecrtui("--endpoint-url", endpoint_url, "describe-repositories", env=env)
    assert result.returncode == CONFIG, result.stderr
    assert result.stdout == ""
    assert "Unable to locate credentials" in result.stderr
    (hint,) = hint_lines(result.stderr)
    assert "credentials" in hint
    assert "Traceback" not in result.stderr


def test_unknown_profile_exits_253(endpoint_url: str) -> None:
    profile = f"nosuch-{uuid.uuid4().hex[:8]}"
    result = ecrtui("--endpoint-url", endpoint_url, "--profile", profile, "describe-repositories")
    assert result.returncode == CONFIG, result.stderr
    assert result.stdout == ""
    assert f"The config profile ({profile}) could not be found" in result.stderr
    (hint,) = hint_lines(result.stderr)
    assert "--profile" in hint


# -- help -----------------------------------------------------------------------------------------


def help_entries(text: str) -> dict[str, str]:
    """Each option's help entry (its lines joined), by option name."""
    entries: dict[str, str] = {}
    current: str | None = None
    for line in text.splitlines():
        found = re.match(r"  (--[a-z0-9-]+)", line)
        if found:
            current = found.group(1)
            entries[current] = line
        elif current and line.startswith("   "):
            entries[current] += " " + line
        else:
            current = None
    return {name: " ".join(entry.split()) for name, entry in entries.items()}


def model_rules(shape: Any) -> list[str]:
    """Rules the help must state, in words, read straight from the model."""
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    rules = list(getattr(shape, "enum", None) or [])
    if shape.type_name == "string" and low and high:
        rules.append(f"{low}-{high} characters")
    elif shape.type_name == "list":
        if low and high:
            rules.append(f"{low}-{high} items")
        rules += model_rules(shape.member)
    elif shape.type_name in ("integer", "long") and low is not None and high is not None:
        rules.append(f"{low}-{high}")
    return rules


@pytest.mark.parametrize(("command", "operation"), API_COMMANDS.items())
def test_help_lists_every_member_and_its_rules(command: str, operation: str) -> None:
    result = ecrtui(command, "--help", env={**os.environ, "COLUMNS": "1000"})
    assert (result.returncode, result.stderr) == (0, "")
    entries = help_entries(result.stdout)
    model = botocore.session.get_session().get_service_model("ecr").operation_model(operation)
    shape = model.input_shape
    for member, member_shape in shape.members.items():
        flag = "--" + xform_name(member, "-")
        assert flag in entries, f"{flag} is missing from the help of {command}"
        words = entries[flag][len(flag) :]
        assert ("required" in words) == (member in shape.required_members), words
        for rule in model_rules(member_shape):
            assert rule in words, f"{flag}: {rule!r} not in {words!r}"
    for option in ("--cli-input-json", "--cli-input-yaml", "--generate-cli-skeleton", "--query"):
        assert option in entries
    if "repositoryName" in shape.members:
        assert "2-256 characters" in entries["--repository-name"]


# -- a push through ecrtui alone -----------------------------------------------------------------


def test_push_a_layer_with_ecrtui_commands_only(
    endpoint_url: str, repository: str, tmp_path: Path
) -> None:
    blob = data(MIN_PART + 777, seed=41)
    digest = sha256_digest(blob)
    first, second = tmp_path / "part-1.bin", tmp_path / "part-2.bin"
    first.write_bytes(blob[:MIN_PART])
    second.write_bytes(blob[MIN_PART:])
    common = ["--endpoint-url", endpoint_url]
    repo = ["--repository-name", repository]

    started = ecrtui(*common, "initiate-layer-upload", *repo)
    assert started.returncode == 0, started.stderr
    upload_id = started.json()["uploadId"]
    assert started.json()["partSize"] == 10 * 1024 * 1024

    for path, start in ((first, 0), (second, MIN_PART)):
        last = start + path.stat().st_size - 1
        sent = ecrtui(
            *common,
            "upload-layer-part",
            *repo,
            "--upload-id",
            upload_id,
            "--part-first-byte",
            str(start),
            "--part-last-byte",
            str(last),
            "--layer-part-blob",
            f"fileb://{path}",
        )
        assert sent.returncode == 0, sent.stderr
        assert sent.json() == {
            "registryId": ACCOUNT,
            "repositoryName": repository,
            "uploadId": upload_id,
            "lastByteReceived": last,
        }

    done = ecrtui(
        *common, "complete-layer-upload", *repo, "--upload-id", upload_id, "--layer-digests", digest
    )
    assert done.returncode == 0, done.stderr
    assert done.json()["layerDigest"] == digest

    check = ecrtui(*common, "batch-check-layer-availability", *repo, "--layer-digests", digest)
    assert check.returncode == 0, check.stderr
    (layer,) = check.json()["layers"]
    assert (layer["layerDigest"], layer["layerAvailability"]) == (digest, "AVAILABLE")
    assert layer["layerSize"] == len(blob)
    assert check.json()["failures"] == []


# -- interruption --------------------------------------------------------------------------------


def test_sigint_while_waiting_for_the_service_exits_130() -> None:
    with socket.socket() as silent:  # accepts connections and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        silent.settimeout(30)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        command = ["describe-repositories", "--endpoint-url", url, "--cli-read-timeout", "30"]
        process = subprocess.Popen(
            [sys.executable, "-m", "ecrtui", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A child of a background job may inherit SIGINT as ignored; give it the default.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            connection, _ = silent.accept()  # the command is now waiting for an answer
            with connection:
                time.sleep(0.3)
                process.send_signal(signal.SIGINT)
                _, stderr = process.communicate(timeout=20)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert process.returncode == INTERRUPTED, stderr
    assert "Traceback" not in stderr
