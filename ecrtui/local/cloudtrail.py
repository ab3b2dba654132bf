"""The local backend's CloudTrail: each ECR call kept as a management event, read by LookupEvents.

ECR has no call that lists the uploads in progress (spec section 1); the one place an upload
another tool started can show up is CloudTrail's event history (spec section 5). This trail lets
ecrtui's discovery be built and tested offline, against events laid out as AWS's published ECR
examples lay them out, and answered as `cloudtrail:LookupEvents` answers.

Both faces of the backend feed one `Trail`: the ECR API (recorded by `server.LocalEcr` after moto
answers) and the registry face under /v2/, whose requests are recorded as the API calls ECR's
registry proxy makes for them (`proxy=True`: `invokedBy` and `sourceIPAddress` "AWS Internal",
spec section 10).

Fixed here, as published events show: the layout, `responseElements: null` for reads and
failures, the whole `imageManifest` in PutImage's parameters. A `BackendSettings` field, as no
published event shows it: which fields carry the upload id (`trail_upload_id`), how long an event
takes to show up (`trail_delay`), and the LookupEvents rate limit (`trail_rate_limit`).

Layer bytes never enter the trail (`layerPartBlob` is dropped), and neither do credentials: no
`authorizationData`, and the caller's access key id is kept masked (an AccessKeyId lookup compares
masked forms).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecrtui.local.rules import BackendSettings

EVENT_SOURCE = "ecr.amazonaws.com"
REPOSITORY_TYPE = "AWS::ECR::Repository"
AWS_INTERNAL = "AWS Internal"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"
# Who the caller is: what moto's STS GetCallerIdentity answers for credentials it did not issue.
CALLER_NAME = "moto"
CALLER_PRINCIPAL_ID = "AKIAIOSFODNN7EXAMPLE"

UPLOAD_ID_PLACES = ("request-and-response", "errors-only")
LAYER_CALLS = frozenset({"InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload"})
READ_ONLY_PREFIXES = ("Describe", "BatchGet", "BatchCheck", "Get", "List")
LOOKUP_KEYS = (
    "EventId",
    "EventName",
    "ReadOnly",
    "Username",
    "ResourceType",
    "ResourceName",
    "EventSource",
    "AccessKeyId",
)
MAX_RESULTS = 50
MAX_ATTRIBUTE_VALUE = 2000
RETENTION = 90 * 24 * 3600  # event history keeps 90 days
MAX_EVENTS = 50_000  # and this backend at most this many, so its memory stays bounded


class LookupEventsError(Exception):
    """A LookupEvents failure: the error code of the cloudtrail service model and a message.

    The codes are the model's (ThrottlingException is botocore's throttling code); the messages
    are ecrtui's own, as no published answer shows the real wording."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def is_read_only(event_name: str) -> bool:
    """Whether CloudTrail marks this ECR call read-only (and records no responseElements)."""
    return event_name.startswith(READ_ONLY_PREFIXES)


def masked_key_id(key_id: str) -> str:
    """An access key id with all but its first and last four characters hidden."""
    if len(key_id) <= 8:
        return "*" * len(key_id)
    return key_id[:4] + "*" * (len(key_id) - 8) + key_id[-4:]


@dataclass(frozen=True)
class _Entry:
    """One recorded event: what LookupEvents filters on, and the event as a JSON string."""

    seq: int
    at: float
    event_id: str
    event_name: str
    read_only: bool
    access_key_id: str
    resources: tuple[tuple[str, str], ...]  # (ResourceType, ResourceName)
    document: str

    def matches(self, key: str, value: str) -> bool:
        if key == "EventId":
            return self.event_id == value
        if key == "EventName":
            return self.event_name == value
        if key == "ReadOnly":
            return value == ("true" if self.read_only else "false")
        if key == "Username":
            return value == CALLER_NAME
        if key == "ResourceType":
            return any(kind == value for kind, _ in self.resources)
        if key == "ResourceName":
            return any(name == value for _, name in self.resources)
        if key == "EventSource":
            return value == EVENT_SOURCE
        return bool(self.access_key_id) and masked_key_id(value) == self.access_key_id

    def summary(self) -> dict[str, Any]:
        """The entry as one of LookupEvents' Events."""
        answer: dict[str, Any] = {
            "EventId": self.event_id,
            "EventName": self.event_name,
            "ReadOnly": "true" if self.read_only else "false",
            "EventTime": int(self.at),
            "EventSource": EVENT_SOURCE,
            "Username": CALLER_NAME,
            "Resources": [
                {"ResourceType": kind, "ResourceName": name} for kind, name in self.resources
            ],
            "CloudTrailEvent": self.document,
        }
        if self.access_key_id:
            answer["AccessKeyId"] = self.access_key_id
        return answer


@dataclass(frozen=True)
class _Query:
    """A checked LookupEvents request, less its paging."""

    attribute: tuple[str, str] | None
    start: float | None
    end: float | None
    insights: bool
    max_results: int

    @classmethod
    def parse(cls, request: dict[str, Any]) -> _Query:
        attributes = request.get("LookupAttributes") or []
        if not isinstance(attributes, list):
            raise LookupEventsError(
                "InvalidLookupAttributesException", "LookupAttributes must be a list"
            )
        if len(attributes) > 1:
            raise LookupEventsError(
                "InvalidLookupAttributesException", "You can specify only one lookup attribute"
            )
        attribute = _attribute(attributes[0]) if attributes else None
        category = request.get("EventCategory")
        if category not in (None, "insight"):
            raise LookupEventsError(
                "InvalidEventCategoryException", f"Event category {category!r} is not valid"
            )
        start, end = _time(request, "StartTime"), _time(request, "EndTime")
        if start is not None and end is not None and start > end:
            raise LookupEventsError(
                "InvalidTimeRangeException", "The start time must not be after the end time"
            )
        max_results = request.get("MaxResults", MAX_RESULTS)
        if type(max_results) is not int or not 1 <= max_results <= MAX_RESULTS:
            raise LookupEventsError(
                "InvalidMaxResultsException",
                f"MaxResults must be between 1 and {MAX_RESULTS}, not {max_results!r}",
            )
        return cls(attribute, start, end, category == "insight", max_results)

    @property
    def key(self) -> str:
        """What a NextToken is bound to: the filter, not the page size."""
        text = json.dumps([self.attribute, self.start, self.end, self.insights])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def selects(self, entry: _Entry) -> bool:
        second = int(entry.at)  # eventTime's resolution
        return (
            (self.start is None or second >= self.start)
            and (self.end is None or second <= self.end)
            and (self.attribute is None or entry.matches(*self.attribute))
        )


def _attribute(attribute: Any) -> tuple[str, str]:
    key = attribute.get("AttributeKey") if isinstance(attribute, dict) else None
    value = attribute.get("AttributeValue") if isinstance(attribute, dict) else None
    if key not in LOOKUP_KEYS:
        raise LookupEventsError(
            "InvalidLookupAttributesException",
            f"AttributeKey must be one of {', '.join(LOOKUP_KEYS)}, not {key!r}",
        )
    if not isinstance(value, str) or not 1 <= len(value) <= MAX_ATTRIBUTE_VALUE:
        raise LookupEventsError(
            "InvalidLookupAttributesException",
            f"AttributeValue must be 1 to {MAX_ATTRIBUTE_VALUE} characters",
        )
    return key, value


def _time(request: dict[str, Any], name: str) -> float | None:
    value = request.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise LookupEventsError("InvalidTimeRangeException", f"{name} must be epoch seconds")
    return float(value)


class Trail:
    """CloudTrail's event history for one local backend, in memory; safe across threads."""

    def __init__(
        self, settings: BackendSettings | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self.settings = settings or BackendSettings()
        if self.settings.trail_upload_id not in UPLOAD_ID_PLACES:
            raise ValueError(
                f"trail_upload_id must be one of {', '.join(UPLOAD_ID_PLACES)}, "
                f"not {self.settings.trail_upload_id!r}"
            )
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: deque[_Entry] = deque()
        self._next_seq = 0
        self._token_key = secrets.token_bytes(32)
        rate = self.settings.trail_rate_limit
        self._allowance = max(rate, 1.0) if rate is not None else 0.0
        self._refilled_at = clock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    # -- recording ----------------------------------------------------------------------------

    def record(
        self,
        event_name: str,
        request_parameters: dict[str, Any] | None,
        response_elements: dict[str, Any] | None,
        error_code: str | None = None,
        error_message: str | None = None,
        *,
        user_agent: str = "",
        source_ip: str = "127.0.0.1",
        proxy: bool = False,
        read_only: bool = False,
        account: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        access_key_id: str = "",
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Keep one call as a CloudTrail event; the event, as LookupEvents will hand it out.

        `proxy`: made by ECR's registry proxy for a registry request, not by the caller itself.
        `access_key_id` is stored masked; `request_id` defaults to a fresh UUID."""
        parameters = self._kept(event_name, request_parameters)
        answered = not (read_only or error_code)
        identity: dict[str, Any] = {
            "type": "IAMUser",
            "principalId": CALLER_PRINCIPAL_ID,
            "arn": f"arn:aws:sts::{account}:user/{CALLER_NAME}",
            "accountId": account,
        }
        if access_key_id:
            identity["accessKeyId"] = masked_key_id(access_key_id)
        identity["userName"] = CALLER_NAME
        if proxy:
            identity["invokedBy"] = AWS_INTERNAL
        at = self._clock()
        event: dict[str, Any] = {
            "eventVersion": "1.08",
            "userIdentity": identity,
            "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)),
            "eventSource": EVENT_SOURCE,
            "eventName": event_name,
            "awsRegion": region,
            "sourceIPAddress": AWS_INTERNAL if proxy else source_ip,
            "userAgent": user_agent,
        }
        if error_code:
            event["errorCode"] = error_code
            event["errorMessage"] = error_message or ""
        repositories = _repositories(request_parameters, account, region)
        event.update(
            {
                "requestParameters": parameters,
                "responseElements": self._kept(event_name, response_elements) if answered else None,
                "requestID": request_id or str(uuid.uuid4()),
                "eventID": str(uuid.uuid4()),
                "readOnly": read_only,
            }
        )
        if repositories:
            event["resources"] = [resource for resource, _ in repositories]
        event.update(
            {
                "eventType": "AwsApiCall",
                "managementEvent": True,
                "recipientAccountId": account,
                "eventCategory": "Management",
            }
        )
        document = json.dumps(event, default=str)
        with self._lock:
            self._entries.append(
                _Entry(
                    self._next_seq,
                    at,
                    event["eventID"],
                    event_name,
                    read_only,
                    identity.get("accessKeyId", ""),
                    tuple((REPOSITORY_TYPE, name) for _, name in repositories),
                    document,
                )
            )
            self._next_seq += 1
            while self._entries and (
                len(self._entries) > MAX_EVENTS or self._entries[0].at < at - RETENTION
            ):
                self._entries.popleft()
        result: dict[str, Any] = json.loads(document)
        return result

    def _kept(self, event_name: str, fields: dict[str, Any] | None) -> dict[str, Any] | None:
        """The fields an event keeps: never a layer part's bytes nor a registry password, and
        the upload id only where the `trail_upload_id` setting puts it."""
        if fields is None:
            return None
        dropped = {"layerPartBlob", "authorizationData"}  # bytes, and GetAuthorizationToken's
        if self.settings.trail_upload_id == "errors-only" and event_name in LAYER_CALLS:
            dropped.add("uploadId")
        return {name: value for name, value in fields.items() if name not in dropped}

    # -- LookupEvents -------------------------------------------------------------------------

    def lookup(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer `cloudtrail:LookupEvents` (the request as botocore sends it): newest first.

        Raises LookupEventsError as the service does: over the rate limit, more than one
        lookup attribute, MaxResults outside 1..50, a NextToken not from the same filter."""
        with self._lock:
            now = self._clock()
            self._throttle(now)
            query = _Query.parse(request)
            before = self._cursor(request.get("NextToken"), query.key)
            if query.insights:  # this trail records management events only
                return {"Events": []}
            visible_until = now - self.settings.trail_delay
            page: list[_Entry] = []
            more = False
            for entry in reversed(self._entries):
                if entry.seq >= before or entry.at > visible_until or not query.selects(entry):
                    continue
                if len(page) == query.max_results:
                    more = True
                    break
                page.append(entry)
        answer: dict[str, Any] = {"Events": [entry.summary() for entry in page]}
        if more:
            answer["NextToken"] = self._token(page[-1].seq, query.key)
        return answer

    def _throttle(self, now: float) -> None:
        """A token bucket: `trail_rate_limit` requests a second, bursts of up to that many."""
        rate = self.settings.trail_rate_limit
        if rate is None:
            return
        elapsed = max(0.0, now - self._refilled_at)
        self._allowance = min(max(rate, 1.0), self._allowance + elapsed * rate)
        self._refilled_at = now
        if self._allowance < 1.0:
            raise LookupEventsError("ThrottlingException", "Rate exceeded")
        self._allowance -= 1.0

    def _token(self, seq: int, query_key: str) -> str:
        payload = f"{seq}:{query_key}"
        signature = hmac.new(self._token_key, payload.encode(), hashlib.sha256).hexdigest()
        return base64.urlsafe_b64encode(f"{payload}:{signature[:32]}".encode()).decode()

    def _cursor(self, token: Any, query_key: str) -> int:
        """The sequence number a page starts below; every event without a token."""
        if token is None:
            return self._next_seq
        invalid = LookupEventsError(
            "InvalidNextTokenException",
            "The NextToken is not valid, or was issued for a request with other parameters",
        )
        if not isinstance(token, str):
            raise invalid
        try:
            seq, given_key, _signature = (
                base64.urlsafe_b64decode(token.encode()).decode().split(":")
            )
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise invalid from None
        if not seq.isdigit() or not hmac.compare_digest(self._token(int(seq), given_key), token):
            raise invalid
        if given_key != query_key:
            raise invalid
        return int(seq)


def _repositories(
    parameters: dict[str, Any] | None, account: str, region: str
) -> list[tuple[dict[str, str], str]]:
    """The repositories a call names: each as the event's resource, and its name.

    LookupEvents' ResourceName is the repository's name; no published answer shows whether ECR
    puts the name or the ARN there (the event's own `resources` carry the ARN)."""
    if not parameters:
        return []
    names = parameters.get("repositoryNames")
    if not isinstance(names, list):
        names = [parameters.get("repositoryName")]
    registry = str(parameters.get("registryId") or account)
    return [
        (
            {
                "accountId": registry,
                "type": REPOSITORY_TYPE,
                "ARN": f"arn:aws:ecr:{region}:{registry}:repository/{name}",
            },
            name,
        )
        for name in names
        if isinstance(name, str) and name
    ]
