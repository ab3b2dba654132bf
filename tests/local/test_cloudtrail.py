"""The local backend's CloudTrail: what each ECR call leaves, and LookupEvents as boto3 calls it.

End to end through the session backend (its defaults, less the rate limit), each test reading only
the events of its own repository (a ResourceName lookup), as other tests share the backend. The
settings (delay, rate limit, where the upload id goes) are checked on a `Trail` with a fake clock.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from ecrtui.local.cloudtrail import LookupEventsError, Trail, masked_key_id
from ecrtui.local.rules import BackendSettings
from tests.conftest import DUMMY_ENV
from tests.local.helpers import ACCOUNT, data, sha256_digest, upload

KEY_ID = DUMMY_ENV["AWS_ACCESS_KEY_ID"]
LAYER_CALLS = ["CompleteLayerUpload", "UploadLayerPart", "InitiateLayerUpload"]


@pytest.fixture(scope="session")
def trail_client(endpoint_url: str) -> Any:
    """A boto3 cloudtrail client for the local backend; no retries, so errors show at once."""
    import boto3

    return boto3.client(
        "cloudtrail",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )


def by_repository(client: Any, repo: str, **params: Any) -> list[dict[str, Any]]:
    """Every event naming this repository, newest first, following NextToken."""
    found: list[dict[str, Any]] = []
    token: str | None = None
    for _ in range(100):
        answer = client.lookup_events(
            LookupAttributes=[{"AttributeKey": "ResourceName", "AttributeValue": repo}],
            **params,
            **({"NextToken": token} if token else {}),
        )
        found.extend(answer["Events"])
        token = answer.get("NextToken")
        if token is None:
            return found
    raise AssertionError("more than 100 pages")


def newest(client: Any, repo: str) -> dict[str, Any]:
    """The newest event naming this repository."""
    lookup = [{"AttributeKey": "ResourceName", "AttributeValue": repo}]
    event: dict[str, Any] = client.lookup_events(LookupAttributes=lookup, MaxResults=1)["Events"][0]
    return event


@functools.cache
def lookup_events_errors() -> set[str]:
    """The errors of LookupEvents in botocore's cloudtrail model, and botocore's throttling code."""
    model = botocore.session.get_session().get_service_model("cloudtrail")
    errors = model.operation_model("LookupEvents").error_shapes
    return {shape.name for shape in errors} | {"ThrottlingException"}


def documents(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(event["CloudTrailEvent"]) for event in events]


# -- what an upload leaves --------------------------------------------------------------------


def test_an_upload_is_recorded_call_by_call_newest_first(
    ecr_client: Any, trail_client: Any, repository: str, endpoint_url: str
) -> None:
    import boto3

    blob = data(3000, 7)
    upload_id = upload(ecr_client, repository, blob)
    done = ecr_client.complete_layer_upload(
        repositoryName=repository, uploadId=upload_id, layerDigests=[sha256_digest(blob)]
    )

    events = by_repository(trail_client, repository)
    assert [event["EventName"] for event in events] == [*LAYER_CALLS, "CreateRepository"]
    complete, part, initiate, _ = documents(events)

    assert initiate["requestParameters"] == {"repositoryName": repository}
    assert initiate["responseElements"] == {"uploadId": upload_id, "partSize": 10485760}
    assert part["requestParameters"] == {
        "repositoryName": repository,
        "uploadId": upload_id,
        "partFirstByte": 0,
        "partLastByte": 2999,
    }
    assert part["responseElements"]["lastByteReceived"] == 2999
    assert complete["requestParameters"] == {
        "repositoryName": repository,
        "uploadId": upload_id,
        "layerDigests": [sha256_digest(blob)],
    }
    assert complete["responseElements"]["layerDigest"] == sha256_digest(blob)
    assert complete["requestID"] == done["ResponseMetadata"]["RequestId"]

    caller = boto3.client("sts", endpoint_url=endpoint_url, region_name="us-east-1")
    identity = caller.get_caller_identity()
    for event, document in zip(events, documents(events), strict=True):
        assert "errorCode" not in document
        assert document["userIdentity"] == {
            "type": "IAMUser",
            "principalId": identity["UserId"],
            "arn": identity["Arn"],
            "accountId": identity["Account"],
            "accessKeyId": "AKIA************G000",
            "userName": "moto",
        }
        assert (document["eventSource"], document["eventType"]) == (
            "ecr.amazonaws.com",
            "AwsApiCall",
        )
        assert (document["eventVersion"], document["eventCategory"]) == ("1.08", "Management")
        assert document["managementEvent"] is True
        assert document["readOnly"] is False
        assert (document["awsRegion"], document["recipientAccountId"]) == ("us-east-1", ACCOUNT)
        assert document["sourceIPAddress"] == "127.0.0.1"
        assert document["userAgent"].startswith("Boto3/")
        assert document["resources"] == [
            {
                "accountId": ACCOUNT,
                "type": "AWS::ECR::Repository",
                "ARN": f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/{repository}",
            }
        ]
        assert event["EventId"] == document["eventID"]
        assert event["ReadOnly"] == "false"
        assert event["Username"] == "moto"
        assert event["AccessKeyId"] == "AKIA************G000"
        assert event["Resources"] == [
            {"ResourceType": "AWS::ECR::Repository", "ResourceName": repository}
        ]
        assert event["EventTime"].strftime("%Y-%m-%dT%H:%M:%SZ") == document["eventTime"]
        assert KEY_ID not in event["CloudTrailEvent"]


def test_a_part_blob_is_never_kept(ecr_client: Any, trail_client: Any, repository: str) -> None:
    blob = data(2000, 8)
    upload(ecr_client, repository, blob)
    event = newest(trail_client, repository)
    [part] = documents([event])
    assert part["eventName"] == "UploadLayerPart"
    assert "layerPartBlob" not in part["requestParameters"]
    assert base64.b64encode(blob).decode()[:100] not in event["CloudTrailEvent"]


def test_no_registry_password_is_kept(ecr_client: Any, trail_client: Any) -> None:
    token = ecr_client.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    lookup = [{"AttributeKey": "EventName", "AttributeValue": "GetAuthorizationToken"}]
    events = trail_client.lookup_events(LookupAttributes=lookup)["Events"]
    assert events
    assert not any(token in event["CloudTrailEvent"] for event in events)
    trail = make_trail()
    answered = {"authorizationData": [{"authorizationToken": token}]}
    event = trail.record("GetAuthorizationToken", {}, answered)  # recorded as a write, even
    assert event["responseElements"] == {}


def test_a_failed_completion_carries_the_error_and_no_response(
    ecr_client: Any, trail_client: Any, repository: str
) -> None:
    upload_id = ecr_client.initiate_layer_upload(repositoryName=repository)["uploadId"]
    with pytest.raises(ClientError) as raised:
        ecr_client.complete_layer_upload(
            repositoryName=repository, uploadId=upload_id, layerDigests=[sha256_digest(b"x")]
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "EmptyUploadException"

    [failed] = documents([newest(trail_client, repository)])
    assert failed["eventName"] == "CompleteLayerUpload"
    assert failed["errorCode"] == "EmptyUploadException"
    assert failed["errorMessage"] == error["Message"]
    assert f"The upload with id '{upload_id}'" in failed["errorMessage"]
    assert failed["responseElements"] is None
    assert failed["requestParameters"]["uploadId"] == upload_id


def test_a_read_is_read_only_with_no_response_elements(
    ecr_client: Any, trail_client: Any, repository: str
) -> None:
    digest = sha256_digest(b"absent")
    ecr_client.batch_check_layer_availability(repositoryName=repository, layerDigests=[digest])
    event = newest(trail_client, repository)
    [check] = documents([event])
    assert check["eventName"] == "BatchCheckLayerAvailability"
    assert (check["readOnly"], event["ReadOnly"]) == (True, "true")
    assert check["responseElements"] is None
    assert check["requestParameters"] == {"repositoryName": repository, "layerDigests": [digest]}


# -- LookupEvents -----------------------------------------------------------------------------


def test_only_one_lookup_attribute_is_accepted(trail_client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        trail_client.lookup_events(
            LookupAttributes=[
                {"AttributeKey": "EventName", "AttributeValue": "InitiateLayerUpload"},
                {"AttributeKey": "EventSource", "AttributeValue": "ecr.amazonaws.com"},
            ]
        )
    assert raised.value.response["Error"]["Code"] == "InvalidLookupAttributesException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_an_unknown_attribute_key_is_refused(trail_client: Any) -> None:
    with pytest.raises(ClientError) as raised:
        trail_client.lookup_events(
            LookupAttributes=[{"AttributeKey": "RepositoryName", "AttributeValue": "x"}]
        )
    assert raised.value.response["Error"]["Code"] == "InvalidLookupAttributesException"


@pytest.mark.parametrize("max_results", [0, 51])
def test_max_results_outside_1_to_50_is_refused(endpoint_url: str, max_results: int) -> None:
    import boto3

    unchecked = boto3.client(
        "cloudtrail",
        endpoint_url=endpoint_url,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}, parameter_validation=False),
    )
    with pytest.raises(ClientError) as raised:
        unchecked.lookup_events(MaxResults=max_results)
    assert raised.value.response["Error"]["Code"] == "InvalidMaxResultsException"


def test_paging_over_more_than_50_events(
    ecr_client: Any, trail_client: Any, repository: str
) -> None:
    digests = [sha256_digest(str(index).encode()) for index in range(60)]
    for digest in digests:
        ecr_client.batch_check_layer_availability(repositoryName=repository, layerDigests=[digest])
    lookup = [{"AttributeKey": "ResourceName", "AttributeValue": repository}]

    first = trail_client.lookup_events(LookupAttributes=lookup)
    assert len(first["Events"]) == 50
    second = trail_client.lookup_events(LookupAttributes=lookup, NextToken=first["NextToken"])
    assert len(second["Events"]) == 11
    assert "NextToken" not in second
    checked = [
        document["requestParameters"].get("layerDigests", [None])[0]
        for document in documents(first["Events"] + second["Events"])
    ]
    assert checked == [*reversed(digests), None]  # newest first; CreateRepository last

    small_pages = by_repository(trail_client, repository, MaxResults=7)
    assert [event["EventId"] for event in small_pages] == [
        event["EventId"] for event in first["Events"] + second["Events"]
    ]


def test_a_next_token_must_come_from_the_same_filter(
    trail_client: Any, ecr_client: Any, repository: str
) -> None:
    for _ in range(3):
        ecr_client.describe_repositories(repositoryNames=[repository])
    lookup = [{"AttributeKey": "ResourceName", "AttributeValue": repository}]
    token = trail_client.lookup_events(LookupAttributes=lookup, MaxResults=1)["NextToken"]
    other = [{"AttributeKey": "EventName", "AttributeValue": "DescribeRepositories"}]
    for bad in {"LookupAttributes": other, "NextToken": token}, {"NextToken": "not-a-token"}:
        with pytest.raises(ClientError) as raised:
            trail_client.lookup_events(**bad)
        assert raised.value.response["Error"]["Code"] == "InvalidNextTokenException"


def test_start_and_end_time_bound_the_events(trail_client: Any, repository: str) -> None:
    [created] = by_repository(trail_client, repository)
    at = created["EventTime"]
    hour = 3600
    assert by_repository(trail_client, repository, StartTime=at, EndTime=at) == [created]
    assert by_repository(trail_client, repository, EndTime=at.timestamp() - hour) == []
    assert by_repository(trail_client, repository, StartTime=at.timestamp() + hour) == []
    with pytest.raises(ClientError) as raised:
        trail_client.lookup_events(StartTime=at.timestamp() + hour, EndTime=at)
    assert raised.value.response["Error"]["Code"] == "InvalidTimeRangeException"


def test_the_aws_cli_agrees_with_boto3(
    aws_cli: Any, ecr_client: Any, trail_client: Any, repository: str
) -> None:
    for _ in range(2):
        ecr_client.initiate_layer_upload(repositoryName=repository)

    def mine(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [
            (event["EventId"], event["CloudTrailEvent"])
            for event in events
            if {"ResourceType": "AWS::ECR::Repository", "ResourceName": repository}
            in event["Resources"]
        ]

    paginator = trail_client.get_paginator("lookup_events")
    lookup = [{"AttributeKey": "EventName", "AttributeValue": "InitiateLayerUpload"}]
    from_boto3 = mine(
        [e for page in paginator.paginate(LookupAttributes=lookup) for e in page["Events"]]
    )
    listed = aws_cli(
        "cloudtrail",
        "lookup-events",
        "--lookup-attributes",
        "AttributeKey=EventName,AttributeValue=InitiateLayerUpload",
    )
    assert listed.returncode == 0, listed.stderr
    from_cli = mine(listed.json()["Events"])
    assert len(from_cli) == 2
    assert from_cli == from_boto3


def test_throttling_reaches_botocore_as_its_throttling_error(
    trail_client: Any, local_ecr: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session backend has no limit; for this test it gets a trail with the default one and
    a stopped clock (tests in one process run one at a time, so no other test reads it)."""
    monkeypatch.setattr(local_ecr, "trail", Trail(BackendSettings(), clock=FakeClock()))
    trail_client.lookup_events()
    trail_client.lookup_events()
    with pytest.raises(ClientError) as raised:
        trail_client.lookup_events()
    response = raised.value.response
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (
        "ThrottlingException",
        "Rate exceeded",
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- the settings, on a Trail of its own ------------------------------------------------------


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_trail(clock: FakeClock | None = None, **settings: Any) -> Trail:
    return Trail(BackendSettings(**settings), clock=clock or FakeClock())


def record_upload(trail: Trail, upload_id: str = "5e1c7a4e-8e2b-4f4e-9d0c-0f6d0d6f7a11") -> None:
    """The three layer calls of a failed upload, as the API face records them."""
    repo = {"repositoryName": "team/api"}
    trail.record("InitiateLayerUpload", repo, {"uploadId": upload_id, "partSize": 10485760})
    part = {**repo, "uploadId": upload_id, "partFirstByte": 0, "partLastByte": 9}
    trail.record(
        "UploadLayerPart", {**part, "layerPartBlob": "AAAA"}, {**part, "lastByteReceived": 9}
    )
    trail.record(
        "CompleteLayerUpload",
        {**repo, "uploadId": upload_id, "layerDigests": [sha256_digest(b"x")]},
        None,
        "EmptyUploadException",
        f"The upload with id '{upload_id}' in the repository with name 'team/api' cannot be "
        "completed because it does not have any parts",
    )


def lookup_documents(trail: Trail, **request: Any) -> list[dict[str, Any]]:
    return documents(trail.lookup(request)["Events"])


def test_request_and_response_puts_the_upload_id_in_the_layer_calls() -> None:
    trail = make_trail()
    record_upload(trail, "id-1")
    complete, part, initiate = lookup_documents(trail)
    assert initiate["responseElements"] == {"uploadId": "id-1", "partSize": 10485760}
    assert part["requestParameters"]["uploadId"] == "id-1"
    assert (
        part["requestParameters"]["partFirstByte"],
        part["requestParameters"]["partLastByte"],
    ) == (0, 9)
    assert "layerPartBlob" not in part["requestParameters"]
    assert complete["requestParameters"]["uploadId"] == "id-1"


def test_errors_only_keeps_the_upload_id_to_error_messages() -> None:
    trail = make_trail(trail_upload_id="errors-only")
    record_upload(trail, "id-2")
    complete, part, initiate = lookup_documents(trail)
    assert initiate["responseElements"] == {"partSize": 10485760}
    assert part["requestParameters"] == {
        "repositoryName": "team/api",
        "partFirstByte": 0,
        "partLastByte": 9,
    }
    assert "uploadId" not in part["responseElements"]
    assert "uploadId" not in complete["requestParameters"]
    assert "'id-2'" in complete["errorMessage"]
    assert sum("id-2" in json.dumps(event) for event in (complete, part, initiate)) == 1


def test_an_unknown_upload_id_setting_is_refused() -> None:
    with pytest.raises(ValueError, match="trail_upload_id"):
        make_trail(trail_upload_id="everywhere")


def test_a_proxy_call_is_made_by_aws_internal_for_the_registry_client() -> None:
    trail = make_trail()
    event = trail.record(
        "InitiateLayerUpload",
        {"repositoryName": "team/api"},
        {"uploadId": "id-3", "partSize": 10485760},
        user_agent="docker/24.0 go/go1.20",
        proxy=True,
    )
    assert event["userIdentity"]["invokedBy"] == "AWS Internal"
    assert event["sourceIPAddress"] == "AWS Internal"
    assert event["userAgent"] == "docker/24.0 go/go1.20"
    assert lookup_documents(trail) == [event]


def test_the_delay_hides_events_younger_than_it() -> None:
    clock = FakeClock()
    trail = make_trail(clock, trail_delay=300.0)
    trail.record("PutImage", {"repositoryName": "team/api"}, None)
    clock.now += 299
    assert trail.lookup({})["Events"] == []
    clock.now += 1
    assert [event["EventName"] for event in trail.lookup({})["Events"]] == ["PutImage"]


def test_the_rate_limit_throttles_the_third_lookup_in_a_second() -> None:
    clock = FakeClock()
    trail = make_trail(clock, trail_rate_limit=2.0)
    trail.lookup({})
    trail.lookup({})
    with pytest.raises(LookupEventsError) as raised:
        trail.lookup({})
    assert (raised.value.code, raised.value.message) == ("ThrottlingException", "Rate exceeded")
    clock.now += 0.5
    trail.lookup({})
    with pytest.raises(LookupEventsError):
        trail.lookup({})


def test_no_rate_limit_never_throttles() -> None:
    trail = make_trail(trail_rate_limit=None)
    for _ in range(100):
        trail.lookup({})


def test_time_bounds_are_inclusive_whole_seconds() -> None:
    clock = FakeClock(1000.0)
    trail = make_trail(clock)
    for name in ("DescribeRepositories", "DescribeImages", "PutImage"):
        trail.record(name, {"repositoryName": "team/api"}, None)
        clock.now += 100.5
    names = [doc["eventName"] for doc in lookup_documents(trail, StartTime=1100, EndTime=1100)]
    assert names == ["DescribeImages"]
    names = [doc["eventName"] for doc in lookup_documents(trail, StartTime=1001)]
    assert names == ["PutImage", "DescribeImages"]


def test_an_access_key_lookup_finds_the_callers_events_by_the_full_key() -> None:
    trail = make_trail()
    trail.record("DescribeImages", {"repositoryName": "a"}, None, access_key_id=KEY_ID)
    trail.record(
        "DescribeImages", {"repositoryName": "b"}, None, access_key_id="AKIAOTHERKEY00000000"
    )
    lookup = {"LookupAttributes": [{"AttributeKey": "AccessKeyId", "AttributeValue": KEY_ID}]}
    [event] = trail.lookup(lookup)["Events"]
    assert event["AccessKeyId"] == masked_key_id(KEY_ID) == "AKIA************G000"
    assert event["Resources"] == [{"ResourceType": "AWS::ECR::Repository", "ResourceName": "a"}]


def test_events_older_than_90_days_are_gone() -> None:
    clock = FakeClock()
    trail = make_trail(clock)
    trail.record("PutImage", {"repositoryName": "team/api"}, None)
    clock.now += 91 * 24 * 3600
    trail.record("DescribeImages", {"repositoryName": "team/api"}, None)
    assert [doc["eventName"] for doc in lookup_documents(trail)] == ["DescribeImages"]
    assert len(trail) == 1


@given(st.text(max_size=200))
def test_any_made_up_next_token_is_refused(token: str) -> None:
    trail = make_trail(trail_rate_limit=None)
    with pytest.raises(LookupEventsError) as raised:
        trail.lookup({"NextToken": token})
    assert raised.value.code == "InvalidNextTokenException"


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=15), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "LookupAttributes": _JSON,
            "StartTime": _JSON,
            "EndTime": _JSON,
            "MaxResults": _JSON,
            "EventCategory": _JSON,
        },
    )
)
def test_any_request_is_answered_or_refused_with_a_model_error(request_: dict[str, Any]) -> None:
    trail = make_trail(trail_rate_limit=None)
    trail.record("PutImage", {"repositoryName": "team/api"}, None)
    try:
        answer = trail.lookup(request_)
    except LookupEventsError as error:
        assert error.code in lookup_events_errors()
    else:
        assert set(answer) <= {"Events", "NextToken"}
