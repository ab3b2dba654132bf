import time
from typing import Any
from pathlib import Path
from .console_apps import *

async def test_scratch(endpoint_url: str, demo_registry: Any, tmp_path: Path) -> None:
    journal = tmp_path / "j.sqlite3"
    write_journal(journal, endpoint_url, demo_rows(demo_registry))
    app = console_app(endpoint_url, journal)
    t = time.monotonic()
    async with app.run_test(size=(120, 40)) as pilot:
        print("first", time.monotonic() - t, repr(bar_text(app)))
        await until_connected(pilot)
        print("connected", time.monotonic() - t, repr(bar_text(app)))
        from ecrtui.tui.widgets.uploads_table import UploadsTable
        t2 = app.query_one(UploadsTable)
        print(t2.border_title, list(t2.records))
        print(app.query_one("#repositories").border_title)
        app.save_screenshot(path="/tmp", filename="scratch.svg")
