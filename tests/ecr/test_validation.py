"""validate, shorten and field_rules: every rule, with the exact field, rule and message."""

from __future__ import annotations

import datetime
import subprocess
import sys
from typing import Any

import botocore.session
import pytest

from ecrtui.ecr.validation import FieldProblem, field_rules, shorten, validate

_MODEL = botocore.session.get_session().get_service_model("ecr")

DIGEST = "sha256:" + "0123456789abcdef" * 4
UPLOAD_ID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"
NOT_A_DIGEST = "is not a digest like sha256:<64 hex characters>"
MODEL_WOULD_ACCEPT = "the API model would accept it, but ECR computes sha256 digests"
REPO_WORDS = (
    "is not a repository name (2-256 lowercase letters, digits and . _ - / separators, "
    "e.g. team/api)"
)


def pattern(shape: str) -> str:
    value: str = _MODEL.shape_for(shape).metadata["pattern"]
    return value


def complete(**changes: Any) -> dict[str, Any]:
    """A valid CompleteLayerUpload request, with some members changed (None: left out)."""
    params = {"repositoryName": "team/api", "uploadId": UPLOAD_ID, "layerDigests": [DIGEST]}
    params.update(changes)
    return {name: value for name, value in params.items() if value is not None}


def part(**changes: Any) -> dict[str, Any]:
    """A valid UploadLayerPart request, with some members changed."""
    params: dict[str, Any] = {
        "repositoryName": "team/api",
        "uploadId": UPLOAD_ID,
        "partFirstByte": 0,
        "partLastByte": 2,
        "layerPartBlob": b"abc",
    }
    return {**params, **changes}


def only(operation: str, params: dict[str, Any]) -> FieldProblem:
    problems = validate(operation, params)
    assert len(problems) == 1, problems
    return problems[0]


def test_valid_requests_have_no_problems() -> None:
    assert validate("CompleteLayerUpload", complete(registryId="123456789012")) == []
    assert validate("UploadLayerPart", part()) == []
    assert validate("UploadLayerPart", part(layerPartBlob="text is accepted as boto3 does")) == []
    assert validate("InitiateLayerUpload", {"repositoryName": "a.b_c__d-e--f/g"}) == []
    batch = {"repositoryName": "ab", "layerDigests": [DIGEST, DIGEST]}
    assert validate("BatchCheckLayerAvailability", batch) == []
    assert validate("DescribeRepositories", {}) == []
    assert (
        validate("DescribeRepositories", {"repositoryNames": ("ab", "cd"), "maxResults": 1}) == []
    )
    assert (
        validate("DescribeImages", {"repositoryName": "ab", "imageIds": [{"imageTag": "v1"}]}) == []
    )


# -- required and unknown -------------------------------------------------------------------------


def test_every_missing_required_member_is_reported_in_member_order() -> None:
    assert validate("CompleteLayerUpload", {}) == [
        FieldProblem("repositoryName", "required", "", "repositoryName: required, and missing"),
        FieldProblem("uploadId", "required", "", "uploadId: required, and missing"),
        FieldProblem("layerDigests", "required", "", "layerDigests: required, and missing"),
    ]


def test_none_for_a_required_member_is_missing() -> None:
    problem = only("CompleteLayerUpload", {**complete(), "uploadId": None})
    assert problem == FieldProblem("uploadId", "required", "", "uploadId: required, and missing")


def test_none_for_an_optional_member_is_a_type_problem() -> None:
    problem = only("CompleteLayerUpload", {**complete(), "registryId": None})
    assert problem == FieldProblem(
        "registryId", "type", "None", "registryId: None is not a string (leave it out instead)"
    )


def test_unknown_member_with_a_suggestion() -> None:
    params = complete(layerDigests=None, layerDigest=DIGEST)
    assert validate("CompleteLayerUpload", params) == [
        FieldProblem("layerDigests", "required", "", "layerDigests: required, and missing"),
        FieldProblem(
            "layerDigest",
            "unknown",
            shorten(DIGEST),
            "layerDigest: not a parameter of CompleteLayerUpload (did you mean layerDigests?)",
        ),
    ]


def test_unknown_member_without_a_suggestion() -> None:
    problem = only("UploadLayerPart", part(colour="blue"))
    assert problem == FieldProblem(
        "colour", "unknown", "'blue'", "colour: not a parameter of UploadLayerPart"
    )


def test_unknown_nested_member_names_its_structure() -> None:
    params = {"repositoryName": "ab", "imageIds": [{"imageTg": "v1"}]}
    problem = only("DescribeImages", params)
    assert problem == FieldProblem(
        "imageIds[0].imageTg",
        "unknown",
        "'v1'",
        "imageIds[0].imageTg: not a member of ImageIdentifier (did you mean imageTag?)",
    )


def test_missing_nested_required_member() -> None:
    params = {"repositoryName": "ab", "tags": [{"Key": "team", "Value": "a"}, {"Key": "cost"}]}
    problem = only("CreateRepository", params)
    assert problem == FieldProblem(
        "tags[1].Value", "required", "", "tags[1].Value: required, and missing"
    )


# -- types ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "shown", "words"),
    [
        ("partFirstByte", "abc", "'abc'", "'abc' is a str, not a whole number"),
        ("partFirstByte", True, "True", "True is a bool, not a whole number"),
        ("partLastByte", 2.0, "2.0", "2.0 is a float, not a whole number"),
        ("layerPartBlob", 7, "7", "7 is an int, not bytes"),
        ("repositoryName", ["ab"], "['ab']", "['ab'] is a list, not a string"),
    ],
)
def test_wrong_types(field: str, value: Any, shown: str, words: str) -> None:
    problem = only("UploadLayerPart", part(**{field: value}))
    assert problem == FieldProblem(field, "type", shown, f"{field}: {words}")


def test_a_string_where_a_list_belongs() -> None:
    problem = only("CompleteLayerUpload", complete(layerDigests=DIGEST))
    assert problem.field == "layerDigests"
    assert problem.rule == "type"
    assert problem.message == f"layerDigests: {shorten(DIGEST)} is a str, not a list"


def test_a_list_where_a_structure_belongs() -> None:
    problem = only("DescribeImages", {"repositoryName": "ab", "imageIds": ["v1"]})
    assert problem == FieldProblem(
        "imageIds[0]", "type", "'v1'", "imageIds[0]: 'v1' is a str, not a structure"
    )


def test_parameters_that_are_not_a_mapping() -> None:
    problems = validate("CompleteLayerUpload", ["repositoryName"])  # type: ignore[arg-type]
    assert problems == [
        FieldProblem(
            "",
            "type",
            "['repositoryName']",
            "the parameters of CompleteLayerUpload are a list, not a mapping",
        )
    ]


# -- lengths and ranges ---------------------------------------------------------------------------


def test_string_too_short_and_too_long() -> None:
    short = only("InitiateLayerUpload", {"repositoryName": "a"})
    assert short == FieldProblem(
        "repositoryName",
        "min-length",
        "'a'",
        "repositoryName: 'a' is 1 character, at least 2 needed",
    )
    long = only("InitiateLayerUpload", {"repositoryName": "a" * 257})
    assert long.rule == "max-length"
    assert (
        long.message
        == f"repositoryName: {shorten('a' * 257)} is 257 characters, at most 256 allowed"
    )


def test_length_is_checked_before_the_pattern() -> None:
    problem = only("InitiateLayerUpload", {"repositoryName": "A"})
    assert problem.rule == "min-length"


def test_list_too_short_and_too_long() -> None:
    empty = only("CompleteLayerUpload", complete(layerDigests=[]))
    assert empty == FieldProblem(
        "layerDigests", "min-length", "[]", "layerDigests: 0 items, at least 1 needed"
    )
    many = only("CompleteLayerUpload", complete(layerDigests=[DIGEST] * 101))
    assert (many.field, many.rule) == ("layerDigests", "max-length")
    assert many.message == "layerDigests: 101 items, at most 100 allowed"


def test_list_length_and_item_problems_are_both_reported() -> None:
    problems = validate("CompleteLayerUpload", complete(layerDigests=[DIGEST] * 100 + ["x"]))
    assert [(p.field, p.rule) for p in problems] == [
        ("layerDigests", "max-length"),
        ("layerDigests[100]", "pattern"),
    ]


def test_integer_range() -> None:
    below = only("UploadLayerPart", part(partFirstByte=-1))
    assert below == FieldProblem(
        "partFirstByte", "min-value", "-1", "partFirstByte: -1 is below the minimum of 0"
    )
    assert only("DescribeRepositories", {"maxResults": 0}).rule == "min-value"
    above = only("DescribeRepositories", {"maxResults": 1001})
    assert above == FieldProblem(
        "maxResults", "max-value", "1001", "maxResults: 1001 is above the maximum of 1000"
    )
    assert validate("DescribeRepositories", {"maxResults": 1000}) == []


def test_blob_size_in_bytes() -> None:
    limit = 20 * 1024 * 1024
    assert validate("UploadLayerPart", part(layerPartBlob=bytearray(limit))) == []
    problem = only("UploadLayerPart", part(layerPartBlob=b"x" * (limit + 1)))
    assert (problem.field, problem.rule) == ("layerPartBlob", "max-length")
    assert problem.message == (
        f"layerPartBlob: {shorten(b'x' * (limit + 1))} is 20971521 bytes, at most 20971520 allowed"
    )
    # A str blob is sent as UTF-8: its size is in bytes, not characters.
    text = only("UploadLayerPart", part(layerPartBlob="é" * (limit // 2 + 1)))
    assert text.message.endswith("is 20971522 bytes, at most 20971520 allowed")


def test_nested_string_length() -> None:
    params = {"repositoryName": "ab", "imageIds": [{"imageTag": "v1"}, {"imageTag": ""}]}
    assert validate("DescribeImages", params) == [
        FieldProblem(
            "imageIds[1].imageTag",
            "min-length",
            "''",
            "imageIds[1].imageTag: '' is 0 characters, at least 1 needed",
        )
    ]
    params = {"repositoryName": "ab", "imageIds": [{"imageTag": "t" * 301}]}
    problem = only("DescribeImages", params)
    assert (problem.field, problem.rule) == ("imageIds[0].imageTag", "max-length")


# -- enums and patterns ---------------------------------------------------------------------------


def test_enum() -> None:
    problem = only("DescribeImages", {"repositoryName": "ab", "filter": {"tagStatus": "tagged"}})
    assert problem == FieldProblem(
        "filter.tagStatus",
        "enum",
        "'tagged'",
        "filter.tagStatus: 'tagged' is not allowed, must be one of TAGGED, UNTAGGED, ANY",
    )


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("repositoryName", "Team/API", REPO_WORDS),
        ("repositoryName", "team//api", REPO_WORDS),
        ("repositoryName", "team/api/", REPO_WORDS),
        ("registryId", "12345", "is not a registry id (the 12-digit AWS account id)"),
        ("registryId", "1234567890123", "is not a registry id (the 12-digit AWS account id)"),
        (
            "uploadId",
            "upload-1",
            "is not an upload id (a UUID such as 6cb64b8a-9378-4e33-8ab1-b780fa2c4e01)",
        ),
    ],
)
def test_patterns_of_well_known_shapes(field: str, value: str, words: str) -> None:
    problem = only("CompleteLayerUpload", complete(**{field: value}))
    assert problem == FieldProblem(field, "pattern", repr(value), f"{field}: {value!r} {words}")


def test_other_patterns_quote_the_model() -> None:
    filters = [{"filterType": "WILDCARD", "filter": "v1 beta"}]
    params = {"repositoryName": "ab", "imageTagMutabilityExclusionFilters": filters}
    problem = only("CreateRepository", params)
    expected = pattern("ImageTagMutabilityExclusionFilterValue")
    assert problem == FieldProblem(
        "imageTagMutabilityExclusionFilters[0].filter",
        "pattern",
        "'v1 beta'",
        "imageTagMutabilityExclusionFilters[0].filter: 'v1 beta' does not match the pattern "
        + expected,
    )


def test_upper_case_upload_id_is_what_the_model_allows() -> None:
    assert validate("CompleteLayerUpload", complete(uploadId=UPLOAD_ID.upper())) == []


# -- digests --------------------------------------------------------------------------------------


def test_digest_that_fails_the_model_pattern() -> None:
    params = complete(layerDigests=[DIGEST, "sha256:xyz"])
    assert validate("CompleteLayerUpload", params) == [
        FieldProblem(
            "layerDigests[1]",
            "pattern",
            "'sha256:xyz'",
            "layerDigests[1]: 'sha256:xyz' is not a digest like sha256:<64 hex characters>",
        )
    ]


def test_digest_the_model_accepts_but_ecr_never_computes() -> None:
    problem = only("CompleteLayerUpload", complete(layerDigests=["sha512:abcd"]))
    assert problem == FieldProblem(
        "layerDigests[0]",
        "digest",
        "'sha512:abcd'",
        f"layerDigests[0]: 'sha512:abcd' {NOT_A_DIGEST} "
        f"({MODEL_WOULD_ACCEPT}, so it can never match)",
    )


def test_sha256_digest_of_the_wrong_length() -> None:
    short = "sha256:" + "a" * 63
    problem = only("GetDownloadUrlForLayer", {"repositoryName": "ab", "layerDigest": short})
    assert problem == FieldProblem(
        "layerDigest",
        "digest",
        shorten(short),
        f"layerDigest: {shorten(short)} {NOT_A_DIGEST} (the API model would accept it, "
        "but a sha256 digest has exactly 64 hex characters)",
    )


def test_upper_case_digest_asks_for_lower_case() -> None:
    upper = DIGEST.upper()
    problem = only("CompleteLayerUpload", complete(layerDigests=[upper]))
    assert problem == FieldProblem(
        "layerDigests[0]",
        "digest",
        shorten(upper),
        f"layerDigests[0]: {shorten(upper)} {NOT_A_DIGEST} "
        "(ECR reports digests in lower case, so write the hex digits in lower case)",
    )


def test_digest_with_an_unusual_algorithm_name_passes_the_model_only() -> None:
    value = "my-algo_v2+x.y:" + "a" * 64
    problem = only("CompleteLayerUpload", complete(layerDigests=[value]))
    assert (problem.rule, problem.value) == ("digest", shorten(value))
    assert only("CompleteLayerUpload", complete(layerDigests=["a:b:00"])).rule == "pattern"


def test_batch_check_digests_are_left_to_ecr_but_for_their_length() -> None:
    """ECR answers a malformed digest here with an InvalidLayerDigest failure, not an error."""
    params = {"repositoryName": "ab", "layerDigests": [DIGEST, "sha256:xyz", "x" * 1001]}
    assert validate("BatchCheckLayerAvailability", params) == [
        FieldProblem(
            "layerDigests[2]",
            "max-length",
            shorten("x" * 1001),
            f"layerDigests[2]: {shorten('x' * 1001)} is 1001 characters, at most 1000 allowed",
        ),
    ]
    assert (
        validate("BatchCheckLayerAvailability", {"repositoryName": "ab", "layerDigests": [""]})
        == []
    )


def test_every_problem_at_once_in_member_order() -> None:
    params = {
        "bogus": 1,
        "layerDigests": ["sha256:xyz", DIGEST, "md5:00"],
        "uploadId": "nope",
        "registryId": "42",
        "repositoryName": "Team/API",
    }
    problems = validate("CompleteLayerUpload", params)
    assert [(p.field, p.rule) for p in problems] == [
        ("registryId", "pattern"),
        ("repositoryName", "pattern"),
        ("uploadId", "pattern"),
        ("layerDigests[0]", "pattern"),
        ("layerDigests[2]", "digest"),
        ("bogus", "unknown"),
    ]
    assert all(p.message.startswith(f"{p.field}: ") for p in problems)


def test_upload_part_with_everything_wrong() -> None:
    params = {"repositoryName": "", "uploadId": 7, "partFirstByte": -5, "partLastByte": "9"}
    assert [p.message for p in validate("UploadLayerPart", params)] == [
        "repositoryName: '' is 0 characters, at least 2 needed",
        "uploadId: 7 is an int, not a string",
        "partFirstByte: -5 is below the minimum of 0",
        "partLastByte: '9' is a str, not a whole number",
        "layerPartBlob: required, and missing",
    ]


# -- shorten --------------------------------------------------------------------------------------


def test_shorten_cuts_long_values_in_the_middle() -> None:
    value = "x" * 150 + "y" * 150
    shown = shorten(value)
    assert shown == "'" + "x" * 19 + "…" + "y" * 18 + "'"
    assert len(shown) == 40
    problem = only("InitiateLayerUpload", {"repositoryName": value})
    assert problem.value == shown
    assert problem.message == f"repositoryName: {shown} is 300 characters, at most 256 allowed"


def test_shorten_keeps_short_values_and_honours_the_limit() -> None:
    assert shorten("team/api") == "'team/api'"
    assert shorten(12) == "12"
    assert shorten(None) == "None"
    assert shorten(b"\x00" * 100, limit=10) == "b'\\x0…x00'"
    assert shorten(list(range(50)), limit=12) == "[0, 1,…, 49]"
    assert shorten("abcdef", limit=1) == "…"
    assert shorten(10**5000) == "<int>"  # too many digits for repr


def test_huge_numbers_do_not_break_validation() -> None:
    problem = only("DescribeRepositories", {"maxResults": 10**5000})
    assert problem == FieldProblem(
        "maxResults", "max-value", "<int>", "maxResults: <int> is above the maximum of 1000"
    )


# -- field_rules and operations -------------------------------------------------------------------


def test_field_rules_for_complete_layer_upload() -> None:
    assert field_rules("CompleteLayerUpload") == {
        "registryId": [f"the 12-digit AWS account id, matching {pattern('RegistryId')}"],
        "repositoryName": [
            "required",
            "2-256 characters",
            "lowercase letters, digits and the separators . _ - /, matching "
            + pattern("RepositoryName"),
        ],
        "uploadId": [
            "required",
            "a UUID such as 6cb64b8a-9378-4e33-8ab1-b780fa2c4e01, matching " + pattern("UploadId"),
        ],
        "layerDigests": [
            "required",
            "1-100 items",
            "each item: a digest like sha256:<64 hex characters>",
        ],
    }


def test_field_rules_for_other_types() -> None:
    part_rules = field_rules("UploadLayerPart")
    assert part_rules["partFirstByte"] == ["required", "a whole number", "at least 0"]
    assert part_rules["layerPartBlob"] == ["required", "bytes", "at most 20971520 bytes"]
    images = field_rules("DescribeImages")
    assert images["maxResults"] == ["a whole number", "1-1000"]
    assert images["nextToken"] == ["any text"]
    assert images["imageIds"] == ["1-100 items", "each item: a structure of imageDigest, imageTag"]
    batch = field_rules("BatchCheckLayerAvailability")["layerDigests"]
    assert batch[-1] == "each item: at most 1000 characters"
    assert field_rules("CreateRepository")["imageTagMutability"] == [
        "one of " + ", ".join(_MODEL.shape_for("ImageTagMutability").enum)
    ]


def test_unknown_operation_is_a_value_error() -> None:
    with pytest.raises(ValueError) as raised:
        validate("CompleteLayerUplod", {})
    expected = "'CompleteLayerUplod' is not an ECR operation (did you mean CompleteLayerUpload?)"
    assert str(raised.value) == expected
    with pytest.raises(ValueError) as raised:
        field_rules("ListObjects")
    assert str(raised.value) == "'ListObjects' is not an ECR operation"


@pytest.mark.parametrize("operation", _MODEL.operation_names)
def test_every_operation_of_the_model_validates_and_has_rules(operation: str) -> None:
    shape = _MODEL.operation_model(operation).input_shape
    problems = validate(operation, {})
    assert [(p.field, p.rule) for p in problems] == [
        (n, "required") for n in shape.required_members
    ]
    rules = field_rules(operation)
    assert list(rules) == list(shape.members)
    assert all(rules[name][0] == "required" for name in shape.required_members)


def test_importing_the_module_loads_neither_textual_nor_botocore() -> None:
    code = (
        "import sys, ecrtui.ecr, ecrtui.ecr.validation; "
        "print(','.join(m for m in ('textual', 'botocore') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


# -- shapes ECR's inputs lack: maps, timestamps, booleans -----------------------------------------

TINY_MODEL = {
    "metadata": {"protocol": "json", "apiVersion": "2024-01-01", "endpointPrefix": "tiny"},
    "operations": {"TinyCall": {"name": "TinyCall", "input": {"shape": "TinyInput"}}},
    "shapes": {
        "TinyInput": {
            "type": "structure",
            "members": {
                "labels": {"shape": "Labels"},
                "since": {"shape": "When"},
                "force": {"shape": "Flag"},
            },
        },
        "Labels": {"type": "map", "key": {"shape": "Key"}, "value": {"shape": "Key"}},
        "Key": {"type": "string", "min": 1, "max": 3},
        "When": {"type": "timestamp"},
        "Flag": {"type": "boolean"},
    },
}


def test_maps_timestamps_and_booleans(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.model import ServiceModel

    from ecrtui.ecr import validation

    monkeypatch.setattr(validation, "service_model", lambda: ServiceModel(TINY_MODEL))
    good = {"labels": {"a": "b"}, "since": datetime.datetime(2024, 1, 1), "force": False}
    assert validate("TinyCall", good) == []
    assert validate("TinyCall", {"since": "2024-01-01T00:00:00Z"}) == []
    assert validate("TinyCall", {"since": 1704067200.5}) == []
    bad = {"labels": {"abcd": "", "ok": 5}, "since": [2024], "force": "yes"}
    assert [p.message for p in validate("TinyCall", bad)] == [
        "labels.abcd: 'abcd' is 4 characters, at most 3 allowed",
        "labels.abcd: '' is 0 characters, at least 1 needed",
        "labels.ok: 5 is an int, not a string",
        "since: [2024] is a list, not a date and time",
        "force: 'yes' is a str, not true or false",
    ]
    assert field_rules("TinyCall") == {
        "labels": ["a mapping"],
        "since": ["a date and time"],
        "force": ["true or false"],
    }
