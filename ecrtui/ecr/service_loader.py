"""botocore's data loader, asking one service's directory whether that service has a model.

Before it reads a model file (ECR's service-2, paginators-1, endpoint-rule-set-1), botocore's
Loader checks the service is known by listing every service directory of every search path
(400-odd in botocore's data directory) and looking inside each: a few milliseconds for each kind
of file a command reads, several times per command. `ServiceLoader` answers "is ecr known?" by
looking in the search paths' `ecr` directories alone; the full listing is still built, once,
when something iterates it (an unknown service's error message lists the known ones).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any, overload

from botocore.loaders import Loader


class KnownServices(Sequence[str]):
    """The services with a `type_name` model file, as botocore lists them, with a quick `in`."""

    def __init__(self, loader: ServiceLoader, type_name: str) -> None:
        self._loader, self._type_name = loader, type_name
        self._found: dict[str, bool] = {}

    def __contains__(self, service: object) -> bool:
        if not isinstance(service, str):
            return False
        if service not in self._found:
            self._found[service] = self._loader.has_model(service, self._type_name)
        return self._found[service]

    def _all(self) -> list[str]:
        listed: list[str] = Loader.list_available_services(self._loader, self._type_name)
        return listed

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._all()[index]

    def __len__(self) -> int:
        return len(self._all())

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())


class ServiceLoader(Loader):  # type: ignore[misc]  # botocore has no type hints
    """botocore's Loader with a quick answer to whether a service has a model file."""

    def list_available_services(self, type_name: str) -> KnownServices:
        return KnownServices(self, type_name)

    def has_model(self, service: str, type_name: str) -> bool:
        """Whether any search path holds `service/<version>/<type_name>` (.json or .json.gz).

        As in botocore's listing, a service is a directory directly inside a search path: a
        name that is a path (`ecr/../ecr`, `.`) is none."""
        if service in ("", ".", "..") or any(sep and sep in service for sep in (os.sep, os.altsep)):
            return False
        for path in self.search_paths:
            directory = os.path.join(path, service)
            if not os.path.isdir(directory):
                continue
            for version in os.listdir(directory):
                if self.file_loader.exists(os.path.join(directory, version, type_name)):
                    return True
        return False


def create_loader(search_path_string: str | None = None) -> Any:
    """A ServiceLoader searching as botocore's `create_loader` does: the AWS_DATA_PATH (or
    data_path) directories, then ~/.aws/models and botocore's own data directory."""
    if search_path_string is None:
        return ServiceLoader()
    paths = [
        os.path.expanduser(os.path.expandvars(path))
        for path in search_path_string.split(os.pathsep)
    ]
    return ServiceLoader(extra_search_paths=paths)
