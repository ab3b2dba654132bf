"""What the console does off the UI thread: every blocking call, in plain Python.

The app runs each method in a thread worker and posts the result as a message. Nothing here
imports Textual, so it is tested without a terminal. Demo mode starts the local backend with the
demo seed and a throwaway journal holding the seeded uploads.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.uploads.journal import Origin, UploadJournal, UploadRecord, UploadState

DEMO_REGION = "us-east-1"


@dataclass(frozen=True)
class ConsoleOptions:
    target: Target = field(default_factory=Target)
    demo: bool = False
    read_only: bool = False
    journal_path: Path | None = None
    # Demo mode only: a fixed port and fixed upload ids make reproducible pictures.
    demo_port: int = 0
    demo_upload_id_seed: int | None = None


@dataclass(frozen=True)
class Identity:
    """Where the console points. Never credentials: only what is safe to show."""

    account: str | None
    arn: str | None
    region: str
    endpoint: str
    profile: str | None
    demo: bool
    read_only: bool


@dataclass(frozen=True)
class HistoryEntry:
    """One request the console sent, and what came back."""

    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None
    error: EcrCallError | None
    duration_ms: float
    at: float

    @property
    def request_id(self) -> str | None:
        if self.error is not None:
            return self.error.request_id
        metadata = (self.response or {}).get("ResponseMetadata", {})
        return metadata.get("RequestId") if isinstance(metadata, dict) else None


class ConsoleSession:
    """The console's connection to ECR, its journal, and (in demo mode) the local backend."""

    def __init__(self, options: ConsoleOptions) -> None:
        self.options = options
        self.history: list[HistoryEntry] = []
        self._client: Any = None
        self._journal: UploadJournal | None = None
        self._backend: Any = None
        self._demo_dir: Path | None = None
        self._lock = threading.Lock()

    # -- connecting ----------------------------------------------------------------------------

    def connect(self) -> Identity:
        """Start the demo backend if asked, make the client, and learn who we are (STS)."""
        from ecrtui.ecr.client import make_client

        target = self.options.target
        if self.options.demo:
            target = self._start_demo()
        self._client = make_client(target)
        if self._journal is None:
            self._journal = UploadJournal(self.options.journal_path)
        account = arn = None
        try:
            sts = make_client(target, "sts")
            identity = sts.get_caller_identity()
            account, arn = identity.get("Account"), identity.get("Arn")
        except Exception as raised:
            error = EcrCallError.from_exception(raised, "GetCallerIdentity")
            if error.kind.value == "credentials":
                raise error from raised
        return Identity(
            account=account,
            arn=arn,
            region=str(self._client.meta.region_name),
            endpoint=str(self._client.meta.endpoint_url),
            profile=None if self.options.demo else (target.profile or _env_profile()),
            demo=self.options.demo,
            read_only=self.options.read_only,
        )

    def _start_demo(self) -> Target:
        from ecrtui.local.rules import BackendSettings
        from ecrtui.local.server import LocalEcr

        self._demo_dir = Path(tempfile.mkdtemp(prefix="ecrtui-demo-"))
        settings = BackendSettings(upload_id_seed=self.options.demo_upload_id_seed)
        self._backend = LocalEcr(port=self.options.demo_port, settings=settings).start()
        registry = self._backend.seed_demo(self._demo_dir / "layers")
        self._journal = UploadJournal(self._demo_dir / "journal.sqlite3")
        for upload in registry.uploads:
            self._journal.record(
                endpoint=self._backend.endpoint_url,
                region=DEMO_REGION,
                repository=upload.repository,
                upload_id=upload.upload_id,
                origin=Origin.DEMO,
                state=UploadState.READY if upload.complete else _demo_state(upload),
                part_size=10 * 1024 * 1024,
                bytes_confirmed=upload.bytes_uploaded,
                source=upload.source,
                local_digest=upload.file_digest,
            )
        return Target(
            endpoint_url=self._backend.endpoint_url, region=DEMO_REGION, local_backend=True
        )

    @property
    def journal(self) -> UploadJournal:
        if self._journal is None:
            raise RuntimeError("not connected")
        return self._journal

    @property
    def client(self) -> Any:
        if self._client is None:
            raise RuntimeError("not connected")
        return self._client

    def close(self) -> None:
        if self._journal is not None:
            self._journal.close()
        if self._backend is not None:
            self._backend.stop()
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)

    # -- reading -------------------------------------------------------------------------------

    def repositories(
        self, next_token: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of repositories, and the token for the next page."""
        params: dict[str, Any] = {"maxResults": 100}
        if next_token:
            params["nextToken"] = next_token
        page = self._call("DescribeRepositories", params, record=False)
        return list(page.get("repositories", [])), page.get("nextToken")

    def images(self, repository: str) -> list[dict[str, Any]]:
        paginator = self.client.get_paginator("describe_images")
        images: list[dict[str, Any]] = []
        try:
            for page in paginator.paginate(repositoryName=repository):
                images.extend(page.get("imageDetails", []))
        except Exception as raised:
            raise EcrCallError.from_exception(raised, "DescribeImages") from raised
        return sorted(images, key=lambda i: i.get("imagePushedAt") or 0, reverse=True)

    def check_layers(self, repository: str, digests: list[str]) -> dict[str, Any]:
        params = {"repositoryName": repository, "layerDigests": digests}
        return self._call("BatchCheckLayerAvailability", params)

    def uploads(self, include_finished: bool = False) -> list[UploadRecord]:
        endpoint = str(self.client.meta.endpoint_url)
        return [
            record
            for record in self.journal.uploads(include_finished=include_finished)
            if record.endpoint == endpoint
        ]

    # -- acting --------------------------------------------------------------------------------

    def complete(self, request: dict[str, Any]) -> HistoryEntry:
        """CompleteLayerUpload; the journal row (if any) records the outcome."""
        self._refuse_if_read_only("complete an upload")
        entry = self._send("CompleteLayerUpload", request)
        error = entry.error
        if entry.response is not None or (error is not None and error.kind.value == "service"):
            self.journal.record_completion(
                str(request.get("uploadId")),
                str(request.get("repositoryName")),
                endpoint=str(self.client.meta.endpoint_url),
                response=entry.response,
                error_code=error.code if error else None,
                error_message=error.message if error else None,
            )
        return entry

    def probe(
        self, repository: str, upload_id: str, registry_id: str | None = None
    ) -> UploadRecord:
        record: UploadRecord = self.pusher().probe(repository, upload_id, registry_id)
        return record

    def forget(self, upload_id: str) -> None:
        record = self.journal.find(upload_id, endpoint=str(self.client.meta.endpoint_url))
        if record is not None:
            self.journal.update(record.row_id, state=UploadState.FORGOTTEN)

    def pusher(
        self,
        on_progress: Callable[[Any], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> Any:
        """A LayerPusher on a client of its own (no botocore retries: the engine retries)."""
        from ecrtui.ecr.client import make_client
        from ecrtui.uploads.engine import LayerPusher

        target = Target(
            profile=self.options.target.profile,
            region=str(self.client.meta.region_name),
            endpoint_url=str(self.client.meta.endpoint_url),
            local_backend=self.options.demo,
        )
        client = make_client(target, max_attempts=1)
        return LayerPusher(client, self.journal, on_progress=on_progress, cancel=cancel)

    # -- helpers -------------------------------------------------------------------------------

    def _refuse_if_read_only(self, what: str) -> None:
        if self.options.read_only:
            raise EcrCallError(
                "ReadOnly",
                f"the console is read-only: it will not {what}",
                kind=ErrorKind.OTHER,
                text=f"read-only: will not {what}",
            )

    def _send(self, operation: str, request: dict[str, Any]) -> HistoryEntry:
        """Send one request and keep it in the history, success or error."""
        began = time.monotonic()
        response = error = None
        try:
            response = self._invoke(operation, request)
        except EcrCallError as raised:
            error = raised
        entry = HistoryEntry(
            operation,
            dict(request),
            response,
            error,
            (time.monotonic() - began) * 1000,
            time.time(),
        )
        with self._lock:
            self.history.append(entry)
        outcome = "ok" if error is None else error.code
        self.journal.record_call(operation, request, outcome, entry.duration_ms, entry.request_id)
        return entry

    def calls(self, upload_id: str) -> list[dict[str, Any]]:
        """The journal's history of calls for one upload, oldest first."""
        return self.journal.calls(upload_id)

    def _call(self, operation: str, params: dict[str, Any], record: bool = True) -> dict[str, Any]:
        if not record:
            return self._invoke(operation, params)
        entry = self._send(operation, params)
        if entry.error is not None:
            raise entry.error
        assert entry.response is not None
        return entry.response

    def _invoke(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        import botocore

        try:
            response: dict[str, Any] = getattr(self.client, botocore.xform_name(operation))(
                **params
            )
        except Exception as raised:
            raise EcrCallError.from_exception(raised, operation) from raised
        return response


def _demo_state(upload: Any) -> UploadState:
    return UploadState.INITIATED if upload.bytes_uploaded == 0 else UploadState.INTERRUPTED


def _env_profile() -> str | None:
    import os

    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
