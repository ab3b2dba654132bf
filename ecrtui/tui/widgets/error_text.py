"""An error as the operator reads it (code, message, next step, facts) and as it is copied (JSON).

Shared by the response panel and the failure panel. Every string in an error came from ECR, the
network, a file or the operator, so each goes in as plain text with its control characters
escaped; access key ids and credential fields are hidden.
"""

from __future__ import annotations

import json
import re
from typing import Any

from textual.content import Content

from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.plain_text import visible, visible_lines
from ecrtui.tui.text import to_json

# Response members that are credentials; drawn and copied as "<hidden>", never in clear.
SECRET_KEYS = frozenset(
    {"authorizationToken", "password", "secretAccessKey", "sessionToken", "SecretAccessKey"}
)
_ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")


def error_content(error: EcrCallError) -> Content:
    """Code, message, each problem, the next step (before the details, so it shows first on a
    small terminal), then HTTP status, request id, operation and ECR's extra fields."""
    colour = "$text-warning" if error.kind == ErrorKind.VALIDATION else "$text-error"
    parts: list[str | Content | tuple[str, str]] = [
        (visible(error.code), f"bold {colour}"),
        "\n",
        visible_lines(redact(error.message)),
        "\n",
    ]
    if error.problems:
        parts.append("\n")
        for problem in error.problems:
            parts.extend([("✗ ", colour), visible_lines(redact(problem.message)), "\n"])
    if error.hint:
        parts.extend(["\n", (f"Next step: {visible_lines(error.hint)}", "bold"), "\n"])
    facts: list[tuple[str, Any]] = [
        ("HTTP status", error.http_status),
        ("Request id", error.request_id),
        ("Operation", error.operation),
        *error.fields.items(),
    ]
    shown = [(name, value) for name, value in facts if value is not None]
    if shown:
        parts.append("\n")
    for name, value in shown:
        parts.extend(
            [(f"{visible(str(name))}: ", "bold"), visible(redact(field_text(value))), "\n"]
        )
    return Content.assemble(*parts).rstrip()


def error_json(error: EcrCallError, operation: str | None = None) -> str:
    """The error as a JSON object to copy: the whole request id, for AWS support."""
    return to_json(error_document(error, operation))


def error_document(error: EcrCallError, operation: str | None = None) -> dict[str, Any]:
    """The error as it is shown and copied: no secret, and the next step."""
    copied: dict[str, Any] = {
        "code": error.code,
        "message": redact(error.message),
        "httpStatus": error.http_status,
        "requestId": error.request_id,
        "operation": error.operation or operation,
    }
    for name, value in without_secrets(error.fields).items():
        copied.setdefault(name, value)
    if error.problems:
        copied["problems"] = [
            {"field": p.field, "rule": p.rule, "message": redact(p.message)} for p in error.problems
        ]
    copied["hint"] = error.hint
    return copied


def field_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


def without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: "<hidden>" if key in SECRET_KEYS else without_secrets(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [without_secrets(item) for item in value]
    return redact(value) if isinstance(value, str) else value


def redact(text: str) -> str:
    """Access key ids out of error messages (signature errors can quote them)."""
    return _ACCESS_KEY_ID.sub(lambda m: m.group(1) + "…(hidden)", text)


def format_duration(duration_ms: float) -> str:
    """84 ms, 1.2 s, 2 min 5 s."""
    if duration_ms < 1000:
        return f"{duration_ms:.0f} ms"
    seconds = duration_ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest} s"
