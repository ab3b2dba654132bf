"""Discovery from CloudTrail events: uploads rebuilt whatever the events keep of the upload id,
within LookupEvents' limits (pages of 50, throttling), and told plainly what cannot be known."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from ecrtui.uploads.discovery import (
    DIED_HALF_WAY,
    Lookup,
    client_name,
    discover,
    hint,
    rebuild,
)
from ecrtui.uploads.engine import PROBE_OFFSET
from tests.conftest import make_client

DOCKER = "docker/27.3.1 go/go1.22.7 git-commit/41ca978 kernel/6.8.0 os/linux arch/amd64"
UPLOAD = "751547e7-ac21-4773-90d6-7c5b0770305f"
T0 = 1_800_000_000.0


def event(
    name: str,
    at: float,
    params: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
    error: tuple[str, str] | None = None,
    agent: str = DOCKER,
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "eventName": name,
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at)),
        "userAgent": agent,
        "userIdentity": {"arn": "arn:aws:iam::123456789012:user/ci"},
        "requestParameters": {"repositoryName": "ml/inference", **(params or {})},
        "responseElements": response,
    }
    if error:
        document["errorCode"], document["errorMessage"] = error
    return document


def push_events(upload_id_in_events: bool = True) -> list[dict[str, Any]]:
    """docker's push: 6, 2 and 3 MiB chunks, then a completion refused for the small middle."""
    ids = {"uploadId": UPLOAD} if upload_id_in_events else {}
    mib = 1024 * 1024
    parts = [(0, 6 * mib - 1), (6 * mib, 8 * mib - 1), (8 * mib, 11 * mib - 1)]
    return [
        event("InitiateLayerUpload", T0, response={**ids, "partSize": 10 * mib}),
        *[
            event("UploadLayerPart", T0 + n + 1, {**ids, "partFirstByte": a, "partLastByte": b})
            for n, (a, b) in enumerate(parts)
        ],
        event(
            "CompleteLayerUpload",
            T0 + 10,
            {**ids, "layerDigests": ["sha256:" + "a" * 64]},
            error=(
                "LayerPartTooSmallException",
                "All layer parts except the last part should be at least 5MB",
            ),
        ),
    ]


def test_an_upload_is_rebuilt_from_its_events() -> None:
    [found] = rebuild(list(reversed(push_events())))  # LookupEvents answers newest first
    assert found.upload_id == UPLOAD and found.id_from == "the events"
    assert found.repository == "ml/inference"
    assert found.client == "docker 27.3.1"
    assert found.principal == "arn:aws:iam::123456789012:user/ci"
    assert found.parts == 3 and found.bytes_sent == 11 * 1024 * 1024
    assert found.started_at == T0 and found.last_activity == T0 + 10
    assert found.last_error_code == "LayerPartTooSmallException" and not found.completed
    assert hint(found) == "set its chunk size to 5 MiB or more, then push again"


def test_an_upload_whose_id_is_nowhere_is_still_listed() -> None:
    [found] = rebuild(push_events(upload_id_in_events=False))
    assert found.upload_id is None and found.id_from == "nowhere"
    assert found.parts == 3 and found.client == "docker 27.3.1"
    assert found.last_error_code == "LayerPartTooSmallException"


def test_an_id_only_an_error_message_quotes_is_taken_from_there() -> None:
    quoted = (
        "EmptyUploadException",
        f"The upload with id '{UPLOAD}' in the repository with name 'ml/inference' in registry "
        "with id '123456789012' cannot be completed because it does not have any parts",
    )
    events = [
        event("InitiateLayerUpload", T0),
        event("CompleteLayerUpload", T0 + 5, error=quoted),
    ]
    found = rebuild(events)
    assert [(u.upload_id, u.id_from) for u in found] == [
        (None, "nowhere"),  # the initiate says nothing of its id
        (UPLOAD, "an error message"),
    ]


def test_a_completed_upload_and_a_client_that_died_half_way() -> None:
    done = [
        event("InitiateLayerUpload", T0, response={"uploadId": "u1"}, agent="containerd/2.0.0"),
        event("CompleteLayerUpload", T0 + 1, {"uploadId": "u1"}, {"layerDigest": "sha256:x"}),
        event("InitiateLayerUpload", T0 + 2, response={"uploadId": "u2"}, agent="oras-py/0.2.43"),
        event("UploadLayerPart", T0 + 3, {"uploadId": "u2", "partFirstByte": 0, "partLastByte": 9}),
    ]
    first, second = rebuild(done)
    assert first.completed and first.client == "containerd 2.0.0"
    assert hint(first) == "completed: nothing to do"
    assert not second.completed and second.client == "oras 0.2.43"
    assert hint(second) == DIED_HALF_WAY


def test_ecrtuis_own_probes_are_nobodys_push() -> None:
    events = [
        *push_events()[:2],
        event(
            "UploadLayerPart",
            T0 + 20,
            {"uploadId": UPLOAD, "partFirstByte": PROBE_OFFSET, "partLastByte": PROBE_OFFSET},
            error=("InvalidLayerPartException", "First byte of the layer part is …"),
            agent="Boto3/1.44 ecrtui/0.1",
        ),
    ]
    [found] = rebuild(events)
    assert found.parts == 1 and found.last_error_code is None


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (DOCKER, "docker 27.3.1"),
        ("buildkit/v0.17.2 docker/27.3.1", "buildkit v0.17.2"),
        ("containerd/2.0.0+unknown", "containerd 2.0.0+unknown"),
        ("skopeo/1.9.3", "podman/skopeo 1.9.3"),
        ("kaniko/v1.23.2", "kaniko v1.23.2"),
        ("oras-py/0.2.43", "oras 0.2.43"),
        ("aws-cli/2.22.0 md/awscrt#0.22.0 ua/2.0 os/linux", "aws CLI 2.22.0"),
        ("Boto3/1.44.8 md/Botocore#1.44.8 ecrtui/0.1.0", "ecrtui 0.1.0"),
        ("my-own-pusher", "my-own-pusher"),
    ],
)
def test_clients_are_recognised_from_their_user_agent(agent: str, name: str) -> None:
    assert client_name(agent) == name


# -- LookupEvents within its limits ---------------------------------------------------------------


class FakeTrail:
    """LookupEvents over these events, newest first, in pages; throttling the first `throttle`."""

    def __init__(self, events: list[dict[str, Any]], throttle: int = 0) -> None:
        self.events = sorted(events, key=lambda e: e["eventTime"], reverse=True)
        self.throttle = throttle
        self.requests: list[dict[str, Any]] = []

    def __call__(self, **request: Any) -> dict[str, Any]:
        self.requests.append(request)
        if self.throttle:
            self.throttle -= 1
            raise ClientError(
                {"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}},
                "LookupEvents",
            )
        assert len(request["LookupAttributes"]) == 1 and request["MaxResults"] <= 50
        [attribute] = request["LookupAttributes"]
        chosen = (
            [e for e in self.events if e["eventName"] == attribute["AttributeValue"]]
            if attribute["AttributeKey"] == "EventName"
            else self.events
        )
        start = int(request.get("NextToken") or 0)
        page = chosen[start : start + request["MaxResults"]]
        answer: dict[str, Any] = {"Events": [{"CloudTrailEvent": json.dumps(e)} for e in page]}
        if start + len(page) < len(chosen):
            answer["NextToken"] = str(start + len(page))
        return answer


def test_paging_past_50_events_at_two_requests_a_second() -> None:
    parts = [
        event("UploadLayerPart", T0 + n, {"uploadId": UPLOAD, "partFirstByte": n * 10,
                                           "partLastByte": n * 10 + 9})
        for n in range(120)
    ]  # fmt: skip
    trail = FakeTrail([event("InitiateLayerUpload", T0 - 1, response={"uploadId": UPLOAD}), *parts])
    slept: list[float] = []
    lookup = Lookup(trail, sleep=slept.append, clock=lambda: 0.0)
    findings = discover(lookup, since=T0 - 3600, now=lambda: T0 + 86400)
    [found] = findings.uploads
    assert found.parts == 120
    part_pages = [
        r for r in trail.requests if r["LookupAttributes"][0]["AttributeValue"] == "UploadLayerPart"
    ]
    assert len(part_pages) == 3  # 50 + 50 + 20
    assert findings.requests == len(trail.requests) == 5  # and one page each for the other two
    # 2 requests a second: the first two at once, then one every half second
    assert slept == [pytest.approx(0.5)] * (findings.requests - 2)


def test_requests_keep_to_two_a_second_over_any_second() -> None:
    clock = [0.0]
    sent: list[float] = []

    def call(**request: Any) -> dict[str, Any]:
        sent.append(clock[0])
        return {"Events": []}

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    lookup = Lookup(call, sleep=sleep, clock=lambda: clock[0])
    for _ in range(9):
        lookup._send({})
        clock[0] += 0.1  # the caller's own work between requests
    assert sent[:2] == [0.0, pytest.approx(0.1)]
    for at in sent:
        in_window = [t for t in sent if at <= t < at + 1.0 - 1e-9]
        assert len(in_window) <= 3  # the burst of 2 plus one refilled within any second
    assert sent[-1] - sent[0] >= (len(sent) - 2) * 0.5 - 1e-9


def test_throttling_is_retried_with_backoff() -> None:
    trail = FakeTrail(push_events(), throttle=2)
    slept: list[float] = []
    lookup = Lookup(trail, sleep=slept.append, clock=lambda: 0.0)
    findings = discover(lookup, since=T0 - 60, repository=None, now=lambda: T0 + 3600)
    assert findings.uploads[0].upload_id == UPLOAD
    assert [pause for pause in slept if pause > 0.5] == [1.0, 2.0]


def test_throttling_that_does_not_stop_gives_up() -> None:
    lookup = Lookup(FakeTrail([], throttle=100), sleep=lambda _: None, retries=3)
    with pytest.raises(ClientError):
        discover(lookup, since=T0, now=lambda: T0)


def test_what_cloudtrail_cannot_tell_is_said() -> None:
    empty = discover(Lookup(FakeTrail([]), sleep=lambda _: None), since=T0, now=lambda: T0)
    assert any("no layer-upload events in this region" in note for note in empty.notes)

    recent = discover(
        Lookup(FakeTrail(push_events()), sleep=lambda _: None),
        since=T0 - 100 * 86400,
        now=lambda: T0 + 60,
    )
    notes = " ".join(recent.notes)
    assert "keeps 90 days" in notes
    assert "under 5 minutes old" in notes


def test_ecrtuis_own_recent_probe_does_not_make_the_history_recent() -> None:
    probe = event(
        "UploadLayerPart",
        T0 + 3600,
        {"uploadId": UPLOAD, "partFirstByte": PROBE_OFFSET, "partLastByte": PROBE_OFFSET},
        error=("InvalidLayerPartException", "First byte of the layer part is …"),
        agent="Boto3/1.44 ecrtui/0.1",
    )
    found = discover(
        Lookup(FakeTrail([*push_events(), probe]), sleep=lambda _: None),
        since=T0 - 60,
        now=lambda: T0 + 3660,  # the push is an hour old; the probe, a minute
    )
    assert found.newest_event_at == T0 + 10
    assert not any("under 5 minutes old" in note for note in found.notes)


def test_a_finding_no_valid_request_can_probe_is_skipped_and_the_others_are_added(
    endpoint_url: str, repository: str, tmp_path: Any
) -> None:
    """CloudTrail keeps refused calls too: an upload rebuilt from one may carry parameters the
    model rejects. Its probe fails before anything is sent; it is left out, with the reason, and
    the uploads found after it are still added."""
    from ecrtui.uploads.discovery import FoundUpload, journal_found
    from ecrtui.uploads.journal import UploadJournal

    from .helpers import make_pusher

    ecr = make_client(endpoint_url)
    good = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]

    def found(name: str, upload_id: str) -> FoundUpload:
        return FoundUpload(name, upload_id, None, None, "docker 27.3.1", DOCKER, None, time.time())

    with UploadJournal(tmp_path / "journal.sqlite3") as journal:
        pusher = make_pusher(endpoint_url, journal)
        bad = found("Not A Valid Name!", UPLOAD)
        journal_found(pusher, journal, bad, probe_known=False)
        journal_found(pusher, journal, found(repository, good), probe_known=False)
        assert bad.probe_error == "ParamValidation"
        assert [record.upload_id for record in journal.uploads()] == [good]
