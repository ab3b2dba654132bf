"""What the console does off the UI thread: every blocking call, in plain Python.

The app's panes run each method in a thread worker and post the result as a message. Nothing here
imports Textual, so it is tested without a terminal. Every call to ECR goes through one
`EcrCaller`, whose records reach both the journal's call history and the console's `history`.
Demo mode starts the local backend with the demo seed and a throwaway journal holding the seeded
uploads.
"""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecrtui.ecr.caller import CallRecord, EcrCaller
from ecrtui.ecr.client import Target
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.ecr.limits import DEFAULT_PART_SIZE
from ecrtui.uploads.journal import Origin, UploadJournal, UploadRecord, UploadState

if TYPE_CHECKING:
    from ecrtui.local.demo_backend import DemoBackendProcess
    from ecrtui.uploads.discovery import Findings
    from ecrtui.uploads.engine import LayerPusher, Progress
    from ecrtui.uploads.verdict import Evidence

DEMO_REGION = "us-east-1"
# Listings stay out of the journal's call history: they say nothing about an upload. The console's
# history keeps them, one row per listing however many pages it took.
_LISTINGS = frozenset({"DescribeRepositories", "DescribeImages"})
# Who-am-I must answer quickly: a console that cannot reach STS says so, rather than wait.
IDENTITY_CONNECT_TIMEOUT = 5.0
IDENTITY_READ_TIMEOUT = 10.0
LAYER_CHECK_THREADS = 4  # BatchCheckLayerAvailability calls in flight at once, one per repository


@dataclass(frozen=True)
class ConsoleOptions:
    target: Target = field(default_factory=Target)
    demo: bool = False
    read_only: bool = False
    journal_path: Path | None = None
    # Demo mode only: a fixed port and fixed upload ids make reproducible pictures.
    demo_port: int = 0
    demo_upload_id_seed: int | None = None
    # Demo mode: the backend process `ecrtui --demo` spawned before the first frame (without
    # one, connecting spawns it)
    demo_backend: DemoBackendProcess | None = None
    # From the config file (ecrtui.config): the theme to start with (None: Textual's), the keys
    # by binding id, the push form's part size (None: ECR's), "live" or "always" (ask before
    # sending in demo mode too), and the file the theme picked in the console is saved in.
    theme: str | None = None
    keys: dict[str, str] = field(default_factory=dict)
    part_size: int | None = None
    confirm: str = "live"
    config_file: Path | None = None


@dataclass(frozen=True)
class Identity:
    """Where the console points, once STS answered. Never credentials: only what is safe to show."""

    account: str | None
    arn: str | None
    region: str
    endpoint: str
    profile: str | None
    demo: bool
    read_only: bool
    # where the endpoint comes from: "--endpoint-url", "AWS_ENDPOINT_URL_ECR", a profile's
    # endpoint_url, AWS's own (`ecrtui.ecr.client.endpoint_in_use`)
    endpoint_source: str = ""


class ConsoleSession:
    """The console's connection to ECR, its journal, and (in demo mode) the local backend."""

    def __init__(self, options: ConsoleOptions) -> None:
        self.options = options
        self.history: list[CallRecord] = []
        self._caller: EcrCaller | None = None
        self._journal: UploadJournal | None = None
        self._backend: DemoBackendProcess | None = None
        self._spawned_backend = options.demo_backend  # used by the first connect only
        self._demo_dir: Path | None = None
        self._lock = threading.Lock()
        self._listing: tuple[EcrCaller, EcrCaller] | None = None  # (for which caller, listing's)
        self._closed = False
        self._demo_discovered = False
        self._chosen: Target | None = None  # the target switched to, if any (`switch`)
        self._switches = 0  # a connect that began before the latest switch must not win
        # where journal trouble goes (a damaged, locked or full journal is a warning: the
        # console goes on, and the journal catches up when it can); set by the app
        self.on_journal_warning: Callable[[str], None] | None = None

    def _journal_warning(self, message: str) -> None:
        if self.on_journal_warning is not None:
            self.on_journal_warning(message)

    # -- connecting ----------------------------------------------------------------------------

    def connect(self) -> Identity:
        """Start the demo backend if asked, make the caller, and learn who we are from STS.

        Any failure (no such profile, no region, an expired SSO token, an unreachable endpoint,
        STS refusing the credentials, a journal that cannot be opened) raises EcrCallError;
        a connect overtaken by a switch (`switch`) raises it with the code Superseded."""
        switches, profile = self._switches, self.profile
        try:
            return self._connect()
        except Exception as raised:
            from ecrtui.ecr.profiles import explained

            self._superseded(switches)
            raise explained(raised, profile) from raised

    def switch(self, target: Target) -> Identity:
        """Point the console at another target (profile, region): the old clients are closed and
        the console connects anew; the journal stays. A failure raises EcrCallError and leaves
        the console not connected, to the new target (connecting again retries it)."""
        if self.options.demo:
            raise EcrCallError(
                "DemoTarget",
                "the demo has one backend: restart without --demo to use your AWS profiles",
                kind=ErrorKind.OTHER,
            )
        with self._lock:
            old = [self._caller, self._listing[1] if self._listing else None]
            self._chosen, self._caller, self._listing = target, None, None
            self._switches += 1
        for caller in old:
            if caller is not None:
                caller.client.close()
        return self.connect()

    def _superseded(self, switches: int) -> None:
        """Raise if the console switched target since this connect began: the newer one wins."""
        if switches != self._switches:
            raise EcrCallError(
                "Superseded",
                "another target was chosen while connecting",
                kind=ErrorKind.OTHER,
            )

    @property
    def target(self) -> Target:
        """The target the console points at (or tries to)."""
        return self._target

    def target_for_profile(self, profile: str) -> Target:
        """The target of a switch to this profile: its own region and credentials; an endpoint
        given with --endpoint-url still wins, as it does over a profile's."""
        return dataclasses.replace(self._target, profile=profile, region=None, local_backend=False)

    def target_for_region(self, region: str) -> Target:
        return dataclasses.replace(self._target, region=region)

    def _connect(self) -> Identity:
        from ecrtui.ecr.client import endpoint_in_use, make_client, make_session

        switches = self._switches
        target = self._start_demo() if self.options.demo and self._backend is None else None
        target = target or self._target
        # the clients are made while the demo backend seeds (its port is known already)
        botocore_session = make_session(target)
        caller = EcrCaller(make_client(target, session=botocore_session))
        if self._backend is not None:
            source = "ecrtui's demo backend"
        else:
            source = endpoint_in_use(target, botocore_session)[1]
        caller.listen(self._remember)
        identity = self._identity(target, botocore_session)
        if self._backend is not None and self._journal is None:
            self._journal_demo(self._backend)
        if self._journal is None:
            self._journal = UploadJournal(self.options.journal_path, warn=self._journal_warning)
        caller.listen(self._journal_listener)
        with self._lock:
            self._superseded(switches)
            self._caller = caller
        return Identity(
            account=identity.get("Account"),
            arn=identity.get("Arn"),
            region=caller.region,
            endpoint=caller.endpoint,
            profile=None if self.options.demo else self.profile,
            demo=self.options.demo,
            read_only=self.options.read_only,
            endpoint_source=source,
        )

    @property
    def profile(self) -> str | None:
        import os

        if self.options.demo:
            return None
        return (
            self._target.profile
            or os.environ.get("AWS_PROFILE")
            or os.environ.get("AWS_DEFAULT_PROFILE")
        )

    @property
    def _target(self) -> Target:
        if self._backend is not None:
            return Target(
                endpoint_url=self._backend.endpoint_url, region=DEMO_REGION, local_backend=True
            )
        return self._chosen or self.options.target

    def _start_demo(self) -> Target:
        """The demo backend process (`ecrtui.local.demo_backend`): the one `ecrtui --demo`
        spawned, else a new one. Returns at once: its port is known before it serves."""
        from ecrtui.local.demo_backend import DemoBackendProcess

        backend, self._spawned_backend = self._spawned_backend, None
        if backend is None:
            backend = DemoBackendProcess.in_scratch_dir(
                self.options.demo_port, self.options.demo_upload_id_seed
            ).start()
        self._demo_dir, self._backend = backend.demo_dir, backend  # close() stops it
        return self._target

    def _identity(self, target: Target, botocore_session: Any) -> dict[str, Any]:
        """STS's GetCallerIdentity. The demo backend answers it while it seeds, so it is asked
        before the demo's journal waits for the seed; if that backend did not start, its own
        error says why."""
        from ecrtui.ecr.client import make_client
        from ecrtui.local.demo_backend import START_TIMEOUT

        # the demo backend answers once it has loaded moto: allow it as long as its start
        read_timeout = START_TIMEOUT if self._backend is not None else IDENTITY_READ_TIMEOUT
        quick = dataclasses.replace(
            target,
            connect_timeout=target.connect_timeout or IDENTITY_CONNECT_TIMEOUT,
            read_timeout=target.read_timeout or read_timeout,
        )
        try:
            sts = make_client(quick, "sts", session=botocore_session, max_attempts=2)
            return dict(sts.get_caller_identity())
        except Exception:
            if self._backend is not None and self._journal is None:
                self._journal_demo(self._backend)
            raise

    def _journal_demo(self, backend: DemoBackendProcess) -> None:
        """Wait for the demo backend to be seeded, and journal the uploads it left in flight."""
        try:
            registry = backend.registry()
        except BaseException:
            backend.stop()
            self._backend = None  # reconnecting starts another
            raise
        self._journal = UploadJournal(
            backend.demo_dir / "journal.sqlite3", warn=self._journal_warning
        )
        for upload in registry.uploads:
            row = self._journal.record(
                endpoint=registry.endpoint_url,
                region=DEMO_REGION,
                repository=upload.repository,
                upload_id=upload.upload_id,
                origin=Origin.DEMO,
                state=UploadState.READY if upload.complete else _demo_state(upload),
                part_size=DEFAULT_PART_SIZE,
                bytes_confirmed=upload.bytes_uploaded,
                source=upload.source,
                local_digest=upload.file_digest,
            )
            # what the seed's client knows of its own upload, as a push of ecrtui's would
            self._journal.update(
                row.row_id, part_sizes=list(upload.part_sizes), sent_digest=upload.sent_digest
            )

    def about(self) -> list[tuple[str, str]]:
        """What the about screen shows, as (label, value) rows: versions, the target and where
        its endpoint comes from, retries, the journal. Never credentials. Reads the AWS config:
        run it in a worker."""
        from importlib.metadata import PackageNotFoundError, version

        from ecrtui import __version__
        from ecrtui.ecr.client import attempts_in_use, endpoint_in_use, make_session, retry_mode

        def installed(name: str) -> str:
            try:
                return version(name)
            except PackageNotFoundError:
                return "not installed"

        target = self._target
        botocore_session = make_session(target)
        caller = self._caller
        url, source = endpoint_in_use(target, botocore_session)
        if self._backend is not None:
            source = "ecrtui's demo backend"
        if caller is not None:
            url, region = caller.endpoint, caller.region
        else:
            try:
                region = botocore_session.get_config_variable("region") or "not set"
            except Exception:  # a missing profile: connecting says why
                region = "not set"
        attempts, attempts_from = attempts_in_use(botocore_session)
        from ecrtui.uploads.journal import default_path

        journal = self._journal.path if self._journal is not None else None
        journal = journal or self.options.journal_path or default_path()
        return [
            ("ecrtui", __version__),
            ("Textual", installed("textual")),
            ("boto3", installed("boto3")),
            ("botocore", installed("botocore")),
            ("mode", "demo" if self.options.demo else "live"),
            ("profile", self.profile or "none chosen (botocore's default chain)"),
            ("region", str(region)),
            ("endpoint", url or "AWS's endpoint for the region"),
            ("endpoint from", source),
            ("retry mode", retry_mode(botocore_session)),
            ("attempts per call", f"{attempts} ({attempts_from})"),
            ("pushes", "1 attempt per call (the engine retries the parts)"),
            ("journal", str(journal)),
            ("read-only", "yes" if self.options.read_only else "no"),
        ]

    @property
    def connected(self) -> bool:
        return self._caller is not None

    @property
    def journal(self) -> UploadJournal:
        if self._journal is None:
            raise RuntimeError("not connected")
        return self._journal

    @property
    def caller(self) -> EcrCaller:
        if self._caller is None:
            raise RuntimeError("not connected")
        return self._caller

    @property
    def client(self) -> Any:
        return self.caller.client

    @property
    def endpoint(self) -> str:
        return self.caller.endpoint

    def close(self) -> None:
        with self._lock:  # a worker's late call is not written to a closed journal
            self._closed = True
            if self._journal is not None:
                self._journal.close()
        for backend in (self._backend, self._spawned_backend):
            if backend is not None:
                backend.stop()
        if self._demo_dir is not None:
            shutil.rmtree(self._demo_dir, ignore_errors=True)

    # -- the history -----------------------------------------------------------------------------

    def _remember(self, record: CallRecord) -> None:
        with self._lock:
            self.history.append(record)

    def _journal_listener(self, record: CallRecord) -> None:
        if record.operation in _LISTINGS:
            return
        with self._lock:
            if self._journal is not None and not self._closed:
                self._journal.record_call(record)

    def record_failure(self, doing: str, error: EcrCallError) -> None:
        """Keep a failure in the history, unless it is a call the history already holds."""
        with self._lock:
            if any(record.error is error for record in self.history):
                return
            self.history.append(
                CallRecord(
                    operation=error.operation or doing,
                    target=self._caller.target if self._caller else "not connected",
                    parameters={},
                    outcome=error.code,
                    duration_ms=0.0,
                    request_id=error.request_id,
                    at=time.time(),
                    error=error,
                )
            )

    # -- reading -------------------------------------------------------------------------------

    def repositories(
        self, next_token: str | None = None, page_size: int = 100
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of repositories (at most `page_size`, up to ECR's 1,000), and the token for
        the next page."""
        params: dict[str, Any] = {"maxResults": page_size}
        if next_token:
            params["nextToken"] = next_token
        page = self._listing_caller().call("DescribeRepositories", params)
        return list(page.get("repositories", [])), page.get("nextToken")

    def _listing_caller(self) -> EcrCaller:
        """The caller of the repository listing: dates as ECR sends them (epoch seconds), as the
        command line reads them. A registry of 10,000 repositories has 10,000 dates, which the
        table shows as "2 days ago", and botocore takes ~15 µs to make each a local datetime."""
        from ecrtui.ecr.client import make_client

        with self._lock:
            made_for, listing = self._listing or (None, None)
            if listing is None or made_for is not self.caller:
                target = dataclasses.replace(
                    self._target, region=self.caller.region, endpoint_url=self.endpoint
                )
                listing = EcrCaller(make_client(target, raw_timestamps=True))
                listing.listen(self._remember)
                self._listing = (self.caller, listing)
            return listing

    def images(self, repository: str) -> list[dict[str, Any]]:
        images: list[dict[str, Any]] = []
        for page in self.caller.pages("DescribeImages", {"repositoryName": repository}):
            images.extend(page.get("imageDetails", []))
        return sorted(images, key=lambda i: i.get("imagePushedAt") or 0, reverse=True)

    def check_layers(self, repository: str, digests: list[str]) -> dict[str, Any]:
        params = {"repositoryName": repository, "layerDigests": digests}
        return self.caller.call("BatchCheckLayerAvailability", params)

    def uploads(self, include_finished: bool = False) -> list[UploadRecord]:
        endpoint = self.endpoint
        return [
            record
            for record in self.journal.uploads(include_finished=include_finished)
            if record.endpoint == endpoint
        ]

    def upload_pages(self, include_finished: bool = False) -> Iterator[list[UploadRecord]]:
        """`uploads()` a page at a time (the newest first): a long journal's first rows show
        before the rest is read."""
        endpoint = self.endpoint
        for page in self.journal.upload_pages(include_finished=include_finished):
            yield [record for record in page if record.endpoint == endpoint]

    def layer_evidence(self, records: list[UploadRecord]) -> dict[str, Evidence]:
        """Ask ECR whether each in-flight upload's layer is already in its repository.

        One BatchCheckLayerAvailability per repository (up to 100 digests each); uploads whose
        digest the journal does not know are not asked about."""
        from ecrtui.uploads.verdict import Evidence

        asked: dict[tuple[str, str | None], dict[str, list[str]]] = {}
        for record in records:
            if record.state.in_flight and record.local_digest:
                group = asked.setdefault((record.repository, record.registry_id), {})
                group.setdefault(record.local_digest, []).append(record.upload_id)
        requests: list[tuple[dict[str, Any], dict[str, list[str]]]] = []
        for (repository, registry_id), by_digest in asked.items():
            digests = list(by_digest)
            for start in range(0, len(digests), 100):
                request: dict[str, Any] = {
                    "repositoryName": repository,
                    "layerDigests": digests[start : start + 100],
                }
                if registry_id:
                    request["registryId"] = registry_id
                requests.append((request, by_digest))
        found: dict[str, Evidence] = {}
        answers = self._layer_checks([request for request, _ in requests])
        for (_, by_digest), answer in zip(requests, answers, strict=True):
            for layer in answer.get("layers", []):
                available = layer.get("layerAvailability") == "AVAILABLE"
                for upload_id in by_digest.get(str(layer.get("layerDigest")), []):
                    found[upload_id] = Evidence(layer_available=available)
            for failure in answer.get("failures", []):
                for upload_id in by_digest.get(str(failure.get("layerDigest")), []):
                    found[upload_id] = Evidence(layer_available=False)
        return found

    def _layer_checks(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """ECR's answers to these BatchCheckLayerAvailability requests, in their order; up to
        LAYER_CHECK_THREADS at a time (ECR allows 1,000 a second). The first failure raises."""
        from concurrent.futures import ThreadPoolExecutor

        def check(request: dict[str, Any]) -> dict[str, Any]:
            return dict(self.caller.call("BatchCheckLayerAvailability", request))

        if len(requests) < 2:
            return [check(request) for request in requests]
        with ThreadPoolExecutor(min(LAYER_CHECK_THREADS, len(requests))) as pool:
            return list(pool.map(check, requests))

    def calls(self, upload_id: str) -> list[dict[str, Any]]:
        """The journal's history of calls for one upload, oldest first."""
        return self.journal.calls(upload_id)

    # -- acting --------------------------------------------------------------------------------

    def complete(self, request: dict[str, Any]) -> CallRecord:
        """CompleteLayerUpload; the journal row (if any) records the outcome.

        Returns the call's record, holding ECR's response or ECR's error. Raises EcrCallError
        only when nothing was sent (read-only, or the request breaks the model's rules)."""
        from ecrtui.uploads.lifecycle import complete_upload

        self._refuse_if_read_only("complete an upload")
        with self.caller.recording() as made:
            try:
                complete_upload(self.caller, self.journal, request)
            except EcrCallError:
                if not made:
                    raise
        return [record for record in made if record.operation == "CompleteLayerUpload"][-1]

    def probe(
        self, repository: str, upload_id: str, registry_id: str | None = None
    ) -> UploadRecord:
        self._refuse_if_read_only("probe an upload (the probe sends UploadLayerPart)")
        return self.pusher().probe(repository, upload_id, registry_id)

    def forget(self, upload_id: str) -> UploadRecord | None:
        from ecrtui.uploads.lifecycle import forget_upload

        self._refuse_if_read_only("forget an upload")
        return forget_upload(self.journal, upload_id, endpoint=self.endpoint)

    def pusher(
        self,
        on_progress: Callable[[Progress], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> LayerPusher:
        """A LayerPusher on a client of its own (no botocore retries: the engine retries)."""
        from ecrtui.ecr.client import make_client
        from ecrtui.uploads.engine import LayerPusher

        target = dataclasses.replace(
            self._target, region=self.caller.region, endpoint_url=self.endpoint
        )
        caller = EcrCaller(make_client(target, max_attempts=1))
        caller.listen(self._remember)
        return LayerPusher(caller, self.journal, on_progress=on_progress, cancel=cancel)

    # -- discovery -------------------------------------------------------------------------------

    def find_in_cloudtrail(
        self,
        since_seconds: float,
        cancel: threading.Event | None = None,
        on_page: Callable[[int, int], None] | None = None,
    ) -> Findings:
        """The uploads CloudTrail's event history tells of (LookupEvents only reads: a read-only
        console runs it too). Raises DiscoveryCancelled when `cancel` is set between pages."""
        from ecrtui.ecr.client import make_client
        from ecrtui.uploads.discovery import Lookup, discover

        target = dataclasses.replace(
            self._target, region=self.caller.region, endpoint_url=self.endpoint
        )
        trail = make_client(target, "cloudtrail")
        lookup = Lookup(trail.lookup_events, cancel=cancel, on_page=on_page)
        return discover(lookup, since=time.time() - since_seconds)

    def discover_demo(self) -> int:
        """Demo mode: the uploads "docker" left through the registry face, found in the demo
        backend's CloudTrail and journaled, beside the seeded ones; how many were added."""
        if not self.options.demo or self._demo_discovered:
            return 0
        self._demo_discovered = True
        return self.journal_findings(self.find_in_cloudtrail(3600))

    def journal_findings(self, findings: Findings) -> int:
        """Probe each upload found that did not complete and is new to the journal, and add it
        as found in CloudTrail; how many rows were added. The journal's own uploads keep their
        rows (probe them from the uploads list). A read-only console refuses: the probe sends."""
        from ecrtui.uploads.discovery import journal_found

        self._refuse_if_read_only("probe the uploads found (the probe sends UploadLayerPart)")
        pusher = self.pusher()
        before = len(self.journal.uploads(include_finished=True))
        for found in findings.uploads:
            journal_found(pusher, self.journal, found, probe_known=False)
        return len(self.journal.uploads(include_finished=True)) - before

    def known_uploads(self, findings: Findings) -> set[str]:
        """The upload ids found that the journal already has for this endpoint and region."""
        region = self.caller.region
        return {
            found.upload_id
            for found in findings.uploads
            if found.upload_id
            and self.journal.find(found.upload_id, endpoint=self.endpoint, region=region)
        }

    def _refuse_if_read_only(self, what: str) -> None:
        if self.options.read_only:
            raise EcrCallError(
                "ReadOnly",
                f"the console is read-only: it will not {what}",
                kind=ErrorKind.OTHER,
                text=f"read-only: will not {what}",
            )


def _demo_state(upload: Any) -> UploadState:
    return UploadState.INITIATED if upload.bytes_uploaded == 0 else UploadState.INTERRUPTED
