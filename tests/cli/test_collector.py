"""An aws-CLI-compatible command runs with the garbage collector off (the process ends after one
call or listing); called in a process that goes on, it leaves the collector as it found it."""

from __future__ import annotations

import gc
import json

import pytest

from ecrtui.cli.main import main


def test_an_api_command_leaves_the_collector_on(
    endpoint_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert gc.isenabled()
    argv = ["describe-repositories", "--endpoint-url", endpoint_url, "--region", "us-east-1"]
    assert main(argv) == 0
    assert "repositories" in json.loads(capsys.readouterr().out)
    assert gc.isenabled()


def test_a_failing_api_command_leaves_the_collector_on(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        "describe-repositories",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--region",
        "us-east-1",
    ]
    assert main(argv) != 0
    assert "Could not connect" in capsys.readouterr().err
    assert gc.isenabled()
