"""botocore's model files for ECR, read from its data directory without importing botocore.

A command that needs only the API model (a `--generate-cli-skeleton`) reads the same JSON file
botocore would, in the order botocore searches: the directories of AWS_DATA_PATH, then
~/.aws/models, then botocore's own `data` directory. As in botocore, the newest API version found
in any of them wins, a file may be plain or gzipped JSON, and a `service-2.sdk-extras.json` beside
it is merged in. (A `data_path` set in the AWS config file instead of AWS_DATA_PATH is honoured by
the commands that load botocore, not here.)
"""

from __future__ import annotations

import functools
import gzip
import json
import os
from collections.abc import Iterator
from typing import Any

SERVICE = "ecr"
SERVICE_MODEL = "service-2"
_EXTENSIONS = (".json", ".json.gz")


class ModelFileMissing(LookupError):
    """No directory on the search path holds the model file asked for."""


def search_paths() -> list[str]:
    """Where botocore looks for model files, first match first."""
    extra = os.environ.get("AWS_DATA_PATH")
    paths = [
        os.path.expanduser(os.path.expandvars(path)) for path in (extra or "").split(os.pathsep)
    ]
    paths = [path for path in paths if path] if extra else []
    paths.append(os.path.join(os.path.expanduser("~"), ".aws", "models"))
    builtin = _botocore_data_directory()
    if builtin:
        paths.append(builtin)
    return paths


@functools.cache
def _botocore_data_directory() -> str | None:
    """botocore's `data` directory, found as the import system would find the package."""
    from importlib.machinery import PathFinder

    spec = PathFinder.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return None
    return os.path.join(next(iter(spec.submodule_search_locations)), "data")


def _file(base: str) -> str | None:
    """The file `base` stands for: base.json or base.json.gz, as botocore tries them."""
    for extension in _EXTENSIONS:
        if os.path.isfile(base + extension):
            return base + extension
    return None


def _versions(service: str, type_name: str) -> Iterator[str]:
    for path in search_paths():
        directory = os.path.join(path, service)
        if not os.path.isdir(directory):
            continue
        for version in os.listdir(directory):
            if _file(os.path.join(directory, version, type_name)):
                yield version


def latest_version(service: str = SERVICE, type_name: str = SERVICE_MODEL) -> str:
    """The newest API version any search path holds this model file for (botocore's choice)."""
    versions = set(_versions(service, type_name))
    if not versions:
        raise ModelFileMissing(f"no {type_name} model for {service} in {search_paths()}")
    return max(versions)


def _read(name: str) -> dict[str, Any] | None:
    """The JSON of data path `name` (e.g. ecr/2015-09-21/service-2) from the first search path
    that holds it; None when none does."""
    for path in search_paths():
        found = _file(os.path.join(path, name))
        if found is None:
            continue
        opener = gzip.open if found.endswith(".gz") else open
        with opener(found, "rb") as stream:
            data: dict[str, Any] = json.loads(stream.read().decode("utf-8"))
        return data
    return None


def load_model(service: str = SERVICE, type_name: str = SERVICE_MODEL) -> dict[str, Any]:
    """A model file of the newest API version, its sdk-extras merged in as botocore merges them."""
    version = latest_version(service, type_name)
    model = _read(f"{service}/{version}/{type_name}")
    if model is None:
        raise ModelFileMissing(f"no {service}/{version}/{type_name} in {search_paths()}")
    extras = _read(f"{service}/{version}/{type_name}.sdk-extras")
    if extras and "merge" in extras:
        _deep_merge(model, extras["merge"])
    return model


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(base.get(key), dict) and isinstance(value, dict):
            _deep_merge(base[key], value)
        else:
            base[key] = value


@functools.cache
def service_description() -> dict[str, Any]:
    """ECR's service model (service-2) as botocore would load it, read once."""
    return load_model()
