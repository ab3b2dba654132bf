"""Where the console points: a badge (DEMO / READ-ONLY / LIVE) and the target, at a glance."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ecrtui.tui.session import Identity


class TargetBar(Static):
    """One line: the badge, account, region, endpoint, profile and caller ARN."""

    DEFAULT_CSS = """
    TargetBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
    }
    """

    HELP = """
## Target
Where every request goes. **DEMO** is the embedded local backend; **LIVE** is real AWS (look
twice before pressing a key that changes something); **READ-ONLY** refuses every change.
Credentials are never shown: only the account, the caller's ARN, the region, the endpoint and
the profile.
"""

    def on_mount(self) -> None:
        self.update(Text.assemble((" ecrtui ", "bold"), ("connecting…", "dim")))

    def show(self, identity: Identity) -> None:
        if identity.demo:
            badge = (" DEMO ", "bold black on #5fafd7")
        elif identity.read_only:
            badge = (" READ-ONLY ", "bold black on #d7af5f")
        else:
            badge = (" LIVE ", "bold white on #d70000")
        parts: list[tuple[str, str] | str] = [(" ecrtui ", "bold"), badge, " "]
        if identity.demo and identity.read_only:
            parts += [(" READ-ONLY ", "bold black on #d7af5f"), " "]
        details = [
            f"account {identity.account or '?'}",
            identity.region,
            identity.endpoint,
        ]
        if identity.profile:
            details.append(f"profile {identity.profile}")
        parts.append(" · ".join(details))
        if identity.arn:
            parts.append(("   caller " + identity.arn, "dim"))
        self.update(Text.assemble(*parts, no_wrap=True, overflow="ellipsis"))

    def show_failure(self, message: str) -> None:
        self.update(
            Text.assemble(
                (" ecrtui ", "bold"), (" NOT CONNECTED ", "bold white on red"), " ", message
            )
        )
