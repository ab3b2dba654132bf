"""Pushes through a fault-injecting proxy: every fault is survived, and the layer is intact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ecrtui.uploads.journal import UploadJournal, UploadState
from tests.uploads.fault_proxy import FaultProxy
from tests.uploads.helpers import (
    MiB,
    assert_parts_in_order,
    make_pusher,
    part_calls,
    sha256sum,
    write_layer,
)

FAULTS = ["reset_before", "reset_after", "http500", "http429", "slow", "limit"]
SLOW = 1.0  # seconds "slow" waits before forwarding
READ_TIMEOUT = 0.5  # the client's read timeout when a "slow" fault is planned

# size, part size, the UploadLayerPart request that fails
LAYERS = [(3 * MiB, None, 1), (23 * MiB, 5 * MiB, 3), (31 * MiB, 5 * MiB, 7)]


def _push(
    proxy: FaultProxy,
    journal: UploadJournal,
    repository: str,
    layer: Path,
    slow: bool = False,
    **options: Any,
) -> Any:
    pusher = make_pusher(proxy.url, journal, read_timeout=READ_TIMEOUT if slow else None)
    return pusher.push(layer, repository, **options)


def _check(result: Any, journal: UploadJournal, layer: Path, ecr_client: Any) -> None:
    digest = sha256sum(layer)
    assert result.digest == digest
    assert result.response is not None and result.response["layerDigest"] == digest
    assert result.record is not None and result.record.state is UploadState.COMPLETED
    assert result.record.bytes_confirmed == layer.stat().st_size
    assert_parts_in_order(part_calls(journal, result.record.upload_id), layer.stat().st_size)
    found = ecr_client.batch_check_layer_availability(
        repositoryName=result.record.repository, layerDigests=[digest]
    )["layers"]
    assert [entry["layerAvailability"] for entry in found] == ["AVAILABLE"]


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_on_a_part(
    proxy: FaultProxy,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    ecr_client: Any,
    fault: str,
) -> None:
    for seed, (size, part_size, nth) in enumerate(LAYERS):
        layer = write_layer(tmp_path, size, seed=seed)
        proxy.reset()
        plan = proxy.plan("UploadLayerPart", nth=nth, fault=fault, seconds=SLOW)
        result = _push(proxy, journal, repository, layer, slow=fault == "slow", part_size=part_size)
        assert plan.reached.is_set()
        _check(result, journal, layer, ecr_client)
        calls = part_calls(journal, result.record.upload_id)
        assert calls[nth - 1]["outcome"] != "ok"
        assert len(calls) > nth  # the failed part was sent again (or skipped as received)


@pytest.mark.parametrize("operation", ["BatchCheckLayerAvailability", "InitiateLayerUpload"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_before_the_parts(
    proxy: FaultProxy,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    ecr_client: Any,
    operation: str,
    fault: str,
) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=11)
    plan = proxy.plan(operation, nth=1, fault=fault, seconds=SLOW)
    result = _push(proxy, journal, repository, layer, fault == "slow", part_size=5 * MiB)
    assert plan.reached.is_set()
    _check(result, journal, layer, ecr_client)
    assert len(journal.uploads(include_finished=True)) == 1


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_on_completion(
    proxy: FaultProxy,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    ecr_client: Any,
    fault: str,
) -> None:
    """A lost or late CompleteLayerUpload answer must not fail a push whose layer is stored."""
    layer = write_layer(tmp_path, 6 * MiB, seed=12)
    plan = proxy.plan("CompleteLayerUpload", nth=1, fault=fault, seconds=SLOW)
    result = _push(proxy, journal, repository, layer, fault == "slow", part_size=5 * MiB)
    assert plan.reached.is_set()
    _check(result, journal, layer, ecr_client)


def test_a_lost_part_answer_continues_from_the_right_byte(
    proxy: FaultProxy, journal: UploadJournal, repository: str, tmp_path: Path, ecr_client: Any
) -> None:
    layer = write_layer(tmp_path, 23 * MiB, seed=13)
    proxy.plan("UploadLayerPart", nth=2, fault="reset_after")
    result = _push(proxy, journal, repository, layer, part_size=5 * MiB)
    _check(result, journal, layer, ecr_client)
    calls = part_calls(journal, result.record.upload_id)
    seen = [(c["outcome"], c["parameters"]["partFirstByte"] // MiB) for c in calls]
    assert seen[0] == ("ok", 0)
    assert seen[1][1] == 5 and seen[1][0] not in ("ok", "InvalidLayerPartException")
    # The retry of the part ECR already has is refused, and the push goes on after it.
    assert seen[2] == ("InvalidLayerPartException", 5)
    assert seen[3:] == [("ok", 10), ("ok", 15), ("ok", 20)]
    # The backend received every byte once: no part was sent twice successfully.
    forwarded = [s for s in proxy.log if s.operation == "UploadLayerPart" and s.forwarded]
    assert [s.status for s in forwarded] == [200, 200, 400, 200, 200, 200]


def test_several_faults_in_one_push(
    proxy: FaultProxy, journal: UploadJournal, repository: str, tmp_path: Path, ecr_client: Any
) -> None:
    layer = write_layer(tmp_path, 31 * MiB, seed=14)
    plans = [
        proxy.plan("BatchCheckLayerAvailability", nth=1, fault="http500"),
        proxy.plan("InitiateLayerUpload", nth=1, fault="limit"),
        proxy.plan("InitiateLayerUpload", nth=2, fault="reset_before"),
        proxy.plan("UploadLayerPart", nth=1, fault="http429"),
        proxy.plan("UploadLayerPart", nth=2, fault="reset_before"),
        proxy.plan("UploadLayerPart", nth=4, fault="reset_after"),
        proxy.plan("UploadLayerPart", nth=5, fault="http500"),
        proxy.plan("UploadLayerPart", nth=7, fault="slow", seconds=SLOW),
        proxy.plan("UploadLayerPart", nth=9, fault="limit"),
        proxy.plan("UploadLayerPart", nth=10, fault="reset_after"),
        proxy.plan("UploadLayerPart", nth=12, fault="http500"),
        proxy.plan("CompleteLayerUpload", nth=1, fault="http429"),
        proxy.plan("CompleteLayerUpload", nth=2, fault="reset_before"),
    ]
    result = _push(proxy, journal, repository, layer, slow=True, part_size=5 * MiB)
    assert all(plan.reached.is_set() for plan in plans), [str(p) for p in plans]
    _check(result, journal, layer, ecr_client)
    assert len(journal.uploads(include_finished=True)) == 1
