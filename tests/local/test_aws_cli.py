"""The aws CLI (v1) as an independent client of the local backend."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.local.helpers import ACCOUNT, MIN_PART, data, sha256_digest

CLI_ERROR = 255  # awscli v1's exit code for a service error


def error_line(code: str, operation: str, message: str) -> str:
    return f"An error occurred ({code}) when calling the {operation} operation: {message}"


@pytest.fixture
def cli_repository(aws_cli: Any) -> str:
    name = f"cli/{uuid.uuid4().hex[:12]}"
    created = aws_cli("ecr", "create-repository", "--repository-name", name)
    assert created.returncode == 0, created.stderr
    assert created.json()["repository"]["repositoryName"] == name
    return name


def initiate(aws_cli: Any, repo: str) -> str:
    started = aws_cli("ecr", "initiate-layer-upload", "--repository-name", repo)
    assert started.returncode == 0, started.stderr
    answer = started.json()
    assert answer["partSize"] == 10485760
    upload_id: str = answer["uploadId"]
    return upload_id


def send_part(aws_cli: Any, repo: str, upload_id: str, path: Path, first: int) -> Any:
    size = path.stat().st_size
    return aws_cli(
        "ecr",
        "upload-layer-part",
        "--repository-name",
        repo,
        "--upload-id",
        upload_id,
        "--part-first-byte",
        str(first),
        "--part-last-byte",
        str(first + size - 1),
        "--layer-part-blob",
        f"fileb://{path}",
    )


def complete(aws_cli: Any, repo: str, upload_id: str, *digests: str) -> Any:
    return aws_cli(
        "ecr",
        "complete-layer-upload",
        "--repository-name",
        repo,
        "--upload-id",
        upload_id,
        "--layer-digests",
        *digests,
    )


def write(path: Path, blob: bytes) -> Path:
    path.write_bytes(blob)
    return path


def test_a_two_part_upload_through_the_cli(
    aws_cli: Any, cli_repository: str, tmp_path: Path
) -> None:
    blob = data(MIN_PART + 4321, 1)
    whole = write(tmp_path / "layer.bin", blob)
    first = write(tmp_path / "part-1.bin", blob[:MIN_PART])
    second = write(tmp_path / "part-2.bin", blob[MIN_PART:])
    upload_id = initiate(aws_cli, cli_repository)

    sent = send_part(aws_cli, cli_repository, upload_id, first, 0)
    assert sent.returncode == 0, sent.stderr
    assert sent.json() == {
        "registryId": ACCOUNT,
        "repositoryName": cli_repository,
        "uploadId": upload_id,
        "lastByteReceived": MIN_PART - 1,
    }
    sent = send_part(aws_cli, cli_repository, upload_id, second, MIN_PART)
    assert sent.returncode == 0, sent.stderr
    assert sent.json()["lastByteReceived"] == len(blob) - 1

    digest = sha256_digest(whole.read_bytes())
    done = complete(aws_cli, cli_repository, upload_id, digest)
    assert done.returncode == 0, done.stderr
    assert done.json() == {
        "registryId": ACCOUNT,
        "repositoryName": cli_repository,
        "uploadId": upload_id,
        "layerDigest": digest,
    }

    checked = aws_cli(
        "ecr",
        "batch-check-layer-availability",
        "--repository-name",
        cli_repository,
        "--layer-digests",
        digest,
    )
    assert checked.returncode == 0, checked.stderr
    answer = checked.json()
    assert answer["failures"] == []
    [layer] = answer["layers"]
    assert (layer["layerDigest"], layer["layerAvailability"], layer["layerSize"]) == (
        digest,
        "AVAILABLE",
        len(blob),
    )


def test_an_out_of_order_part_through_the_cli(
    aws_cli: Any, cli_repository: str, tmp_path: Path
) -> None:
    part = write(tmp_path / "part.bin", data(1000, 2))
    upload_id = initiate(aws_cli, cli_repository)
    assert send_part(aws_cli, cli_repository, upload_id, part, 0).returncode == 0

    again = send_part(aws_cli, cli_repository, upload_id, part, 0)

    assert again.returncode == CLI_ERROR
    assert again.stdout == ""
    assert (
        error_line(
            "InvalidLayerPartException",
            "UploadLayerPart",
            "First byte of the layer part is 0 instead of 1000",
        )
        in again.stderr
    )


def test_completing_an_empty_upload_through_the_cli(aws_cli: Any, cli_repository: str) -> None:
    upload_id = initiate(aws_cli, cli_repository)

    done = complete(aws_cli, cli_repository, upload_id, sha256_digest(b""))

    assert done.returncode == CLI_ERROR
    assert (
        error_line(
            "EmptyUploadException",
            "CompleteLayerUpload",
            f"The upload with id '{upload_id}' in the repository with name '{cli_repository}' in "
            f"registry with id '{ACCOUNT}' cannot be completed because it does not have any parts",
        )
        in done.stderr
    )


def test_completing_with_the_wrong_digests_through_the_cli(
    aws_cli: Any, cli_repository: str, tmp_path: Path
) -> None:
    part = write(tmp_path / "part.bin", data(1000, 3))
    upload_id = initiate(aws_cli, cli_repository)
    assert send_part(aws_cli, cli_repository, upload_id, part, 0).returncode == 0

    done = complete(
        aws_cli, cli_repository, upload_id, sha256_digest(b"one"), sha256_digest(b"two")
    )

    assert done.returncode == CLI_ERROR
    assert (
        error_line(
            "InvalidLayerException",
            "CompleteLayerUpload",
            "None of the provided layer digests match the calculated layer digest",
        )
        in done.stderr
    )


def test_an_unknown_upload_through_the_cli(
    aws_cli: Any, cli_repository: str, tmp_path: Path
) -> None:
    part = write(tmp_path / "part.bin", b"x")
    upload_id = str(uuid.uuid4())

    sent = send_part(aws_cli, cli_repository, upload_id, part, 0)

    assert sent.returncode == CLI_ERROR
    assert (
        error_line(
            "UploadNotFoundException",
            "UploadLayerPart",
            f"The upload with id '{upload_id}' does not exist in the repository with name "
            f"'{cli_repository}' in the registry with id '{ACCOUNT}'",
        )
        in sent.stderr
    )


def test_an_invalid_parameter_through_the_cli(aws_cli: Any) -> None:
    """awscli v1, like botocore, leaves the pattern check to the server."""
    made = aws_cli("ecr", "create-repository", "--repository-name", "Team/API")

    assert made.returncode == CLI_ERROR
    assert (
        error_line(
            "InvalidParameterException",
            "CreateRepository",
            "Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy "
            "regular expression '[a-z0-9]+((\\.|_|__|-+)[a-z0-9]+)*(\\/[a-z0-9]+((\\.|_|__|-+)"
            "[a-z0-9]+)*)*''",
        )
        in made.stderr
    )
