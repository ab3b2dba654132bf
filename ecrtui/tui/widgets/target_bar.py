"""Where the console points: a badge (DEMO / READ-ONLY / LIVE / NOT CONNECTED) and the target."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from ecrtui.ecr.errors import EcrCallError
from ecrtui.plain_text import visible
from ecrtui.tui.session import Identity

_BADGES = {
    "demo": (" DEMO ", "bold black on #5fafd7"),
    "read-only": (" READ-ONLY ", "bold black on #d7af5f"),
    "live": (" LIVE ", "bold white on #d70000"),
    "not-connected": (" NOT CONNECTED ", "bold white on red"),
}


class TargetBar(Static):
    """One line: the badge, account, region, endpoint, profile and caller ARN."""

    DEFAULT_CSS = """
    TargetBar {
        height: 1;
        background: $panel;
        color: $text;
        padding: 0 1;
        &.-failed { height: auto; max-height: 4; }
    }
    """

    HELP = """
## Target
Where every request goes. **DEMO** is the embedded local backend; **LIVE** is real AWS (look
twice before pressing a key that changes something); **READ-ONLY** refuses every change.
**NOT CONNECTED** means STS did not answer: the reason and the fix follow it, and **r** tries
again. After the endpoint, in brackets, is where it comes from (`--endpoint-url`,
`AWS_ENDPOINT_URL_ECR`, `AWS_ENDPOINT_URL`, the profile's config, or AWS's own). **P** switches
profile, **R** region, **A** shows all of it. Credentials are never shown: only the account, the
caller's ARN, the region, the endpoint and the profile.
"""

    def on_mount(self) -> None:
        self.connecting()

    def connecting(self) -> None:
        self.remove_class("-failed")
        self.update(Text.assemble((" ecrtui ", "bold"), ("connecting…", "dim")))

    def show(self, identity: Identity) -> None:
        self.remove_class("-failed")
        if identity.demo:
            badge = _BADGES["demo"]
        elif identity.read_only:
            badge = _BADGES["read-only"]
        else:
            badge = _BADGES["live"]
        parts: list[tuple[str, str] | str] = [(" ecrtui ", "bold"), badge, " "]
        if identity.demo and identity.read_only:
            parts += [_BADGES["read-only"], " "]
        # the profile before the endpoint: a narrow header keeps the start of the line
        details = [f"account {identity.account or '?'}", identity.region]
        if identity.profile:
            details.append(f"profile {identity.profile}")
        details.append(identity.endpoint)
        parts.append(visible(" · ".join(details)))
        if identity.endpoint_source:
            parts.append((f" ({visible(identity.endpoint_source)})", "dim"))
        if identity.arn:
            parts.append(("   caller " + visible(identity.arn), "dim"))
        self.update(Text.assemble(*parts, no_wrap=True, overflow="ellipsis"))

    def show_failure(self, error: EcrCallError) -> None:
        """NOT CONNECTED, why, and the fix; `r` tries again."""
        reason = visible(error.message.splitlines()[0] if error.message else error.code)
        parts: list[tuple[str, str] | str] = [
            (" ecrtui ", "bold"),
            _BADGES["not-connected"],
            " ",
            reason,
        ]
        if error.hint:
            parts += ["  ", (f"fix: {visible(error.hint)}", "bold")]
        parts.append(("  · r retries", "dim"))
        self.add_class("-failed")
        self.update(Text.assemble(*parts))
