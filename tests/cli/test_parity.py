"""ecrtui and the installed aws CLI (v1) side by side against the local backend.

For the same response, `--output json` (and text, and `--query`) must be byte-for-byte what the
aws CLI prints; errors must carry the aws CLI's error line, then ecrtui's hint; exit codes follow
the aws CLI v2 (a service error is 254 where aws v1 says 255).
"""

from __future__ import annotations

import json
import re
import uuid
from functools import cache
from pathlib import Path
from typing import Any

import botocore.session
import pytest
import yaml
from botocore.exceptions import ClientError
from botocore.utils import ArgumentGenerator

from ecrtui.ecr.hints import hint_for
from tests.cli.helpers import (
    AWS_V1_SERVICE_ERROR,
    CLOSED_PORT_URL,
    DIGEST_EXAMPLE,
    SERVICE,
    UUID_EXAMPLE,
    ecrtui,
    error_line,
    hint_lines,
)
from tests.conftest import AwsCli, CliResult
from tests.local.helpers import (
    ACCOUNT,
    MIN_PART,
    config_blob,
    data,
    push_image,
    push_layer,
    sha256_digest,
    upload,
)


def both(aws_cli: AwsCli, endpoint_url: str, *args: str) -> tuple[CliResult, CliResult]:
    """`aws ecr ARGS` and `ecrtui ARGS`, both against the local backend, json unless ARGS say."""
    aws = aws_cli("ecr", *args)
    ours = ecrtui("--endpoint-url", endpoint_url, "--output", "json", *args)
    return aws, ours


def assert_same(aws: CliResult, ours: CliResult) -> None:
    assert aws.returncode == 0, aws.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout == aws.stdout
    assert ours.stderr == ""
    assert aws.stdout  # something was compared


def service_error_fields(call: Any) -> tuple[str, dict[str, Any]]:
    """The code and extra members of the error a boto3 call raises."""
    with pytest.raises(ClientError) as raised:
        call()
    response = raised.value.response
    extra = {
        key: value
        for key, value in response.items()
        if key not in ("Error", "ResponseMetadata", "message", "Message")
    }
    return response["Error"]["Code"], extra


# -- CompleteLayerUpload -------------------------------------------------------------------------


def test_complete_layer_upload_success_prints_what_the_aws_cli_prints(
    aws_cli: AwsCli, endpoint_url: str, ecr_client: Any
) -> None:
    # The upload id is consumed on success, so each client completes its own upload of the same
    # bytes (5 MiB, then a small last part) in its own repository.
    blob = data(MIN_PART + 4321, seed=11)
    digest = sha256_digest(blob)
    ours_repo, aws_repo = (f"parity/{uuid.uuid4().hex[:12]}" for _ in range(2))
    uploads = {}
    for repo in (ours_repo, aws_repo):
        ecr_client.create_repository(repositoryName=repo)
        uploads[repo] = upload(ecr_client, repo, blob, [MIN_PART, 4321])

    args = ("--layer-digests", digest)
    ours = ecrtui(
        "--endpoint-url",
        endpoint_url,
        "complete-layer-upload",
        "--repository-name",
        ours_repo,
        "--upload-id",
        uploads[ours_repo],
        *args,
    )
    aws = aws_cli(
        "ecr",
        "complete-layer-upload",
        "--repository-name",
        aws_repo,
        "--upload-id",
        uploads[aws_repo],
        *args,
    )

    def expected(repo: str) -> str:
        answer = {
            "registryId": ACCOUNT,
            "repositoryName": repo,
            "uploadId": uploads[repo],
            "layerDigest": digest,
        }
        return json.dumps(answer, indent=4, ensure_ascii=False) + "\n"

    assert (ours.returncode, ours.stderr) == (0, "")
    assert aws.returncode == 0, aws.stderr
    assert aws.stdout == expected(aws_repo)
    assert ours.stdout == expected(ours_repo)
    swapped = ours.stdout.replace(ours_repo, aws_repo).replace(
        uploads[ours_repo], uploads[aws_repo]
    )
    assert swapped == aws.stdout


COMPLETE_ERRORS = [
    ("small-middle-part", "LayerPartTooSmallException"),
    ("no-parts", "EmptyUploadException"),
    ("digest-mismatch", "InvalidLayerException"),
    ("already-exists", "LayerAlreadyExistsException"),
]


def assert_same_service_error(
    aws: CliResult, ours: CliResult, code: str, operation: str, fields: dict[str, Any]
) -> None:
    assert aws.returncode == AWS_V1_SERVICE_ERROR, aws.stderr
    assert ours.returncode == SERVICE, ours.stderr
    assert aws.stdout == ours.stdout == ""
    line = error_line(aws.stderr)
    assert line.startswith(f"An error occurred ({code}) when calling the {operation} operation: ")
    assert error_line(ours.stderr) == line
    # ecrtui's stderr is the aws CLI's error block, then exactly one hint line.
    assert ours.stderr.startswith(aws.stderr)
    assert ours.stderr[len(aws.stderr) :] == f"hint: {hint_for(code, fields)}\n"
    assert hint_for(code, fields)


@pytest.mark.parametrize(("situation", "code"), COMPLETE_ERRORS)
def test_complete_layer_upload_errors_of_the_demo_uploads(
    aws_cli: AwsCli,
    endpoint_url: str,
    demo_registry: Any,
    raw_ecr_client: Any,
    situation: str,
    code: str,
) -> None:
    stuck = demo_registry.upload(situation)
    assert stuck.expected_error == code
    params = {
        "repositoryName": stuck.repository,
        "uploadId": stuck.upload_id,
        "layerDigests": [stuck.file_digest],
    }
    # A failed completion leaves the upload as it was, so every client sees the same error.
    boto_code, fields = service_error_fields(lambda: raw_ecr_client.complete_layer_upload(**params))
    assert boto_code == code
    aws, ours = both(
        aws_cli,
        endpoint_url,
        "complete-layer-upload",
        "--repository-name",
        stuck.repository,
        "--upload-id",
        stuck.upload_id,
        "--layer-digests",
        stuck.file_digest,
    )
    assert_same_service_error(aws, ours, code, "CompleteLayerUpload", fields)


@pytest.mark.parametrize(
    ("which", "code"),
    [("upload", "UploadNotFoundException"), ("repository", "RepositoryNotFoundException")],
)
def test_complete_layer_upload_unknown_upload_or_repository(
    aws_cli: AwsCli,
    endpoint_url: str,
    repository: str,
    raw_ecr_client: Any,
    which: str,
    code: str,
) -> None:
    repo = repository if which == "upload" else f"missing/{uuid.uuid4().hex[:12]}"
    upload_id = str(uuid.uuid4())
    params = {"repositoryName": repo, "uploadId": upload_id, "layerDigests": [DIGEST_EXAMPLE]}
    boto_code, fields = service_error_fields(lambda: raw_ecr_client.complete_layer_upload(**params))
    assert boto_code == code
    aws, ours = both(
        aws_cli,
        endpoint_url,
        "complete-layer-upload",
        "--repository-name",
        repo,
        "--upload-id",
        upload_id,
        "--layer-digests",
        DIGEST_EXAMPLE,
    )
    assert_same_service_error(aws, ours, code, "CompleteLayerUpload", fields)


def test_upload_layer_part_out_of_order_names_the_next_byte(
    aws_cli: AwsCli,
    endpoint_url: str,
    repository: str,
    ecr_client: Any,
    raw_ecr_client: Any,
    tmp_path: Path,
) -> None:
    upload_id = upload(ecr_client, repository, data(1000, seed=3))  # bytes 0-999 are in
    part = tmp_path / "part.bin"
    part.write_bytes(data(100, seed=4))
    code, fields = service_error_fields(
        lambda: raw_ecr_client.upload_layer_part(
            repositoryName=repository,
            uploadId=upload_id,
            partFirstByte=5000,
            partLastByte=5099,
            layerPartBlob=part.read_bytes(),
        )
    )
    assert (code, fields["lastValidByteReceived"]) == ("InvalidLayerPartException", 999)
    aws, ours = both(
        aws_cli,
        endpoint_url,
        "upload-layer-part",
        "--repository-name",
        repository,
        "--upload-id",
        upload_id,
        "--part-first-byte",
        "5000",
        "--part-last-byte",
        "5099",
        "--layer-part-blob",
        f"fileb://{part}",
    )
    assert_same_service_error(aws, ours, "InvalidLayerPartException", "UploadLayerPart", fields)
    assert error_line(ours.stderr).endswith("First byte of the layer part is 5000 instead of 1000")
    (hint,) = hint_lines(ours.stderr)
    assert "send the next part from byte 1000" in hint


# -- read-only commands: the same response twice -------------------------------------------------

OUTPUTS = ["json", "text", "query-json", "query-text"]


def output_args(kind: str, query: str) -> list[str]:
    return {
        "json": [],
        "text": ["--output", "text"],
        "query-json": ["--query", query],
        "query-text": ["--query", query, "--output", "text"],
    }[kind]


@pytest.mark.parametrize("kind", OUTPUTS)
def test_describe_repositories_by_name(
    aws_cli: AwsCli, endpoint_url: str, ecr_client: Any, repository: str, kind: str
) -> None:
    other = f"test/{uuid.uuid4().hex[:12]}"
    ecr_client.create_repository(
        repositoryName=other,
        imageTagMutability="IMMUTABLE",
        imageScanningConfiguration={"scanOnPush": True},
    )
    args = ["describe-repositories", "--repository-names", repository, other]
    aws, ours = both(
        aws_cli, endpoint_url, *args, *output_args(kind, "repositories[0].repositoryName")
    )
    assert_same(aws, ours)
    if kind == "query-text":
        assert ours.stdout == f"{repository}\n"


@pytest.fixture(scope="module")
def paged_repositories(ecr_client: Any) -> list[str]:
    """Five repositories under a prefix no other test uses."""
    prefix = f"paged-{uuid.uuid4().hex[:8]}"
    names = [f"{prefix}/r{index}" for index in range(5)]
    for name in names:
        ecr_client.create_repository(repositoryName=name)
    return names


@pytest.mark.parametrize("kind", ["json", "text"])
def test_describe_repositories_max_items_and_page_size(
    aws_cli: AwsCli, endpoint_url: str, paged_repositories: list[str], kind: str
) -> None:
    args = ["describe-repositories", "--max-items", "3", "--page-size", "2"]
    aws, ours = both(aws_cli, endpoint_url, *args, *output_args(kind, ""))
    assert_same(aws, ours)
    if kind == "json":
        assert len(ours.json()["repositories"]) == 3
        assert ours.json()["NextToken"]


def test_describe_repositories_starting_token(
    aws_cli: AwsCli, endpoint_url: str, paged_repositories: list[str]
) -> None:
    first = aws_cli("ecr", "describe-repositories", "--max-items", "3", "--page-size", "2")
    token = first.json()["NextToken"]
    args = ["describe-repositories", "--max-items", "3", "--page-size", "2"]
    aws, ours = both(aws_cli, endpoint_url, *args, "--starting-token", token)
    assert_same(aws, ours)
    seen = {repo["repositoryName"] for repo in first.json()["repositories"]}
    assert not seen & {repo["repositoryName"] for repo in ours.json()["repositories"]}


@pytest.mark.parametrize("kind", ["query-json", "query-text"])
def test_describe_repositories_every_page_with_a_query(
    aws_cli: AwsCli, endpoint_url: str, paged_repositories: list[str], kind: str
) -> None:
    prefix = paged_repositories[0].split("/")[0]
    query = f"repositories[?starts_with(repositoryName, '{prefix}/')].repositoryName"
    aws, ours = both(
        aws_cli,
        endpoint_url,
        "describe-repositories",
        "--page-size",
        "2",
        *output_args(kind, query),
    )
    assert_same(aws, ours)
    if kind == "query-json":
        assert ours.json() == paged_repositories


@pytest.mark.parametrize("kind", OUTPUTS)
def test_describe_images(
    aws_cli: AwsCli, endpoint_url: str, ecr_client: Any, repository: str, kind: str
) -> None:
    layers = [data(3000, seed=21), data(2000, seed=22)]
    push_image(ecr_client, repository, layers, config_blob("one"), "v1")
    push_image(ecr_client, repository, layers[:1], config_blob("two"), "v2")
    args = ["describe-images", "--repository-name", repository]
    aws, ours = both(aws_cli, endpoint_url, *args, *output_args(kind, "imageDetails[].imageTags"))
    assert_same(aws, ours)
    if kind == "json":
        assert len(ours.json()["imageDetails"]) == 2


@pytest.mark.parametrize("kind", OUTPUTS)
def test_batch_check_layer_availability_available_and_missing(
    aws_cli: AwsCli, endpoint_url: str, ecr_client: Any, repository: str, kind: str
) -> None:
    present = push_layer(ecr_client, repository, data(4000, seed=31))
    missing = sha256_digest(data(4000, seed=32))
    args = ["batch-check-layer-availability", "--repository-name", repository]
    args += ["--layer-digests", present, missing]
    aws, ours = both(aws_cli, endpoint_url, *args, *output_args(kind, "layers[].layerDigest"))
    assert_same(aws, ours)
    if kind == "json":
        assert [layer["layerAvailability"] for layer in ours.json()["layers"]] == ["AVAILABLE"]
        failures = ours.json()["failures"]
        assert [failure["failureCode"] for failure in failures] == ["MissingLayerDigest"]


def test_batch_check_layer_availability_available_missing_and_invalid_in_one_call(
    aws_cli: AwsCli, endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    # ECR answers a digest that is not sha256:<64 hex> with an InvalidLayerDigest failure (exit
    # 0), and the aws CLI sends it; BatchCheckLayerAvailability's digests have no model pattern.
    present = push_layer(ecr_client, repository, data(4000, seed=33))
    missing = sha256_digest(data(4000, seed=34))
    args = ["batch-check-layer-availability", "--repository-name", repository]
    aws, ours = both(
        aws_cli, endpoint_url, *args, "--layer-digests", present, missing, "sha256:abc"
    )
    assert aws.returncode == 0, aws.stderr
    codes = [failure["failureCode"] for failure in aws.json()["failures"]]
    assert codes == ["MissingLayerDigest", "InvalidLayerDigest"]
    assert_same(aws, ours)


def test_create_repository_with_shorthand_structure(aws_cli: AwsCli, endpoint_url: str) -> None:
    # Response fields that differ between two repositories are swapped before comparing.
    ours_repo, aws_repo = (f"parity/{uuid.uuid4().hex[:12]}" for _ in range(2))
    settings = ["--image-scanning-configuration", "scanOnPush=true"]
    settings += ["--image-tag-mutability", "IMMUTABLE"]
    aws = aws_cli("ecr", "create-repository", "--repository-name", aws_repo, *settings)
    ours = ecrtui(
        "--endpoint-url",
        endpoint_url,
        "create-repository",
        "--repository-name",
        ours_repo,
        *settings,
    )
    assert aws.returncode == 0, aws.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.json()["repository"]["imageScanningConfiguration"] == {"scanOnPush": True}
    created_at = str(ours.json()["repository"]["createdAt"])
    swapped = ours.stdout.replace(ours_repo, aws_repo).replace(
        created_at, str(aws.json()["repository"]["createdAt"])
    )
    assert swapped == aws.stdout


# -- skeletons ------------------------------------------------------------------------------------

SKELETON_COMMANDS = {
    "complete-layer-upload": "CompleteLayerUpload",
    "upload-layer-part": "UploadLayerPart",
    "describe-images": "DescribeImages",
    "create-repository": "CreateRepository",
}


@cache
def _enum_values() -> tuple[str, ...]:
    """Every enum value of ECR's string shapes, longest first."""
    model = botocore.session.get_session().get_service_model("ecr")
    shapes = (model.shape_for(name) for name in model.shape_names)
    values = {value for shape in shapes for value in getattr(shape, "enum", None) or []}
    return tuple(sorted(values, key=len, reverse=True))


def without_enum_choices(skeleton: str) -> str:
    """A skeleton with each enum value replaced by <enum>.

    botocore's ArgumentGenerator picks a random enum value (random.choice) for enum members, so
    even two runs of the aws CLI print different create-repository skeletons.
    """
    choices = "|".join(re.escape(value) for value in _enum_values())
    return re.sub(rf'"(?:{choices})"(?=,?\n)', '"<enum>"', skeleton)


def without_enum_values(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_enum_values(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_enum_values(item) for item in value]
    return "<enum>" if value in _enum_values() else value


@pytest.mark.parametrize(
    "args",
    [
        ("complete-layer-upload", "--generate-cli-skeleton"),
        *((command, "--generate-cli-skeleton", "input") for command in SKELETON_COMMANDS),
    ],
    ids=lambda args: " ".join(args[::2]) if len(args) == 3 else args[0],
)
def test_input_skeleton_is_the_aws_clis(
    aws_cli: AwsCli, endpoint_url: str, args: tuple[str, ...]
) -> None:
    aws, ours = both(aws_cli, endpoint_url, *args)
    assert aws.returncode == 0, aws.stderr
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""
    assert without_enum_choices(ours.stdout) == without_enum_choices(aws.stdout)
    assert ours.stdout.endswith("}\n")


@pytest.mark.parametrize(("command", "operation"), SKELETON_COMMANDS.items())
def test_yaml_input_skeleton_matches_the_json_skeleton(command: str, operation: str) -> None:
    ours = ecrtui(command, "--generate-cli-skeleton", "yaml-input")
    assert ours.returncode == 0, ours.stderr
    assert ours.stderr == ""
    model = botocore.session.get_session().get_service_model("ecr").operation_model(operation)
    expected = json.loads(json.dumps(ArgumentGenerator().generate_skeleton(model.input_shape)))
    assert without_enum_values(yaml.safe_load(ours.stdout)) == without_enum_values(expected)
    # Each top-level member starts a line; the required ones say so there.
    required = set(model.input_shape.required_members)
    for member in model.input_shape.members:
        (line,) = [line for line in ours.stdout.splitlines() if line.startswith(f"{member}:")]
        assert ("[REQUIRED]" in line) == (member in required), line


def test_output_skeleton_names_each_member_and_sends_nothing() -> None:
    ours = ecrtui(
        "--endpoint-url",
        CLOSED_PORT_URL,
        "complete-layer-upload",
        "--repository-name",
        "team/api",
        "--upload-id",
        UUID_EXAMPLE,
        "--layer-digests",
        DIGEST_EXAMPLE,
        "--generate-cli-skeleton",
        "output",
    )
    assert (ours.returncode, ours.stderr) == (0, "")
    names = ["registryId", "repositoryName", "uploadId", "layerDigest"]
    assert ours.stdout == json.dumps({name: name for name in names}, indent=4) + "\n"
