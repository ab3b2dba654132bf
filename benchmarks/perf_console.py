"""How the console copes with a big registry and a big journal: 10,000 repositories, 10,000 uploads.

    .venv/bin/python benchmarks/perf_console.py [RUNS]

Starts `ecrtui local-ecr`, creates 10,000 repositories through the API (about 30 s), then:

- times the console listing them all (from the moment the listing starts to the 10,000th row in
  the table, after the screen has drawn it), beside `ecrtui describe-repositories` run as a process
  for the same registry;
- times the first repository rows on screen, and each keystroke of a filter typed into the
  repository pane (from the key pressed to the table showing what the filter leaves);
- fills a journal of 10,000 uploads (varied repositories and states) through UploadJournal in a
  temporary ECRTUI_STATE_DIR, and times its first rows on screen and each keystroke of its filter.

The console runs in this process, headless (App.run_test, 120x40), pointed at the backend as
`ecrtui --endpoint-url URL` points it. Only 127.0.0.1 is contacted.

When a figure misses its target, the console's run that gave it (the repositories' or the
journal's) runs once more with py-spy attached to this process and its subprocesses (the
backend among them), and the table is followed by where the time went. Attaching needs ptrace
permission over this process; without it the profile says so.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from perf_common import (
    ECRTUI,
    ENV,
    Limit,
    Row,
    attach_profile,
    create_repositories,
    local_backend,
    run,
    run_alone,
    timed,
)
from perf_profile import profile_this_process

REPOSITORIES = 10_000
UPLOADS = 10_000
SIZE = (120, 40)
REGION = "us-east-1"
# What an operator types to find one service: the first keys still match every row.
REPOSITORY_FILTER = "service-0421"
JOURNAL_FILTER = "service-0042"
TIMEOUT = 120.0


def _console(url: str, journal: Path) -> Any:
    from ecrtui.ecr.client import Target
    from ecrtui.tui.app import EcrtuiApp
    from ecrtui.tui.session import ConsoleOptions

    target = Target(endpoint_url=url, region=REGION)
    app = EcrtuiApp(ConsoleOptions(target=target, journal_path=journal))
    app.animation_level = "none"
    return app


class Frames:
    """The frames the app draws (headless, a frame is composed and then dropped) while what is
    awaited holds: the moment a table's rows were on screen. Several things can be awaited at
    once (a listing's first rows and its last), each noted from the moment it is expected, so a
    frame drawn before the benchmark got round to awaiting it still counts."""

    def __init__(self, app: Any) -> None:
        self.awaited: dict[str, Callable[[], bool]] = {}
        self.showing: dict[str, list[float]] = {}
        display = app._display

        def drawn(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                now = time.perf_counter()
                for what, condition in self.awaited.items():
                    if condition():
                        self.showing[what].append(now)
            display(screen, renderable)

        app._display = drawn

    def expect(self, what: str, condition: Callable[[], bool]) -> None:
        """From now on, note the frames drawn while `condition()` holds, as showing `what`."""
        self.showing[what] = []
        self.awaited[what] = condition

    def forget(self, what: str) -> None:
        self.awaited.pop(what, None)

    async def first(self, what: str) -> float:
        """The first frame drawn showing `what`, waiting for it if need be."""
        began = time.perf_counter()
        while not self.showing[what]:
            if time.perf_counter() - began > TIMEOUT:
                raise TimeoutError(f"waited {TIMEOUT:.0f} s for a frame showing {what}")
            await asyncio.sleep(0.001)
        return self.showing[what][0]


async def _seen(condition: Callable[[], bool], what: str) -> float:
    """Let the app run until `condition()` holds (checked every millisecond); the moment it did."""
    began = time.perf_counter()
    while not condition():
        if time.perf_counter() - began > TIMEOUT:
            raise TimeoutError(f"waited {TIMEOUT:.0f} s for {what}")
        await asyncio.sleep(0.001)
    return time.perf_counter()


def _watch_start(session: Any, method: str) -> list[float]:
    """The moments the console's workers call `session.method`: when a load starts."""
    started: list[float] = []
    original = getattr(session, method)

    def starting(*args: Any, **kwargs: Any) -> Any:
        started.append(time.perf_counter())
        return original(*args, **kwargs)

    setattr(session, method, starting)
    return started


async def _type(pilot: Any, frames: Frames, table: Any, text: str, rows: list[str]) -> list[float]:
    """Seconds from each key pressed to the first frame showing the rows the filter leaves; the
    app settles (the images of the repository now highlighted) before the next key."""
    samples = []
    for length in range(1, len(text) + 1):
        typed = text[:length]
        count = sum(typed in row for row in rows)

        def showing(typed: str = typed, count: int = count) -> bool:
            return bool(table.filter_text == typed and table.row_count == count)

        frames.expect("the rows the filter leaves", showing)
        began = time.perf_counter()
        await pilot.press(text[length - 1])
        samples.append(await frames.first("the rows the filter leaves") - began)
        await pilot.pause()
    frames.forget("the rows the filter leaves")
    return samples


async def _repositories_run(url: str, journal: Path, names: list[str]) -> dict[str, Any]:
    from textual.widgets import DataTable, Input, TabbedContent

    app = _console(url, journal)
    started = _watch_start(app.session, "repositories")
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        table = app.query_one("#repositories", DataTable)
        browser = app.repositories.browser
        tabs = app.query_one(TabbedContent)

        def on_screen() -> bool:
            return bool(tabs.active == "repos-tab" and table.row_count > 0)

        frames.expect("the first repositories", on_screen)
        frames.expect(
            "every repository",
            lambda: on_screen() and table.row_count == len(names) and not browser.more_pages,
        )
        await pilot.press("3")  # the Repositories tab, to see its rows drawn
        await _seen(lambda: bool(started), "the listing to start")
        first = await frames.first("the first repositories")
        listed = await frames.first("every repository")
        frames.forget("the first repositories")
        frames.forget("every repository")
        await pilot.pause()
        await pilot.press("slash")
        assert isinstance(app.focused, Input), app.focused
        keystrokes = await _type(pilot, frames, table, REPOSITORY_FILTER, names)
        await app.workers.wait_for_complete()
    return {"first": first - started[0], "listed": listed - started[0], "keystrokes": keystrokes}


async def _journal_run(url: str, journal: Path, repositories: list[str]) -> dict[str, Any]:
    from textual.widgets import Input

    from ecrtui.tui.widgets.uploads_table import UploadsTable

    app = _console(url, journal)
    started = _watch_start(app.session, "upload_pages")
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        table = app.query_one(UploadsTable)
        frames.expect("the first uploads", lambda: table.row_count > 0)
        frames.expect("every upload", lambda: table.row_count == UPLOADS)
        await _seen(lambda: bool(started), "the uploads to load")
        first = await frames.first("the first uploads")
        await frames.first("every upload")
        frames.forget("the first uploads")
        frames.forget("every upload")
        await pilot.pause()
        table.focus()
        await pilot.press("slash")
        assert isinstance(app.focused, Input), app.focused
        journaled = [repositories[index % len(repositories)] for index in range(UPLOADS)]
        keystrokes = await _type(pilot, frames, table, JOURNAL_FILTER, journaled)
        await app.workers.wait_for_complete()
    return {"first": first - started[0], "keystrokes": keystrokes}


def fill_journal(path: Path, url: str, repositories: list[str]) -> None:
    """10,000 uploads at this endpoint, written as the console's pushes would write them."""
    from ecrtui.uploads.journal import Origin, UploadJournal, UploadState

    states = [  # all in flight: the list shows every one
        UploadState.INTERRUPTED,
        UploadState.READY,
        UploadState.UPLOADING,
        UploadState.INITIATED,
    ]
    origins = [Origin.PUSHED, Origin.TRACKED, Origin.PUSHED, Origin.DISCOVERED]
    with UploadJournal(path) as journal:
        for index in range(UPLOADS):
            journal.record(
                endpoint=url,
                region=REGION,
                repository=repositories[index % len(repositories)],
                upload_id=f"{index:08x}-0000-4000-8000-{index:012x}",
                origin=origins[index % len(origins)],
                state=states[index % len(states)],
                part_size=10 * 1024 * 1024,
                bytes_confirmed=(index % 7) * 5 * 1024 * 1024,
                # some with the layer's digest, which ECR is then asked about
                local_digest=f"sha256:{index:064x}" if index % 10 == 0 else None,
            )


def rows(runs: int) -> tuple[list[Row], list[Limit]]:
    os.environ.update(ENV)
    with tempfile.TemporaryDirectory(prefix="ecrtui-perf-") as scratch:
        os.environ["ECRTUI_STATE_DIR"] = scratch
        with local_backend() as url:
            names = create_repositories(url, REPOSITORIES)
            listing, repository_limits = repository_figures(url, Path(scratch), names, runs)
            journal_limits = journal_figures(url, Path(scratch), names[:250], runs)
    return [listing], repository_limits + journal_limits


def repository_figures(
    url: str, scratch: Path, names: list[str], runs: int
) -> tuple[Row, list[Limit]]:
    """The console listing the registry beside `ecrtui describe-repositories`, its first rows
    and its filter's keystrokes, with an empty journal."""
    peer: list[float] = []
    listed: list[float] = []
    first: list[float] = []
    keys: list[float] = []
    describe = (ECRTUI, "describe-repositories", "--endpoint-url", url)
    empty = scratch / "empty.sqlite3"
    for _ in range(runs):
        peer.append(timed(lambda: run(*describe)))
        figures = asyncio.run(_repositories_run(url, empty, names))
        listed.append(figures["listed"])
        first.append(figures["first"])
        keys += figures["keystrokes"]
    listing = Row(
        "console: all 10,000 repositories listed",
        listed,
        "ecrtui describe-repositories",
        peer,
        target=1.0,
    )
    limits = [
        Limit("console: first repository rows", first, 0.5),
        Limit("filter 10,000 repositories, per keystroke", keys, 0.050, unit="ms"),
    ]

    def once_more() -> object:
        return asyncio.run(_repositories_run(url, empty, names))

    attach_profile([listing, *limits], lambda: profile_this_process(once_more))
    return listing, limits


def journal_figures(url: str, scratch: Path, repositories: list[str], runs: int) -> list[Limit]:
    """The console's first rows of a journal of 10,000 uploads, and its filter's keystrokes."""
    first: list[float] = []
    keys: list[float] = []
    journal = scratch / "journal.sqlite3"
    fill_journal(journal, url, repositories)
    for _ in range(runs):
        figures = asyncio.run(_journal_run(url, journal, repositories))
        first.append(figures["first"])
        keys += figures["keystrokes"]
    limits = [
        Limit("console: uploads journal of 10,000 rows, first rows", first, 0.5),
        Limit("filter 10,000 journal rows, per keystroke", keys, 0.050, unit="ms"),
    ]

    def once_more() -> object:
        return asyncio.run(_journal_run(url, journal, repositories))

    attach_profile(limits, lambda: profile_this_process(once_more))
    return limits


def main() -> int:
    return run_alone(rows, 3)


if __name__ == "__main__":
    raise SystemExit(main())
