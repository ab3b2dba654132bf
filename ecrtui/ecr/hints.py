"""One line per ECR error code: what it means for this upload, and what to do next."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecrtui.ecr.limits import MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, MiB, size_words

HINTS: dict[str, str] = {
    "InvalidLayerPartException": (
        "ECR holds bytes 0-{lastValidByteReceived} of this upload; send the next part from byte "
        "{next_byte} (ecrtui resume does this) instead of starting over"
    ),
    "UploadNotFoundException": (
        "ECR does not know this upload id in this repository: it was completed already, expired, "
        "or belongs to another repository or registry; check the ids, or push the layer again"
    ),
    "EmptyUploadException": (
        "the upload has no parts, so there is nothing to complete; send the layer's bytes first "
        "(ecrtui push-layer), or push the layer again"
    ),
    "LayerPartTooSmallException": (
        f"a part other than the last is under {size_words(MIN_PART_SIZE)}; this upload cannot be "
        f"completed; push the layer again with parts of {MIN_PART_SIZE // MiB}-"
        f"{size_words(MAX_PART_SIZE)}"
    ),
    "InvalidLayerException": (
        "the sha256 of the bytes ECR received matches none of the digests given; check the digest "
        "(sha256sum of the layer file), or push the layer again if the bytes were damaged"
    ),
    "LayerAlreadyExistsException": (
        "the repository already has this layer, so ECR verified the digest and there is nothing "
        "left to upload; treat the layer as pushed"
    ),
    "LimitExceededException": (
        f"a quota was exceeded: either {MAX_PARTS:,} parts for one layer (push again with larger "
        "parts) or a request rate (wait and retry with backoff)"
    ),
    "RepositoryNotFoundException": (
        "no such repository in this registry and region; check the name, --region and "
        "--registry-id, or create it with create-repository"
    ),
    "InvalidParameterException": (
        "ECR rejected a parameter; the message names the field and the rule it breaks"
    ),
    "KmsException": (
        "ECR could not use the repository's KMS key; check the key policy and that the key is "
        "enabled"
    ),
    "ServerException": "ECR failed on its side; retry after a short wait",
    "ThrottlingException": "too many requests; wait and retry with backoff",
    "ThrottleException": "too many requests; wait and retry with backoff",
    "LayersNotFoundException": (
        "the repository has no layer with this digest; check the digest and repository"
    ),
    "LayerInaccessibleException": (
        "the layer exists but no image references it yet, so it cannot be downloaded; put the "
        "image manifest first"
    ),
    "UnableToGetUpstreamLayerException": (
        "the pull-through cache could not fetch this layer from its upstream registry; check the "
        "upstream registry and the cache rule's credentials"
    ),
    "AccessDeniedException": (
        "the caller lacks an IAM permission for this call; the message names the action "
        "(ecr:InitiateLayerUpload, ecr:UploadLayerPart, ecr:CompleteLayerUpload, ...)"
    ),
    "UnrecognizedClientException": (
        "AWS does not recognise these credentials; check the profile or the access key"
    ),
    "ExpiredTokenException": (
        "the session token has expired; refresh the credentials (aws sso login, or a new role "
        "session) and try again"
    ),
    "ParamValidation": "fix the parameters named above; nothing was sent to ECR",
    "NoCredentials": (
        "no AWS credentials were found; set a --profile, AWS_PROFILE or AWS_ACCESS_KEY_ID, or "
        "try ecrtui --demo"
    ),
    "NoRegion": "no region is set; pass --region or set AWS_REGION",
    "EndpointConnection": (
        "could not reach the endpoint; check --endpoint-url, the network, and any proxy settings"
    ),
    "Timeout": "the call timed out; retry, or raise --cli-read-timeout for large parts",
    "ProfileNotFound": (
        "no such profile '{profile}' in ~/.aws/config (or AWS_CONFIG_FILE); check --profile and "
        "AWS_PROFILE, or list the profiles with `aws configure list-profiles`"
    ),
    "SSOTokenExpired": (
        "the SSO session has expired or was never started: run `aws sso login --profile {profile}`"
    ),
    "JournalError": (
        "ecrtui's journal (ECRTUI_STATE_DIR) cannot be used: check the disk space and the "
        "file's permissions, or move the damaged file aside; ECR itself was not affected"
    ),
    "UnexpectedAnswer": (
        "ECR's answer does not fit what was sent, so ecrtui stopped instead of guessing; see "
        "how many bytes ECR holds with ecrtui probe-upload, then resume the upload, or push the "
        "layer again"
    ),
    "LocalFileError": "a local file could not be read or written; check the path and permissions",
    "ReadOnly": "the console runs with --read-only; restart it without to send or forget",
}


# NoCredentials when the console knows the profile it used (its `profile` field).
_PROFILE_WITHOUT_CREDENTIALS = (
    "profile '{profile}' has no credentials: run `aws configure --profile {profile}` (keys) or "
    "`aws configure sso --profile {profile}` (SSO)"
)


class _Blanks(dict[str, Any]):
    """Template values; a value the error did not carry reads as a placeholder, not a crash."""

    def __missing__(self, key: str) -> str:
        return f"<{key}>"


def hint_for(code: str, fields: Mapping[str, Any] | None = None) -> str | None:
    """The hint for an error code, with the error's extra fields filled in where it uses them."""
    template = HINTS.get(code)
    if template is None:
        return None
    values = dict(fields or {})
    last = values.get("lastValidByteReceived")
    if code == "InvalidLayerPartException":
        if not isinstance(last, int):
            return "a part was rejected; find the byte ECR expects with ecrtui probe-upload"
        if last < 0:
            return "ECR holds no bytes of this upload yet; send the first part from byte 0"
        values["next_byte"] = last + 1
    if code == "NoCredentials" and values.get("profile"):
        template = _PROFILE_WITHOUT_CREDENTIALS
    if code == "ProfileNotFound" and values.get("known_profiles"):
        template += "; known profiles: {known_profiles}"
    try:
        return template.format_map(_Blanks(values))
    except (KeyError, IndexError, ValueError):
        return template
