"""ecrtui's data loader knows the same services as botocore's, and loads the same models."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError
from botocore.loaders import Loader

from ecrtui.ecr.client import Target, make_session
from ecrtui.ecr.model import model_session
from ecrtui.ecr.service_loader import KnownServices, ServiceLoader, create_loader

TYPES = ("service-2", "paginators-1", "endpoint-rule-set-1", "waiters-2")


@pytest.mark.parametrize("type_name", TYPES)
def test_known_services_are_botocores(type_name: str) -> None:
    ours, theirs = create_loader(), Loader()
    known = ours.list_available_services(type_name)
    assert isinstance(known, KnownServices)
    listed = theirs.list_available_services(type_name)
    for service in ("ecr", "sts", "cloudtrail", "s3", "not-a-service", "ecr/../ecr"):
        assert (service in known) == (service in listed), service
    assert list(known) == listed
    assert len(known) == len(listed) and known[0] == listed[0]


def test_the_models_are_botocores() -> None:
    ours, theirs = create_loader(), Loader()
    for type_name in ("service-2", "paginators-1", "endpoint-rule-set-1"):
        assert ours.load_service_model("ecr", type_name) == theirs.load_service_model(
            "ecr", type_name
        )


def test_an_unknown_service_is_botocores_error_listing_the_known_ones() -> None:
    with pytest.raises(UnknownServiceError, match=r"Valid service names are: .*ecr"):
        create_loader().load_service_model("not-a-service", "service-2")


def test_a_data_path_is_searched_first(tmp_path: object) -> None:
    loader = create_loader(f"{tmp_path}")
    assert loader.search_paths[0] == str(tmp_path)
    assert loader.search_paths[1:] == Loader().search_paths


def test_sessions_share_the_model_sessions_loader() -> None:
    shared = model_session().get_component("data_loader")
    assert isinstance(shared, ServiceLoader)
    session = make_session(Target(region="us-east-1"))
    assert session.get_component("data_loader") is shared
    assert botocore.session.Session().get_component("data_loader") is not shared


def test_a_profile_with_its_own_data_path_keeps_its_own_loader(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    config = Path(str(tmp_path)) / "config"
    config.write_text(f"[profile other]\ndata_path = {tmp_path}\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    session = make_session(Target(profile="other"))
    loader = session.get_component("data_loader")
    assert loader is not model_session().get_component("data_loader")
    assert loader.search_paths[0] == str(tmp_path)
