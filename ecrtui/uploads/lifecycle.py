"""Completing an upload and forgetting one: the one place each is decided, for the command line,
the console and the engine alike.

`complete_upload` sends CompleteLayerUpload and records in the journal what the answer means for
the upload: completed, expired, or still waiting with the error kept. When the upload id is gone
but ECR already holds the layer the journal expected, a completion whose answer was lost went
through, and that is what is recorded. `forget_upload` marks a row forgotten; ECR is not told.

LayerAlreadyExistsException is a success: ECR checked the digest against the bytes it received
and found the layer already stored (two pushes of one layer raced, and the other completed
first). Once BatchCheckLayerAvailability confirms the layer is there, the completion returns the
answer ECR would have given, and the row is completed with the note "already there".

What ECR answered is never turned into a failure by the journal: the journal keeps a change it
cannot write in its backlog (see `ecrtui.uploads.journal`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ecrtui.ecr.caller import Sender
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.uploads.checks import unexpected_answer
from ecrtui.uploads.journal import UploadJournal, UploadRecord, UploadState

# Completion errors after which this upload can never complete.
_HOPELESS = frozenset(
    {"LayerPartTooSmallException", "EmptyUploadException", "LayerAlreadyExistsException"}
)


@dataclass(frozen=True)
class Completion:
    """What a completion did: ECR's answer (or the one rebuilt after a lost answer), and the row."""

    response: dict[str, Any]
    record: UploadRecord | None
    recovered: bool = False  # the answer was lost; ECR's layer check showed it completed
    already_there: bool = False  # ECR answered LayerAlreadyExistsException: the layer is there


def complete_upload(
    caller: Sender,
    journal: UploadJournal | None,
    request: Mapping[str, Any],
    *,
    recover_lost_answer: bool = False,
    layer_there_is_success: bool = False,
) -> Completion:
    """Send CompleteLayerUpload and journal the outcome; raises EcrCallError when it failed.

    With `recover_lost_answer`, an UploadNotFoundException for an upload whose digest the journal
    knows is checked against BatchCheckLayerAvailability: if ECR holds that layer, the completion
    went through earlier and its answer was lost, and a response is rebuilt from the journal. So
    is an answer without a layerDigest (a body cut on the way parses as an empty answer).

    LayerAlreadyExistsException, once the layer check shows the layer in the repository, marks
    the journal's row completed ("already there"). With `layer_there_is_success` (a push: the
    layer is where it was meant to go) the answer ECR would have given is returned; without it
    (the aws-compatible command, the console's form) ECR's error is raised, as the aws CLI
    reports it.
    """
    request = dict(request)
    record = _journaled(caller, journal, request)
    try:
        response = caller.call("CompleteLayerUpload", request)
    except EcrCallError as error:
        if recover_lost_answer and record is not None and journal is not None:
            recovered = completed_elsewhere(caller, journal, record, error)
            if recovered is not None:
                return recovered
        there = _already_there(caller, journal, record, request, error)
        if there is not None:
            if layer_there_is_success:
                return there
            raise  # as the aws CLI reports it; the journal's row says completed, already there
        _record_failure(journal, record, error)
        raise
    response = {key: value for key, value in response.items() if key != "ResponseMetadata"}
    lost = not response.get("layerDigest")  # a cut answer parses as an empty one
    if lost and recover_lost_answer and record is not None and journal is not None:
        recovered = _layer_check(caller, journal, record)
        if recovered is None:
            unfit = unexpected_answer(
                "CompleteLayerUpload",
                f"ECR answered CompleteLayerUpload for upload {record.upload_id} without a "
                "layerDigest, which does not match a completed upload, and "
                f"BatchCheckLayerAvailability does not show {record.local_digest}",
            )
            _record_failure(journal, record, unfit)
            raise unfit
        return recovered
    if record is not None and journal is not None:
        record = _completed(journal, record, response)
    return Completion(response, record)


def completed_elsewhere(
    caller: Sender, journal: UploadJournal, record: UploadRecord, error: EcrCallError
) -> Completion | None:
    """After UploadNotFound: if ECR holds the layer the journal expected, the upload completed.

    The classic case is a CompleteLayerUpload whose answer was lost: the retry (or a later
    resume) finds the upload id consumed, and ECR holds a layer with the digest computed here."""
    if error.code != "UploadNotFoundException":
        return None
    return _layer_check(caller, journal, record)


def _layer_check(caller: Sender, journal: UploadJournal, record: UploadRecord) -> Completion | None:
    """If ECR holds the layer the journal expected, the upload completed: the answer rebuilt."""
    if not record.local_digest:
        return None
    where = {"registryId": record.registry_id} if record.registry_id else {}
    found = caller.call(
        "BatchCheckLayerAvailability",
        {"repositoryName": record.repository, "layerDigests": [record.local_digest], **where},
    )
    layers = found.get("layers", [])
    if not any(layer.get("layerAvailability") == "AVAILABLE" for layer in layers):
        return None
    response = {
        "registryId": record.registry_id or layers[0].get("registryId"),
        "repositoryName": record.repository,
        "uploadId": record.upload_id,
        "layerDigest": record.local_digest,
    }
    response = {key: value for key, value in response.items() if value is not None}
    return Completion(response, _completed(journal, record, response), recovered=True)


def _already_there(
    caller: Sender,
    journal: UploadJournal | None,
    record: UploadRecord | None,
    request: Mapping[str, Any],
    error: EcrCallError,
) -> Completion | None:
    """After LayerAlreadyExistsException: the completion ECR would have answered, once the layer
    check shows one of the digests asked for in the repository; None if it does not."""
    digests = [str(digest) for digest in request.get("layerDigests") or []]
    if error.code != "LayerAlreadyExistsException" or not digests:
        return None
    where = {"registryId": request["registryId"]} if request.get("registryId") else {}
    repository = request.get("repositoryName")
    try:
        found = caller.call(
            "BatchCheckLayerAvailability",
            {"repositoryName": repository, "layerDigests": digests, **where},
        )
    except EcrCallError:
        return None
    there = [
        layer
        for layer in found.get("layers", [])
        if layer.get("layerAvailability") == "AVAILABLE" and layer.get("layerDigest") in digests
    ]
    if not there:
        return None
    registry = (
        request.get("registryId")
        or error.fields.get("registryId")
        or (record.registry_id if record is not None else None)
        or _registry_of(caller, repository)
    )
    response = {
        "registryId": registry,
        "repositoryName": repository,
        "uploadId": request.get("uploadId"),
        "layerDigest": there[0]["layerDigest"],
    }
    response = {key: value for key, value in response.items() if value is not None}
    if record is not None and journal is not None:
        record = _completed(journal, record, response, note=f"already there: {error.message}")
    return Completion(response, record, already_there=True)


def _registry_of(caller: Sender, repository: Any) -> str | None:
    """The registry id of a repository of the caller's own registry (an answer ECR would have
    given names it), or None when DescribeRepositories does not say."""
    try:
        found = caller.call("DescribeRepositories", {"repositoryNames": [repository]})
    except EcrCallError:
        return None
    repositories = found.get("repositories") or [{}]
    registry = repositories[0].get("registryId")
    return str(registry) if registry else None


def _completed(
    journal: UploadJournal,
    record: UploadRecord,
    response: dict[str, Any],
    note: str | None = None,
) -> UploadRecord:
    """The row completed with ECR's answer; an earlier error no longer holds. A note (the layer
    was already there) is kept with the code ECR answered."""
    return journal.update(
        record.row_id,
        state=UploadState.COMPLETED,
        final_response=response,
        last_error_code="LayerAlreadyExistsException" if note else None,
        last_error_message=note,
    )


def state_after_failure(record: UploadRecord, error: EcrCallError) -> UploadState:
    """The row's state once a call for it failed with `error`."""
    if error.code == "UploadNotFoundException":
        return UploadState.EXPIRED
    if error.code in _HOPELESS:
        return UploadState.FAILED
    return record.state


def _record_failure(
    journal: UploadJournal | None, record: UploadRecord | None, error: EcrCallError
) -> None:
    """ECR's refusal is kept on the row; a failure that never reached ECR changes nothing."""
    if journal is None or record is None or error.kind not in (ErrorKind.SERVICE,):
        return
    journal.update(
        record.row_id,
        state=state_after_failure(record, error),
        last_error_code=error.code,
        last_error_message=error.message,
    )


def _journaled(
    caller: Sender, journal: UploadJournal | None, request: Mapping[str, Any]
) -> UploadRecord | None:
    """The journal's row for the upload this request names, at this endpoint, if any."""
    if journal is None or not request.get("uploadId"):
        return None
    record = journal.find(str(request["uploadId"]), endpoint=caller.endpoint)
    if record is None or record.repository != request.get("repositoryName"):
        return None
    return record


def forget_upload(
    journal: UploadJournal, upload_id: str, *, endpoint: str | None = None
) -> UploadRecord | None:
    """Mark an upload forgotten in the journal (ECR is not told); None if the journal lacks it."""
    record = journal.find(upload_id, endpoint=endpoint)
    if record is None:
        return None
    return journal.update(record.row_id, state=UploadState.FORGOTTEN)
