"""A call from the history in words: what was asked and what came back, as an operator reads it.

A probe is an UploadLayerPart at an offset no upload reaches; ECR's refusal is its answer, so the
history says "probe" and "ECR holds 10 MiB", not "UploadLayerPart" and an error code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecrtui.uploads.progress_text import size

# The offset a probe sends its empty part at (ecrtui.uploads.engine.PROBE_OFFSET); anything this
# far out is a probe, never a part of a layer (ECR's largest layer is 52,000 MiB).
_PROBE_FROM = 2**40


def is_probe(operation: str, parameters: Mapping[str, Any]) -> bool:
    first = parameters.get("partFirstByte")
    return operation == "UploadLayerPart" and isinstance(first, int) and first >= _PROBE_FROM


def asked(operation: str, parameters: Mapping[str, Any]) -> str:
    """'probe', 'bytes 0-10485759', 'sha256:9a77f85878aa…', or ''."""
    if is_probe(operation, parameters):
        return "probe"
    if "partFirstByte" in parameters:
        return f"bytes {parameters['partFirstByte']}-{parameters.get('partLastByte')}"
    if "layerDigests" in parameters:
        return ", ".join(str(digest)[:19] + "…" for digest in parameters["layerDigests"])
    return ""


def answered(
    operation: str,
    parameters: Mapping[str, Any],
    outcome: str,
    fields: Mapping[str, Any] | None = None,
) -> str:
    """'ok', an error code, or for a probe 'ECR holds 10.0 MiB'."""
    last = (fields or {}).get("lastValidByteReceived")
    if is_probe(operation, parameters) and outcome == "InvalidLayerPartException":
        if isinstance(last, int):
            return f"ECR holds {size(last + 1)}"
        return "ECR holds an unknown number of bytes"
    return outcome
