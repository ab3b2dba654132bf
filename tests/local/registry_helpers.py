"""Talking to the local backend's registry face (/v2/) as a registry client does."""

from __future__ import annotations

import base64
from typing import Any

import requests

MiB = 1024 * 1024


def registry_password(ecr_client: Any) -> str:
    """The Basic password GetAuthorizationToken hands out for user AWS."""
    data = ecr_client.get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS"
    return password


def registry_session(ecr_client: Any, user_agent: str = "docker/27.3.1 go/go1.22.7") -> Any:
    session = requests.Session()
    session.auth = ("AWS", registry_password(ecr_client))
    session.headers["User-Agent"] = user_agent
    return session


def start_upload(session: Any, endpoint_url: str, repository: str) -> str:
    """POST …/blobs/uploads/: the upload's Location."""
    answer = session.post(f"{endpoint_url}/v2/{repository}/blobs/uploads/")
    assert answer.status_code == 202, answer.text
    return str(answer.headers["Location"])


def upload_id_of(location: str) -> str:
    return location.rsplit("/", 1)[-1]
