"""What every tab shares: thread workers whose failures are never lost.

A pane starts its workers with `run_in_thread`. A worker only computes and posts messages; the
pane's handlers update the widgets. When a worker fails, for any reason, the pane's `restore`
puts back what waited on it (a loading table, a "Sending…" panel), and a `WorkFailed` message
carries the error, translated into `EcrCallError`, to the app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.containers import Vertical
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from ecrtui.ecr.errors import EcrCallError
from ecrtui.tui.messages import WorkFailed
from ecrtui.tui.session import ConsoleSession


class Pane(Vertical):
    """A tab's content, with the session it works on."""

    def __init__(self, session: ConsoleSession, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.session = session

    def run_in_thread(
        self, work: Callable[[], None], *, group: str, doing: str, exclusive: bool = True
    ) -> Worker[None]:
        """Run `work` in a thread worker of this pane; its failure comes back to `restore`."""
        return self.run_worker(
            work,
            thread=True,
            exclusive=exclusive,
            exit_on_error=False,
            group=group,
            description=doing,
        )

    def report(self, message: Message) -> None:
        """Post a worker's result, unless a newer worker of its group replaced it meanwhile (a
        thread cannot be stopped mid-call, so a replaced worker still finishes its call)."""
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def restore(self, group: str, error: EcrCallError) -> bool:
        """Put back what waited on a failed worker of `group`; True if the pane showed the error
        itself (so the app only records it)."""
        return False

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is not WorkerState.ERROR:
            return
        raised = event.worker.error
        error = EcrCallError.from_exception(raised) if raised else _unknown()
        doing = event.worker.description
        shown = self.restore(event.worker.group, error)
        self.post_message(WorkFailed(doing, event.worker.group, error, shown))


def _unknown() -> EcrCallError:
    from ecrtui.ecr.errors import ErrorKind

    return EcrCallError("Unknown", "the worker stopped without saying why", ErrorKind.OTHER)
