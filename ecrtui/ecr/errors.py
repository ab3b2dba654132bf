"""One error type at the boundary: every failure of a call to ECR becomes an `EcrCallError`.

Screens and commands catch this type only. It carries what an operator needs to act: the code, the
message, the HTTP status, the request id, the operation and the extra fields ECR sent (such as
`lastValidByteReceived`), plus, for problems found before sending, every field problem.

Secrets never get past this boundary: an error's message, text, fields and problems are redacted
when it is made (`ecrtui.ecr.redaction`), so whatever shows, copies or stores an error (the
command line, the console's panels, the journal's rows) has only the redacted words. ECR's
signature errors quote the canonical request, session token included.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from ecrtui.ecr.hints import hint_for
from ecrtui.ecr.redaction import redact, redact_value

if TYPE_CHECKING:
    from ecrtui.ecr.validation import FieldProblem


class ErrorKind(str, Enum):
    """Where a failure came from; the command line maps each kind to an exit status."""

    VALIDATION = "validation"  # bad input, found before anything was sent
    SERVICE = "service"  # ECR answered with an error
    CREDENTIALS = "credentials"  # no, expired or unusable credentials, or no region/profile
    CONNECTION = "connection"  # the endpoint could not be reached or timed out
    OTHER = "other"


# botocore exception class name -> (kind, code used for the hint)
_BOTOCORE_ERRORS: dict[str, tuple[ErrorKind, str]] = {
    "ParamValidationError": (ErrorKind.VALIDATION, "ParamValidation"),
    "NoCredentialsError": (ErrorKind.CREDENTIALS, "NoCredentials"),
    "PartialCredentialsError": (ErrorKind.CREDENTIALS, "NoCredentials"),
    "NoRegionError": (ErrorKind.CREDENTIALS, "NoRegion"),
    "ProfileNotFound": (ErrorKind.CREDENTIALS, "ProfileNotFound"),
    "TokenRetrievalError": (ErrorKind.CREDENTIALS, "SSOTokenExpired"),
    "SSOTokenLoadError": (ErrorKind.CREDENTIALS, "SSOTokenExpired"),
    "UnauthorizedSSOTokenError": (ErrorKind.CREDENTIALS, "SSOTokenExpired"),
    "EndpointConnectionError": (ErrorKind.CONNECTION, "EndpointConnection"),
    "ConnectionClosedError": (ErrorKind.CONNECTION, "EndpointConnection"),
    "ProxyConnectionError": (ErrorKind.CONNECTION, "EndpointConnection"),
    "SSLError": (ErrorKind.CONNECTION, "EndpointConnection"),
    "ConnectTimeoutError": (ErrorKind.CONNECTION, "Timeout"),
    "ReadTimeoutError": (ErrorKind.CONNECTION, "Timeout"),
}

# What botocore's own errors say that an operator needs for the next step.
_KEPT_DETAILS = ("profile", "endpoint_url")

# Service error codes that mean the credentials, not the request, are the problem.
_CREDENTIAL_CODES = {
    "ExpiredTokenException",
    "ExpiredToken",
    "RequestExpired",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
}


@dataclass
class EcrCallError(Exception):
    code: str
    message: str
    kind: ErrorKind
    operation: str | None = None
    http_status: int | None = None
    request_id: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[FieldProblem] = field(default_factory=list)
    text: str = ""  # the error as the aws CLI words it

    def __post_init__(self) -> None:
        self.message = redact(self.message)
        self.text = redact(self.text)
        self.fields = redact_value(self.fields)
        self.problems = [
            dataclasses.replace(
                problem, message=redact(problem.message), value=redact(problem.value)
            )
            for problem in self.problems
        ]
        super().__init__(self.text or f"{self.code}: {self.message}")

    def __str__(self) -> str:
        return self.text or f"{self.code}: {self.message}"

    @property
    def hint(self) -> str | None:
        return hint_for(self.code, self.fields)

    @classmethod
    def invalid_request(cls, operation: str, problems: list[FieldProblem]) -> EcrCallError:
        """Problems found by ecrtui's validator; nothing was sent."""
        lines = "\n".join(problem.message for problem in problems)
        return cls(
            code="ParamValidation",
            message=f"{len(problems)} invalid parameter(s)",
            kind=ErrorKind.VALIDATION,
            operation=operation,
            problems=problems,
            text=f"Parameter validation failed:\n{lines}",
        )

    @classmethod
    def from_exception(cls, error: BaseException, operation: str | None = None) -> EcrCallError:
        """Translate whatever botocore raised into the one error type."""
        if isinstance(error, EcrCallError):
            return error
        response = getattr(error, "response", None)
        if isinstance(response, dict) and "Error" in response:
            return cls._from_client_error(error, response, operation)
        for klass in type(error).__mro__:
            if klass.__name__ in _BOTOCORE_ERRORS:
                kind, code = _BOTOCORE_ERRORS[klass.__name__]
                details = getattr(error, "kwargs", None) or {}
                fields = {name: details[name] for name in _KEPT_DETAILS if name in details}
                return cls(code, str(error), kind, operation, fields=fields, text=str(error))
        if isinstance(error, sqlite3.Error):
            text = f"the journal cannot be read or written: {error}"
            return cls("JournalError", text, ErrorKind.OTHER, operation, text=text)
        if isinstance(error, TimeoutError):
            return cls("Timeout", str(error), ErrorKind.CONNECTION, operation, text=str(error))
        if isinstance(error, ConnectionError):
            kind = ErrorKind.CONNECTION
            return cls("EndpointConnection", str(error), kind, operation, text=str(error))
        if isinstance(error, OSError):
            text = str(error)
            return cls("LocalFileError", text, ErrorKind.OTHER, operation, text=text)
        name = type(error).__name__
        return cls(name, str(error), ErrorKind.OTHER, operation, text=str(error))

    @classmethod
    def _from_client_error(
        cls, error: BaseException, response: dict[str, Any], operation: str | None
    ) -> EcrCallError:
        details = response.get("Error", {})
        metadata = response.get("ResponseMetadata", {})
        code = str(details.get("Code", "Unknown"))
        extra = {
            key: value
            for key, value in response.items()
            if key not in ("Error", "ResponseMetadata", "message", "Message")
        }
        kind = ErrorKind.CREDENTIALS if code in _CREDENTIAL_CODES else ErrorKind.SERVICE
        return cls(
            code=code,
            message=str(details.get("Message", "")),
            kind=kind,
            operation=operation or getattr(error, "operation_name", None),
            http_status=metadata.get("HTTPStatusCode"),
            request_id=metadata.get("RequestId"),
            fields=extra,
            text=str(error),
        )
