"""Completing and forgetting an upload: decided once, in ecrtui.uploads.lifecycle, against the
local backend's real answers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ecrtui.ecr.caller import EcrCaller
from ecrtui.ecr.client import Target, make_client
from ecrtui.ecr.errors import EcrCallError
from ecrtui.uploads.journal import Origin, UploadJournal, UploadRecord, UploadState
from ecrtui.uploads.lifecycle import complete_upload, forget_upload
from tests.local.helpers import data, sha256_digest, upload

MiB = 1024 * 1024


@pytest.fixture
def caller(endpoint_url: str) -> EcrCaller:
    client = make_client(Target(endpoint_url=endpoint_url, region="us-east-1"), max_attempts=1)
    return EcrCaller(client)


def journaled(
    journal: UploadJournal,
    caller: EcrCaller,
    repository: str,
    upload_id: str,
    digest: str | None,
    state: UploadState = UploadState.READY,
) -> UploadRecord:
    return journal.record(
        endpoint=caller.endpoint,
        region=caller.region,
        repository=repository,
        upload_id=upload_id,
        origin=Origin.PUSHED,
        state=state,
        local_digest=digest,
    )


def request(repository: str, upload_id: str, digest: str) -> dict[str, Any]:
    return {"repositoryName": repository, "uploadId": upload_id, "layerDigests": [digest]}


def test_a_completion_completes_the_journal_row(
    caller: EcrCaller, journal: UploadJournal, ecr_client: Any, repository: str
) -> None:
    blob = data(1000, seed=41)
    upload_id = upload(ecr_client, repository, blob)
    row = journaled(journal, caller, repository, upload_id, sha256_digest(blob))
    done = complete_upload(caller, journal, request(repository, upload_id, sha256_digest(blob)))
    assert done.response["layerDigest"] == sha256_digest(blob) and not done.recovered
    assert done.record is not None and done.record.state is UploadState.COMPLETED
    stored = journal.get(row.row_id)
    assert stored is not None and stored.final_response == done.response
    assert "ResponseMetadata" not in done.response


def test_a_row_of_another_repository_is_left_alone(
    caller: EcrCaller, journal: UploadJournal, ecr_client: Any, repository: str
) -> None:
    blob = data(1000, seed=42)
    upload_id = upload(ecr_client, repository, blob)
    row = journaled(journal, caller, "other/repo", upload_id, None)
    done = complete_upload(caller, journal, request(repository, upload_id, sha256_digest(blob)))
    assert done.record is None
    assert journal.get(row.row_id) == row


@pytest.mark.parametrize(
    ("case", "code", "state"),
    [
        ("small-part", "LayerPartTooSmallException", UploadState.FAILED),
        ("wrong-digest", "InvalidLayerException", UploadState.READY),
        ("unknown-id", "UploadNotFoundException", UploadState.EXPIRED),
    ],
)
def test_a_refused_completion_keeps_the_error_and_sets_the_state(
    caller: EcrCaller,
    journal: UploadJournal,
    ecr_client: Any,
    repository: str,
    case: str,
    code: str,
    state: UploadState,
) -> None:
    blob = data(12 * MiB, seed=43)
    digest = sha256_digest(blob)
    if case == "small-part":
        upload_id = upload(ecr_client, repository, blob, [4 * MiB, 4 * MiB, 4 * MiB])
    elif case == "wrong-digest":
        upload_id = upload(ecr_client, repository, blob, [10 * MiB, 2 * MiB])
        digest = sha256_digest(b"something else")
    else:
        upload_id = str(uuid.uuid4())
    row = journaled(journal, caller, repository, upload_id, digest)
    with pytest.raises(EcrCallError) as raised:
        complete_upload(caller, journal, request(repository, upload_id, digest))
    assert raised.value.code == code
    stored = journal.get(row.row_id)
    assert stored is not None and stored.state is state
    assert (stored.last_error_code, stored.last_error_message) == (code, raised.value.message)


def test_a_lost_answer_is_recovered_from_the_layer_check(
    caller: EcrCaller, journal: UploadJournal, ecr_client: Any, repository: str
) -> None:
    blob = data(2000, seed=44)
    digest = sha256_digest(blob)
    upload_id = upload(ecr_client, repository, blob)
    row = journaled(journal, caller, repository, upload_id, digest)
    ecr_client.complete_layer_upload(
        repositoryName=repository, uploadId=upload_id, layerDigests=[digest]
    )  # completed, but its answer never reached the journal
    with pytest.raises(EcrCallError):
        complete_upload(caller, journal, request(repository, upload_id, digest))
    journaled(journal, caller, repository, upload_id, digest)  # as it was before that attempt
    done = complete_upload(
        caller, journal, request(repository, upload_id, digest), recover_lost_answer=True
    )
    assert done.recovered and done.response["layerDigest"] == digest
    stored = journal.get(row.row_id)
    assert stored is not None and stored.state is UploadState.COMPLETED


def test_forgetting_touches_the_journal_only(
    caller: EcrCaller, journal: UploadJournal, repository: str
) -> None:
    row = journaled(journal, caller, repository, str(uuid.uuid4()), None)
    assert forget_upload(journal, "not-in-the-journal") is None
    assert forget_upload(journal, row.upload_id, endpoint="http://elsewhere") is None
    forgotten = forget_upload(journal, row.upload_id, endpoint=caller.endpoint)
    assert forgotten is not None and forgotten.state is UploadState.FORGOTTEN
    assert forgotten.row_id == row.row_id
