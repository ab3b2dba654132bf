"""Properties of validate over generated input: junk never crashes it, valid input passes it.

Valid requests are generated from the rules of botocore's ECR model itself (patterns, lengths,
ranges and enums), so these tests do not share the validator's reading of the model.
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
from hypothesis import given, settings
from hypothesis import strategies as st

from ecrtui.ecr.validation import validate

_MODEL = botocore.session.get_session().get_service_model("ecr")

RULES = {
    "required",
    "unknown",
    "type",
    "min-length",
    "max-length",
    "min-value",
    "max-value",
    "pattern",
    "enum",
    "digest",
}
SHA256 = re.compile("sha256:[0-9a-f]{64}")
DIGEST_SHAPES = {"LayerDigest"}
TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
DIGESTS = st.text("0123456789abcdef", min_size=64, max_size=64).map("sha256:".__add__)


def members(operation: str) -> dict[str, Any]:
    return dict(_MODEL.operation_model(operation).input_shape.members)


def valid(shape: Any) -> st.SearchStrategy[Any]:
    """Values the model's rules for `shape` accept (digests: sha256, as ECR computes them)."""
    if shape.name not in _VALID:
        _VALID[shape.name] = _valid(shape)
    return _VALID[shape.name]


_VALID: dict[str, st.SearchStrategy[Any]] = {}


def _valid(shape: Any) -> st.SearchStrategy[Any]:
    kind, rules = shape.type_name, shape.metadata
    low, high = rules.get("min", 0), rules.get("max")
    if kind == "structure":
        required = {name: valid(shape.members[name]) for name in shape.required_members}
        optional = {n: valid(m) for n, m in shape.members.items() if n not in required}
        return st.fixed_dictionaries(required, optional=optional)
    if kind == "list":
        return st.lists(valid(shape.member), min_size=low, max_size=min(high or 3, low + 3))
    if kind in ("integer", "long"):
        return st.integers(rules.get("min"), rules.get("max"))
    if kind == "boolean":
        return st.booleans()
    if kind == "blob":
        return st.binary(min_size=low, max_size=min(high or 64, 64))
    if shape.name in DIGEST_SHAPES:
        return DIGESTS
    if "enum" in rules:
        return st.sampled_from(rules["enum"])
    most = low + 20 if high is None else min(high, low + 20)
    if "pattern" in rules:
        matching = st.from_regex(rules["pattern"], fullmatch=True)
        return matching.filter(lambda value: low <= len(value) <= (high or len(value)))
    return st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=low, max_size=most)


JUNK = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | TEXT
    | st.binary(max_size=60)
    | st.sampled_from(["sha256:xyz", "sha512:abcd", "Team/API", "", "a" * 300]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(TEXT, inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def messy_params(draw: st.DrawFn, operation: str) -> dict[Any, Any]:
    """Each member left out, valid, or junk; plus maybe some keys that are not members."""
    shape = _MODEL.operation_model(operation).input_shape
    params: dict[Any, Any] = draw(st.dictionaries(TEXT | st.integers(), JUNK, max_size=2))
    for name, member in shape.members.items():
        choice = draw(st.sampled_from(["leave out", "valid", "junk", "junk list"]))
        if choice == "valid":
            params[name] = draw(valid(member))
        elif choice == "junk":
            params[name] = draw(JUNK)
        elif choice == "junk list":
            params[name] = draw(st.lists(JUNK | valid(member), max_size=4))
    return params


def check_problems(operation: str, params: dict[Any, Any]) -> None:
    problems = validate(operation, params)
    names = members(operation)
    for problem in problems:
        assert problem.rule in RULES
        assert problem.message.startswith(f"{problem.field}: ")
        assert len(problem.value) <= 40
        root = re.split(r"[.\[]", problem.field)[0]
        if problem.rule == "unknown" and root not in names:
            assert any(problem.field == str(key) for key in params)
        else:
            assert root in names
    known = [p.field for p in problems if p.rule != "unknown"]
    assert len(known) == len(set(known)), "one problem per value"
    if not problems:
        required = _MODEL.operation_model(operation).input_shape.required_members
        assert all(params.get(name) is not None for name in required)
        assert set(params) <= set(names)


@settings(max_examples=150, deadline=None)
@given(messy_params("CompleteLayerUpload"))
def test_complete_layer_upload_junk_never_crashes(params: dict[Any, Any]) -> None:
    check_problems("CompleteLayerUpload", params)


@settings(max_examples=150, deadline=None)
@given(messy_params("UploadLayerPart"))
def test_upload_layer_part_junk_never_crashes(params: dict[Any, Any]) -> None:
    check_problems("UploadLayerPart", params)


@settings(max_examples=60, deadline=None)
@given(messy_params("DescribeImages"))
def test_describe_images_junk_never_crashes(params: dict[Any, Any]) -> None:
    check_problems("DescribeImages", params)


VALID_OPERATIONS = [
    "CompleteLayerUpload",
    "UploadLayerPart",
    "InitiateLayerUpload",
    "BatchCheckLayerAvailability",
    "GetDownloadUrlForLayer",
    "DescribeRepositories",
    "DescribeImages",
    "CreateRepository",
]


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_generated_valid_requests_validate_clean(data: st.DataObject) -> None:
    operation = data.draw(st.sampled_from(VALID_OPERATIONS))
    params = data.draw(valid(_MODEL.operation_model(operation).input_shape))
    assert validate(operation, params) == []


@settings(max_examples=60, deadline=None)
@given(
    valid(_MODEL.operation_model("CompleteLayerUpload").input_shape),
    st.sampled_from(["repositoryName", "uploadId", "layerDigests", "registryId"]),
    st.integers() | st.booleans() | st.binary() | st.dictionaries(TEXT, TEXT),
)
def test_one_wrong_type_is_exactly_one_problem(
    params: dict[str, Any], name: str, wrong: Any
) -> None:
    params = {**params, name: wrong}
    assert [(p.field, p.rule) for p in validate("CompleteLayerUpload", params)] == [(name, "type")]


@settings(max_examples=150, deadline=None)
@given(st.one_of(TEXT, st.from_regex(r"[a-z0-9._/-]{1,12}", fullmatch=True)))
def test_repository_name_problem_exactly_when_the_model_rules_say_so(name: str) -> None:
    shape = _MODEL.shape_for("RepositoryName")
    rules = shape.metadata
    allowed = rules["min"] <= len(name) <= rules["max"] and re.fullmatch(rules["pattern"], name)
    problems = validate("InitiateLayerUpload", {"repositoryName": name})
    assert bool(problems) == (not allowed)
    assert all(p.field == "repositoryName" for p in problems)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        TEXT,
        DIGESTS,
        DIGESTS.map(str.upper),
        st.from_regex(r"[a-z0-9]{1,8}:[0-9a-fA-F]{1,70}", fullmatch=True),
    )
)
def test_digest_problem_exactly_when_not_lowercase_sha256(digest: str) -> None:
    for operation in ("CompleteLayerUpload",):
        params = {"repositoryName": "ab", "uploadId": "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"}
        problems = validate(operation, {**params, "layerDigests": [digest]})
        if SHA256.fullmatch(digest):
            assert problems == []
        else:
            assert [p.field for p in problems] == ["layerDigests[0]"]
            assert problems[0].rule in {"pattern", "digest", "max-length"}
