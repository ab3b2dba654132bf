"""A session token that ECR quotes in an error (signature errors quote the canonical request) is
never printed or stored: not by push-layer, not in the journal, not by `uploads`, not by
complete-layer-upload, not even in a --debug traceback."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from ecrtui.cli.exit_codes import CONFIG, SERVICE
from ecrtui.uploads.journal import default_path
from tests.conftest import CliResult
from tests.ecr.test_redaction import canonical_request_message
from tests.fake_ecr import FakeEcr, FakeError
from tests.uploads.helpers import ecrtui_env, file_digest, write_layer

TOKEN = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDecrtuiEchoedToken+xyz/uvw=="
REPOSITORY = "team/api"


def _ecrtui(*args: str) -> CliResult:
    """`ecrtui ARGS` with a session token in its credentials, as an assumed role has."""
    done = subprocess.run(
        [sys.executable, "-m", "ecrtui", *args],
        capture_output=True,
        text=True,
        env={**ecrtui_env(), "AWS_SESSION_TOKEN": TOKEN},
        timeout=120,
    )
    return CliResult(done.returncode, done.stdout, done.stderr)


def _assert_no_token(*texts: str) -> None:
    for text in texts:
        for piece in (TOKEN, TOKEN[:24], TOKEN[-24:]):
            assert piece not in text, text


def _journal_text() -> str:
    """Every row of the journal as SQLite reads it, independently of ecrtui."""
    db = sqlite3.connect(default_path())
    try:
        rows = [*db.execute("SELECT * FROM uploads"), *db.execute("SELECT * FROM calls")]
    finally:
        db.close()
    return repr(rows)


def _answers(upload_id: str) -> dict[str, Any]:
    def part(body: dict[str, Any]) -> Any:
        return FakeError(403, "InvalidSignatureException", canonical_request_message(TOKEN))

    return {
        "BatchCheckLayerAvailability": {"layers": [], "failures": []},
        "InitiateLayerUpload": {"uploadId": upload_id, "partSize": 10 * 1024 * 1024},
        "UploadLayerPart": part,
    }


def test_push_layer_never_prints_or_journals_an_echoed_token(tmp_path: Path) -> None:
    layer = write_layer(tmp_path, 2000, seed=80)
    upload_id = str(uuid.uuid4())
    with FakeEcr(_answers(upload_id)) as fake:
        pushed = _ecrtui(
            "push-layer", str(layer), "--repository-name", REPOSITORY,
            "--endpoint-url", fake.endpoint_url, "--debug",
        )  # fmt: skip
        assert "UploadLayerPart" in fake.operations()
    assert pushed.returncode == CONFIG, pushed.stderr
    assert "InvalidSignatureException" in pushed.stderr
    assert "x-amz-security-token:<redacted>" in pushed.stderr
    assert f"upload id: {upload_id}" in pushed.stderr
    _assert_no_token(pushed.stdout, pushed.stderr)

    journal = _journal_text()
    assert "InvalidSignatureException" in journal and "x-amz-security-token:<redacted>" in journal
    _assert_no_token(journal)

    listed = _ecrtui("uploads", "--all", "--output", "json")
    assert listed.returncode == 0, listed.stderr
    [entry] = listed.json()
    assert entry["uploadId"] == upload_id
    assert entry["lastErrorCode"] == "InvalidSignatureException"
    assert "x-amz-security-token:<redacted>" in entry["lastErrorMessage"]
    _assert_no_token(listed.stdout, listed.stderr)
    table = _ecrtui("uploads", "--all")
    _assert_no_token(table.stdout, table.stderr)


def test_complete_layer_upload_never_prints_or_journals_an_echoed_token(tmp_path: Path) -> None:
    layer = write_layer(tmp_path, 3000, seed=81)
    digest = file_digest(layer)
    upload_id = str(uuid.uuid4())

    def part(body: dict[str, Any]) -> Any:
        blob = base64.b64decode(body["layerPartBlob"])
        return {"uploadId": upload_id, "lastByteReceived": body["partFirstByte"] + len(blob) - 1}

    answers: dict[str, Any] = {**_answers(upload_id), "UploadLayerPart": part}
    with FakeEcr(answers) as fake:
        pushed = _ecrtui(
            "push-layer", str(layer), "--repository-name", REPOSITORY, "--no-complete",
            "--endpoint-url", fake.endpoint_url,
        )  # fmt: skip
        assert pushed.returncode == 0, pushed.stderr
        complete = ["complete-layer-upload", "--repository-name", REPOSITORY]
        complete += ["--upload-id", upload_id, "--layer-digests", digest]
        complete += ["--endpoint-url", fake.endpoint_url]
        # ECR's refusal of the request quotes the token; the journal keeps the refusal
        fake.answers["CompleteLayerUpload"] = FakeError(
            400, "InvalidParameterException", canonical_request_message(TOKEN)
        )
        refused = _ecrtui(*complete, "--debug")
        fake.answers["CompleteLayerUpload"] = FakeError(
            403, "InvalidSignatureException", canonical_request_message(TOKEN)
        )
        unsigned = _ecrtui(*complete, "--output", "text")
        assert fake.operations().count("CompleteLayerUpload") == 2
    assert refused.returncode == SERVICE, refused.stderr
    assert unsigned.returncode == CONFIG, unsigned.stderr
    for result in (refused, unsigned):
        assert "x-amz-security-token:<redacted>" in result.stderr
        _assert_no_token(result.stdout, result.stderr)
    assert "Traceback" in refused.stderr  # --debug: the traceback is shown, redacted
    journal = _journal_text()
    assert "InvalidParameterException" in journal
    _assert_no_token(journal)
    listed = _ecrtui("uploads", "--all", "--output", "json")
    assert listed.json()[0]["lastErrorCode"] == "InvalidParameterException"
    _assert_no_token(listed.stdout)
    assert os.environ.get("AWS_SESSION_TOKEN") != TOKEN  # only the subprocesses had it
