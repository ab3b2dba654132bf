"""Secrets out of text: what an error, a log line or a journal row may quote of a credential.

ECR's signature errors quote the canonical request they computed, headers included, so a message
can hold the session token (`x-amz-security-token:…`), the access key id (`Credential=AKIA…/…`)
or a signature; a registry error can quote a Basic token or a password. `redact` hides each such
value and keeps the words around it, so the message still tells what went wrong:

    >>> redact("x-amz-security-token:IQoJb3JpZ2luX2VjE\\nCredential=AKIAIOSFODNN7EXAMPLE/2024")
    'x-amz-security-token:<redacted>\\nCredential=AKIA…(hidden)/2024'

Access key ids keep their first four letters (AKIA: a long-term key, ASIA: a temporary one).
Redacting twice gives the same text as redacting once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

HIDDEN = "<redacted>"

# Names whose value is a credential, as a header, a query parameter, a JSON or Python key, or an
# environment or config variable; each followed by ":" or "=" (quotes and spaces allowed).
_SECRET_NAMES = (
    r"x-amz-security-token|x-amz-signature|x-amz-credential"
    r"|(?:aws_)?(?:secret_?access_?key|session_?token|security_?token)"
    r"|authorization_?token|password|passwd"
)
_QUOTED = r"(\"(?:[^\"\\\n]|\\.)*\"|'[^'\n]*')"
# Where a name starts: not inside a longer word, but right after an escaped line break or tab
# (a response body in a --debug log shows "\n" as two characters).
_START = r"(?:(?<![\w-])|(?<=\\[nrt]))"
# A bare value ends at a space, a separator or a quote, or at an escape other than "\/".
_BARE = r"((?:[^\s&,;'\"<>)}\]\\]|\\(?![nrt\"\\]))+)"
# name": b'value, name=value, name: value (b only before a quote: a Python bytes literal)
_SEPARATOR = r"[\"']?[ \t]*[:=][ \t]*(?:(?-i:b)(?=[\"']))?"
_NAMED = re.compile(rf"(?i){_START}((?:{_SECRET_NAMES}){_SEPARATOR})(?:{_QUOTED}|{_BARE})")
# An Authorization header: its whole value to the end of the line, except a SigV4 one, whose
# access key id and signature are hidden below and whose signed headers stay readable.
_AUTHORIZATION = re.compile(
    rf"(?i){_START}(authorization{_SEPARATOR})(?:{_QUOTED}|([^\r\n]*[^\s]))"
)
_CREDENTIAL = re.compile(rf"(?i)({_START}(?:x-amz-)?credential=)([^/&,\s'\"\\]+)")
_SIGNATURE = re.compile(r"(?i)((?<![\w])(?:x-amz-)?signature=)([^&,\s'\"]+)")
_XML = re.compile(
    r"(?i)(<(SecretAccessKey|SessionToken|SecurityToken|Password|AuthorizationToken)>)([^<]*)(</)"
)
_BASIC = re.compile(r"(?i)\b((?:Basic|Bearer)\s+)([A-Za-z0-9._~+/-]*[0-9+/=][A-Za-z0-9._~+/=-]*)")
# a URL scheme is short (RFC 3986 sets no limit; 32 keeps the search linear in the text)
_URL_PASSWORD = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]{0,31}://[^\s/:@]+:)([^\s/@]+)(@)")
_PASSWORD_FLAG = re.compile(r"(--password[=\s]+)(\S+)")
_ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[A-Z0-9]{16}\b")

# Keys of a mapping whose value is a credential, whatever it holds.
SECRET_KEYS = frozenset(
    {
        "authorizationtoken",
        "password",
        "secretaccesskey",
        "sessiontoken",
        "securitytoken",
        "aws_secret_access_key",
        "aws_session_token",
        "authorization",
        "x-amz-security-token",
    }
)


def redact(text: str) -> str:
    """`text` with every credential it quotes hidden (see the module's docstring)."""
    if not text:
        return text
    text = _AUTHORIZATION.sub(_authorization, text)
    text = _NAMED.sub(_named, text)
    text = _CREDENTIAL.sub(lambda m: m.group(1) + _key_id(m.group(2)), text)
    text = _SIGNATURE.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _XML.sub(lambda m: m.group(1) + HIDDEN + m.group(4), text)
    text = _BASIC.sub(lambda m: m.group(1) + HIDDEN, text)
    text = _URL_PASSWORD.sub(lambda m: m.group(1) + HIDDEN + m.group(3), text)
    text = _PASSWORD_FLAG.sub(lambda m: m.group(1) + HIDDEN, text)
    return _ACCESS_KEY_ID.sub(lambda m: m.group(1) + "…(hidden)", text)


def redact_value(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with every credential hidden: the
    values of credential keys whole, and what strings quote of one."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {
            key: HIDDEN
            if isinstance(key, str) and key.lower() in SECRET_KEYS and value[key]
            else redact_value(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return type(value)(redact_value(item) for item in value)
    return value


def _named(match: re.Match[str]) -> str:
    name, quoted = match.group(1), match.group(2)
    if quoted is not None:
        return f"{name}{quoted[0]}{HIDDEN}{quoted[-1]}"
    return f"{name}{HIDDEN}"


def _authorization(match: re.Match[str]) -> str:
    value = match.group(2)[1:-1] if match.group(2) is not None else match.group(3)
    if value.startswith("AWS4-"):
        return match.group(0)
    return _named(match)


def _key_id(value: str) -> str:
    if value == HIDDEN or value.endswith("…(hidden)"):
        return value
    found = _ACCESS_KEY_ID.fullmatch(value)
    return found.group(1) + "…(hidden)" if found else HIDDEN
