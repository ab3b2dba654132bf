"""The validator agrees with the local ECR backend over generated, mostly broken, requests.

The requests go through `raw_ecr_client`, whose own parameter checks are off, so every value reaches
the backend. The backend checks the model only (its layer digests accept any "algo:hex"); the
validator is stricter on digests, so the rule is one-way:
- the validator finds no problem -> the backend does not answer InvalidParameterException;
- the backend answers InvalidParameterException -> the validator reported a problem at that path.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

import botocore.session
import pytest
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from ecrtui.ecr.validation import validate

_MODEL = botocore.session.get_session().get_service_model("ecr")
ACCOUNT = "123456789012"
REPOSITORY = "ecrtui-validation/agreement"
LIVE_UPLOAD = "<the live upload id>"  # replaced by a real upload id of REPOSITORY
GOOD_DIGEST = "sha256:" + "ab" * 32
CONSTRAINT = re.compile(r"Invalid parameter at '(.*)' failed to satisfy constraint: ")

AGREEMENT = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def model_rules(shape: str) -> dict[str, Any]:
    rules: dict[str, Any] = _MODEL.shape_for(shape).metadata
    return rules


def matching(shape: str) -> st.SearchStrategy[str]:
    """Strings the model's pattern and lengths for `shape` accept."""
    rules = model_rules(shape)
    low, high = rules.get("min", 0), rules.get("max", 10_000)
    return st.from_regex(rules["pattern"], fullmatch=True).filter(lambda s: low <= len(s) <= high)


ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=300)
HEX = "0123456789abcdef"


def mostly(good: st.SearchStrategy[Any], *others: st.SearchStrategy[Any]) -> Any:
    """Good values about half the time, so that whole requests are often clean."""
    return st.one_of(*[good] * max(len(others), 1), *others)


REPOSITORY_NAMES = mostly(
    st.just(REPOSITORY) | matching("RepositoryName"),
    ANY_TEXT,
    st.sampled_from(["", "a", "A", "Team/API", "team//api", "team/api/", "x" * 256, "x" * 257]),
)
REGISTRY_IDS = mostly(
    st.just(ACCOUNT) | matching("RegistryId"),
    ANY_TEXT,
    st.sampled_from(["", "12345", "1234567890123", "12345678901x"]),
)
UPLOAD_IDS = mostly(
    st.just(LIVE_UPLOAD) | st.uuids().map(str) | st.uuids().map(lambda u: str(u).upper()),
    ANY_TEXT,
    st.sampled_from(["", "upload-1", "6cb64b8a93784e338ab1b780fa2c4e01"]),
)
DIGESTS = mostly(
    st.just(GOOD_DIGEST) | st.text(HEX, min_size=64, max_size=64).map("sha256:".__add__),
    # What the model accepts, but ECR never computes: the validator is stricter here.
    st.text(HEX, min_size=1, max_size=128).map("sha512:".__add__)
    | st.from_regex(r"[a-zA-Z0-9+._-]{1,10}:[0-9a-fA-F]{1,80}", fullmatch=True)
    | st.just(GOOD_DIGEST.upper()),
    ANY_TEXT,
    st.sampled_from(["", "sha256:xyz", "sha256", ":ab", "x" * 1001]),
)
DIGEST_LISTS = mostly(
    st.lists(DIGESTS, min_size=1, max_size=4),
    st.sampled_from([[], [GOOD_DIGEST] * 100, [GOOD_DIGEST] * 101]),
)


def requests(required: dict[str, Any], optional: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Requests with the optional members maybe present and, now and then, one required missing."""
    base = st.fixed_dictionaries(required, optional=optional)
    dropped = st.sampled_from([None] * 4 + list(required))
    return st.tuples(base, dropped).map(
        lambda pair: {name: value for name, value in pair[0].items() if name != pair[1]}
    )


@pytest.fixture(scope="module")
def live_upload(ecr_client: Any) -> str:
    """REPOSITORY exists and has an upload in flight, with no parts: its id."""
    with contextlib.suppress(ecr_client.exceptions.RepositoryAlreadyExistsException):
        ecr_client.create_repository(repositoryName=REPOSITORY)
    upload_id: str = ecr_client.initiate_layer_upload(repositoryName=REPOSITORY)["uploadId"]
    return upload_id


def assert_agreement(operation: str, call: Callable[..., Any], params: dict[str, Any]) -> None:
    problems = validate(operation, params)
    try:
        call(**params)
    except ClientError as error:
        code, message = error.response["Error"]["Code"], error.response["Error"]["Message"]
    else:
        code, message = "", ""
    event(f"backend: {code or 'accepted'}; validator: {'problems' if problems else 'clean'}")
    if code == "InvalidParameterException":
        assert problems, f"the backend refused what the validator passed: {message}"
        found = CONSTRAINT.match(message)
        assert found, message
        assert found.group(1) in [p.field for p in problems], (message, problems)
    if not problems:
        assert code != "InvalidParameterException", message


@AGREEMENT
@given(
    requests(
        {"repositoryName": REPOSITORY_NAMES, "uploadId": UPLOAD_IDS, "layerDigests": DIGEST_LISTS},
        {"registryId": REGISTRY_IDS},
    )
)
def test_complete_layer_upload(
    raw_ecr_client: Any, live_upload: str, params: dict[str, Any]
) -> None:
    if params.get("uploadId") == LIVE_UPLOAD:
        params["uploadId"] = live_upload
    assert_agreement("CompleteLayerUpload", raw_ecr_client.complete_layer_upload, params)


@AGREEMENT
@given(requests({"repositoryName": REPOSITORY_NAMES}, {"registryId": REGISTRY_IDS}))
def test_initiate_layer_upload(
    raw_ecr_client: Any, live_upload: str, params: dict[str, Any]
) -> None:
    assert_agreement("InitiateLayerUpload", raw_ecr_client.initiate_layer_upload, params)


@AGREEMENT
@given(
    requests(
        {"repositoryName": REPOSITORY_NAMES, "layerDigests": DIGEST_LISTS},
        {"registryId": REGISTRY_IDS},
    )
)
def test_batch_check_layer_availability(
    raw_ecr_client: Any, live_upload: str, params: dict[str, Any]
) -> None:
    call = raw_ecr_client.batch_check_layer_availability
    assert_agreement("BatchCheckLayerAvailability", call, params)


def test_the_strategies_reach_both_answers(raw_ecr_client: Any, live_upload: str) -> None:
    """A guard on the tests above: a clean request passes the backend, a broken one does not."""
    clean = {"repositoryName": REPOSITORY, "layerDigests": [GOOD_DIGEST]}
    assert validate("BatchCheckLayerAvailability", clean) == []
    raw_ecr_client.batch_check_layer_availability(**clean)
    broken = {"repositoryName": "Team/API", "layerDigests": [GOOD_DIGEST]}
    with pytest.raises(ClientError) as raised:
        raw_ecr_client.batch_check_layer_availability(**broken)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterException"
    assert [p.field for p in validate("BatchCheckLayerAvailability", broken)] == ["repositoryName"]
