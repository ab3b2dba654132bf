"""ECR's layer checks for the uploads in flight: one BatchCheckLayerAvailability per repository,
several at a time, each answer given to its own uploads, a refusal raised."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError
from ecrtui.tui import session as session_module
from ecrtui.tui.session import ConsoleOptions, ConsoleSession

from .console_apps import REGION, demo_rows, write_journal


def connected(endpoint_url: str, journal_path: Path) -> ConsoleSession:
    target = Target(endpoint_url=endpoint_url, region=REGION, local_backend=True)
    session = ConsoleSession(ConsoleOptions(target=target, journal_path=journal_path))
    session.connect()
    return session


@pytest.mark.parametrize("threads", [1, 2, 4])
def test_each_upload_gets_the_answer_about_its_own_layer(
    endpoint_url: str,
    demo_registry: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    threads: int,
) -> None:
    monkeypatch.setattr(session_module, "LAYER_CHECK_THREADS", threads)
    records = write_journal(tmp_path / "j.sqlite3", endpoint_url, demo_rows(demo_registry))
    session = connected(endpoint_url, tmp_path / "j.sqlite3")
    try:
        asked = [r for r in records if r.local_digest]
        assert len({r.repository for r in asked}) > 4  # more repositories than threads
        evidence = session.layer_evidence(records)
    finally:
        session.close()
    already = demo_registry.upload("already-exists").upload_id
    assert set(evidence) == {r.upload_id for r in asked}
    assert {i for i, found in evidence.items() if found.layer_available} == {already}
    checks = [c for c in session.history if c.operation == "BatchCheckLayerAvailability"]
    assert len(checks) == len({r.repository for r in asked})


def test_a_refused_layer_check_is_raised(
    endpoint_url: str, demo_registry: Any, tmp_path: Path
) -> None:
    rows = demo_rows(demo_registry)
    gone = dataclasses.replace(rows[0], repository="no/such-repository", upload_id="0" * 36)
    records = write_journal(tmp_path / "j.sqlite3", endpoint_url, [*rows, gone])
    session = connected(endpoint_url, tmp_path / "j.sqlite3")
    try:
        with pytest.raises(EcrCallError) as raised:
            session.layer_evidence(records)
    finally:
        session.close()
    assert raised.value.code == "RepositoryNotFoundException"
