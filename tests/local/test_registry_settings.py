"""The registry face's settings for what no source confirms: each choice answers as documented.

The settings are swapped on the running backend for one test at a time (tests in one process run
one after another; each process has its own backend)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.local.helpers import data, push_image, sha256_digest
from tests.local.registry_helpers import MiB, registry_session, start_upload


@pytest.fixture
def settings(local_ecr: Any) -> Iterator[Any]:
    """Change the backend's settings for this test: `settings(name=value, ...)`."""
    rules = local_ecr._rules
    before = rules.settings

    def change(**fields: Any) -> None:
        rules.settings = dataclasses.replace(before, **fields)

    yield change
    rules.settings = before


def test_the_status_get_and_the_delete_can_answer_404(
    settings: Any, endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    settings(registry_upload_status="404", registry_upload_cancel="404")
    session = registry_session(ecr_client)
    location = start_upload(session, endpoint_url, repository)
    status = session.get(location)
    assert status.status_code == 404
    assert status.json()["errors"][0]["code"] == "BLOB_UPLOAD_UNKNOWN"
    assert session.delete(location).status_code == 404
    assert session.patch(location, data=b"kept").status_code == 201  # the upload is still there


def test_split_patches_make_10_mib_parts_that_can_leave_a_small_middle_part(
    settings: Any, endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    layer = data(18 * MiB, seed=20)
    session = registry_session(ecr_client)
    for parts, status in (("split", 400), ("one", 201)):
        settings(registry_patch_parts=parts)
        location = start_upload(session, endpoint_url, repository)
        assert session.patch(location, data=layer[: 12 * MiB]).status_code == 201  # 10 + 2
        assert session.patch(location, data=layer[12 * MiB :]).status_code == 201
        done = session.put(location, params={"digest": sha256_digest(layer)})
        assert done.status_code == status, (parts, done.text)
        if status == 400:
            assert "All layer parts except the last part" in done.json()["errors"][0]["message"]


def test_with_blob_mounting_off_a_mount_opens_an_upload(
    settings: Any, endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    source = f"{repository}-source"
    ecr_client.create_repository(repositoryName=source)
    layer = data(1 * MiB, seed=21)
    push_image(ecr_client, source, [layer], b'{"os":"linux"}', "v1")
    settings(registry_blob_mounting=False)
    session = registry_session(ecr_client)
    answer = session.post(
        f"{endpoint_url}/v2/{repository}/blobs/uploads/",
        params={"mount": sha256_digest(layer), "from": source},
    )
    assert answer.status_code == 202


def test_a_push_into_a_missing_repository_can_drop_the_connection(
    settings: Any, endpoint_url: str, ecr_client: Any
) -> None:
    settings(registry_missing_repository="eof")
    session = registry_session(ecr_client)
    with pytest.raises(requests.ConnectionError):
        session.post(f"{endpoint_url}/v2/no/such-repository/blobs/uploads/")
    # only a push drops it: a read of the missing repository is still NAME_UNKNOWN
    answer = session.get(f"{endpoint_url}/v2/no/such-repository/tags/list")
    assert answer.status_code == 404
