"""Finding the uploads other tools left in flight, from CloudTrail.

ECR has no call that lists uploads in progress, but every push leaves InitiateLayerUpload,
UploadLayerPart and CompleteLayerUpload events in CloudTrail (made by ECR's registry proxy when
docker, buildkit, containerd, skopeo, kaniko or oras push). `discover` reads them with LookupEvents,
within CloudTrail's limits (one lookup attribute a call, 50 events a page, 2 requests a second,
backing off when throttled), and rebuilds each upload: its repository and id, who started it, with
which client, when, its parts so far, its last error, and whether it completed.

AWS has published no example of these three events, so nothing here assumes where the upload id
is: it is read from InitiateLayerUpload's response or the later calls' parameters when they have
it, from an error message that quotes it otherwise, and when it is nowhere the upload is still
reported, by repository, client and time, with no id.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ecrtui.uploads.call_words import is_probe

LAYER_EVENTS = ("InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload")
PAGE_SIZE = 50  # LookupEvents' largest page
REQUESTS_PER_SECOND = 2.0  # LookupEvents' documented limit, per account and Region
HISTORY_DAYS = 90  # CloudTrail's event history
DELIVERY_DELAY = 300.0  # CloudTrail delivers events "within an average of about 5 minutes"
_UPLOAD_ID = re.compile(r"upload with id '([^']+)'")

# (name, a pattern of its user agent), most specific first: buildkit and the aws CLI name docker
# and botocore in their own user agents.
_CLIENTS = (
    ("buildkit", re.compile(r"buildkit/?([\w.+-]*)", re.I)),
    ("kaniko", re.compile(r"kaniko/?([\w.+-]*)", re.I)),
    ("podman/skopeo", re.compile(r"(?:skopeo|podman|containers/image)/?([\w.+-]*)", re.I)),
    ("oras", re.compile(r"oras(?:-py|-go)?/?([\w.+-]*)", re.I)),
    ("containerd", re.compile(r"containerd/?([\w.+-]*)", re.I)),
    ("ecrtui", re.compile(r"ecrtui/?([\w.+-]*)", re.I)),
    ("aws CLI", re.compile(r"aws-cli/([\w.+-]*)", re.I)),
    ("docker", re.compile(r"docker/([\w.+-]*)", re.I)),
    ("boto3", re.compile(r"Boto3/([\w.+-]*)", re.I)),
    ("botocore", re.compile(r"Botocore/([\w.+-]*)", re.I)),
    ("python-requests", re.compile(r"python-requests/([\w.+-]*)", re.I)),
)


def client_name(user_agent: str) -> str:
    """'docker 27.3.1', 'podman/skopeo 1.9.3', … or the user agent itself when unknown."""
    for name, pattern in _CLIENTS:
        match = pattern.search(user_agent)
        if match:
            version = match.group(1)
            return f"{name} {version}" if version else name
    return user_agent or "unknown client"


@dataclass
class FoundUpload:
    """An upload rebuilt from its CloudTrail events."""

    repository: str
    upload_id: str | None  # None: the id is nowhere in CloudTrail
    registry_id: str | None
    principal: str | None
    client: str
    user_agent: str
    started_at: float | None
    last_activity: float
    parts: int = 0
    bytes_sent: int = 0  # what the parts' offsets say was accepted (when they are recorded)
    last_error_code: str | None = None
    last_error_message: str | None = None
    completed: bool = False
    id_from: str = "the events"  # or "an error message", or "nowhere"
    bytes_held: int | None = None  # what a probe found (None: not probed)
    expired: bool = False  # the probe got UploadNotFoundException
    probe_error: str | None = None  # what ECR answered a probe that could not tell

    def as_json(self) -> dict[str, Any]:
        return {
            "repositoryName": self.repository,
            "uploadId": self.upload_id,
            "registryId": self.registry_id,
            "startedBy": self.principal,
            "client": self.client,
            "userAgent": self.user_agent,
            "startedAt": _iso(self.started_at),
            "lastActivity": _iso(self.last_activity),
            "parts": self.parts,
            "bytesSent": self.bytes_sent,
            "bytesHeld": self.bytes_held,
            "lastErrorCode": self.last_error_code,
            "lastErrorMessage": self.last_error_message,
            "completed": self.completed,
            "expired": self.expired,
            "uploadIdFrom": self.id_from,
            "probeError": self.probe_error,
        }


class DiscoveryCancelled(Exception):
    """The operator stopped a discovery between two LookupEvents requests."""


@dataclass
class Findings:
    """What one discovery found, and what the operator should know about how far to trust it."""

    uploads: list[FoundUpload]
    events_read: int
    requests: int
    newest_event_at: float | None
    notes: list[str] = field(default_factory=list)


class Lookup:
    """LookupEvents within CloudTrail's limits: one attribute, pages of 50, its rate, and
    backoff when throttled. `call` is `cloudtrail.lookup_events` (or the caller's equivalent)."""

    def __init__(
        self,
        call: Callable[..., dict[str, Any]],
        rate: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        retries: int = 6,
        cancel: threading.Event | None = None,
        on_page: Callable[[int, int], None] | None = None,
    ) -> None:
        self.cancel = cancel
        self.on_page = on_page  # (requests so far, events so far), after each page
        self.events_read = 0
        self.call = call
        rate = REQUESTS_PER_SECOND if rate is None else rate
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.sleep = sleep
        self.clock = clock
        self.retries = retries
        self.requests = 0
        self._last: float | None = None
        self._burst = max(1.0, float(rate))
        self._tokens = self._burst

    def events(
        self, key: str, value: str, start: float, end: float | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every event whose `key` is `value`, newest first, as parsed CloudTrailEvent JSON."""
        token: str | None = None
        while True:
            request: dict[str, Any] = {
                "LookupAttributes": [{"AttributeKey": key, "AttributeValue": value}],
                "StartTime": start,
                "MaxResults": PAGE_SIZE,
            }
            if end is not None:
                request["EndTime"] = end
            if token:
                request["NextToken"] = token
            if self.cancel is not None and self.cancel.is_set():
                raise DiscoveryCancelled(f"stopped after {self.requests} requests")
            page = self._send(request)
            self.events_read += len(page.get("Events", []))
            if self.on_page is not None:
                self.on_page(self.requests, self.events_read)
            for event in page.get("Events", []):
                document = event.get("CloudTrailEvent")
                if isinstance(document, str):
                    try:
                        parsed = json.loads(document)
                    except ValueError:
                        continue
                    if isinstance(parsed, dict):
                        yield parsed
            token = page.get("NextToken")
            if not token:
                return

    def _send(self, request: dict[str, Any]) -> dict[str, Any]:
        for attempt in range(self.retries + 1):
            self._pace()
            self.requests += 1
            try:
                return self.call(**request)
            except Exception as error:
                if _code(error) != "ThrottlingException" or attempt == self.retries:
                    raise
            finally:
                # the refill counts from the answer: CloudTrail took the request before it
                self._last = self.clock()
            self.sleep(min(8.0, self.interval * 2 ** (attempt + 1)))
        raise AssertionError("unreachable")

    def _pace(self) -> None:
        """A token bucket of one second's worth of requests: the first two go at once, then
        one every `interval`. CloudTrail documents the rate, not how it counts bursts; a
        throttled request is retried with backoff (`_send`)."""
        if not self.interval:
            return
        now = self.clock()
        if self._last is not None:
            elapsed = max(0.0, now - self._last)
            self._tokens = min(self._burst, self._tokens + elapsed / self.interval)
        self._last = now
        if self._tokens < 1:
            wait = (1 - self._tokens) * self.interval
            self.sleep(wait)
            self._last, self._tokens = now + wait, 1.0
        self._tokens -= 1


def discover(
    lookup: Lookup,
    *,
    since: float,
    repository: str | None = None,
    now: Callable[[], float] = time.time,
) -> Findings:
    """Read the layer events since `since` (seconds since the epoch) and rebuild the uploads."""
    events: list[dict[str, Any]] = []
    if repository:
        wanted = set(LAYER_EVENTS)
        events = [
            event
            for event in lookup.events("ResourceName", repository, since)
            if event.get("eventName") in wanted
            and _parameters(event).get("repositoryName") == repository
        ]
    else:
        for name in LAYER_EVENTS:
            events.extend(lookup.events("EventName", name, since))
    # one lookup keeps CloudTrail's own order within a second; three need it worked out
    uploads = rebuild(events, in_order=bool(repository))
    # how recent the history is, ecrtui's own probes left out: they say nothing of the pushes
    pushes = [e for e in events if not is_probe(str(e.get("eventName")), _parameters(e))]
    newest = max((_when(event) for event in pushes), default=None)
    findings = Findings(uploads, len(events), lookup.requests, newest)
    findings.notes = _notes(findings, since, now())
    return findings


def rebuild(events: list[dict[str, Any]], in_order: bool = False) -> list[FoundUpload]:
    """The uploads these events tell of, oldest started first. `events` come newest first, as
    LookupEvents answers; `in_order` when they come from one lookup, in CloudTrail's order."""
    by_id: dict[str, FoundUpload] = {}
    anonymous: list[FoundUpload] = []  # uploads whose id is nowhere, in the order they started
    # Oldest first. CloudTrail's times are whole seconds: within one second, events of one lookup
    # keep the order CloudTrail gave; those of several lookups go in the only order the calls of
    # one upload can have (initiate, parts by offset, complete).
    for event in sorted(reversed(events), key=_when if in_order else _order):
        if is_probe(str(event.get("eventName")), _parameters(event)):
            continue  # ecrtui's own probe: it changes nothing, and is nobody's push
        upload_id, source = _upload_id(event)
        found = by_id.get(upload_id) if upload_id else _open_anonymous(anonymous, event)
        if found is None:
            found = _new(event, upload_id, source)
            if upload_id:
                by_id[upload_id] = found
            else:
                anonymous.append(found)
        elif source == "the events" and found.id_from == "an error message":
            found.id_from = source
        _apply(found, event)
    return sorted([*by_id.values(), *anonymous], key=lambda u: u.started_at or u.last_activity)


def _apply(found: FoundUpload, event: dict[str, Any]) -> None:
    """What one event says of its upload."""
    name = event.get("eventName")
    params = _parameters(event)
    found.last_activity = _when(event)
    if name == "InitiateLayerUpload":
        found.started_at = _when(event)
    if event.get("errorCode"):
        found.last_error_code = str(event["errorCode"])
        found.last_error_message = str(event.get("errorMessage") or "")
    elif name == "UploadLayerPart":
        first, last = params.get("partFirstByte"), params.get("partLastByte")
        found.parts += 1
        if isinstance(first, int) and isinstance(last, int):
            found.bytes_sent += last - first + 1
    elif name == "CompleteLayerUpload":
        found.completed = True
        found.last_error_code = found.last_error_message = None


def _order(event: dict[str, Any]) -> tuple[float, int, int]:
    name = str(event.get("eventName"))
    rank = LAYER_EVENTS.index(name) if name in LAYER_EVENTS else len(LAYER_EVENTS)
    first = _parameters(event).get("partFirstByte")
    return _when(event), rank, first if isinstance(first, int) else 0


def _new(event: dict[str, Any], upload_id: str | None, source: str) -> FoundUpload:
    params = _parameters(event)
    agent = str(event.get("userAgent") or "")
    identity = event.get("userIdentity") if isinstance(event.get("userIdentity"), dict) else {}
    return FoundUpload(
        repository=str(params.get("repositoryName") or "?"),
        upload_id=upload_id,
        registry_id=params.get("registryId"),
        principal=(identity or {}).get("arn"),
        client=client_name(agent),
        user_agent=agent,
        started_at=None,
        last_activity=_when(event),
        id_from=source if upload_id else "nowhere",
    )


def _open_anonymous(anonymous: list[FoundUpload], event: dict[str, Any]) -> FoundUpload | None:
    """The latest id-less upload of the same repository and client still open, for a later
    id-less call; an InitiateLayerUpload always starts a new one."""
    if event.get("eventName") == "InitiateLayerUpload":
        return None
    repository = _parameters(event).get("repositoryName")
    agent = str(event.get("userAgent") or "")
    for found in reversed(anonymous):
        if found.repository == repository and found.user_agent == agent and not found.completed:
            return found
    return None


def _upload_id(event: dict[str, Any]) -> tuple[str | None, str]:
    """The upload id and where it was read: the call's parameters or response, or its error."""
    for fields in (_parameters(event), event.get("responseElements")):
        if isinstance(fields, dict) and isinstance(fields.get("uploadId"), str):
            return fields["uploadId"], "the events"
    match = _UPLOAD_ID.search(str(event.get("errorMessage") or ""))
    if match:
        return match.group(1), "an error message"
    return None, "nowhere"


def _parameters(event: dict[str, Any]) -> dict[str, Any]:
    params = event.get("requestParameters")
    return params if isinstance(params, dict) else {}


def _when(event: dict[str, Any]) -> float:
    text = str(event.get("eventTime") or "")
    try:
        return time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    except ValueError:
        return 0.0


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(moment))


def _code(error: Exception) -> str | None:
    response = getattr(error, "response", None)
    code = response.get("Error", {}).get("Code") if isinstance(response, dict) else None
    code = code or getattr(error, "code", None)
    return str(code) if code else None


def _notes(findings: Findings, since: float, now: float) -> list[str]:
    """What the operator should know about how complete this is."""
    notes = []
    if now - since > HISTORY_DAYS * 86400:
        notes.append(
            f"CloudTrail's event history keeps {HISTORY_DAYS} days: uploads started earlier "
            "cannot be found"
        )
    if findings.events_read == 0:
        notes.append(
            "no layer-upload events in this region and time: pushes elsewhere (another region "
            "or account) are not seen, and events arrive about 5 minutes after the call"
        )
    elif findings.newest_event_at is not None and now - findings.newest_event_at < DELIVERY_DELAY:
        notes.append(
            "the newest event is under 5 minutes old: CloudTrail delivers events about 5 minutes "
            "after the call, so the latest calls may be missing; run discover again later"
        )
    if any(upload.upload_id is None for upload in findings.uploads):
        notes.append(
            "some uploads have no id in CloudTrail (AWS has not published where these events "
            "keep it): they are listed by repository, client and time, and cannot be probed"
        )
    return notes


# The next step for an upload by the error CloudTrail recorded for it.
HINTS = {
    "LayerPartTooSmallException": "set its chunk size to 5 MiB or more, then push again",
    "InvalidLayerException": "the bytes sent do not match the digest: push again",
    "EmptyUploadException": "no bytes were sent: push again",
    "InvalidLayerPartException": "a part was sent at the wrong offset: push again",
    "UploadNotFoundException": "ECR no longer knows this upload: push again",
}
DIED_HALF_WAY = "push again; ECR does not keep partial layers"


def hint(found: FoundUpload) -> str:
    """The next step for an upload found in CloudTrail."""
    if found.completed:
        return "completed: nothing to do"
    return step_for(found.last_error_code, found.expired)


def step_for(error_code: str | None, expired: bool = False) -> str:
    """The next step for the client that left an upload, by the error CloudTrail recorded."""
    if error_code in HINTS:
        return HINTS[error_code]
    if expired:
        return HINTS["UploadNotFoundException"]
    return DIED_HALF_WAY


def journal_found(
    pusher: Any, journal: Any, found: FoundUpload, probe: bool = True, probe_known: bool = True
) -> None:
    """Probe an upload that did not complete for the bytes ECR holds (unless `probe` is False,
    as in a read-only console), and add it to the journal as found in CloudTrail: once only, and
    never an upload the journal already knows or one ECR no longer knows."""
    from ecrtui.ecr.errors import EcrCallError, ErrorKind
    from ecrtui.uploads.journal import Origin, UploadState

    if found.completed or found.upload_id is None:
        return
    known = journal.find(found.upload_id, endpoint=pusher.endpoint, region=pusher.region)
    if known is not None and not probe_known:
        return
    if probe:
        try:
            found.bytes_held = pusher.probe_bytes(
                found.repository, found.upload_id, found.registry_id
            )
        except EcrCallError as error:
            if error.code in ("UploadNotFoundException", "RepositoryNotFoundException"):
                found.expired = True  # ECR no longer knows it
            elif error.kind in (ErrorKind.SERVICE, ErrorKind.VALIDATION):
                # ECR refused this probe, or CloudTrail recorded parameters that make no valid
                # request (a refused call's): this one is not added; the others go on
                found.probe_error = error.code
                return
            else:
                raise  # the network, credentials: the next probe would fail the same way
    if found.expired or known is not None:
        return  # a known upload is never added twice
    # in flight whatever its last error: ECR keeps an upload whose completion it refused
    state = UploadState.INTERRUPTED if found.bytes_held else UploadState.INITIATED
    record = journal.record(
        endpoint=pusher.endpoint,
        region=pusher.region,
        registry_id=found.registry_id,
        repository=found.repository,
        upload_id=found.upload_id,
        origin=Origin.DISCOVERED,
        state=state,
        bytes_confirmed=found.bytes_held or 0,
    )
    journal.update(
        record.row_id,
        client=found.client,
        principal=found.principal,
        started_at=found.started_at,
        last_error_code=found.last_error_code,
        last_error_message=found.last_error_message,
    )
