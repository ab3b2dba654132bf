"""Messages between the console's parts that more than one part handles: connecting, and a worker
that failed. Each pane's own messages live beside the pane."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ecrtui.ecr.errors import EcrCallError
from ecrtui.tui.session import Identity


@dataclass
class Connected(Message):
    """STS answered: the console knows its account and may load."""

    identity: Identity


@dataclass
class ConnectFailed(Message):
    error: EcrCallError


@dataclass
class WorkFailed(Message):
    """A worker failed; what waited on it was put back. The app keeps it in the history and,
    unless the pane showed it in place, opens the failure panel."""

    doing: str
    group: str
    error: EcrCallError
    shown_in_place: bool = False


@dataclass
class JournalTrouble(Message):
    """The journal could not be opened or written: the console goes on, and says so."""

    text: str
