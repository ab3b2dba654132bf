"""Regenerate the pictures in screenshots/ from the real console in demo mode.

    .venv/bin/python screenshots/regenerate.py

Runs `ecrtui --demo` headless (the embedded backend, the demo seed, a throwaway journal), drives it
with the keys an operator would press, and saves each screen as SVG, then PNG (with rsvg-convert
when it is installed, e.g. `apt-get install librsvg2-bin`; SVG only otherwise).
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from ecrtui.tui.app import EcrtuiApp
from ecrtui.tui.session import ConsoleOptions
from ecrtui.tui.widgets.uploads_table import UploadsTable
from ecrtui.uploads.journal import Origin

HERE = Path(__file__).resolve().parent
DEMO_PORT = 47801  # a fixed port and upload ids keep the pictures the same from run to run
DEMO_SEED = 7


async def settle(pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.1)
    await pilot.pause(0.3)


def connected(app: EcrtuiApp) -> Callable[[], bool]:
    def ready() -> bool:
        table = app.query_one(UploadsTable)
        browser = app.query_one("#browser")
        # the demo's own uploads, and the ones "docker" left, found in CloudTrail
        found = any(r.origin is Origin.DISCOVERED for r in table.records.values())
        return found and bool(getattr(browser, "repositories", None))

    return ready


async def select_upload(pilot: Pilot[None], app: EcrtuiApp, repository: str) -> None:
    table = app.query_one(UploadsTable)
    for row, record in enumerate(table.records.values()):
        if record.repository == repository:
            table.move_cursor(row=row)
    table.focus()
    await pilot.pause(0.2)


async def main_screen(pilot: Pilot[None], app: EcrtuiApp) -> None:
    """The blocked upload, probed: its verdict, the evidence, and the probe in its calls."""
    await select_upload(pilot, app, "team/worker")
    await pilot.press("p")
    await settle(pilot, lambda: app.query_one("#upload-calls").row_count > 0, 10)


async def completion_predicted(pilot: Pilot[None], app: EcrtuiApp) -> None:
    await select_upload(pilot, app, "team/worker")
    await pilot.press("c")
    await pilot.pause(0.3)
    await pilot.press("enter")  # the verdict predicts the error: the console asks first
    await pilot.pause(0.5)


async def completion_error(pilot: Pilot[None], app: EcrtuiApp) -> None:
    await completion_predicted(pilot, app)
    await pilot.press("o")  # send anyway
    await settle(pilot, lambda: app.query_one("#response").has_class("-error"))


async def completion_success(pilot: Pilot[None], app: EcrtuiApp) -> None:
    await select_upload(pilot, app, "team/api")
    await pilot.press("c")
    await pilot.pause(0.3)
    await pilot.press("enter")
    await settle(pilot, lambda: app.query_one("#response").has_class("-success"))


async def repositories(pilot: Pilot[None], app: EcrtuiApp) -> None:
    await pilot.press("3")
    await settle(pilot, lambda: app.query_one("#images").row_count > 0)


async def help_screen(pilot: Pilot[None], app: EcrtuiApp) -> None:
    await select_upload(pilot, app, "team/api")
    await pilot.press("f1")
    await pilot.pause(0.5)


async def upload_actions(pilot: Pilot[None], app: EcrtuiApp) -> None:
    await select_upload(pilot, app, "team/worker")
    await pilot.press("enter")
    await pilot.pause(0.3)


async def history(pilot: Pilot[None], app: EcrtuiApp) -> None:
    """A probe, a push in 5 MiB parts and a completion, then the history: the parts are one row."""
    await select_upload(pilot, app, "data/etl-jobs")
    await pilot.press("p")
    await pilot.pause(1.0)
    await select_upload(pilot, app, "team/api")
    layer = app.uploads.selected.source_path if app.uploads.selected else None
    await pilot.press("n")
    await pilot.pause(0.5)
    app.screen.query_one("#push-file", Input).value = str(layer)
    app.screen.query_one("#push-part-size", Input).value = "5MiB"
    await pilot.pause(0.3)
    await pilot.press("ctrl+s")
    await settle(pilot, lambda: getattr(app.screen, "stage", "done") in ("done", "failed"), 20)
    await pilot.press("escape")
    await pilot.pause(0.5)
    await pilot.press("h")
    await pilot.pause(0.5)


async def discover(pilot: Pilot[None], app: EcrtuiApp) -> None:
    """D in the demo: what CloudTrail tells of the uploads, docker's among them."""
    await pilot.press("D")
    await settle(pilot, lambda: getattr(app.screen, "stage", "") == "found", 20)


async def resume_progress(pilot: Pilot[None], app: EcrtuiApp) -> None:
    await select_upload(pilot, app, "data/etl-jobs")
    await pilot.press("u")
    await settle(pilot, lambda: "result" in str(app.screen.query("#push-status")), 5)


async def about(pilot: Pilot[None], app: EcrtuiApp) -> None:
    await pilot.press("A")
    await settle(pilot, lambda: type(app.screen).__name__ == "AboutScreen", 10)


SHOTS: dict[str, tuple[tuple[int, int], Callable[[Pilot[None], EcrtuiApp], Awaitable[None]]]] = {
    "main-150x32": ((150, 32), main_screen),
    "main-80x24": ((80, 24), main_screen),
    "completion-predicted-150x32": ((150, 32), completion_predicted),
    "completion-error-150x32": ((150, 32), completion_error),
    "completion-success-120x36": ((120, 36), completion_success),
    "repositories-150x32": ((150, 32), repositories),
    "help-100x30": ((100, 30), help_screen),
    "resume-100x30": ((100, 30), resume_progress),
    "actions-80x24": ((80, 24), upload_actions),
    "history-120x36": ((120, 36), history),
    "discover-120x36": ((120, 36), discover),
    "about-100x30": ((100, 30), about),
}


async def shoot(name: str, size: tuple[int, int], drive: Callable[..., Awaitable[None]]) -> Path:
    options = ConsoleOptions(demo=True, demo_port=DEMO_PORT, demo_upload_id_seed=DEMO_SEED)
    app = EcrtuiApp(options)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, connected(app))
        await drive(pilot, app)
        app.clear_notifications()
        await pilot.pause(0.2)
        return Path(app.save_screenshot(filename=f"{name}.svg", path=str(HERE)))


def keep_spaces(svg: Path) -> None:
    """Mark the SVG's text as preformatted: converters such as rsvg-convert otherwise drop the
    leading no-break space of a run ("c fill" drawn as "cfill") and stretch what is left."""
    text = svg.read_text()
    if 'xml:space="preserve"' not in text:
        svg.write_text(text.replace("<svg ", '<svg xml:space="preserve" ', 1))


def to_png(svg: Path) -> None:
    keep_spaces(svg)
    converter = shutil.which("rsvg-convert")
    if converter is None:
        print(f"  {svg.name} (no rsvg-convert: SVG only)")
        return
    subprocess.run([converter, "-o", str(svg.with_suffix(".png")), str(svg)], check=True)
    print(f"  {svg.name}, {svg.with_suffix('.png').name}")


def main() -> int:
    wanted = sys.argv[1:] or list(SHOTS)
    for name in wanted:
        size, drive = SHOTS[name]
        to_png(asyncio.run(shoot(name, size, drive)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
