"""Real registry clients, not written here, push to the local backend and pull from it: skopeo
(Debian's package) and oras (the Python package). Then the aws CLI and boto3 see what they pushed.

skopeo is installed by `.ci/run` when missing; in CI (the CI variable set) its absence fails the
test rather than skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AwsCli
from tests.local.oci_images import make_image
from tests.local.registry_helpers import MiB, registry_password

oras_client = pytest.importorskip("oras.client", reason="oras is a dev dependency")


def skopeo() -> str:
    found = shutil.which("skopeo")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("skopeo is missing: .ci/run installs it (apt-get install skopeo)")
        pytest.skip("skopeo is not installed (apt-get install skopeo)")
    return found


def host_of(endpoint_url: str) -> str:
    return endpoint_url.removeprefix("http://")


def run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=300)


def test_skopeo_copies_an_image_in_and_back_out_with_the_same_digests(
    endpoint_url: str, ecr_client: Any, aws_cli: AwsCli, repository: str, tmp_path: Path
) -> None:
    image = make_image(tmp_path / "source", [6 * MiB, 300 * 1024, 2 * MiB], tag="v1", seed=1)
    creds = f"AWS:{registry_password(ecr_client)}"
    target = f"docker://{host_of(endpoint_url)}/{repository}:v1"
    pushed = run(
        skopeo(), "--insecure-policy", "copy", "--dest-tls-verify=false", "--dest-creds", creds,
        f"oci:{image.layout}:v1", target,
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr

    pulled = run(
        skopeo(), "--insecure-policy", "copy", "--src-tls-verify=false", "--src-creds", creds,
        target, f"oci:{tmp_path / 'back'}:v1",
    )  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr
    index = json.loads((tmp_path / "back" / "index.json").read_text())
    assert index["manifests"][0]["digest"] == image.manifest_digest
    for digest in [*image.layer_digests, image.config_digest]:
        assert (tmp_path / "back" / "blobs" / "sha256" / digest.removeprefix("sha256:")).is_file()

    described = aws_cli("ecr", "describe-images", "--repository-name", repository)
    assert described.returncode == 0, described.stderr
    [detail] = described.json()["imageDetails"]
    assert detail["imageDigest"] == image.manifest_digest and detail["imageTags"] == ["v1"]
    checked = aws_cli(
        "ecr", "batch-check-layer-availability", "--repository-name", repository,
        "--layer-digests", *image.layer_digests,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    layers = checked.json()["layers"]
    assert [layer["layerAvailability"] for layer in layers] == ["AVAILABLE"] * 3
    got = ecr_client.batch_get_image(repositoryName=repository, imageIds=[{"imageTag": "v1"}])
    manifest = json.loads(got["images"][0]["imageManifest"])
    assert [layer["digest"] for layer in manifest["layers"]] == image.layer_digests


def oras_push(endpoint_url: str, ecr_client: Any, target: str, path: Path, **options: Any) -> Any:
    host = host_of(endpoint_url)
    client = oras_client.OrasClient(hostname=host, insecure=True, auth_backend="basic")
    client.login(
        username="AWS",
        password=registry_password(ecr_client),
        hostname=host,
        config_path=str(path.parent / "oras-config.json"),
    )
    cwd = Path.cwd()
    os.chdir(path.parent)  # oras names each file by its path relative to here
    try:
        return client.push(
            target=f"{host}/{target}", files=[path.name], disable_path_validation=True, **options
        )
    finally:
        os.chdir(cwd)


def test_oras_pushes_chunked_and_monolithic(
    endpoint_url: str, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(os.urandom(12 * MiB))
    chunked = oras_push(
        endpoint_url,
        ecr_client,
        f"{repository}:chunked",
        artifact,
        do_chunked=True,
        chunk_size=5 * MiB,
    )
    assert chunked.status_code == 201
    monolithic = oras_push(endpoint_url, ecr_client, f"{repository}:whole", artifact)
    assert monolithic.status_code == 201
    [image] = ecr_client.describe_images(repositoryName=repository)["imageDetails"]
    assert sorted(image["imageTags"]) == ["chunked", "whole"]
    assert image["imageSizeInBytes"] == 12 * MiB


def test_a_chunked_push_with_a_small_middle_chunk_fails_as_ecr_fails_it(
    endpoint_url: str, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    """dotnet/sdk-container-builds#424: chunks under 5 MiB are refused at the final PUT."""
    artifact = tmp_path / "model.bin"
    artifact.write_bytes(os.urandom(3 * MiB))
    with pytest.raises(ValueError, match="Bad Request"):
        oras_push(
            endpoint_url,
            ecr_client,
            f"{repository}:small",
            artifact,
            do_chunked=True,
            chunk_size=1 * MiB,
        )
    assert ecr_client.describe_images(repositoryName=repository)["imageDetails"] == []


def test_lookup_events_returns_the_calls_of_a_push_in_order(
    endpoint_url: str, ecr_client: Any, repository: str, tmp_path: Path
) -> None:
    """skopeo's push, as ECR's proxy records it: BatchCheckLayerAvailability, then per layer
    InitiateLayerUpload, UploadLayerPart and CompleteLayerUpload, then PutImage, each invoked by
    "AWS Internal" with skopeo's user agent."""
    import boto3

    image = make_image(tmp_path / "source", [6 * MiB], tag="v1", seed=2)
    creds = f"AWS:{registry_password(ecr_client)}"
    pushed = run(
        skopeo(), "--insecure-policy", "copy", "--dest-tls-verify=false", "--dest-creds", creds,
        f"oci:{image.layout}:v1", f"docker://{host_of(endpoint_url)}/{repository}:v1",
    )  # fmt: skip
    assert pushed.returncode == 0, pushed.stderr

    trail = boto3.client("cloudtrail", endpoint_url=endpoint_url, region_name="us-east-1")
    pages = trail.get_paginator("lookup_events").paginate(
        LookupAttributes=[{"AttributeKey": "EventSource", "AttributeValue": "ecr.amazonaws.com"}]
    )
    events = [json.loads(event["CloudTrailEvent"]) for page in pages for event in page["Events"]]
    mine = [
        event
        for event in reversed(events)  # oldest first
        if (event.get("requestParameters") or {}).get("repositoryName") == repository
        and event.get("sourceIPAddress") == "AWS Internal"
    ]
    names = [event["eventName"] for event in mine]
    layer_calls = ["InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload"]
    sent = [name for name in names if name in (*layer_calls, "PutImage")]
    assert sent == layer_calls * 2 + ["PutImage"]  # the layer and the config, then the manifest
    assert "BatchCheckLayerAvailability" in names[: names.index("InitiateLayerUpload")]
    for event in mine:
        assert event["userIdentity"].get("invokedBy") == "AWS Internal"
        assert event["userAgent"].startswith("skopeo/")
    upload_ids = {
        event["requestParameters"]["uploadId"]
        for event in mine
        if event["eventName"] == "UploadLayerPart"
    }
    assert len(upload_ids) == 2
