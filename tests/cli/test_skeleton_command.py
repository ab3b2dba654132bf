"""The quick skeleton path prints what the full command prints, and only when asked for nothing
else."""

from __future__ import annotations

import io

import pytest

from ecrtui.cli import api_command
from ecrtui.cli.global_options import GlobalOptions
from ecrtui.cli.main import API_COMMANDS
from ecrtui.cli.skeleton_command import quick_skeleton, requested_mode


@pytest.mark.parametrize(
    ("argv", "mode"),
    [
        (["--generate-cli-skeleton"], "input"),
        (["--generate-cli-skeleton", "input"], "input"),
        (["--generate-cli-skeleton", "yaml-input"], "yaml-input"),
        (["--generate-cli-skeleton=yaml-input"], "yaml-input"),
        (["--generate-cli-skeleton", "output"], None),  # checks the request first
        (["--generate-cli-skeleton", "bogus"], None),
        (["--generate-cli-skeleton", "input", "--repository-name", "x"], None),
        (["--generate-cli-skel"], None),  # argparse's abbreviations: the full command
        ([], None),
    ],
)
def test_requested_mode(argv: list[str], mode: str | None) -> None:
    assert requested_mode(argv) == mode


@pytest.mark.parametrize("operation", sorted(set(API_COMMANDS.values())))
@pytest.mark.parametrize("mode", ["input", "yaml-input"])
def test_the_quick_skeleton_is_the_full_commands(operation: str, mode: str) -> None:
    quick, full = io.StringIO(), io.StringIO()
    argv = ["--generate-cli-skeleton", mode]
    assert quick_skeleton(operation, argv, GlobalOptions(), quick) == 0
    assert api_command.run(operation, argv, GlobalOptions(), full, io.StringIO()) == 0
    assert quick.getvalue() == full.getvalue()
    assert quick.getvalue()


@pytest.mark.parametrize(
    "options", [GlobalOptions(query="repositoryName"), GlobalOptions(debug=True)]
)
def test_a_query_or_debug_goes_to_the_full_command(options: GlobalOptions) -> None:
    assert quick_skeleton("CompleteLayerUpload", ["--generate-cli-skeleton"], options) is None
