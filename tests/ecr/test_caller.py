"""EcrCaller, the one way ecrtui calls ECR: check, send, translate, and tell every listener."""

from __future__ import annotations

import ast
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

import ecrtui
from ecrtui.ecr.caller import CallRecord, EcrCaller, redacted
from ecrtui.ecr.client import Target, make_client
from ecrtui.ecr.errors import EcrCallError, ErrorKind


@pytest.fixture
def caller(endpoint_url: str) -> EcrCaller:
    client = make_client(Target(endpoint_url=endpoint_url, region="us-east-1"), max_attempts=1)
    return EcrCaller(client)


def heard(caller: EcrCaller) -> list[CallRecord]:
    records: list[CallRecord] = []
    caller.listen(records.append)
    return records


def test_a_call_is_sent_and_recorded(caller: EcrCaller, repository: str, endpoint_url: str) -> None:
    records = heard(caller)
    response = caller.call("InitiateLayerUpload", {"repositoryName": repository})
    [record] = records
    assert record.operation == "InitiateLayerUpload"
    assert record.target == f"{endpoint_url} (us-east-1)"
    assert record.parameters == {"repositoryName": repository}
    assert record.outcome == "ok" and record.ok and record.error is None
    assert record.request_id == response["ResponseMetadata"]["RequestId"]
    assert record.response is not None and record.response["uploadId"] == response["uploadId"]
    assert "ResponseMetadata" not in record.response
    assert record.duration_ms > 0 and record.repository == repository


def test_an_error_is_translated_and_recorded(caller: EcrCaller, repository: str) -> None:
    records = heard(caller)
    request = {
        "repositoryName": repository,
        "uploadId": str(uuid.uuid4()),
        "layerDigests": ["sha256:" + "a" * 64],
    }
    with pytest.raises(EcrCallError) as raised:
        caller.call("CompleteLayerUpload", request)
    error = raised.value
    assert (error.code, error.kind, error.operation) == (
        "UploadNotFoundException",
        ErrorKind.SERVICE,
        "CompleteLayerUpload",
    )
    [record] = records
    assert record.error is error and record.outcome == "UploadNotFoundException"
    assert record.request_id == error.request_id and record.request_id
    assert record.upload_id == request["uploadId"]


def test_an_invalid_request_is_not_sent(caller: EcrCaller) -> None:
    records = heard(caller)
    with pytest.raises(EcrCallError) as raised:
        caller.call("InitiateLayerUpload", {"repositoryName": "Not Valid"})
    assert raised.value.kind is ErrorKind.VALIDATION
    assert [problem.field for problem in raised.value.problems] == ["repositoryName"]
    assert records == []  # nothing reached ECR, so there is nothing to record


def test_blobs_and_secrets_are_never_kept() -> None:
    kept = redacted({"layerPartBlob": b"x" * 10, "password": "hunter2", "uploadId": "u"})
    assert kept == {"layerPartBlob": "<10 bytes>", "password": "<hidden>", "uploadId": "u"}


def test_a_failing_listener_does_not_change_the_outcome(caller: EcrCaller, repository: str) -> None:
    def broken(record: CallRecord) -> None:
        raise OSError("disk full")

    caller.listen(broken)
    records = heard(caller)
    response = caller.call("InitiateLayerUpload", {"repositoryName": repository})
    assert response["uploadId"] and len(records) == 1


def test_listening_twice_is_listening_once_and_stop_ends_it(
    caller: EcrCaller, repository: str
) -> None:
    records: list[CallRecord] = []
    stop = caller.listen(records.append)
    caller.listen(records.append)
    caller.call("DescribeRepositories", {"repositoryNames": [repository]})
    stop()
    caller.call("DescribeRepositories", {"repositoryNames": [repository]})
    assert len(records) == 1


def test_recording_keeps_only_this_threads_calls(caller: EcrCaller, repository: str) -> None:
    other = threading.Thread(
        target=lambda: caller.call("DescribeRepositories", {"repositoryNames": [repository]})
    )
    with caller.recording() as made:
        other.start()
        other.join()
        caller.call("InitiateLayerUpload", {"repositoryName": repository})
    assert [record.operation for record in made] == ["InitiateLayerUpload"]


def test_every_page_is_a_call(caller: EcrCaller, ecr_client: Any) -> None:
    for _ in range(5):
        ecr_client.create_repository(repositoryName=f"pages/{uuid.uuid4().hex[:8]}")
    records = heard(caller)
    pages = caller.pages("DescribeRepositories", {}, {"PageSize": 2, "MaxItems": 5})
    listed = [repo["repositoryName"] for page in pages for repo in page["repositories"]]
    assert len(listed) == 5
    assert [record.operation for record in records] == ["DescribeRepositories"] * 3
    assert [record.parameters.get("maxResults") for record in records] == [2, 2, 2]
    assert "nextToken" in records[1].parameters and all(record.ok for record in records)


# -- no other way to call ECR ---------------------------------------------------------------------

# Modules allowed to turn an operation name into a method name: the caller (client dispatch), the
# model (the aws CLI's command names), and the local backend's bridge (moto's server handlers).
ALLOWED = {"ecr/caller.py", "ecr/model.py", "local/moto_bridge.py"}


def _offences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        if name.endswith("xform_name"):
            found.append(f"{path}:{node.lineno}: {name}")
        if name == "getattr" and node.args and "client" in ast.unparse(node.args[0]):
            found.append(f"{path}:{node.lineno}: getattr({ast.unparse(node.args[0])}, ...)")
    return found


def test_only_the_caller_dispatches_to_a_client() -> None:
    root = Path(ecrtui.__file__).parent
    offences = [
        offence
        for path in sorted(root.rglob("*.py"))
        if path.relative_to(root).as_posix() not in ALLOWED
        for offence in _offences(path)
    ]
    assert offences == []
    assert _offences(root / "ecr" / "caller.py")  # the check does find a dispatch
