"""`ecrtui COMMAND --generate-cli-skeleton [input|yaml-input]`, printed without loading botocore.

An input skeleton needs only the operation's shapes, which `ecrtui.ecr.skeleton` reads from
botocore's model file. When the command line holds nothing but the skeleton option (and global
options a skeleton ignores), it is printed here; anything else (other parameters, --query,
--debug, the `output` sample, which checks the request first) goes to the full command in
`ecrtui.cli.api_command`, which prints the same text.
"""

from __future__ import annotations

import sys
from typing import TextIO

from ecrtui.cli.global_options import GlobalOptions

OPTION = "--generate-cli-skeleton"
QUICK_MODES = ("input", "yaml-input")


def requested_mode(argv: list[str]) -> str | None:
    """The skeleton asked for when argv is only the skeleton option, else None."""
    if argv == [OPTION]:
        return "input"
    if len(argv) == 2 and argv[0] == OPTION:
        mode = argv[1]
    elif len(argv) == 1 and argv[0].startswith(OPTION + "="):
        mode = argv[0][len(OPTION) + 1 :]
    else:
        return None
    return mode if mode in QUICK_MODES else None


def quick_skeleton(
    operation: str, argv: list[str], options: GlobalOptions, stdout: TextIO | None = None
) -> int | None:
    """Print the skeleton argv asks for and return 0; None when argv asks for more."""
    mode = requested_mode(argv)
    if mode is None or options.query is not None or options.debug:
        return None
    from ecrtui.ecr.skeleton import input_skeleton, yaml_input_skeleton

    text = input_skeleton(operation) if mode == "input" else yaml_input_skeleton(operation)
    out = stdout or sys.stdout
    out.write(text)
    out.flush()
    return 0
