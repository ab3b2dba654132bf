"""The registry face (/v2/) on the wire, as ECR answers it (spec section 10), over the same store
as the ECR API: what one face does, the other sees."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import requests

from tests.conftest import AwsCli
from tests.local.helpers import data, push_image, sha256_digest
from tests.local.registry_helpers import (
    MiB,
    registry_password,
    registry_session,
    start_upload,
    upload_id_of,
)
from tests.uploads.helpers import ecrtui


def errors(answer: Any) -> list[tuple[str, str]]:
    return [(error["code"], error["message"]) for error in answer.json()["errors"]]


# -- authentication ------------------------------------------------------------------------------


def test_v2_asks_for_basic_credentials_and_takes_the_authorization_token(
    endpoint_url: str, ecr_client: Any
) -> None:
    anonymous = requests.get(f"{endpoint_url}/v2/")
    assert anonymous.status_code == 401
    assert anonymous.headers["Www-Authenticate"] == (
        f'Basic realm="{endpoint_url}/",service="ecr.amazonaws.com"'
    )
    assert anonymous.headers["Docker-Distribution-Api-Version"] == "registry/2.0"
    assert anonymous.text.strip() == "Not Authorized"

    data = ecr_client.get_authorization_token()["authorizationData"][0]
    assert data["proxyEndpoint"] == endpoint_url
    answer = requests.get(f"{endpoint_url}/v2/", auth=("AWS", registry_password(ecr_client)))
    assert answer.status_code == 200 and answer.content == b""
    wrong = requests.get(f"{endpoint_url}/v2/", auth=("AWS", "not-the-token"))
    assert wrong.status_code == 401
    assert requests.get(f"{endpoint_url}/v2/team/api/tags/list").status_code == 401


# -- blob uploads --------------------------------------------------------------------------------


def test_chunked_push_answers_as_ecr_does(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    session = registry_session(ecr_client)
    layer = data(13 * MiB, seed=1)
    digest = sha256_digest(layer)
    assert session.head(f"{endpoint_url}/v2/{repository}/blobs/{digest}").status_code == 404

    opened = session.post(f"{endpoint_url}/v2/{repository}/blobs/uploads/")
    assert opened.status_code == 202
    location = opened.headers["Location"]
    assert location.startswith(f"{endpoint_url}/v2/{repository}/blobs/uploads/")
    assert "Docker-Upload-UUID" not in opened.headers

    first = session.patch(location, data=layer[: 6 * MiB], headers={"Content-Range": "0-6291455"})
    assert first.status_code == 201  # ECR's answer; the spec says 202
    assert first.headers["Location"] == location
    assert first.headers["Range"] == f"0-{6 * MiB - 1}"
    second = session.patch(location, data=layer[6 * MiB : 12 * MiB])  # no Content-Range
    assert second.status_code == 201
    assert second.headers["Range"] == f"0-{6 * MiB - 1}"  # stuck, as ECR's

    wrong = session.patch(location, data=b"x", headers={"Content-Range": "0-0"})
    assert wrong.status_code == 416
    assert errors(wrong) == [
        ("BLOB_UPLOAD_INVALID", f"First byte of the layer part is 0 instead of {12 * MiB}")
    ]
    status = session.get(location)
    assert status.status_code == 204 and status.headers["Range"] == f"0-{12 * MiB - 1}"

    mismatch = session.put(location, params={"digest": "sha256:" + "0" * 64})
    assert mismatch.status_code == 400
    assert errors(mismatch) == [
        (
            "BLOB_UPLOAD_INVALID",
            "None of the provided layer digests match the calculated layer digest",
        )
    ]
    done = session.put(location, params={"digest": digest}, data=layer[12 * MiB :])  # last chunk
    assert done.status_code == 201
    assert done.headers["Docker-Content-Digest"] == digest
    head = session.head(f"{endpoint_url}/v2/{repository}/blobs/{digest}")
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(layer))
    assert head.headers["Docker-Content-Digest"] == digest

    # the ECR API sees the layer
    found = ecr_client.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest]
    )
    assert found["layers"][0]["layerAvailability"] == "AVAILABLE"


def test_a_monolithic_put_and_a_patch_over_10_mib(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    session = registry_session(ecr_client, user_agent="containerd/2.0.0")
    small = data(3 * MiB, seed=2)
    location = start_upload(session, endpoint_url, repository)
    done = session.put(location, params={"digest": sha256_digest(small)}, data=small)
    assert done.status_code == 201  # containerd's way: POST, then one PUT with the layer

    large = data(64 * MiB, seed=3)  # no 10 MiB limit through the registry face
    location = start_upload(session, endpoint_url, repository)
    assert session.patch(location, data=large).status_code == 201
    done = session.put(location, params={"digest": sha256_digest(large)})
    assert done.status_code == 201


def test_an_upload_opened_with_post_is_the_apis_upload(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    session = registry_session(ecr_client)
    layer = data(8 * MiB, seed=4)
    location = start_upload(session, endpoint_url, repository)
    upload_id = upload_id_of(location)
    assert session.patch(location, data=layer[: 5 * MiB]).status_code == 201

    probed = ecrtui(
        "probe-upload",
        "--repository-name",
        repository,
        "--upload-id",
        upload_id,
        "--endpoint-url",
        endpoint_url,
    )
    assert probed.returncode == 0, probed.stderr
    assert probed.json()["bytesHeld"] == 5 * MiB

    part = ecr_client.upload_layer_part(
        repositoryName=repository,
        uploadId=upload_id,
        partFirstByte=5 * MiB,
        partLastByte=8 * MiB - 1,
        layerPartBlob=layer[5 * MiB :],
    )
    assert part["lastByteReceived"] == 8 * MiB - 1
    done = ecr_client.complete_layer_upload(
        repositoryName=repository, uploadId=upload_id, layerDigests=[sha256_digest(layer)]
    )
    assert done["layerDigest"] == sha256_digest(layer)
    head = session.head(f"{endpoint_url}/v2/{repository}/blobs/{sha256_digest(layer)}")
    assert head.status_code == 200


def test_completion_errors_carry_the_apis_messages(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    session = registry_session(ecr_client)
    location = start_upload(session, endpoint_url, repository)
    empty = session.put(location, params={"digest": "sha256:" + "1" * 64})
    assert empty.status_code == 400
    [(code, message)] = errors(empty)
    assert code == "BLOB_UPLOAD_INVALID"
    assert message.startswith(f"The upload with id '{upload_id_of(location)}' in the repository")
    assert "cannot be completed because it does not have any parts" in message

    # a non-final chunk under 5 MiB fails at the PUT (dotnet/sdk-container-builds#424)
    layer = data(6 * MiB, seed=5)
    location = start_upload(session, endpoint_url, repository)
    for start in range(0, len(layer), 2 * MiB):
        assert session.patch(location, data=layer[start : start + 2 * MiB]).status_code == 201
    small = session.put(location, params={"digest": sha256_digest(layer)})
    assert small.status_code == 400
    assert errors(small) == [
        ("BLOB_UPLOAD_INVALID", "All layer parts except the last part should be at least 5MB")
    ]


def test_cancel_forgets_the_upload(endpoint_url: str, ecr_client: Any, repository: str) -> None:
    session = registry_session(ecr_client)
    location = start_upload(session, endpoint_url, repository)
    assert session.delete(location).status_code == 204
    gone = session.get(location)
    assert gone.status_code == 404 and errors(gone)[0][0] == "BLOB_UPLOAD_UNKNOWN"
    assert session.patch(location, data=b"x").status_code == 404


def test_a_push_into_a_missing_repository_is_name_unknown(
    endpoint_url: str, ecr_client: Any
) -> None:
    session = registry_session(ecr_client)
    answer = session.post(f"{endpoint_url}/v2/no/such-repository/blobs/uploads/")
    assert answer.status_code == 404
    assert errors(answer) == [
        (
            "NAME_UNKNOWN",
            "The repository with name 'no/such-repository' does not exist in the registry "
            "with id '123456789012'",
        )
    ]


def test_a_mount_succeeds_only_when_an_image_of_the_source_references_the_blob(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    session = registry_session(ecr_client)
    source = f"{repository}-source"
    ecr_client.create_repository(repositoryName=source)
    layer, config = data(1 * MiB, seed=6), b'{"os":"linux"}'
    push_image(ecr_client, source, [layer], config, "v1")
    digest = sha256_digest(layer)
    mounted = session.post(
        f"{endpoint_url}/v2/{repository}/blobs/uploads/", params={"mount": digest, "from": source}
    )
    assert mounted.status_code == 201 and mounted.headers["Docker-Content-Digest"] == digest
    assert session.head(f"{endpoint_url}/v2/{repository}/blobs/{digest}").status_code == 200

    # a layer no manifest of the source references: a fresh upload instead
    orphan = data(1 * MiB, seed=7)
    location = start_upload(session, endpoint_url, source)
    assert session.put(location, params={"digest": sha256_digest(orphan)}, data=orphan).ok
    fresh = session.post(
        f"{endpoint_url}/v2/{repository}/blobs/uploads/",
        params={"mount": sha256_digest(orphan), "from": source},
    )
    assert fresh.status_code == 202 and "/blobs/uploads/" in fresh.headers["Location"]


def test_a_blob_get_is_a_redirect_to_a_download_url(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    session = registry_session(ecr_client)
    layer = data(2 * MiB, seed=8)
    push_image(ecr_client, repository, [layer], b'{"os":"linux"}', "v1")
    blob = f"{endpoint_url}/v2/{repository}/blobs/{sha256_digest(layer)}"
    redirect = session.get(blob, allow_redirects=False)
    assert redirect.status_code == 307
    assert requests.get(redirect.headers["Location"]).content == layer


# -- manifests and tags ----------------------------------------------------------------------------


def test_manifests_by_tag_and_digest_and_the_tag_list(
    endpoint_url: str, ecr_client: Any, aws_cli: AwsCli, repository: str
) -> None:
    session = registry_session(ecr_client)
    layer, config = data(1 * MiB, seed=9), b'{"architecture":"amd64","os":"linux"}'
    for blob in (layer, config):
        location = start_upload(session, endpoint_url, repository)
        assert session.put(location, params={"digest": sha256_digest(blob)}, data=blob).ok
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha256_digest(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": sha256_digest(layer),
                    "size": len(layer),
                }
            ],
        }
    ).encode()
    digest = "sha256:" + hashlib.sha256(manifest).hexdigest()
    media = {"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
    for tag in ("v1", "v2", "v3"):
        put = session.put(
            f"{endpoint_url}/v2/{repository}/manifests/{tag}", data=manifest, headers=media
        )
        assert put.status_code == 201 and "Location" not in put.headers
        assert put.headers["Docker-Content-Digest"] == digest

    for reference in ("v1", digest):
        got = session.get(f"{endpoint_url}/v2/{repository}/manifests/{reference}")
        assert got.status_code == 200 and got.content == manifest
        assert "Docker-Content-Digest" not in got.headers  # ECR: on a HEAD only
        head = session.head(f"{endpoint_url}/v2/{repository}/manifests/{reference}")
        assert head.headers["Docker-Content-Digest"] == digest

    page = session.get(f"{endpoint_url}/v2/{repository}/tags/list", params={"n": 2})
    assert page.json() == {"name": repository, "tags": ["v1", "v2"]}
    assert page.headers["Link"] == f'</v2/{repository}/tags/list?n=2&last=v2>; rel="next"'
    rest = session.get(f"{endpoint_url}/v2/{repository}/tags/list", params={"n": 2, "last": "v2"})
    assert rest.json()["tags"] == ["v3"] and "Link" not in rest.headers
    too_many = session.get(f"{endpoint_url}/v2/{repository}/tags/list", params={"n": 1001})
    assert too_many.status_code == 400 and errors(too_many)[0][0] == "UNSUPPORTED"

    # the ECR API and the aws CLI see the image
    described = aws_cli("ecr", "describe-images", "--repository-name", repository)
    assert described.returncode == 0, described.stderr
    [image] = described.json()["imageDetails"]
    assert image["imageDigest"] == digest and sorted(image["imageTags"]) == ["v1", "v2", "v3"]


def test_manifest_errors(endpoint_url: str, ecr_client: Any, repository: str) -> None:
    session = registry_session(ecr_client)
    invalid = session.put(f"{endpoint_url}/v2/{repository}/manifests/v1", data=b"{not json")
    assert invalid.status_code == 405
    assert errors(invalid) == [
        (
            "UNSUPPORTED",
            "Invalid parameter at 'ImageManifest' failed to satisfy constraint: "
            "'Invalid JSON syntax'",
        )
    ]
    unknown = session.get(f"{endpoint_url}/v2/{repository}/manifests/nope")
    assert unknown.status_code == 404
    assert errors(unknown) == [("MANIFEST_UNKNOWN", "Requested image not found")]

    immutable = f"{repository}-immutable"
    ecr_client.create_repository(repositoryName=immutable, imageTagMutability="IMMUTABLE")
    push_image(ecr_client, immutable, [data(1024, seed=10)], b'{"os":"linux"}', "v1")
    other = data(1024, seed=11)
    push_image(ecr_client, immutable, [other], b'{"os":"windows"}', "v2")
    manifest = session.get(f"{endpoint_url}/v2/{immutable}/manifests/v2").content
    again = session.put(
        f"{endpoint_url}/v2/{immutable}/manifests/v1",
        data=manifest,
        headers={"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    assert again.status_code == 400
    assert errors(again) == [
        (
            "TAG_INVALID",
            f"The image tag 'v1' already exists in the '{immutable}' repository and cannot be "
            "overwritten because the repository is immutable.",
        )
    ]


def test_bad_input_gets_a_4xx_never_a_500(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    session = registry_session(ecr_client)
    location = start_upload(session, endpoint_url, repository)
    answers = [
        session.patch(location, data=b"abc", headers={"Content-Range": "garbage"}),
        session.put(location),  # no digest
        session.put(f"{endpoint_url}/v2/{repository}/manifests/v1", data=b"[1, 2]"),
        session.put(f"{endpoint_url}/v2/{repository}/manifests/v1", data=b'{"layers": 5}'),
        session.get(f"{endpoint_url}/v2/{repository}/blobs/not-a-digest"),
        session.head(f"{endpoint_url}/v2/{repository}/blobs/sha256:short"),
        session.delete(f"{endpoint_url}/v2/{repository}/manifests/v1"),
        session.get(f"{endpoint_url}/v2/{repository}/blobs/uploads/no-such-upload"),
        session.get(f"{endpoint_url}/v2/{repository}/tags/list", params={"n": "-3"}),
    ]
    for answer in answers:
        assert 400 <= answer.status_code < 500, (answer.request.method, answer.url, answer.text)


def test_a_push_killed_half_way_leaves_an_upload_the_probe_reads(
    endpoint_url: str, ecr_client: Any, repository: str
) -> None:
    """A client killed in the middle of a PATCH: ECR keeps what the earlier PATCHes sent, the
    cut one is dropped, and the upload goes on from there."""
    import base64
    import socket
    from urllib.parse import urlsplit

    session = registry_session(ecr_client)
    layer = data(14 * MiB, seed=12)
    location = start_upload(session, endpoint_url, repository)
    assert session.patch(location, data=layer[: 6 * MiB]).status_code == 201

    where = urlsplit(location)
    token = base64.b64encode(f"AWS:{registry_password(ecr_client)}".encode()).decode()
    with socket.create_connection((where.hostname, where.port)) as killed:
        killed.sendall(
            (
                f"PATCH {where.path} HTTP/1.1\r\nHost: {where.netloc}\r\n"
                f"Authorization: Basic {token}\r\nContent-Length: {8 * MiB}\r\n\r\n"
            ).encode()
            + layer[6 * MiB : 9 * MiB]
        )
    # the server notices the cut once it reads past what was sent: wait for the probe to agree
    for _ in range(50):
        probed = ecrtui(
            "probe-upload",
            "--repository-name",
            repository,
            "--upload-id",
            upload_id_of(location),
            "--endpoint-url",
            endpoint_url,
        )
        assert probed.returncode == 0, probed.stderr
        if probed.json()["bytesHeld"] == 6 * MiB:
            break
    assert probed.json()["bytesHeld"] == 6 * MiB
    for _ in range(50):  # until the server has seen the cut (the part it was receiving is gone)
        resumed = session.patch(location, data=layer[6 * MiB :])
        if "is already receiving a part" not in resumed.text:
            break
        time.sleep(0.1)
    assert resumed.status_code == 201, resumed.text
    done = session.put(location, params={"digest": sha256_digest(layer)})
    assert done.status_code == 201
