"""Values for the patterns of ECR's API model: an example that matches each, its mutations, and
near misses that make a backtracking regex engine take exponential time.

Kept apart from the tests so that a subprocess can import it without pytest.
"""

from __future__ import annotations

from collections.abc import Iterator

from ecrtui.ecr.model import service_model

UUID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"

# Shape name -> values the service accepts. Every shape with a pattern needs one (a test says so).
EXAMPLES: dict[str, list[str]] = {
    "Base64": ["c2VjcmV0", "a+b/c=="],
    "CredentialArn": [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-pullthroughcache/hub-AbCd",
        "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:ecr-pullthroughcache/a_b=@.",
    ],
    "ImageTagMutabilityExclusionFilterValue": ["release-*", "v1.2_x"],
    "KmsKeyForRepositoryCreationTemplate": [
        "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "",
    ],
    "LayerDigest": ["sha256:" + "ab" * 32, "sha-512+x.y_z:0A"],
    "Prefix": ["team/api", "ROOT", "a__b.c--d/e/"],
    "PrincipalArn": [
        "arn:aws:iam::123456789012:role/ecr-push",
        "arn:aws-us-gov:iam::123456789012:user/path/to/j.doe+ci=1,x@y",
    ],
    "PullThroughCacheRuleRepositoryPrefix": ["docker-hub", "ROOT", "ecr/public"],
    "Region": ["us-east-1", "eu-central-2"],
    "RegistryId": ["123456789012"],
    "ReplicationBackfillId": [UUID, UUID.upper()],
    "RepositoryFilterValue": ["team/api", "prod-", "a.b_c/d-e"],
    "RepositoryName": ["team/api", "a__b.c--d/e_f"],
    "ScanningRepositoryFilterValue": ["prod-*", "team/a.b_c*"],
    "SigningProfileArn": [
        "arn:aws:signer:us-east-1:123456789012:/signing-profiles/MyProfile_1",
    ],
    "SigningRepositoryFilterValue": ["team/*", "a.b-c/d_e*"],
    "UploadId": [UUID, UUID.upper()],
}

# Characters a mutation puts in: ASCII (controls included), look-alikes and surrogates.
ALPHABET = (
    "".join(map(chr, range(128)))
    + "\x85\xa0é\u00b2\u0660\uff10\uff41\u2028\u3000\u212a\U0001f600\ud800\udfff"
)
# What a near miss repeats before the character that makes the whole value fail.
UNITS = ["a", "0", "A", "*", "-", ".", "_", "/", ":", "a-", "a.", "a_", "a/", "a__", "a*", "-a"]
ENDINGS = ["!", "/!", "-!", "\x00"]
# Lengths of a near miss; the model's maximum is added, or this for a shape without one.
NEAR_MISS_LENGTHS = (25, 29)
UNBOUNDED_LENGTH = 4096


def model_patterns() -> dict[str, tuple[str, int | None]]:
    """Shape name -> (pattern, maximum length) of every shape of the model with a pattern."""
    found: dict[str, tuple[str, int | None]] = {}
    model = service_model()
    for name in model.shape_names:
        shape = model.shape_for(name)
        if "pattern" in shape.metadata:
            found[name] = (shape.metadata["pattern"], shape.metadata.get("max"))
    return found


def mutations(example: str) -> Iterator[str]:
    """The example cut short, and with each character replaced by, or preceded by, each of
    ALPHABET's (a few thousand values)."""
    for index in range(len(example) + 1):
        yield example[:index]
        for char in ALPHABET:
            yield example[:index] + char + example[index + 1 :]
            yield example[:index] + char + example[index:]
    yield example + example


def near_misses(example: str, length: int) -> Iterator[str]:
    """Values of `length` characters: a prefix of the example, a unit repeated, a bad ending."""
    for index in range(len(example) + 1):
        for unit in UNITS:
            for ending in ENDINGS:
                body = length - index - len(ending)
                if body > 0:
                    yield example[:index] + (unit * body)[:body] + ending


def near_miss_lengths(maximum: int | None) -> tuple[int, ...]:
    return (*NEAR_MISS_LENGTHS, maximum or UNBOUNDED_LENGTH)
