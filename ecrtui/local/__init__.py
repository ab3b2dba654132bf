"""A local ECR-compatible backend: moto's ECR and STS handlers, with the upload rules moto lacks.

No Textual here. Importing this package is cheap: moto and botocore load when a backend starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ecrtui.local.rules import BackendSettings
    from ecrtui.local.server import LocalEcr

__all__ = ["BackendSettings", "LocalEcr"]


def __getattr__(name: str) -> object:
    if name == "LocalEcr":
        from ecrtui.local.server import LocalEcr

        return LocalEcr
    if name == "BackendSettings":
        from ecrtui.local.rules import BackendSettings

        return BackendSettings
    raise AttributeError(name)
