"""`ecrtui discover` end to end: real clients push through the registry face and are stopped half
way or fail at the final PUT; discovery finds each upload in the backend's CloudTrail with its
repository, client, bytes held and error, under each setting of where CloudTrail keeps the id,
and the console shows them."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable

from ecrtui.tui.screens import discover_screen
from ecrtui.tui.screens.discover_screen import DiscoverScreen
from ecrtui.uploads import discovery
from tests.local.oci_images import make_image
from tests.local.registry_helpers import MiB, registry_password, registry_session, start_upload
from tests.uploads.helpers import ecrtui


@pytest.fixture(params=["request-and-response", "errors-only"])
def upload_id_place(request: pytest.FixtureRequest, local_ecr: Any) -> Iterator[str]:
    """The backend's CloudTrail keeps the upload id here for this test."""
    trail = local_ecr.trail
    before = trail.settings
    trail.settings = dataclasses.replace(before, trail_upload_id=request.param)
    yield str(request.param)
    trail.settings = before


def layer_events(local_ecr: Any, repository: str) -> list[dict[str, Any]]:
    answer = local_ecr.trail.lookup(
        {"LookupAttributes": [{"AttributeKey": "ResourceName", "AttributeValue": repository}]}
    )
    return [json.loads(event["CloudTrailEvent"]) for event in answer["Events"]]


def stop_once(process: subprocess.Popen[bytes], seen: Any, timeout: float = 60) -> None:
    """Kill the client as soon as `seen()` is true (it was half way through)."""
    deadline = time.monotonic() + timeout
    while not seen():
        assert process.poll() is None, "the client finished before it could be stopped"
        assert time.monotonic() < deadline, "the client never got half way"
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


ORAS_PUSH = """
import os, sys, oras.client
host, password, target, path = sys.argv[1:5]
client = oras.client.OrasClient(hostname=host, insecure=True, auth_backend="basic")
client.login(username="AWS", password=password, hostname=host, config_path=path + ".json")
os.chdir(os.path.dirname(path))
client.push(target=f"{host}/{target}", files=[os.path.basename(path)], do_chunked=True,
            chunk_size=5 * 1024 * 1024, disable_path_validation=True)
"""


def test_discover_finds_what_registry_clients_left(
    upload_id_place: str,
    monkeypatch: pytest.MonkeyPatch,
    local_ecr: Any,
    endpoint_url: str,
    ecr_client: Any,
    repository: str,
    tmp_path: Path,
) -> None:
    from tests.local.test_registry_clients import oras_push, skopeo

    host = endpoint_url.removeprefix("http://")
    password = registry_password(ecr_client)

    # docker: one PATCH of 6 MiB, then nothing
    docker = registry_session(ecr_client)
    location = start_upload(docker, endpoint_url, repository)
    assert docker.patch(location, data=os.urandom(6 * MiB)).status_code == 201
    # and a final PUT with no PATCH: EmptyUpload, whose message quotes the upload id
    empty_at = start_upload(docker, endpoint_url, repository)
    assert docker.put(empty_at, params={"digest": "sha256:" + "0" * 64}).status_code == 400
    empty_id = empty_at.rsplit("/", 1)[-1]

    # oras: a chunked push with 1 MiB chunks, refused at the final PUT
    small = tmp_path / "small" / "model.bin"
    small.parent.mkdir()
    small.write_bytes(os.urandom(3 * MiB))
    with pytest.raises(ValueError, match="Bad Request"):
        oras_push(
            endpoint_url, ecr_client, f"{repository}:small", small, do_chunked=True,
            chunk_size=1 * MiB,
        )  # fmt: skip

    # oras again, stopped after its second chunk
    big = tmp_path / "big" / "model.bin"
    big.parent.mkdir()
    big.write_bytes(os.urandom(40 * MiB))
    oras = subprocess.Popen(
        [sys.executable, "-c", ORAS_PUSH, host, password, f"{repository}:big", str(big)]
    )
    stop_once(
        oras,
        lambda: (
            sum(
                1
                for e in layer_events(local_ecr, repository)
                if e["eventName"] == "UploadLayerPart" and e["userAgent"].startswith("python")
            )
            >= 5
        ),  # three from the refused push, two from this one
    )

    # skopeo, stopped in the middle of its layer's PATCH
    image = make_image(tmp_path / "image", [120 * MiB], seed=3)
    copying = subprocess.Popen(
        [
            skopeo(), "--insecure-policy", "copy", "--dest-tls-verify=false",
            "--dest-creds", f"AWS:{password}", f"oci:{image.layout}:v1",
            f"docker://{host}/{repository}:v1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    stop_once(
        copying,
        lambda: any(
            e["eventName"] == "InitiateLayerUpload" and e["userAgent"].startswith("skopeo")
            for e in layer_events(local_ecr, repository)
        ),
    )

    found = ecrtui(
        "discover", "--repository-name", repository, "--since", "1h", "--output", "json",
        "--endpoint-url", endpoint_url, "--region", "us-east-1",
    )  # fmt: skip
    assert found.returncode == 0, found.stderr
    uploads = found.json()
    by_client: dict[str, list[dict[str, Any]]] = {}
    for upload in uploads:
        assert upload["repositoryName"] == repository
        by_client.setdefault(upload["client"].split()[0], []).append(upload)
    assert set(by_client) >= {"docker", "python-requests", "podman/skopeo"}

    [empty] = [u for u in by_client["docker"] if u["lastErrorCode"] == "EmptyUploadException"]
    [abandoned] = [u for u in by_client["docker"] if u["parts"] == 1]
    if upload_id_place == "errors-only":  # its initiate does not say its id: listed apart
        assert len(by_client["docker"]) == 3
    assert empty["parts"] == 0
    assert empty["uploadId"] == empty_id and empty["bytesHeld"] == 0  # kept, with nothing in it
    refused, stopped = sorted(by_client["python-requests"], key=lambda u: u["startedAt"] or "")
    [killed] = by_client["podman/skopeo"]
    assert refused["lastErrorCode"] == "LayerPartTooSmallException"
    assert refused["parts"] == 3 and stopped["parts"] >= 2 and abandoned["parts"] == 1
    assert not any(u["completed"] for u in (abandoned, refused, stopped, killed))
    if upload_id_place == "request-and-response":
        assert abandoned["uploadId"] == location.rsplit("/", 1)[-1]
        assert abandoned["bytesHeld"] == 6 * MiB
        assert refused["bytesHeld"] == 3 * MiB
        assert stopped["bytesHeld"] >= 10 * MiB
        assert killed["bytesHeld"] == 0  # the cut PATCH is dropped: ECR keeps no partial part
        listed = ecrtui("uploads", "--all", "--output", "json")
        rows = [row for row in listed.json() if row["repositoryName"] == repository]
        assert {row["origin"] for row in rows} == {"found in CloudTrail"}
        assert len(rows) == 5
        assert "added 5 upload(s) to the journal" in found.stderr
        again = ecrtui(
            "discover", "--repository-name", repository, "--output", "json",
            "--endpoint-url", endpoint_url, "--region", "us-east-1",
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        listed = ecrtui("uploads", "--all", "--output", "json")
        assert len([r for r in listed.json() if r["repositoryName"] == repository]) == 5
    else:  # the id is in no event but an error message: listed by repository, client and time
        for upload in (abandoned, refused, stopped, killed):
            assert upload["uploadId"] is None and upload["uploadIdFrom"] == "nowhere"
            assert upload["bytesHeld"] is None and upload["startedAt"]
        assert empty["uploadIdFrom"] == "an error message"
        assert "have no id in CloudTrail" in found.stderr
        listed = ecrtui("uploads", "--all", "--output", "json")
        rows = [row for row in listed.json() if row["repositoryName"] == repository]
        assert [row["uploadId"] for row in rows] == [empty_id]

    monkeypatch.setattr(discovery, "REQUESTS_PER_SECOND", 0.0)  # the test backend never throttles
    monkeypatch.setattr(discover_screen, "LOOK_BACK", 3600.0)
    asyncio.run(console_shows(endpoint_url, repository, uploads, upload_id_place))


async def console_shows(
    endpoint_url: str, repository: str, uploads: list[dict[str, Any]], upload_id_place: str
) -> None:
    """The console, on the journal `ecrtui discover` wrote, lists what it found: in the uploads
    table where CloudTrail gave the id, and every one in its own discover dialog."""
    from ecrtui.tui.widgets.uploads_table import UploadsTable
    from ecrtui.uploads.journal import default_path
    from tests.tui.console_apps import console_app, details_text, running, select_upload, wait_for

    app = console_app(endpoint_url, default_path())
    async with running(app, (120, 36)) as pilot:
        table = app.query_one(UploadsTable)
        with_ids = [u for u in uploads if u["uploadId"]]
        assert set(table.records) >= {u["uploadId"] for u in with_ids}
        for upload in with_ids:
            source = str(table.get_cell(upload["uploadId"], "source"))
            assert source == upload["client"].split()[0]
        if upload_id_place == "request-and-response":
            [refused] = [u for u in uploads if u["lastErrorCode"] == "LayerPartTooSmallException"]
            await select_upload(pilot, refused["uploadId"])
            assert "set its chunk size to 5 MiB or more, then push again" in details_text(app)

        await pilot.press("D")
        screen = app.screen
        assert isinstance(screen, DiscoverScreen)
        await wait_for(pilot, lambda: screen.stage == "found", timeout=60, what="the findings")
        found = screen.query_one("#discover-found", DataTable)
        rows = [found.get_row_at(index) for index in range(found.row_count)]
        shown = sorted(
            (str(row[1]).split()[0], str(row[2]).split()[0], str(row[5]))
            for row in rows
            if str(row[0]) == repository
        )
        for row in rows:
            if str(row[0]) == repository and not str(row[1]).startswith("not in"):
                assert str(row[1]).endswith(" known")
        assert not {u["uploadId"] for u in uploads} & {u.upload_id for u in screen.new}
        expected = sorted(
            (
                u["uploadId"][:8] if u["uploadId"] else "not",
                u["client"].split()[0],
                (u["lastErrorCode"] or "-").removesuffix("Exception"),
            )
            for u in uploads
        )
        assert shown == expected
        await pilot.press("escape")


def test_a_missing_lookup_events_permission_names_the_iam_action(
    monkeypatch: pytest.MonkeyPatch, endpoint_url: str
) -> None:
    import io

    from botocore.exceptions import ClientError

    from ecrtui.cli import upload_commands
    from ecrtui.cli.global_options import GlobalOptions
    from ecrtui.ecr import client as client_module

    class Refusing:
        def lookup_events(self, **request: Any) -> dict[str, Any]:
            message = (
                "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
                "cloudtrail:LookupEvents"
            )
            raise ClientError(
                {"Error": {"Code": "AccessDeniedException", "Message": message}}, "LookupEvents"
            )

    real = client_module.make_client
    monkeypatch.setattr(
        client_module,
        "make_client",
        lambda target, service="ecr", **kw: (
            Refusing() if service == "cloudtrail" else real(target, service, **kw)
        ),
    )
    out, err = io.StringIO(), io.StringIO()
    options = GlobalOptions(endpoint_url=endpoint_url, region="us-east-1")
    status = upload_commands.run("discover", [], options, out, err)
    assert status == 254
    assert "add the IAM action cloudtrail:LookupEvents" in err.getvalue()
    assert out.getvalue() == ""


@pytest.mark.parametrize("since", ["yesterday", "0h", "-5m", "5"])
def test_a_bad_since_is_a_usage_error(since: str) -> None:
    done = ecrtui("discover", "--since", since)
    assert done.returncode == 252
    assert "--since" in done.stderr


@pytest.mark.parametrize("name", ["." * 3000, "x=y,=y", "Team/API"])
def test_a_repository_name_ecr_refuses_is_a_usage_error_before_any_lookup(name: str) -> None:
    from tests.cli.helpers import CLOSED_PORT_URL

    done = ecrtui("discover", "--repository-name", name, "--endpoint-url", CLOSED_PORT_URL)
    assert done.returncode == 252, done.stderr
    assert "--repository-name:" in done.stderr
