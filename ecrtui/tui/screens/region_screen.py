"""Pick a region: the profile's own first, then every region botocore knows ECR in.

Typing filters the list; Enter switches the console to the highlighted region (the profile and
its credentials stay).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, OptionList
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from ecrtui.ecr.errors import EcrCallError
from ecrtui.ecr.profiles import ecr_regions, profile_region
from ecrtui.plain_text import visible


@dataclass
class RegionsListed(Message):
    """The profile's region (None: none set) and ECR's regions."""

    own: str | None
    regions: list[str]


class RegionScreen(ModalScreen[str | None]):
    CSS_PATH = "screens.tcss"
    HELP: ClassVar[str] = """\
## Regions

The region of the profile in use (marked *profile*), then every region botocore knows ECR in.
Type to filter; **Enter** switches the console to the highlighted region: the header, the uploads
and the repositories reload, and the profile stays. **Escape** closes.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="regions.close", tooltip="Keep the region"),
        Binding("down", "to_list", "List", id="regions.list", show=False, tooltip="To the list"),
    ]

    def __init__(
        self,
        profile: str | None,
        current: str | None,
        *,
        list_regions: Callable[[], list[str]] = ecr_regions,
        own_region: Callable[[str | None], str | None] = profile_region,
    ) -> None:
        super().__init__()
        self.profile = profile
        self.current = current
        self._list_regions = list_regions
        self._own_region = own_region
        self._own: str | None = None
        self._regions: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="regions-dialog", classes="dialog") as dialog:
            dialog.border_title = "Regions"
            dialog.border_subtitle = "type to filter · Enter switches · Esc closes"
            yield Input(placeholder="filter, e.g. eu-", id="region-filter")
            yield OptionList(id="regions")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(OptionList).loading = True
        self.query_one(Input).focus()
        self.run_worker(
            self._read,
            thread=True,
            exit_on_error=False,
            group="regions",
            description="Reading the regions",
        )

    def _read(self) -> None:
        self.post_message(RegionsListed(self._own_region(self.profile), self._list_regions()))

    def on_regions_listed(self, message: RegionsListed) -> None:
        self._own = message.own
        regions = [region for region in message.regions if region != message.own]
        self._regions = ([message.own] if message.own else []) + regions
        self.query_one(OptionList).loading = False
        self._show(self.query_one(Input).value)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.query_one(OptionList).loading = False
            error = EcrCallError.from_exception(event.worker.error or RuntimeError("stopped"))
            self.notify(visible(str(error)), title="Regions", severity="error", markup=False)

    @property
    def shown(self) -> list[str]:
        """The regions listed now, in order (those the filter keeps)."""
        options = self.query_one(OptionList)
        return [str(options.get_option_at_index(i).id) for i in range(options.option_count)]

    def _show(self, words: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        wanted = words.strip().lower()
        for region in self._regions:
            if wanted and wanted not in region.lower():
                continue
            label = Text(visible(region))
            if region == self._own:
                label.append(f"  profile {visible(self.profile or 'default')}", style="dim")
            if region == self.current:
                label.append("  ● now", style="bold green")
            options.add_option(Option(label, id=region))
        if options.option_count:
            options.highlighted = 0

    @on(Input.Changed, "#region-filter")
    def _filter(self, event: Input.Changed) -> None:
        self._show(event.value)

    @on(Input.Submitted, "#region-filter")
    def _pick_first(self) -> None:
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.dismiss(self.shown[options.highlighted])

    @on(OptionList.OptionSelected, "#regions")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_to_list(self) -> None:
        self.query_one(OptionList).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
