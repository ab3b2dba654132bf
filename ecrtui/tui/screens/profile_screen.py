"""Pick an AWS profile: every profile of the AWS config with its region and who it is.

Each profile's caller identity (STS GetCallerIdentity) is asked in a thread worker of its own and
shown as it arrives; a profile that cannot answer shows why in one line, with the command that
fixes it. Enter switches the console to the highlighted profile.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState

from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError
from ecrtui.ecr.profiles import CallerIdentity, caller_identity, known_profiles, profile_region
from ecrtui.plain_text import visible
from ecrtui.tui.text import plain_text

_COLUMNS = (("mark", ""), ("profile", "profile"), ("region", "region"), ("who", "account · caller"))


@dataclass
class ProfilesListed(Message):
    """The profiles of the AWS config and the region each uses (None: none set)."""

    profiles: list[tuple[str, str | None]]


@dataclass
class ProfileAnswered(Message):
    """STS answered for one profile, or could not: exactly one of identity and error is set."""

    profile: str
    identity: CallerIdentity | None = None
    error: EcrCallError | None = None


def error_line(error: EcrCallError) -> str:
    """A profile's failure in one line: the fix if there is one, else the first line of why."""
    reason = error.message.splitlines()[0] if error.message else error.code
    return visible(error.hint or reason)


def short_error(error: EcrCallError) -> str:
    """A profile's failure for its row: the code and the command that fixes it (the first one
    the hint quotes), else the whole line."""
    command = re.search(r"`([^`]+)`", error.hint or "")
    return visible(f"{error.code}: {command.group(1)}") if command else error_line(error)


class ProfileScreen(ModalScreen[str | None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Profiles

The profiles of your AWS config (`~/.aws/config` and `~/.aws/credentials`, or AWS_CONFIG_FILE and
AWS_SHARED_CREDENTIALS_FILE), each with the region it uses and who it is: the account and caller
ARN that STS answers, or why it cannot answer and the command that fixes it (for example
`aws sso login --profile NAME`). **Enter** switches the console to the highlighted profile: the
header, the uploads and the repositories reload; the journal stays. **Escape** closes.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="profiles.close", tooltip="Keep the profile"),
    ]

    def __init__(
        self,
        current: str | None,
        target_for: Callable[[str], Target],
        *,
        list_profiles: Callable[[], list[tuple[str, str | None]]] | None = None,
        ask: Callable[[Target], CallerIdentity] = caller_identity,
    ) -> None:
        super().__init__()
        self.current = current or "default"
        self._target_for = target_for
        self._list_profiles = list_profiles or _profiles_and_regions
        self._ask = ask
        self.answers: dict[str, CallerIdentity | EcrCallError] = {}

    def compose(self) -> ComposeResult:
        with Vertical(id="profiles-dialog", classes="dialog") as dialog:
            dialog.border_title = "Profiles"
            dialog.border_subtitle = "Enter switches · Esc closes"
            yield Static("Reading the AWS config…", id="profiles-status")
            table: DataTable[Text] = DataTable(id="profiles", cursor_type="row")
            for key, label in _COLUMNS:
                table.add_column(label, key=key)
            yield table
            yield Static(id="profile-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(DataTable).loading = True
        self.run_worker(
            self._read_config,
            thread=True,
            exit_on_error=False,
            group="profiles",
            description="Reading the profiles of the AWS config",
        )

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#profiles", DataTable)

    def _read_config(self) -> None:
        self.post_message(ProfilesListed(self._list_profiles()))

    def _who_is(self, profile: str) -> None:
        try:
            identity = self._ask(self._target_for(profile))
        except Exception as raised:
            error = EcrCallError.from_exception(raised, "GetCallerIdentity")
            error.fields.setdefault("profile", profile)
            self.post_message(ProfileAnswered(profile, error=error))
        else:
            self.post_message(ProfileAnswered(profile, identity=identity))

    def on_profiles_listed(self, message: ProfilesListed) -> None:
        table = self.table
        table.loading = False
        status = self.query_one("#profiles-status", Static)
        if not message.profiles:
            status.update(
                Text("No profiles in the AWS config: add one with `aws configure --profile NAME`")
            )
            return
        status.update(Text(f"{len(message.profiles)} profile(s); now: {visible(self.current)}"))
        for row, (profile, region) in enumerate(message.profiles):
            mark = Text("●", style="bold green") if profile == self.current else Text("")
            table.add_row(
                mark,
                plain_text(profile, style="bold"),
                plain_text(region or "no region", style="" if region else "dim"),
                Text("asking STS…", style="dim"),
                key=profile,
            )
            if profile == self.current:
                table.move_cursor(row=row)
            self.run_worker(
                partial(self._who_is, profile),
                thread=True,
                exit_on_error=False,
                group=f"identity-{row}",
                description=f"Asking STS who profile {profile} is",
            )
        table.focus()

    def on_profile_answered(self, message: ProfileAnswered) -> None:
        if message.identity is not None:
            self.answers[message.profile] = message.identity
            who = Text(visible(message.identity.account or "?"))
            who.append(" · " + visible(message.identity.arn or "?"), style="dim")
        else:
            assert message.error is not None
            self.answers[message.profile] = message.error
            who = Text(short_error(message.error), style="red")
        self.table.update_cell(message.profile, "who", who, update_width=True)
        self._show_detail()

    @on(DataTable.RowHighlighted, "#profiles")
    def _show_detail(self) -> None:
        """Under the table, the highlighted profile's answer in full (a failure's whole fix)."""
        table = self.table
        if not table.row_count:
            return
        profile = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        answer = self.answers.get(profile)
        detail = Text(visible(profile), style="bold")
        if isinstance(answer, EcrCallError):
            detail.append(": " + error_line(answer), style="red")
        elif isinstance(answer, CallerIdentity):
            detail.append(f": account {visible(answer.account or '?')}, Enter switches to it")
        else:
            detail.append(": asking STS…", style="dim")
        self.query_one("#profile-detail", Static).update(detail)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed: the listing says why, a profile's row shows its error."""
        if event.state is not WorkerState.ERROR:
            return
        error = EcrCallError.from_exception(event.worker.error or RuntimeError("stopped"))
        if event.worker.group == "profiles":
            self.table.loading = False
            self.query_one("#profiles-status", Static).update(
                Text("The AWS config cannot be read: " + error_line(error), style="red")
            )
        else:
            self.notify(error_line(error), title="Profiles", severity="error", markup=False)

    @on(DataTable.RowSelected, "#profiles")
    def _chosen(self, event: DataTable.RowSelected) -> None:
        self.dismiss(str(event.row_key.value))

    def action_cancel(self) -> None:
        self.dismiss(None)


def _profiles_and_regions() -> list[tuple[str, str | None]]:
    return [(profile, profile_region(profile)) for profile in known_profiles()]
