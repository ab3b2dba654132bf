"""`aws_cli_command`: the exact command line, its quoting, and that the aws CLI really runs it."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ecrtui.ecr.aws_command import aws_cli_command
from tests.conftest import DUMMY_ENV
from tests.local.helpers import data, sha256_digest, upload

AWS = Path(sys.executable).parent / "aws"
UPLOAD_ID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"
DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64

NASTY = [
    "it's a name",
    'say "hello"',
    "$HOME and ${PATH}",
    "x; rm -rf /tmp/nothing",
    "`date` $(id)",
    "tab\there",
    "new\nline",
    "back\\slash",
    "glob * ? [a]",
    "",
]


def test_complete_layer_upload_in_model_order() -> None:
    request = {
        "layerDigests": [DIGEST_A, DIGEST_B],
        "uploadId": UPLOAD_ID,
        "repositoryName": "team/api",
        "registryId": "123456789012",
    }
    assert aws_cli_command("CompleteLayerUpload", request) == (
        "aws ecr complete-layer-upload --registry-id 123456789012 --repository-name team/api "
        f"--upload-id {UPLOAD_ID} --layer-digests {DIGEST_A} {DIGEST_B}"
    )


def test_global_options_are_appended_only_when_given() -> None:
    request = {"repositoryName": "team/api", "uploadId": UPLOAD_ID, "layerDigests": [DIGEST_A]}
    base = (
        "aws ecr complete-layer-upload --repository-name team/api "
        f"--upload-id {UPLOAD_ID} --layer-digests {DIGEST_A}"
    )
    assert aws_cli_command("CompleteLayerUpload", request) == base
    assert aws_cli_command("CompleteLayerUpload", request, region="eu-west-1") == (
        base + " --region eu-west-1"
    )
    command = aws_cli_command(
        "CompleteLayerUpload",
        request,
        region="us-east-1",
        endpoint_url="http://127.0.0.1:4566",
        profile="ops admin",
    )
    assert command == (
        base + " --region us-east-1 --endpoint-url http://127.0.0.1:4566 --profile 'ops admin'"
    )


def test_none_members_are_left_out() -> None:
    command = aws_cli_command("InitiateLayerUpload", {"repositoryName": "a/b", "registryId": None})
    assert command == "aws ecr initiate-layer-upload --repository-name a/b"


@pytest.mark.parametrize("value", NASTY)
def test_nasty_values_survive_a_shell(value: str) -> None:
    command = aws_cli_command(
        "CompleteLayerUpload",
        {"repositoryName": value, "uploadId": UPLOAD_ID, "layerDigests": [value, DIGEST_A]},
        profile=value,
    )
    assert shlex.split(command) == [
        "aws",
        "ecr",
        "complete-layer-upload",
        "--repository-name",
        value,
        "--upload-id",
        UPLOAD_ID,
        "--layer-digests",
        value,
        DIGEST_A,
        *(["--profile", value] if value else []),  # an empty profile is no profile
    ]


def test_nasty_values_are_not_run_by_a_real_shell(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    value = f'x\'; touch {marker}; echo "$(touch {marker})" `touch {marker}`'
    command = aws_cli_command("DescribeRepositories", {"repositoryNames": [value]})
    done = subprocess.run(
        ["sh", "-c", "printf '%s\\n' " + command.removeprefix("aws ")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines() == ["ecr", "describe-repositories", "--repository-names", value]
    assert not marker.exists()


def test_a_value_starting_with_a_dash_is_not_read_as_an_option() -> None:
    command = aws_cli_command("InitiateLayerUpload", {"repositoryName": "-x y"})
    assert command == "aws ecr initiate-layer-upload '--repository-name=-x y'"
    listed = aws_cli_command(
        "BatchCheckLayerAvailability", {"repositoryName": "a", "layerDigests": ["-a", "b"]}
    )
    assert shlex.split(listed)[-2:] == ["--layer-digests", '["-a", "b"]']


def test_other_member_types() -> None:
    command = aws_cli_command(
        "DescribeImages",
        {
            "repositoryName": "team/api",
            "imageIds": [{"imageTag": "latest"}, {"imageDigest": DIGEST_A}],
            "maxResults": 5,
            "filter": {"tagStatus": "TAGGED"},
        },
    )
    assert shlex.split(command) == [
        "aws",
        "ecr",
        "describe-images",
        "--repository-name",
        "team/api",
        "--image-ids",
        f'[{{"imageTag": "latest"}}, {{"imageDigest": "{DIGEST_A}"}}]',
        "--max-results",
        "5",
        "--filter",
        '{"tagStatus": "TAGGED"}',
    ]
    assert aws_cli_command("DeleteRepository", {"repositoryName": "a/b", "force": True}) == (
        "aws ecr delete-repository --repository-name a/b --force"
    )
    assert aws_cli_command("DeleteRepository", {"repositoryName": "a/b", "force": False}) == (
        "aws ecr delete-repository --repository-name a/b --no-force"
    )


@pytest.mark.parametrize(
    ("request_", "words"),
    [
        ({"repositoryName": "a", "bogus": 1}, "no parameter named 'bogus'"),
        ({"repositoryName": "file:///etc/passwd"}, "as a file or URL"),
        ({"repositoryName": "HTTPS://example.com/x"}, "as a file or URL"),
    ],
)
def test_values_the_cli_would_misread_are_refused(request_: dict[str, Any], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        aws_cli_command("InitiateLayerUpload", request_)


def test_raw_bytes_are_refused() -> None:
    request = {
        "repositoryName": "a",
        "uploadId": UPLOAD_ID,
        "partFirstByte": 0,
        "partLastByte": 2,
        "layerPartBlob": b"abc",
    }
    with pytest.raises(ValueError, match="fileb://PATH"):
        aws_cli_command("UploadLayerPart", request)


def test_unknown_operation() -> None:
    with pytest.raises(ValueError, match="no operation named"):
        aws_cli_command("CompleteLayerUploads", {})


def test_the_command_completes_a_real_upload(
    ecr_client: Any, repository: str, endpoint_url: str
) -> None:
    blob = data(4096, seed=7)
    digest = sha256_digest(blob)
    upload_id = upload(ecr_client, repository, blob)
    request = {"repositoryName": repository, "uploadId": upload_id, "layerDigests": [digest]}
    command = aws_cli_command("CompleteLayerUpload", request, region="us-east-1")
    words = shlex.split(command)
    assert words[0] == "aws"
    done = subprocess.run(
        [str(AWS), *words[1:], "--endpoint-url", endpoint_url, "--output", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, **DUMMY_ENV},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert '"layerDigest": "' + digest + '"' in done.stdout
    layers = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )["layers"]
    assert [(layer["layerDigest"], layer["layerAvailability"]) for layer in layers] == [
        (digest, "AVAILABLE")
    ]


def test_the_command_runs_in_a_shell_with_the_endpoint_option(
    ecr_client: Any, repository: str, endpoint_url: str
) -> None:
    blob = data(2048, seed=8)
    digest = sha256_digest(blob)
    upload_id = upload(ecr_client, repository, blob)
    request = {"repositoryName": repository, "uploadId": upload_id, "layerDigests": [digest]}
    command = aws_cli_command(
        "CompleteLayerUpload", request, region="us-east-1", endpoint_url=endpoint_url
    )
    path = f"{AWS.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    done = subprocess.run(
        ["sh", "-c", command + " --output json"],
        capture_output=True,
        text=True,
        env={**os.environ, **DUMMY_ENV, "PATH": path},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f'"uploadId": "{upload_id}"' in done.stdout
    assert f'"layerDigest": "{digest}"' in done.stdout
