"""Secrets never get past the error boundary: what an error quotes of a credential is hidden when
the error is made, and the words around it are kept."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.ecr.redaction import HIDDEN, redact, redact_value
from ecrtui.ecr.validation import FieldProblem

TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDecrtuiTestToken+abc/def=="
KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
BASIC = "QVdTOmV5SndZWGxzYjJGa0lqb2laR0Z0Ykc4aWZRPT0="


def canonical_request_message(token: str) -> str:
    """ECR's signature-mismatch message: it quotes the canonical request, headers included."""
    return (
        "The request signature we calculated does not match the signature you provided. Check "
        "your AWS Secret Access Key and signing method. Consult the service documentation for "
        "details.\n\nThe Canonical String for this request should have been\n'POST\n/\n\n"
        "content-type:application/x-amz-json-1.1\nhost:api.ecr.us-east-1.amazonaws.com\n"
        f"x-amz-date:20240101T000000Z\nx-amz-security-token:{token}\n"
        "x-amz-target:AmazonEC2ContainerRegistry_V20150921.UploadLayerPart\n\n"
        "content-type;host;x-amz-date;x-amz-security-token;x-amz-target\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'"
    )


CASES = [
    # (text, the secret it holds, words that must stay)
    (canonical_request_message(TOKEN), TOKEN, ["x-amz-target:AmazonEC2ContainerRegistry"]),
    (
        f"Authorization: AWS4-HMAC-SHA256 Credential={KEY_ID}/20240101/us-east-1/ecr/"
        f"aws4_request, SignedHeaders=host;x-amz-date, Signature={SIGNATURE}",
        SIGNATURE,
        ["Authorization: AWS4-HMAC-SHA256 Credential=AKIA…(hidden)/", "SignedHeaders=host;"],
    ),
    (f"Signature mismatch for Credential={KEY_ID}/20240101", KEY_ID, ["/20240101", "AKIA…"]),
    (f"SignedHeaders=host, Signature={SIGNATURE}", SIGNATURE, ["SignedHeaders=host"]),
    (
        f"https://b.s3.amazonaws.com/l?X-Amz-Credential=ASIAIOSFODNN7EXAMPLE%2F2024"
        f"&X-Amz-Security-Token={TOKEN}&X-Amz-Signature={SIGNATURE}&X-Amz-Expires=3600",
        TOKEN,
        ["X-Amz-Expires=3600", "X-Amz-Signature=<redacted>"],
    ),
    (f"aws_secret_access_key = {SECRET}", SECRET, ["aws_secret_access_key = "]),
    (f'{{"SecretAccessKey": "{SECRET}", "Expiration": 1}}', SECRET, ['"Expiration": 1']),
    (f"{{'SessionToken': '{TOKEN}'}}", TOKEN, ["'SessionToken': '"]),
    (f"{{'X-Amz-Security-Token': b'{TOKEN}', 'X-Amz-Date': b'2024'}}", TOKEN, ["X-Amz-Date"]),
    (f"<SessionToken>{TOKEN}</SessionToken>", TOKEN, ["<SessionToken>", "</SessionToken>"]),
    (f"registry login failed: Basic {BASIC}", BASIC, ["registry login failed: Basic "]),
    (f"Authorization: Bearer {BASIC}", BASIC, ["Authorization: "]),
    (f'{{"authorizationToken": "{BASIC}"}}', BASIC, ["authorizationToken"]),
    ("docker login --password hunter2secret", "hunter2secret", ["docker login --password"]),
    ("pull https://AWS:hunter2secret@1.dkr.ecr.us-east-1.amazonaws.com", "hunter2secret", ["@1."]),
    (f"key {KEY_ID} is not valid", KEY_ID, ["key AKIA…(hidden) is not valid"]),
]


@pytest.mark.parametrize(("text", "secret", "kept"), CASES)
def test_each_kind_of_secret_is_hidden_and_the_words_kept(
    text: str, secret: str, kept: list[str]
) -> None:
    hidden = redact(text)
    assert secret not in hidden
    assert secret[:12] not in hidden and secret[-12:] not in hidden
    for words in kept:
        assert words in hidden, hidden
    assert redact(hidden) == hidden  # redacting again changes nothing


def test_plain_words_about_credentials_are_left_alone() -> None:
    for text in (
        "The security token included in the request is invalid.",
        "User: arn:aws:iam::123456789012:user/x is not authorized to perform: "
        "ecr:GetAuthorizationToken on resource: *",
        "Check your AWS Secret Access Key and signing method.",
        "Basic authentication is not supported",
        "First byte of the layer part is 0 instead of 4",
    ):
        assert redact(text) == text


@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=8
    )
)
def test_no_session_token_survives_a_signature_error(token: str) -> None:
    assert f"x-amz-security-token:{HIDDEN}\n" in redact(canonical_request_message(token))
    assert token not in redact(canonical_request_message(token)).split("x-amz-security-token:")[1]


def test_an_error_is_redacted_when_it_is_made() -> None:
    response = {
        "Error": {"Code": "InvalidSignatureException", "Message": canonical_request_message(TOKEN)},
        "ResponseMetadata": {"HTTPStatusCode": 403, "RequestId": "r-1"},
        "note": f"x-amz-security-token:{TOKEN}",
        "password": "hunter2secret",
    }
    error = EcrCallError.from_exception(ClientError(response, "UploadLayerPart"))
    assert error.kind is ErrorKind.CREDENTIALS
    for text in (error.message, error.text, str(error), repr(error.fields), error.hint or ""):
        assert TOKEN not in text and "hunter2secret" not in text
    assert "x-amz-security-token:<redacted>" in error.message
    assert str(error).startswith("An error occurred (InvalidSignatureException) when calling")
    assert error.fields == {"note": "x-amz-security-token:<redacted>", "password": HIDDEN}


def test_an_error_made_by_hand_is_redacted_too() -> None:
    quoted = repr(f"x-amz-security-token:{TOKEN}")
    problem = FieldProblem("uploadId", "pattern", quoted, f"uploadId: Signature={SIGNATURE}")
    error = EcrCallError(
        "Whatever",
        f"Credential={KEY_ID}/x",
        ErrorKind.OTHER,
        fields={"nested": [{"sessionToken": TOKEN}]},
        problems=[problem],
        text=f"x-amz-security-token:{TOKEN}",
    )
    assert error.message == "Credential=AKIA…(hidden)/x"
    assert error.text == "x-amz-security-token:<redacted>"
    assert error.fields == {"nested": [{"sessionToken": HIDDEN}]}
    assert error.problems[0].message == "uploadId: Signature=<redacted>"
    assert TOKEN not in error.problems[0].value
    assert str(EcrCallError.invalid_request("UploadLayerPart", [problem])).endswith(
        "uploadId: Signature=<redacted>"
    )


def test_redact_value_hides_credential_members_whole() -> None:
    assert redact_value({"authorizationToken": BASIC, "proxyEndpoint": "https://x"}) == {
        "authorizationToken": HIDDEN,
        "proxyEndpoint": "https://x",
    }
    assert redact_value(("a", 1, None, [f"Signature={SIGNATURE}"])) == (
        "a",
        1,
        None,
        ["Signature=<redacted>"],
    )


def test_redaction_takes_time_linear_in_the_text() -> None:
    """Long messages built to make a backtracking pattern rescan them (an error quoting a
    100,000-character argument) are redacted at once; a quadratic pattern would take minutes."""
    import subprocess
    import sys

    script = (
        "from ecrtui.ecr.redaction import redact\n"
        "for unit in ('a-', 'a.', 'a://', 'authorization: ', 'Basic ', 'password=', "
        "'x-amz-credential=', '<Password>', 'AKIA', 'Bearer a', '\\\\n'):\n"
        "    redact(unit * (400_000 // len(unit)))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=30)
