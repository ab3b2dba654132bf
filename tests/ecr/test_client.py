"""The client factory honours the standard AWS configuration, with `standard` retries by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecrtui.ecr.client import Target, make_client


@pytest.fixture
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config"
    config.write_text(
        "[profile ops]\nregion = eu-west-1\nretry_mode = adaptive\n"
        "[profile plain]\nregion = ap-south-1\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = s\n"
        "[plain]\naws_access_key_id = AKIAPLAIN\naws_secret_access_key = s\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_RETRY_MODE", raising=False)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    return config


def test_retries_are_standard_unless_configured(aws_config: Path) -> None:
    client = make_client(Target(profile="plain"))
    assert client.meta.config.retries["mode"] == "standard"
    assert client.meta.region_name == "ap-south-1"


def test_the_profile_retry_mode_wins(aws_config: Path) -> None:
    client = make_client(Target(profile="ops"))
    assert client.meta.config.retries["mode"] == "adaptive"
    assert client.meta.region_name == "eu-west-1"


def test_aws_retry_mode_environment_wins(aws_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "legacy")
    assert make_client(Target(profile="plain")).meta.config.retries["mode"] == "legacy"


def test_region_option_beats_the_profile(aws_config: Path) -> None:
    assert make_client(Target(profile="ops", region="us-west-2")).meta.region_name == "us-west-2"


def test_profile_credentials_are_used(aws_config: Path) -> None:
    client = make_client(Target(profile="ops"))
    assert client._request_signer._credentials.access_key == "AKIAOPS"


def test_service_endpoint_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    assert make_client(Target()).meta.endpoint_url == "http://127.0.0.1:9"
    monkeypatch.setenv("AWS_ENDPOINT_URL_ECR", "http://127.0.0.1:10")
    assert make_client(Target()).meta.endpoint_url == "http://127.0.0.1:10"
    explicit = Target(endpoint_url="http://localhost:11")
    assert make_client(explicit).meta.endpoint_url == "http://localhost:11"


def test_default_endpoint_is_the_regional_ecr_api() -> None:
    client = make_client(Target(region="eu-central-1"))
    assert client.meta.endpoint_url == "https://api.ecr.eu-central-1.amazonaws.com"


def test_timeouts_reach_the_client() -> None:
    client = make_client(Target(region="us-east-1", read_timeout=7, connect_timeout=3))
    assert (client.meta.config.read_timeout, client.meta.config.connect_timeout) == (7, 3)


def test_a_one_shot_command_makes_one_session_and_the_console_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A headless command without a profile takes the session the models come from; with a
    profile, or in the console (not one shot), each client has a session of its own."""
    from ecrtui.ecr.client import Target, make_session
    from ecrtui.ecr.model import model_session

    monkeypatch.delenv("AWS_PROFILE", raising=False)
    target = Target(region="us-east-1", endpoint_url="http://127.0.0.1:9")
    assert make_session(target, one_shot=True) is model_session()
    assert make_session(target) is not model_session()
    with_profile = Target(profile="work", region="us-east-1")
    assert make_session(with_profile, one_shot=True) is not model_session()
