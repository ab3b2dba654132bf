"""Which endpoint a client calls, and where it comes from: --endpoint-url, AWS_ENDPOINT_URL_ECR,
AWS_ENDPOINT_URL, the profile's services section, the profile's endpoint_url, else AWS's own.
Each case is checked against the endpoint botocore's client really uses."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecrtui.ecr.client import Target, attempts_in_use, endpoint_in_use, make_client, make_session

CONFIG = """\
[default]
region = us-east-1

[profile plain]
region = eu-west-1

[profile with-url]
region = eu-west-1
endpoint_url = http://profile.example:1001
max_attempts = 7

[profile with-services]
region = eu-west-1
endpoint_url = http://profile.example:1001
services = local

[services local]
ecr =
  endpoint_url = http://services.example:2002

[profile legacy]
region = eu-west-1
retry_mode = legacy
"""


@pytest.fixture(autouse=True)
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text(CONFIG)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name in (
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_ECR",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
    ):
        monkeypatch.delenv(name, raising=False)


def in_use(target: Target) -> tuple[str | None, str]:
    """endpoint_in_use, after checking it names the endpoint botocore's client calls."""
    session = make_session(target)
    url, source = endpoint_in_use(target, session)
    client = make_client(target, session=session)
    assert client.meta.endpoint_url == (
        url or f"https://api.ecr.{client.meta.region_name}.amazonaws.com"
    )
    return url, source


def test_aws_default_without_anything() -> None:
    assert in_use(Target(profile="plain")) == (None, "AWS's endpoint for the region")


def test_profile_endpoint_url() -> None:
    assert in_use(Target(profile="with-url")) == (
        "http://profile.example:1001",
        "endpoint_url of profile with-url",
    )


def test_services_section_beats_the_profile_endpoint_url() -> None:
    assert in_use(Target(profile="with-services")) == (
        "http://services.example:2002",
        "[services local] of profile with-services",
    )


def test_global_variable_beats_the_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://global.example:3003")
    assert in_use(Target(profile="with-services")) == (
        "http://global.example:3003",
        "AWS_ENDPOINT_URL",
    )


def test_ecr_variable_beats_the_global_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://global.example:3003")
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", "http://ecr.example:4004")
    assert in_use(Target(profile="with-url")) == ("http://ecr.example:4004", "AWS_ENDPOINT_URL_ECR")


def test_endpoint_url_option_beats_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", "http://ecr.example:4004")
    target = Target(profile="with-services", endpoint_url="http://option.example:5005")
    assert in_use(target) == ("http://option.example:5005", "--endpoint-url")


def test_configured_endpoints_can_be_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", "http://ecr.example:4004")
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    url, source = in_use(Target(profile="with-url"))
    assert url is None
    assert source == "AWS's endpoint for the region (configured endpoints are ignored)"


def test_unknown_profile_does_not_raise() -> None:
    session = make_session(Target(profile="no-such-profile"))
    assert endpoint_in_use(Target(profile="no-such-profile"), session) == (
        None,
        "AWS's endpoint for the region",
    )


def test_attempts_default_to_the_retry_modes() -> None:
    assert attempts_in_use(make_session(Target(profile="plain"))) == (
        3,
        "botocore's default for standard mode",
    )
    assert attempts_in_use(make_session(Target(profile="legacy"))) == (
        5,
        "botocore's default for legacy mode",
    )


def test_attempts_from_the_profile_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    session = make_session(Target(profile="with-url"))
    assert attempts_in_use(session) == (7, "max_attempts of profile with-url")
    client = make_client(Target(profile="with-url"), session=session)
    assert client.meta.config.retries["total_max_attempts"] == 7
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "4")
    assert attempts_in_use(session) == (4, "AWS_MAX_ATTEMPTS")
    assert attempts_in_use(session, max_attempts=1) == (1, "ecrtui")
