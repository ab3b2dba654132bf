"""Copying: the system clipboard where pyperclip reaches it, the terminal's own (OSC 52)
otherwise; and the aws CLI command equivalent to the form's request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App

from ecrtui.tui.session import ConsoleOptions, Identity


def copy(text: str, terminal_copy: Callable[[str], None]) -> str:
    """Copy `text`; where it went, in words."""
    try:
        import pyperclip

        pyperclip.copy(text)
    except Exception:  # no xclip, xsel or wl-copy (an SSH session): the terminal's clipboard
        terminal_copy(text)
        return "the terminal's clipboard (OSC 52)"
    return "the system clipboard"


def copy_and_say(app: App[Any], text: str, what: str) -> None:
    """Copy `text` and tell the operator what was copied and where it went."""
    how = copy(text, app.copy_to_clipboard)
    app.notify(f"Copied {what} to {how}", markup=False)


def aws_command(request: dict[str, Any], identity: Identity | None, options: ConsoleOptions) -> str:
    """`aws ecr complete-layer-upload ...` for this request, with the target's global options.

    The endpoint is given only when the console talks to one the aws CLI would not pick on its
    own (demo mode, or --endpoint-url). ValueError when the request cannot be written as one."""
    from ecrtui.ecr.aws_command import aws_cli_command

    endpoint_chosen = options.demo or options.target.endpoint_url is not None
    return aws_cli_command(
        "CompleteLayerUpload",
        request,
        region=identity.region if identity else None,
        endpoint_url=identity.endpoint if identity and endpoint_chosen else None,
        profile=identity.profile if identity else None,
    )
