"""Shared fixtures: a local ECR backend on 127.0.0.1, clients for it, and the aws CLI.

Every test talks HTTP to the backend; nothing reaches real AWS. The AWS_* variables are set to dummy
values for the whole session so no real credentials or profiles can leak into a test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

DUMMY_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIAECRTUITESTING000",
    "AWS_SECRET_ACCESS_KEY": "ecrtui-test-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_PAGER": "",
}


@pytest.fixture(scope="session", autouse=True)
def _dummy_aws_environment() -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in [*DUMMY_ENV, "AWS_PROFILE", "AWS_ENDPOINT_URL"]}
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(DUMMY_ENV)
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test touches the real home directory."""
    monkeypatch.setenv("ECRTUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("ECRTUI_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture(autouse=True)
def _private_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the operator's config file: each has its own, absent until written."""
    monkeypatch.setenv("ECRTUI_CONFIG_FILE", str(tmp_path / "config" / "config.toml"))


@pytest.fixture(scope="session")
def local_ecr(_dummy_aws_environment: None) -> Iterator[Any]:
    """One local ECR backend for the session, started in-process.

    LookupEvents is not rate-limited here, so tests that read the trail cannot throttle each
    other; tests/local/test_cloudtrail.py checks the limit on a Trail of its own."""
    from ecrtui.local import BackendSettings, LocalEcr

    with LocalEcr(settings=BackendSettings(trail_rate_limit=None)) as ecr:
        yield ecr


@pytest.fixture(scope="session")
def endpoint_url(local_ecr: Any) -> str:
    return str(local_ecr.endpoint_url)


@contextmanager
def local_ecr_process(seed: str = "none", *, kill: bool = False) -> Iterator[str]:
    """`ecrtui local-ecr` in a process of its own for the block; yields its endpoint URL. At the
    end it is stopped (SIGTERM: it removes what it stored), or killed when it may be stuck."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ecrtui", "local-ecr", "--seed", seed],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        if kill:
            process.kill()
        else:
            process.terminate()
        process.wait(timeout=30)


def make_client(endpoint_url: str, validate: bool = True) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "ecr",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, parameter_validation=validate),
    )


@pytest.fixture(scope="session")
def ecr_client(endpoint_url: str) -> Any:
    """A boto3 ECR client for the local backend; no retries, so failures show at once."""
    return make_client(endpoint_url)


@pytest.fixture(scope="session")
def raw_ecr_client(endpoint_url: str) -> Any:
    """Like ecr_client, but without botocore's parameter checks: bad input reaches the server."""
    return make_client(endpoint_url, validate=False)


@pytest.fixture
def repository(ecr_client: Any) -> str:
    """A fresh, empty repository for one test."""
    name = f"test/{uuid.uuid4().hex[:12]}"
    ecr_client.create_repository(repositoryName=name)
    return name


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


class AwsCli:
    """The installed aws CLI, pointed at the local backend: an independent client."""

    def __init__(self, endpoint_url: str) -> None:
        found = shutil.which("aws", path=str(Path(sys.executable).parent)) or shutil.which("aws")
        if found is None:
            raise RuntimeError("the aws CLI (pip package awscli) is not installed")
        self.executable = found
        self.endpoint_url = endpoint_url

    def __call__(self, *args: str, cwd: Path | None = None) -> CliResult:
        command = [self.executable, "--endpoint-url", self.endpoint_url, "--output", "json", *args]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            env={**os.environ, **DUMMY_ENV},
            cwd=cwd,
            timeout=120,
        )
        return CliResult(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def aws_cli(endpoint_url: str) -> AwsCli:
    return AwsCli(endpoint_url)


@pytest.fixture(scope="session")
def demo_registry(local_ecr: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo seed, loaded once into the session backend; its source files in a temp dir."""
    return local_ecr.seed_demo(tmp_path_factory.mktemp("demo-files"))
