"""Pushing a layer in parts, resuming it from the byte ECR last accepted, and probing uploads.

A library first: progress goes to a callback and a push can be cancelled from another thread, so
the console can drive it; the `ecrtui push-layer` / `resume` / `probe-upload` commands are thin
wrappers. Parts go strictly in order, one at a time, read from disk as they are sent (a layer is
never read into memory whole), and every confirmed part is journaled before the next call. While
a part is sent, the next is read, hashed and encoded on a worker thread (`parts_ahead`).

Faults: timeouts, dropped connections, 5xx and throttling are retried with backoff. If ECR stored
a part but the answer was lost, the retry is refused with InvalidLayerPartException, whose
`lastValidByteReceived` says where ECR is: the push continues from the byte after it.

Nothing is sent that ECR's model or its part-size rules would refuse: the parameters and the part
size are checked before the file is even hashed. Every offset ECR answers is checked against what
was sent (a part's `lastByteReceived` must be its last byte; a resume point must lie within the
file), so each part either advances the push or stops it with an `UnexpectedAnswer` error; no
size is ever read or allocated from a number ECR sent. The upload id is handed to `on_initiated`
as soon as InitiateLayerUpload answers, before anything else can fail.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from ecrtui.ecr.caller import EcrCaller, check_request
from ecrtui.ecr.encoded_parts import EncodedPart, send_encoded_parts
from ecrtui.ecr.errors import EcrCallError
from ecrtui.ecr.limits import DEFAULT_PART_SIZE, MAX_LAYER_SIZE, size_words
from ecrtui.ecr.limits import MiB as MiB  # where tests and older callers find it
from ecrtui.uploads.checks import (
    advertised_part_size,
    check_part_size,
    is_offset,
    unexpected_answer,
)
from ecrtui.uploads.journal import Origin, UploadJournal, UploadRecord, UploadState
from ecrtui.uploads.lifecycle import (
    Completion,
    complete_upload,
    completed_elsewhere,
    state_after_failure,
)
from ecrtui.uploads.parts_ahead import FileEnded, PartsAhead, hash_range, sha256_of
from ecrtui.uploads.retries import RetryingCaller, RetryPolicy, is_retryable

# An offset no upload can ever reach (ECR's largest layer is 52,000 MiB): ECR must refuse a part
# there and, refusing it, say how many bytes it holds. Observed, not documented, ECR behaviour.
PROBE_OFFSET = 2**50


# InitiateLayerUpload answers without an upload id (cut on the way) before the push gives up
INITIATE_ATTEMPTS = 3


class Cancelled(Exception):
    """The push was cancelled; the upload is journaled as interrupted and can be resumed."""


class PushError(Exception):
    """A push or resume cannot go on, for a reason found on this side (not an ECR error)."""


@dataclass(frozen=True)
class Progress:
    upload_id: str | None
    phase: str  # "hashing", "uploading", "completing", "done"
    done: int
    total: int
    started_at: float

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass(frozen=True)
class PushResult:
    record: UploadRecord | None
    digest: str
    response: dict[str, Any] | None  # CompleteLayerUpload's answer, when completed
    already_exists: bool = False  # found in the repository before anything was sent
    layer_size: int | None = None
    note: str | None = None  # what the operator should know of how it ended, in words


class LayerPusher:
    """Drives uploads through one ECR caller, journaling every step and every call."""

    def __init__(
        self,
        caller: EcrCaller,
        journal: UploadJournal,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        cancel: threading.Event | None = None,
        retry: RetryPolicy | None = None,
        on_initiated: Callable[[str], None] | None = None,
    ) -> None:
        self.caller = caller
        self.journal = journal
        self.on_progress = on_progress or (lambda progress: None)
        self.on_initiated = on_initiated or (lambda upload_id: None)
        self.cancel = cancel or threading.Event()
        self.retry = retry or RetryPolicy()
        self.endpoint = caller.endpoint
        self.region = caller.region
        caller.listen(journal.record_call)
        self._retrying = RetryingCaller(caller, self.retry, self.cancel)
        self._encoded_parts = send_encoded_parts(caller.client)

    # -- push ----------------------------------------------------------------------------------

    def push(
        self,
        path: Path,
        repository: str,
        *,
        registry_id: str | None = None,
        part_size: int | None = None,
        complete: bool = True,
    ) -> PushResult:
        where = _registry(registry_id)
        self._check("InitiateLayerUpload", {"repositoryName": repository, **where})
        size = path.stat().st_size
        if size == 0:
            raise PushError(f"{path} is empty: ECR cannot store an empty layer")
        if part_size is not None:
            check_part_size(part_size, size)
        started = time.time()
        self.on_progress(Progress(None, "hashing", 0, size, started))
        digest = "sha256:" + sha256_of(path).hexdigest()
        found = self.call(
            "BatchCheckLayerAvailability",
            repositoryName=repository,
            layerDigests=[digest],
            **where,
        )
        for layer in found.get("layers", []):
            if layer.get("layerAvailability") == "AVAILABLE":
                return PushResult(None, digest, None, True, layer.get("layerSize"))
        initiated, upload_id = self._initiate(repository, where)
        self.on_initiated(upload_id)
        record = self.journal.record(
            endpoint=self.endpoint,
            region=self.region,
            registry_id=registry_id,
            repository=repository,
            upload_id=upload_id,
            origin=Origin.PUSHED,
            state=UploadState.INITIATED,
            part_size=part_size or advertised_part_size(initiated.get("partSize")),
            source=path,
            local_digest=digest,
        )
        return self._send(record, 0, hashlib.sha256(), complete, started)

    def _initiate(self, repository: str, where: dict[str, str]) -> tuple[dict[str, Any], str]:
        """InitiateLayerUpload's answer and its upload id. An answer cut on the way parses as one
        without an id: nothing has been sent to that upload (ECR lets it expire; no call can
        abort it), so a new one is started, a few times at most."""
        for _ in range(INITIATE_ATTEMPTS):
            initiated = self.call("InitiateLayerUpload", repositoryName=repository, **where)
            upload_id = initiated.get("uploadId")
            if isinstance(upload_id, str) and upload_id:
                return initiated, upload_id
            if upload_id is not None:
                break  # an id that is not text: not a cut answer, and not one to guess from
        raise unexpected_answer(
            "InitiateLayerUpload",
            f"ECR answered uploadId={upload_id!r}, which does not match an upload id",
        )

    # -- resume --------------------------------------------------------------------------------

    def resume(
        self, upload_id: str, *, complete: bool = True, source: Path | None = None
    ) -> PushResult:
        """Send the rest of an upload from the byte ECR holds, and complete it unless told not to.

        `source` is the layer's file for an upload the journal has no file of (one tracked by id).
        It is checked before any part is sent: it must be at least as long as the bytes ECR holds
        and, when the journal knows the layer's digest, hash to it. Then it is the upload's file."""
        self._check("UploadLayerPart", {"uploadId": upload_id}, partial=True)
        record = self.journal.find(upload_id, endpoint=self.endpoint, region=self.region)
        if record is None:
            raise PushError(
                f"upload {upload_id} is not in the journal for {self.endpoint}; "
                "track it with `ecrtui probe-upload` (its bytes can only be resumed from the file "
                "they came from)"
            )
        if source is None and (not record.source_path or record.source_size is None):
            raise PushError(
                f"the journal has no source file for upload {upload_id}; resume it with the "
                "layer's file, or push the layer again"
            )
        path = source or Path(record.source_path or "")
        try:
            stat = path.stat()
        except OSError as error:
            raise PushError(f"cannot read the source file {path}: {error.strerror}") from None
        if source is None and (stat.st_size, stat.st_mtime_ns) != (
            record.source_size,
            record.source_mtime_ns,
        ):
            raise PushError(
                f"{path} changed since the upload began (size or modification time differ); "
                "push the layer again"
            )
        try:
            held = self.probe_bytes(record.repository, upload_id, record.registry_id, record)
        except EcrCallError as error:
            done = completed_elsewhere(self._retrying, self.journal, record, error)
            if done is None:
                raise
            return PushResult(
                done.record, done.response["layerDigest"], done.response, note=_note(done)
            )
        if held > stat.st_size:
            raise PushError(
                f"ECR holds {held} bytes of upload {upload_id}, more than the file's "
                f"{stat.st_size}; this upload cannot be resumed from {path}"
            )
        started = time.time()
        self.on_progress(Progress(upload_id, "hashing", 0, stat.st_size, started))
        if source is not None:
            record = self._attach(record, source)
        prefix = sha256_of(path, held)
        record = self.journal.update(record.row_id, bytes_confirmed=held)
        return self._send(record, held, prefix, complete, started)

    def _attach(self, record: UploadRecord, source: Path) -> UploadRecord:
        """The layer's file journaled for an upload that had none, once its digest is checked."""
        digest = "sha256:" + sha256_of(source).hexdigest()
        if record.local_digest and digest != record.local_digest:
            raise PushError(
                f"{source} hashes to {digest}, not to the layer's digest the journal holds "
                f"({record.local_digest}): it is not this upload's layer"
            )
        return self.journal.attach_source(record.row_id, source, digest)

    # -- probe ---------------------------------------------------------------------------------

    def probe(
        self, repository: str, upload_id: str, registry_id: str | None = None
    ) -> UploadRecord:
        """Learn how many bytes ECR holds of an upload and journal it as tracked.

        Sends an empty part at an offset ECR must refuse; the refusal carries
        lastValidByteReceived. The upload is not changed.
        """
        self._check("UploadLayerPart", probe_request(repository, upload_id, registry_id))
        known = self.journal.find(upload_id, endpoint=self.endpoint, region=self.region)
        held = self.probe_bytes(repository, upload_id, registry_id, known)
        if known is not None:
            state = known.state
            if state.in_flight and known.source_size is not None and held == known.source_size:
                state = UploadState.READY
            elif state is UploadState.INITIATED and held > 0:
                state = UploadState.INTERRUPTED
            return self.journal.update(known.row_id, bytes_confirmed=held, state=state)
        return self.journal.record(
            endpoint=self.endpoint,
            region=self.region,
            registry_id=registry_id,
            repository=repository,
            upload_id=upload_id,
            origin=Origin.TRACKED,
            state=UploadState.INITIATED if held == 0 else UploadState.INTERRUPTED,
            bytes_confirmed=held,
        )

    def probe_bytes(
        self,
        repository: str,
        upload_id: str,
        registry_id: str | None = None,
        record: UploadRecord | None = None,
    ) -> int:
        try:
            self._retrying.call(
                "UploadLayerPart", probe_request(repository, upload_id, registry_id)
            )
        except EcrCallError as error:
            last = error.fields.get("lastValidByteReceived")
            if error.code == "InvalidLayerPartException" and is_offset(last):
                if not -1 <= last < MAX_LAYER_SIZE:
                    raise unexpected_answer(
                        "UploadLayerPart",
                        f"ECR answered lastValidByteReceived={last} for upload {upload_id}, "
                        "which does not match any layer ECR can hold (at most "
                        f"{size_words(MAX_LAYER_SIZE)})",
                    ) from None
                return int(last) + 1
            if error.code == "UploadNotFoundException" and record and record.state.in_flight:
                self._failed(record, error, UploadState.EXPIRED)
            raise
        raise PushError("ECR accepted a part it should have refused; the probe cannot tell")

    # -- complete ------------------------------------------------------------------------------

    def complete(self, record: UploadRecord, digests: list[str] | None = None) -> dict[str, Any]:
        return self._complete(record, digests).response

    def _complete(self, record: UploadRecord, digests: list[str] | None = None) -> Completion:
        layer_digests = digests or ([record.local_digest] if record.local_digest else [])
        request = {
            "repositoryName": record.repository,
            "uploadId": record.upload_id,
            "layerDigests": layer_digests,
            **_registry(record.registry_id),
        }
        return complete_upload(
            self._retrying,
            self.journal,
            request,
            recover_lost_answer=True,
            layer_there_is_success=True,
        )

    # -- the part loop -------------------------------------------------------------------------

    def _send(
        self, record: UploadRecord, offset: int, hasher: Any, complete: bool, started: float
    ) -> PushResult:
        path, size = Path(record.source_path or ""), int(record.source_size or 0)
        if offset < size:
            record = self.journal.update(record.row_id, state=UploadState.UPLOADING)
        try:
            record, hasher = self._send_parts(record, path, size, offset, hasher, started)
        except FileEnded as ended:
            self._source_changed(record, path, str(ended))
        digest = "sha256:" + hasher.hexdigest()
        if digest != record.local_digest:
            self._source_changed(record, path, f"the bytes sent hash to {digest}", digest)
        record = self.journal.update(record.row_id, state=UploadState.READY, sent_digest=digest)
        response = note = None
        if complete:
            self.on_progress(Progress(record.upload_id, "completing", size, size, started))
            done = self._complete(record)
            response, note = done.response, _note(done)
        self.on_progress(Progress(record.upload_id, "done", size, size, started))
        return PushResult(self.journal.get(record.row_id), digest, response, note=note)

    def _send_parts(
        self, record: UploadRecord, path: Path, size: int, offset: int, hasher: Any, started: float
    ) -> tuple[UploadRecord, Any]:
        """Send the parts from `offset` to the end, one at a time, each journaled once ECR
        confirms it; the record and the sha256 state of the bytes sent, at the end."""
        part_size = int(record.part_size or DEFAULT_PART_SIZE)
        # the parts ECR accepted, for the verdict; unknown when an earlier client sent some
        sizes = list(record.part_sizes) if sum(record.part_sizes) == offset else None
        members = functools.partial(_part_members, record)
        with PartsAhead(path, size, part_size, members, encoded=self._encoded_parts) as parts:
            while offset < size:
                self.on_progress(Progress(record.upload_id, "uploading", offset, size, started))
                if self.cancel.is_set():
                    self.journal.update(record.row_id, state=UploadState.INTERRUPTED)
                    raise Cancelled(f"cancelled at byte {offset} of {size}")
                part = parts.take(offset, hasher)
                held = self._send_part(record, offset, part.blob, size)
                if held == part.end:
                    hasher = part.hasher  # fed with the very bytes sent
                else:  # ECR holds another length than the part's: hash the file up to it
                    hasher = hash_range(path, offset, held, hasher.copy())
                if sizes is not None:
                    sizes.append(held - offset)
                offset = held
                record = self.journal.update(
                    record.row_id,
                    bytes_confirmed=offset,
                    **({"part_sizes": sizes} if sizes is not None else {}),
                )
        return record, hasher

    def _source_changed(
        self, record: UploadRecord, path: Path, words: str, sent_digest: str | None = None
    ) -> NoReturn:
        """The layer's file is not what was hashed up front: journal it and stop."""
        self.journal.update(
            record.row_id,
            state=UploadState.FAILED,
            last_error_code="SourceChanged",
            last_error_message=words,
            **({"sent_digest": sent_digest} if sent_digest else {}),
        )
        raise PushError(f"{path} changed while it was being pushed ({words}); push the layer again")

    def _send_part(
        self, record: UploadRecord, first: int, part: EncodedPart | bytes, size: int
    ) -> int:
        """Send one part; the number of bytes ECR holds afterwards, always more than `first`
        and at most `size` (an answer that says otherwise stops the push)."""
        last_byte = first + len(part) - 1
        try:
            answer = self.call(
                "UploadLayerPart", **_part_members(record, first, len(part)), layerPartBlob=part
            )
        except EcrCallError as error:
            last = error.fields.get("lastValidByteReceived")
            held = int(last) + 1 if is_offset(last) else None
            if error.code == "InvalidLayerPartException" and held is not None and held > first:
                if held > size:
                    self._stop(
                        record,
                        f"ECR answered lastValidByteReceived={last} for upload "
                        f"{record.upload_id}, which does not match the layer's {size} bytes",
                    )
                return held  # ECR stored it, but its answer was lost on the way
            if error.code == "InvalidLayerPartException" and held is not None and held < first:
                self._stop(
                    record,
                    f"ECR answered lastValidByteReceived={last} for upload {record.upload_id}, "
                    f"which does not match the {first} bytes it confirmed before",
                )
            state = UploadState.INTERRUPTED if is_retryable(error) else UploadState.FAILED
            if error.code == "UploadNotFoundException":
                state = UploadState.EXPIRED
            self._failed(record, error, state)
            raise
        received = answer.get("lastByteReceived")
        if received is None:  # a cut answer parses as an empty one: ask ECR where it is
            held = self._held_after_a_lost_answer(record, first, size)
            if held is not None:
                return held
        if received != last_byte or not is_offset(received):
            self._stop(
                record,
                f"ECR answered lastByteReceived={received!r} to the part of bytes "
                f"{first}-{last_byte} of upload {record.upload_id}, which does not match the "
                f"part's last byte ({last_byte})",
            )
        return last_byte + 1

    def _held_after_a_lost_answer(self, record: UploadRecord, first: int, size: int) -> int | None:
        """The bytes ECR holds, by a probe, when it is more than `first` and within the file."""
        try:
            held = self.probe_bytes(record.repository, record.upload_id, record.registry_id)
        except (EcrCallError, PushError):
            return None
        return held if first < held <= size else None

    def _stop(self, record: UploadRecord, words: str) -> NoReturn:
        """ECR's answer does not fit what was sent: journal it and stop, never guess."""
        error = unexpected_answer("UploadLayerPart", words)
        self._failed(record, error, UploadState.INTERRUPTED)
        raise error

    def _failed(
        self, record: UploadRecord, error: EcrCallError, state: UploadState = UploadState.FAILED
    ) -> None:
        if is_retryable(error) and state is UploadState.FAILED:
            state = UploadState.INTERRUPTED
        if state_after_failure(record, error) is UploadState.EXPIRED:
            state = UploadState.EXPIRED
        self.journal.update(
            record.row_id, state=state, last_error_code=error.code, last_error_message=error.message
        )

    # -- calls ---------------------------------------------------------------------------------

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One ECR call with retries on faults; every attempt goes to the call history."""
        return self._retrying.call(operation, params)

    def _check(self, operation: str, request: dict[str, Any], partial: bool = False) -> None:
        """The model's rules, before any work: a request ECR would refuse is never sent."""
        if getattr(self.caller, "validate", True):
            check_request(operation, request, partial=partial)


def _part_members(record: UploadRecord, first: int, size: int) -> dict[str, Any]:
    """UploadLayerPart's members besides the blob, for the part of `size` bytes at `first`."""
    return {
        "repositoryName": record.repository,
        "uploadId": record.upload_id,
        "partFirstByte": first,
        "partLastByte": first + size - 1,
        **_registry(record.registry_id),
    }


def _note(done: Completion) -> str | None:
    if done.already_there:
        return (
            f"the layer {done.response.get('layerDigest')} was already in "
            f"{done.response.get('repositoryName')} (ECR answered LayerAlreadyExistsException: "
            "another push completed it first); it is there, nothing more to do"
        )
    return None


def probe_request(
    repository: str, upload_id: str, registry_id: str | None = None
) -> dict[str, Any]:
    """The probe: an empty part at PROBE_OFFSET, which ECR refuses, and so changes nothing."""
    return {
        "repositoryName": repository,
        "uploadId": upload_id,
        "partFirstByte": PROBE_OFFSET,
        "partLastByte": PROBE_OFFSET,
        "layerPartBlob": b"",
        **_registry(registry_id),
    }


def _registry(registry_id: str | None) -> dict[str, str]:
    return {"registryId": registry_id} if registry_id else {}
