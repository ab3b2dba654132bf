"""The client factory: the standard AWS credential chain, profiles, regions and endpoints.

Everything botocore reads on its own still applies (AWS_PROFILE, AWS_REGION, the config and
credentials files, SSO, AWS_ENDPOINT_URL_ECR / AWS_ENDPOINT_URL, AWS_MAX_ATTEMPTS); explicit
options win. Retries use botocore's `standard` mode, as the aws CLI does, unless the user's config
or AWS_RETRY_MODE chooses another.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from ecrtui import __version__


@dataclass(frozen=True)
class Target:
    """Where calls go: a profile, region and endpoint; None means "as AWS config says"."""

    profile: str | None = None
    region: str | None = None
    endpoint_url: str | None = None
    read_timeout: float | None = None
    connect_timeout: float | None = None
    verify_ssl: bool = True
    # The embedded local backend accepts any signature: fixed dummy credentials keep real ones
    # from ever being sent to it.
    local_backend: bool = False


def make_session(target: Target, raw_timestamps: bool = False, one_shot: bool = False) -> Any:
    """A botocore session for this target.

    raw_timestamps keeps timestamps as the service sent them (epoch seconds), as the aws CLI v1
    prints them. one_shot: the process makes this one client and exits (a headless command), so
    without a profile of its own it takes the session the models come from instead of making a
    second one; the console, which makes clients for several targets, never does.
    """
    import botocore.session

    if one_shot and target.profile is None:
        from ecrtui.ecr.model import model_session

        session = model_session()  # the same profile: the environment's, as botocore reads it
    else:
        session = botocore.session.Session(profile=target.profile)
        _share_model_files(session)
    if target.local_backend:
        session.set_credentials("ECRTUILOCALDEMO", "ecrtui-local-demo")
    if target.region:
        session.set_config_variable("region", target.region)
    if raw_timestamps:
        factory = session.get_component("response_parser_factory")
        factory.set_parser_defaults(timestamp_parser=lambda value: value)
    return session


def _share_model_files(session: Any) -> None:
    """Let the session read botocore's model files through the data loader of
    `ecrtui.ecr.model`, which keeps what it has read, when both search the same directories (a
    profile may set its own data_path)."""
    from ecrtui.ecr.model import model_session

    shared = model_session()
    try:
        same = session.get_config_variable("data_path") == shared.get_config_variable("data_path")
    except Exception:  # a missing profile surfaces later, when the client is made
        return
    if same:
        session.register_component("data_loader", shared.get_component("data_loader"))


def retry_mode(session: Any) -> str:
    """The user's retry mode if they chose one, else `standard` (the aws CLI's default)."""
    chosen = os.environ.get("AWS_RETRY_MODE")
    if chosen:
        return chosen
    try:
        scoped = session.get_scoped_config()
    except Exception:  # a missing profile surfaces later, when the client is made
        scoped = {}
    return str(scoped.get("retry_mode") or "standard")


def make_client(
    target: Target,
    service: str = "ecr",
    *,
    session: Any = None,
    raw_timestamps: bool = False,
    max_attempts: int | None = None,
    one_shot: bool = False,
) -> Any:
    """A botocore client for `service` at this target. Raises botocore's own errors
    (ProfileNotFound, NoRegionError); callers wrap them with EcrCallError.from_exception.
    one_shot: see `make_session`."""
    from botocore.config import Config

    session = session or make_session(target, raw_timestamps=raw_timestamps, one_shot=one_shot)
    retries: dict[str, Any] = {"mode": retry_mode(session)}
    if max_attempts is not None:
        retries["total_max_attempts"] = max_attempts
    timeouts = {
        name: value
        for name, value in (
            ("read_timeout", target.read_timeout),
            ("connect_timeout", target.connect_timeout),
        )
        if value is not None
    }
    config = Config(retries=retries, user_agent_extra=f"ecrtui/{__version__}", **timeouts)
    return session.create_client(
        service,
        endpoint_url=target.endpoint_url,
        verify=target.verify_ssl,
        config=config,
    )


# The total attempts botocore makes in each retry mode when nothing sets max_attempts.
_DEFAULT_ATTEMPTS = {"standard": 3, "adaptive": 3, "legacy": 5}

# What botocore reads, in its order, when no endpoint is passed to the client
# (botocore.configprovider.ConfiguredEndpointProvider): the service's environment variable, the
# global one, the ECR entry of the profile's `services` section, then the profile's endpoint_url.
ENDPOINT_ORDER = (
    "--endpoint-url",
    "AWS_ENDPOINT_URL_ECR",
    "AWS_ENDPOINT_URL",
    "services section of the profile",
    "endpoint_url of the profile",
)


def endpoint_in_use(target: Target, session: Any, service: str = "ecr") -> tuple[str | None, str]:
    """The endpoint a client of this target calls and where it comes from, in botocore's order
    (see ENDPOINT_ORDER); None means AWS's own endpoint for the region. Configured endpoints
    (environment and config file, not --endpoint-url) are skipped when
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or the profile's ignore_configured_endpoint_urls is true,
    as botocore skips them."""
    if target.endpoint_url:
        return target.endpoint_url, "--endpoint-url"
    try:
        scoped = session.get_scoped_config()
        ignored = session.get_config_variable("ignore_configured_endpoint_urls")
        full = session.full_config
    except Exception:  # a missing profile surfaces when the client is made
        scoped, ignored, full = {}, False, {}
    if ignored:
        return None, "AWS's endpoint for the region (configured endpoints are ignored)"
    variable = f"AWS_ENDPOINT_URL_{service.upper().replace('-', '_')}"
    for name in (variable, "AWS_ENDPOINT_URL"):
        if os.environ.get(name):
            return os.environ[name], name
    profile = _profile_name(session)
    section = scoped.get("services")
    if section:
        entry = full.get("services", {}).get(section, {}).get(service.replace("-", "_"), {})
        if isinstance(entry, dict) and entry.get("endpoint_url"):
            where = f"[services {section}] of profile {profile}"
            return str(entry["endpoint_url"]), where
    if scoped.get("endpoint_url"):
        return str(scoped["endpoint_url"]), f"endpoint_url of profile {profile}"
    return None, "AWS's endpoint for the region"


def _profile_name(session: Any) -> str:
    try:
        return str(session.profile or "default")
    except Exception:
        return "default"


def attempts_in_use(session: Any, max_attempts: int | None = None) -> tuple[int, str]:
    """The total attempts (first call included) a client made by `make_client` makes per call,
    and where the number comes from: ecrtui's own choice, AWS_MAX_ATTEMPTS or the profile's
    max_attempts (botocore reads both), else the retry mode's default."""
    if max_attempts is not None:
        return max_attempts, "ecrtui"
    if os.environ.get("AWS_MAX_ATTEMPTS"):
        try:
            return int(os.environ["AWS_MAX_ATTEMPTS"]), "AWS_MAX_ATTEMPTS"
        except ValueError:
            pass
    try:
        configured = session.get_scoped_config().get("max_attempts")
    except Exception:  # a missing profile surfaces when the client is made
        configured = None
    if configured:
        try:
            return int(configured), f"max_attempts of profile {_profile_name(session)}"
        except ValueError:
            pass
    mode = retry_mode(session)
    return _DEFAULT_ATTEMPTS.get(mode, 3), f"botocore's default for {mode} mode"
