"""About: ecrtui's version and its libraries', where the console points and why, its retries, and
its journal. Never credentials: the profile name, region, endpoint and settings only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from ecrtui.ecr.errors import EcrCallError
from ecrtui.plain_text import visible


@dataclass
class FactsRead(Message):
    facts: list[tuple[str, str]]


def facts_table(facts: list[tuple[str, str]]) -> Table:
    """Label and value, one a row; every value is data (a profile or path may hold anything)."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for label, value in facts:
        table.add_row(Text(visible(label)), Text(visible(value)))
    return table


class AboutScreen(ModalScreen[None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## About

ecrtui's version and those of Textual, boto3 and botocore; the profile, region and endpoint in
use, and where the endpoint comes from (`--endpoint-url`, then `AWS_ENDPOINT_URL_ECR`, then
`AWS_ENDPOINT_URL`, then the profile's `services` section and `endpoint_url`, else AWS's own);
the retry mode and how many attempts each call makes; the journal's path. **Escape** closes.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="about.close", tooltip="Close"),
    ]

    def __init__(self, read_facts: Callable[[], list[tuple[str, str]]]) -> None:
        super().__init__()
        self._read_facts = read_facts
        self.facts: list[tuple[str, str]] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="about-dialog", classes="dialog") as dialog:
            dialog.border_title = "About ecrtui"
            dialog.border_subtitle = "Esc closes"
            yield Static(id="about-facts")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#about-facts").loading = True
        self.run_worker(
            lambda: self.post_message(FactsRead(self._read_facts())),
            thread=True,
            exit_on_error=False,
            group="about",
            description="Reading the settings in use",
        )

    def on_facts_read(self, message: FactsRead) -> None:
        self.facts = message.facts
        facts = self.query_one("#about-facts", Static)
        facts.loading = False
        facts.update(facts_table(message.facts))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = EcrCallError.from_exception(event.worker.error or RuntimeError("stopped"))
            facts = self.query_one("#about-facts", Static)
            facts.loading = False
            reason = error.hint or str(error)
            facts.update(Text("The settings cannot be read: " + visible(reason), style="red"))

    def action_close(self) -> None:
        self.dismiss(None)
