"""The console's options: the same for `ecrtui` and for every browser tab's `ecrtui web` starts."""

from __future__ import annotations

from typing import Any

DEMO_HELP = "run against the embedded local ECR backend, seeded with a demo registry"


def add_console_options(parser: Any, demo_help: str = DEMO_HELP) -> None:
    """--demo, --profile, --region, --endpoint-url and --read-only | --read-write, on `parser`
    (an ArgumentParser or one of its argument groups)."""
    parser.add_argument("--demo", action="store_true", help=demo_help)
    parser.add_argument("--profile", help="a profile from the AWS config files")
    parser.add_argument("--region", help="the AWS region (default: as AWS config says)")
    parser.add_argument("--endpoint-url", help="send ECR requests to this URL")
    writing = parser.add_mutually_exclusive_group()
    writing.add_argument(
        "--read-only", action="store_true", help="refuse every action that changes something"
    )
    writing.add_argument(
        "--read-write",
        action="store_true",
        help="allow actions that change something, for this run, when the config file says "
        "read_only = true",
    )
