"""The profiles of the user's AWS config, their regions, and who each one is (STS).

botocore reads the files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, or ~/.aws); nothing here
reads or keeps a credential: only profile names, regions, account ids and caller ARNs.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ecrtui.ecr.client import Target, make_client, make_session
from ecrtui.ecr.errors import EcrCallError

# Who-am-I must answer quickly: a profile that cannot reach STS says so, rather than wait.
IDENTITY_CONNECT_TIMEOUT = 5.0
IDENTITY_READ_TIMEOUT = 10.0


@dataclass(frozen=True)
class CallerIdentity:
    """What STS says of a profile's credentials: never the credentials themselves."""

    account: str | None
    arn: str | None


def known_profiles() -> list[str]:
    """The profiles of the config and credentials files, sorted, `default` first."""
    import botocore.session

    try:
        names = set(botocore.session.Session().available_profiles)
    except Exception:  # an unreadable config file lists nothing; connecting says why
        return []
    return sorted(names, key=lambda name: (name != "default", name))


def profile_region(profile: str | None) -> str | None:
    """The region a session of this profile uses (the environment's AWS_REGION or
    AWS_DEFAULT_REGION win over the profile's own region, as in botocore)."""
    try:
        region = make_session(Target(profile=profile)).get_config_variable("region")
    except Exception:  # a missing profile: no region
        return None
    return str(region) if region else None


def ecr_regions() -> list[str]:
    """The regions botocore knows ECR in (every partition's), sorted."""
    import botocore.session

    session = botocore.session.Session()
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("ecr", partition_name=partition))
    return sorted(regions)


def caller_identity(target: Target) -> CallerIdentity:
    """STS GetCallerIdentity for this target, quickly given up on. Raises EcrCallError (with the
    profile in its fields, for the hint)."""
    try:
        quick = dataclasses.replace(
            target,
            connect_timeout=target.connect_timeout or IDENTITY_CONNECT_TIMEOUT,
            read_timeout=target.read_timeout or IDENTITY_READ_TIMEOUT,
        )
        answer: dict[str, Any] = make_client(quick, "sts", max_attempts=2).get_caller_identity()
    except Exception as raised:
        raise explained(raised, target.profile) from raised
    return CallerIdentity(account=answer.get("Account"), arn=answer.get("Arn"))


def explained(raised: BaseException, profile: str | None) -> EcrCallError:
    """The error with what its hint needs: the profile, and for an unknown profile the known
    ones."""
    error = EcrCallError.from_exception(raised, "GetCallerIdentity")
    error.fields.setdefault("profile", profile or "default")
    if error.code == "ProfileNotFound":
        error.fields.setdefault("known_profiles", ", ".join(known_profiles()) or "none")
    return error
