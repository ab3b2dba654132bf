"""botocore's ECR service model, the one source of the API's rules, loaded once on first use."""

from __future__ import annotations

import functools
from typing import Any

SERVICE = "ecr"


@functools.cache
def model_session() -> Any:
    """The one botocore session the models come from. Its data loader keeps each model file it
    has read, and every session `ecrtui.ecr.client` makes borrows it, so a command reads
    ECR's model, paginators and endpoints once, however many sessions and clients it makes."""
    import botocore.session

    from ecrtui.ecr.service_loader import create_loader

    session = botocore.session.get_session()
    loader = create_loader(session.get_config_variable("data_path"))
    session.register_component("data_loader", loader)
    return session


@functools.cache
def service_model() -> Any:
    return model_session().get_service_model(SERVICE)


@functools.cache
def paginator_model() -> Any:
    """ECR's pagination rules (botocore's paginators-1 model)."""
    return model_session().get_paginator_model(SERVICE)


def operation_model(name: str) -> Any:
    """The model of one operation, by its API name (e.g. "CompleteLayerUpload")."""
    from botocore.model import OperationNotFoundError

    try:
        return service_model().operation_model(name)
    except OperationNotFoundError:
        raise ValueError(f"ECR has no operation named {name!r}") from None


def cli_name(operation: str) -> str:
    """The aws CLI's name for an operation: CompleteLayerUpload -> complete-layer-upload."""
    import botocore

    return str(botocore.xform_name(operation, "-"))


def operation_for_cli_name(command: str) -> str | None:
    by_cli_name = {cli_name(name): name for name in service_model().operation_names}
    return by_cli_name.get(command)
