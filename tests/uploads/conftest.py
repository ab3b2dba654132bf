"""Fixtures for the upload journal and engine tests: a fault proxy and a journal per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecrtui.uploads.journal import UploadJournal, default_path
from tests.uploads.fault_proxy import FaultProxy


@pytest.fixture
def proxy(endpoint_url: str) -> Iterator[FaultProxy]:
    """A fault proxy on 127.0.0.1 in front of the session's local backend; stopped afterwards."""
    with FaultProxy(endpoint_url) as running:
        yield running


@pytest.fixture
def journal() -> Iterator[UploadJournal]:
    """The journal in this test's state directory (the one `ecrtui` commands use too)."""
    with UploadJournal(default_path()) as opened:
        yield opened


@pytest.fixture(autouse=True)
def _remove_layer_files(tmp_path: Path) -> Iterator[None]:
    """Layer files are large and can be made again from their seeds: do not keep them around."""
    yield
    for layer in tmp_path.glob("*.bin"):
        layer.unlink(missing_ok=True)
