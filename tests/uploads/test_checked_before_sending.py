"""The upload commands send nothing ECR would refuse: parameters are checked against ECR's model,
and a push's part size against ECR's part rules, before the first request (exit 252). A fake ECR
that counts requests shows that nothing reached the network."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecrtui.cli.exit_codes import USAGE
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.uploads.journal import UploadJournal, default_path
from tests.fake_ecr import FakeEcr
from tests.uploads.helpers import MiB, ecrtui, make_pusher, write_layer

UPLOAD_ID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"
LONG_ID = "a" * 100_000


@pytest.fixture
def fake() -> Iterator[FakeEcr]:
    """A fake ECR that would accept anything; the tests check it received nothing."""
    with FakeEcr() as running:
        yield running


def _journal_rows() -> int:
    if not default_path().exists():
        return 0
    with UploadJournal() as journal:
        return len(journal.uploads(include_finished=True)) + len(journal.calls())


def _assert_refused(result: object, fake: FakeEcr, *words: str) -> None:
    returncode, stderr = result.returncode, result.stderr
    assert returncode == USAGE, stderr
    assert fake.requests == []
    for text in words:
        assert text in stderr, stderr
    assert LONG_ID not in stderr  # a value is quoted shortened, never whole
    assert _journal_rows() == 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--repository-name", "Team//API"], "repositoryName: 'Team//API' is not a repository"),
        (["--repository-name", "team/api", "--registry-id", "1"], "registryId: '1' is not a"),
    ],
    ids=["repository name", "registry id"],
)
def test_push_layer_checks_its_parameters_before_hashing_or_sending(
    fake: FakeEcr, tmp_path: Path, arguments: list[str], message: str
) -> None:
    layer = write_layer(tmp_path, 1000, seed=110)
    pushed = ecrtui("push-layer", str(layer), *arguments, "--endpoint-url", fake.endpoint_url)
    _assert_refused(pushed, fake, "Parameter validation failed:", message, "nothing was sent")
    assert "hashing" not in pushed.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ["--repository-name", "team/api", "--upload-id", LONG_ID],
        ["--repository-name", "team/api", "--upload-id", "not-an-id"],
        ["--repository-name", "Team//API", "--upload-id", UPLOAD_ID],
        ["--repository-name", "team/api", "--upload-id", UPLOAD_ID, "--registry-id", "1"],
    ],
    ids=["100 KB upload id", "upload id", "repository name", "registry id"],
)
def test_probe_upload_checks_its_parameters_before_sending(
    fake: FakeEcr, arguments: list[str]
) -> None:
    probed = ecrtui("probe-upload", *arguments, "--endpoint-url", fake.endpoint_url)
    _assert_refused(probed, fake, "Parameter validation failed:")


@pytest.mark.parametrize("upload_id", [LONG_ID, "not-an-id"], ids=["100 KB", "not a UUID"])
def test_resume_checks_the_upload_id_before_anything_else(fake: FakeEcr, upload_id: str) -> None:
    resumed = ecrtui("resume", upload_id, "--endpoint-url", fake.endpoint_url)
    _assert_refused(resumed, fake, "uploadId: ", "is not an upload id", "nothing was sent")
    assert "not in the journal" not in resumed.stderr


# -- part sizes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "part_size", "words"),
    [
        (60 * MiB, "1g", "in one part of 60 MiB, over the 10 MiB ECR accepts in one part"),
        (12 * MiB, "1MiB", "into parts under 5 MiB"),
        (12 * MiB, "11MiB", "in parts of 11 MiB, over the 10 MiB"),
    ],
    ids=["1 GiB parts of 60 MiB", "1 MiB parts of 12 MiB", "11 MiB parts of 12 MiB"],
)
def test_a_part_size_ecr_would_refuse_is_refused_before_sending(
    fake: FakeEcr, tmp_path: Path, size: int, part_size: str, words: str
) -> None:
    layer = write_layer(tmp_path, size, seed=111)
    pushed = ecrtui(
        "push-layer", str(layer), "--repository-name", "team/api", "--part-size", part_size,
        "--endpoint-url", fake.endpoint_url,
    )  # fmt: skip
    _assert_refused(pushed, fake, "Parameter validation failed:", "partSize: a part size of ")
    assert words in pushed.stderr
    assert "use a part size from 5 MiB to 10 MiB (e.g. 10MiB)" in pushed.stderr
    assert "hashing" not in pushed.stderr


@pytest.mark.parametrize(
    ("size", "part_size"),
    [(900 * 1024, 1 * MiB), (5 * MiB, 1024 * MiB), (10 * MiB, 64 * MiB), (3 * MiB, 1)],
    ids=["1 MiB, one part", "1 GiB, one part of 5 MiB", "64 MiB, one part of 10 MiB", "1 byte"],
)
def test_any_part_size_is_fine_when_the_layer_fits_in_one_part(
    endpoint_url: str,
    journal: UploadJournal,
    repository: str,
    tmp_path: Path,
    size: int,
    part_size: int,
) -> None:
    layer = write_layer(tmp_path, size, seed=112)
    if part_size == 1:  # one byte parts of a 3 MiB layer: refused, it does not fit in one
        with pytest.raises(EcrCallError, match="into parts under 5 MiB"):
            make_pusher(endpoint_url, journal).push(layer, repository, part_size=part_size)
        assert journal.uploads() == []
        return
    result = make_pusher(endpoint_url, journal).push(layer, repository, part_size=part_size)
    assert result.response is not None
    assert result.record is not None and result.record.bytes_confirmed == size


def test_more_parts_than_ecr_allows_are_refused_before_hashing(
    journal: UploadJournal, fake: FakeEcr, tmp_path: Path
) -> None:
    layer = tmp_path / "sparse.bin"
    with layer.open("wb") as sparse:  # 21 GB of holes: hashing it would take minutes
        sparse.truncate(4200 * 5 * MiB + 1)
    try:
        began = os.times().elapsed
        with pytest.raises(EcrCallError) as raised:
            make_pusher(fake.endpoint_url, journal).push(layer, "team/api", part_size=5 * MiB)
        assert os.times().elapsed - began < 5
    finally:
        layer.unlink()
    assert raised.value.kind is ErrorKind.VALIDATION
    assert "into 4,201 parts, over the 4,200 ECR allows" in str(raised.value)
    assert fake.requests == []


def test_a_push_refused_before_sending_leaves_no_trace(fake: FakeEcr, tmp_path: Path) -> None:
    layer = write_layer(tmp_path, 12 * MiB, seed=113)
    upload = str(uuid.uuid4())
    fake.answers["InitiateLayerUpload"] = {"uploadId": upload, "partSize": 10 * MiB}
    pushed = ecrtui(
        "push-layer", str(layer), "--repository-name", "team/api", "--part-size", "2MiB",
        "--endpoint-url", fake.endpoint_url,
    )  # fmt: skip
    _assert_refused(pushed, fake)
    assert upload not in pushed.stderr
