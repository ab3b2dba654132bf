"""The `ecrtui` command: the console, or one of the headless commands."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ecrtui import __version__

# command -> (module with a main(argv) function, one line of help)
COMMANDS: dict[str, tuple[str, str]] = {
    "local-ecr": ("ecrtui.cli.local_ecr", "run the local ECR-compatible backend in the foreground"),
}


def build_parser() -> argparse.ArgumentParser:
    commands = "\n".join(f"  {name:<24}{summary}" for name, (_, summary) in COMMANDS.items())
    parser = argparse.ArgumentParser(
        prog="ecrtui",
        description="An operator console for Amazon ECR image-layer uploads.",
        epilog=f"commands:\n{commands}\n\nRun `ecrtui COMMAND --help` for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the embedded local ECR backend, seeded with a demo registry",
    )
    parser.add_argument("--version", action="version", version=f"ecrtui {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        module = importlib.import_module(COMMANDS[args[0]][0])
        code: int = module.main(args[1:])
        return code
    options = build_parser().parse_args(args)
    if options.demo:
        from ecrtui.cli.local_ecr import main as local_ecr

        return local_ecr(["--seed", "demo"])
    build_parser().print_help()
    return 0
