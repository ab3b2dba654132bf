"""The parts quota, at the level of the backend's rules: both ways a part comes in (UploadLayerPart
and the registry face's PATCH) stop at `max_parts`. ECR's figure is 4,200 (the default); a small
limit checks the same rule without thousands of parts. tests/local/test_upload_parts.py checks it
once more over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ecrtui.ecr.limits import MAX_PARTS
from ecrtui.local.rules import BackendSettings, EcrError, LayerRules, LayerStore


@dataclass
class Repo:
    name: str = "team/api"
    registry_id: str = "123456789012"
    uploads: dict[str, Any] = field(default_factory=dict)
    layers: dict[str, int] = field(default_factory=dict)


@pytest.fixture
def rules(tmp_path: Path) -> Iterator[LayerRules]:
    store = LayerStore(tmp_path / "store")
    yield LayerRules(store, BackendSettings(max_parts=3, min_part_size=1))
    store.close()


def test_ecrs_quota_is_the_default() -> None:
    assert BackendSettings().max_parts == MAX_PARTS == 4200


def test_upload_layer_part_after_the_last_allowed_part_is_refused(rules: LayerRules) -> None:
    repo = Repo()
    upload_id = rules.initiate(repo)["uploadId"]
    for offset in range(3):
        answer = rules.upload_part(repo, upload_id, offset, offset, b"x")
    assert answer["lastByteReceived"] == 2

    with pytest.raises(EcrError) as raised:
        rules.upload_part(repo, upload_id, 3, 3, b"x")

    assert raised.value.code == "LimitExceededException"
    assert raised.value.message == (
        f"The upload with id '{upload_id}' already has 3 layer parts, the maximum number of "
        "layer parts per layer"
    )
    assert repo.uploads[upload_id].received == 3  # the refused part left nothing behind


def test_a_registry_patch_after_the_last_allowed_part_is_refused(rules: LayerRules) -> None:
    repo = Repo()
    upload_id = rules.initiate(repo)["uploadId"]
    for offset in range(0, 6, 2):
        rules.receive_part(repo, upload_id, offset, iter([b"a", b"b"]))

    with pytest.raises(EcrError) as raised:
        rules.receive_part(repo, upload_id, 6, iter([b"c"]))

    assert raised.value.code == "LimitExceededException"
    assert repo.uploads[upload_id].part_sizes == [2, 2, 2]
