"""The model's patterns under RE2: the same answers as Python's `re` (ASCII classes, as the service
reads them), in time linear in the value, in the validator and in the local backend alike."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecrtui.ecr import validation
from ecrtui.ecr.model import operation_model
from ecrtui.ecr.patterns import ModelPattern, model_pattern, re2_syntax
from ecrtui.local import constraints
from tests.conftest import local_ecr_process
from tests.ecr.pattern_values import EXAMPLES, model_patterns, mutations, near_misses

PATTERNS = model_patterns()
ROOT = Path(__file__).resolve().parents[2]
SCANNING_FILTER = "ScanningRepositoryFilterValue"


def python_re(pattern: str) -> re.Pattern[str]:
    """The reference: Python's backtracking engine with ASCII classes (safe on short values)."""
    return re.compile(pattern, re.ASCII)


def test_the_model_has_patterns_and_each_has_an_example() -> None:
    assert SCANNING_FILTER in PATTERNS
    assert "RepositoryName" in PATTERNS
    assert sorted(name for name in PATTERNS if name not in EXAMPLES) == []


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_model_pattern_compiles_under_re2(name: str) -> None:
    pattern, _ = PATTERNS[name]
    assert model_pattern(pattern).checked, f"RE2 cannot compile {name}'s pattern {pattern}"


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_examples_match_and_re2_agrees_with_re_on_their_mutations(name: str) -> None:
    pattern, _ = PATTERNS[name]
    ours, reference = model_pattern(pattern), python_re(pattern)
    for example in EXAMPLES[name]:
        assert ours.fullmatch(example), example
        values = {*mutations(example), *near_misses(example, 10), *near_misses(example, 13)}
        differ = [v for v in values if ours.fullmatch(v) != bool(reference.fullmatch(v))]
        assert differ == [], f"{name}: {len(differ)} values differ, e.g. {differ[:5]!r}"


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_values_generated_from_a_pattern_match_it(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(PATTERNS)))
    pattern, _ = PATTERNS[name]
    value = data.draw(st.from_regex(python_re(pattern), fullmatch=True))
    assert model_pattern(pattern).fullmatch(value), (name, value)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(PATTERNS)), st.text(max_size=12))
def test_re2_agrees_with_re_on_any_short_text(name: str, value: str) -> None:
    pattern, _ = PATTERNS[name]
    assert model_pattern(pattern).fullmatch(value) == bool(python_re(pattern).fullmatch(value))


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        (r"^\S+$", "a\x0bb", False),  # the vertical tab is a space, as in Java and re.ASCII
        (r"^\S+$", "a\xa0b", True),  # a non-ASCII space is not
        (r"[\w+=]+", "é", False),  # \w is ASCII
        (r"[\w+=]+", "a_1=", True),
        (r"^\S+$", "\ud800", True),  # a lone surrogate is one non-space character
        (r"[a-z]+", "a\ud800", False),
        (r"[]\s]+", "] \t", True),  # "]" first in a class is a member
        (r"\\s", "\\s", True),  # an escaped backslash, then a plain "s"
    ],
)
def test_classes_read_as_the_service_reads_them(pattern: str, value: str, matches: bool) -> None:
    assert model_pattern(pattern).fullmatch(value) is matches


def test_spaces_are_spelled_as_posix_classes() -> None:
    assert re2_syntax(r"^\S+$") == "^[[:^space:]]+$"
    assert re2_syntax(r"[a\s]\s") == "[a[:space:]][[:space:]]"
    assert re2_syntax(r"[^]\S]") == "[^][:^space:]]"
    assert re2_syntax(r"\\S[\w-]") == r"\\S[\w-]"


def test_a_pattern_re2_cannot_compile_checks_nothing() -> None:
    back_reference = ModelPattern(r"(a)\1")
    assert not back_reference.checked
    assert back_reference.fullmatch("anything")


def test_the_validator_and_the_backend_use_re2() -> None:
    for name, (pattern, _) in PATTERNS.items():
        assert isinstance(validation._compiled(pattern), ModelPattern), name
        assert isinstance(constraints._compiled(pattern), ModelPattern), name


# Run in a subprocess, so that a blow-up (which holds the interpreter lock) fails the test on its
# timeout instead of hanging the session.
NEAR_MISS_SCRIPT = """
import json
from ecrtui.ecr import validation
from ecrtui.local import constraints
from tests.ecr.pattern_values import EXAMPLES, model_patterns, near_miss_lengths, near_misses

counts = {}
for name, (pattern, maximum) in sorted(model_patterns().items()):
    checks = [validation._compiled(pattern), constraints._compiled(pattern)]
    tried = matched = 0
    for example in EXAMPLES[name]:
        for length in near_miss_lengths(maximum):
            for value in near_misses(example, length):
                answers = {bool(check.fullmatch(value)) for check in checks}
                assert len(answers) == 1, (name, value)
                tried += 1
                matched += answers.pop()
    counts[name] = [tried, matched]
print(json.dumps(counts))
"""


def test_near_misses_at_every_length_up_to_the_maximum_are_answered_at_once() -> None:
    done = subprocess.run(
        [sys.executable, "-c", NEAR_MISS_SCRIPT],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert sorted(counts) == sorted(PATTERNS)
    for name, (tried, matched) in counts.items():
        assert tried > 1000, name
        # every near miss holds a character the pattern refuses; only \S+ takes it
        assert matched == (tried if name == "Base64" else 0), name


SCANNING_RULES = [
    {
        "scanFrequency": "SCAN_ON_PUSH",
        "repositoryFilters": [{"filter": "a" * 254 + "!", "filterType": "WILDCARD"}],
    }
]
SCANNING_WORDS = "must satisfy regular expression"


def test_the_validator_names_a_near_miss_of_the_longest_scanning_filter() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, sys; from ecrtui.ecr.validation import validate; "
            "problems = validate('PutRegistryScanningConfiguration', json.loads(sys.argv[1])); "
            "print(json.dumps([[p.field, p.rule] for p in problems]))",
            json.dumps({"scanType": "ENHANCED", "rules": SCANNING_RULES}),
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [["rules[0].repositoryFilters[0].filter", "pattern"]]


def test_the_backend_checks_the_same_filter_at_once() -> None:
    params = {"scanType": "ENHANCED", "rules": SCANNING_RULES}
    problem = constraints.first_violation(
        operation_model("PutRegistryScanningConfiguration"), params
    )
    assert problem is not None
    assert "rules[0].repositoryFilters[0].filter" in problem
    assert SCANNING_WORDS in problem


def backend_process() -> Any:
    """`ecrtui local-ecr` in its own process: a backend stuck in a regex cannot stall the test,
    whose client gives up on its read timeout."""
    return local_ecr_process(kill=True)


def test_the_backend_answers_a_near_miss_over_http_with_its_usual_400() -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    with backend_process() as url:
        config = Config(retries={"max_attempts": 1}, parameter_validation=False, read_timeout=20)
        client: Any = boto3.client("ecr", endpoint_url=url, region_name="us-east-1", config=config)
        with pytest.raises(ClientError) as raised:
            client.put_registry_scanning_configuration(scanType="ENHANCED", rules=SCANNING_RULES)
        error = raised.value.response
        assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert error["Error"]["Code"] == "InvalidParameterException"
        assert SCANNING_WORDS in error["Error"]["Message"]
        # and the backend still answers
        assert client.describe_repositories()["repositories"] == []
