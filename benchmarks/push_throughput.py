"""Pushing one layer to the local backend: ecrtui push-layer, the aws CLI, and plain boto3.

    .venv/bin/python benchmarks/push_throughput.py [MIB] [RUNS]

Starts `ecrtui local-ecr` on 127.0.0.1, writes a layer of MIB mebibytes (default 64), and pushes
it in 10 MiB parts three ways, each into a fresh repository: `ecrtui push-layer` (one command,
journaled, resumable), the aws CLI (initiate-layer-upload, one upload-layer-part per part with
--layer-part-blob fileb://, complete-layer-upload: the byte offsets juggled by this script), and
a plain boto3 loop. Prints the median wall time and throughput of each.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BIN = Path(sys.executable).parent
PART = 10 * 1024 * 1024
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "BENCHMARK",
    "AWS_SECRET_ACCESS_KEY": "benchmark",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, env=ENV).stdout


def push_with_ecrtui(url: str, repo: str, layer: Path, state: Path) -> str:
    env = {**ENV, "ECRTUI_STATE_DIR": str(state)}
    out = subprocess.run(
        [
            str(BIN / "ecrtui"),
            "push-layer",
            str(layer),
            "--repository-name",
            repo,
            "--endpoint-url",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return str(json.loads(out)["layerDigest"])


def push_with_aws_cli(url: str, repo: str, layer: Path, work: Path) -> str:
    aws = [str(BIN / "aws"), "--endpoint-url", url, "ecr"]
    upload_id = json.loads(run(*aws, "initiate-layer-upload", "--repository-name", repo))[
        "uploadId"
    ]
    digest = hashlib.sha256()
    with layer.open("rb") as source:
        offset = 0
        while chunk := source.read(PART):
            digest.update(chunk)
            part = work / "part"
            part.write_bytes(chunk)
            run(
                *aws,
                "upload-layer-part",
                "--repository-name",
                repo,
                "--upload-id",
                upload_id,
                "--part-first-byte",
                str(offset),
                "--part-last-byte",
                str(offset + len(chunk) - 1),
                "--layer-part-blob",
                f"fileb://{part}",
            )
            offset += len(chunk)
    answer = run(
        *aws,
        "complete-layer-upload",
        "--repository-name",
        repo,
        "--upload-id",
        upload_id,
        "--layer-digests",
        "sha256:" + digest.hexdigest(),
    )
    return str(json.loads(answer)["layerDigest"])


def push_with_boto3(url: str, repo: str, layer: Path, work: Path) -> str:
    import boto3

    client = boto3.client(
        "ecr",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="BENCHMARK",
        aws_secret_access_key="benchmark",
    )
    upload_id = client.initiate_layer_upload(repositoryName=repo)["uploadId"]
    digest = hashlib.sha256()
    with layer.open("rb") as source:
        offset = 0
        while chunk := source.read(PART):
            digest.update(chunk)
            client.upload_layer_part(
                repositoryName=repo,
                uploadId=upload_id,
                partFirstByte=offset,
                partLastByte=offset + len(chunk) - 1,
                layerPartBlob=chunk,
            )
            offset += len(chunk)
    answer = client.complete_layer_upload(
        repositoryName=repo, uploadId=upload_id, layerDigests=["sha256:" + digest.hexdigest()]
    )
    return str(answer["layerDigest"])


def main() -> int:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 64
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    server = subprocess.Popen(
        [str(BIN / "ecrtui"), "local-ecr"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    )
    assert server.stdout is not None
    url = server.stdout.readline().strip()
    try:
        with tempfile.TemporaryDirectory() as temp:
            work = Path(temp)
            layer = work / "layer.bin"
            layer.write_bytes(os.urandom(mib * 1024 * 1024))
            expected = "sha256:" + hashlib.sha256(layer.read_bytes()).hexdigest()
            ways: dict[str, Callable[[str, str, Path, Path], str]] = {
                "ecrtui push-layer": push_with_ecrtui,
                "aws CLI (initiate, parts, complete)": push_with_aws_cli,
                "plain boto3 loop": push_with_boto3,
            }
            times: dict[str, list[float]] = {name: [] for name in ways}
            for attempt in range(runs):
                for index, (name, push) in enumerate(ways.items()):
                    repo = f"bench/r{attempt}-{index}"
                    run(
                        str(BIN / "aws"),
                        "--endpoint-url",
                        url,
                        "ecr",
                        "create-repository",
                        "--repository-name",
                        repo,
                    )
                    began = time.perf_counter()
                    digest = push(url, repo, layer, work)
                    times[name].append(time.perf_counter() - began)
                    assert digest == expected, (name, digest, expected)
            print(f"{mib} MiB layer in 10 MiB parts to ecrtui local-ecr, median of {runs} runs")
            print(f"{'how':<38}{'seconds':>9}{'MiB/s':>8}")
            for name, values in times.items():
                seconds = statistics.median(values)
                print(f"{name:<38}{seconds:>9.2f}{mib / seconds:>8.1f}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
