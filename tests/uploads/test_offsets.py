"""The engine checks every offset ECR answers: a part that does not advance the upload, an offset
that shrinks or runs past the file, or a number no layer can reach stops the push at once with
an UnexpectedAnswer error, never a loop and never an allocation sized by the server."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ecrtui.cli.exit_codes import SERVICE
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.uploads.engine import INITIATE_ATTEMPTS, PushError
from ecrtui.uploads.journal import Origin, UploadJournal, UploadState
from tests.fake_ecr import FakeEcr, FakeError
from tests.uploads.helpers import MiB, ecrtui, make_pusher, write_layer

REPOSITORY = "team/api"
HUGE = 10**15


def _last(body: dict[str, Any]) -> int:
    """The last byte of the part in this UploadLayerPart request."""
    return int(body["partFirstByte"]) + len(base64.b64decode(body["layerPartBlob"])) - 1


def _fake(part: Callable[[dict[str, Any]], Any], part_size: int = 10 * MiB) -> FakeEcr:
    """A fake ECR answering parts with `part`; past 20 parts it refuses every one, so an engine
    that loops fails the test instead of hanging it."""
    upload_id = str(uuid.uuid4())
    count = iter(range(1, 10**6))

    def bounded(body: dict[str, Any]) -> Any:
        if next(count) > 20:
            return FakeError(400, "InvalidParameterException", "the test stops the loop here")
        return part(body)

    return FakeEcr(
        {
            "BatchCheckLayerAvailability": {"layers": [], "failures": []},
            "InitiateLayerUpload": {"uploadId": upload_id, "partSize": part_size},
            "UploadLayerPart": bounded,
            "CompleteLayerUpload": {
                "repositoryName": REPOSITORY,
                "uploadId": upload_id,
                "layerDigest": "sha256:" + "0" * 64,
            },
        }
    )


def _second_part_answers(answer: Callable[[dict[str, Any]], Any]) -> Callable[..., Any]:
    """The first part is accepted as ECR does; every later one gets `answer`."""

    def part(body: dict[str, Any]) -> Any:
        if body["partFirstByte"] == 0:
            return {"uploadId": body["uploadId"], "lastByteReceived": _last(body)}
        return answer(body)

    return part


CASES: dict[str, Callable[[dict[str, Any]], Any]] = {
    # a "success" that holds nothing more than before: the same part again, forever
    "no progress": lambda body: {"lastByteReceived": body["partFirstByte"] - 1},
    "a shrinking offset": lambda body: {"lastByteReceived": body["partFirstByte"] - 100},
    "an offset past the part": lambda body: {"lastByteReceived": HUGE},
    "no offset at all": lambda body: {"uploadId": body["uploadId"]},
    "an offset that is not a number": lambda body: {"lastByteReceived": "12"},
    "a lost answer that claims 10**15 bytes": lambda body: FakeError(
        400, "InvalidLayerPartException", "First byte", {"lastValidByteReceived": HUGE}
    ),
    "a lost answer that holds fewer bytes than confirmed": lambda body: FakeError(
        400, "InvalidLayerPartException", "First byte", {"lastValidByteReceived": 99}
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_answer_that_does_not_fit_the_part_stops_the_push(
    case: str, journal: UploadJournal, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 12 * MiB, seed=90)
    began = time.monotonic()
    with _fake(_second_part_answers(CASES[case])) as fake:
        pusher = make_pusher(fake.endpoint_url, journal)
        with pytest.raises(EcrCallError) as raised:
            pusher.push(layer, REPOSITORY, part_size=5 * MiB)
        operations = fake.operations()
    assert time.monotonic() - began < 30
    # the good part, then the one that stopped it (and, for an answer without any offset, as a
    # cut answer parses, one probe asking ECR where it is)
    assert operations.count("UploadLayerPart") == (3 if case == "no offset at all" else 2)
    assert "CompleteLayerUpload" not in operations
    error = raised.value
    assert (error.code, error.kind, error.operation) == (
        "UnexpectedAnswer",
        ErrorKind.SERVICE,
        "UploadLayerPart",
    )
    assert error.message.startswith("ECR answered ")
    assert "which does not match" in error.message
    assert error.hint and "probe-upload" in error.hint
    [record] = journal.uploads()
    assert record.state is UploadState.INTERRUPTED
    assert record.bytes_confirmed == 5 * MiB  # what ECR confirmed, and nothing it did not
    assert (record.last_error_code, record.last_error_message) == (
        "UnexpectedAnswer",
        error.message,
    )


def test_a_part_answered_without_progress_exits_254_at_once(tmp_path: Path) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=91)
    with _fake(CASES["no progress"]) as fake:
        began = time.monotonic()
        pushed = ecrtui(
            "push-layer", str(layer), "--repository-name", REPOSITORY, "--part-size", "5MiB",
            "--endpoint-url", fake.endpoint_url,
        )  # fmt: skip
        elapsed = time.monotonic() - began
        assert fake.operations().count("UploadLayerPart") == 1
    assert pushed.returncode == SERVICE, pushed.stderr
    assert elapsed < 30
    assert (
        "ECR answered lastByteReceived=-1 to the part of bytes 0-5242879 of upload"
    ) in pushed.stderr
    assert "which does not match the part's last byte (5242879)" in pushed.stderr
    assert "hint: ECR's answer does not fit what was sent" in pushed.stderr
    assert "MemoryError" not in pushed.stderr


def test_a_lost_answer_is_still_followed_from_the_byte_ecr_gives(
    journal: UploadJournal, tmp_path: Path
) -> None:
    """The one refusal that moves the push on: ECR stored the part, and its answer was lost."""
    layer = write_layer(tmp_path, 12 * MiB, seed=92)
    seen: list[int] = []

    def part(body: dict[str, Any]) -> Any:
        seen.append(body["partFirstByte"])
        if len(seen) == 2:  # the retry of a part ECR stored
            return FakeError(
                400,
                "InvalidLayerPartException",
                "First byte",
                {"lastValidByteReceived": _last(body)},
            )
        return {"lastByteReceived": _last(body)}

    with _fake(part) as fake:
        result = make_pusher(fake.endpoint_url, journal).push(
            layer, REPOSITORY, part_size=5 * MiB, complete=False
        )
    assert seen == [0, 5 * MiB, 10 * MiB]
    assert result.record is not None and result.record.bytes_confirmed == 12 * MiB


def test_a_probe_answer_of_10_to_the_15_is_refused_without_allocating(
    journal: UploadJournal, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=93)
    upload_id = str(uuid.uuid4())
    huge = FakeError(
        400, "InvalidLayerPartException", "First byte", {"lastValidByteReceived": HUGE}
    )
    with FakeEcr({"UploadLayerPart": huge}) as fake:
        pusher = make_pusher(fake.endpoint_url, journal)
        with pytest.raises(EcrCallError, match="which does not match any layer ECR can hold"):
            pusher.probe(REPOSITORY, upload_id)
        record = journal.record(
            endpoint=fake.endpoint_url,
            region=pusher.region,
            repository=REPOSITORY,
            upload_id=upload_id,
            origin=Origin.PUSHED,
            state=UploadState.INTERRUPTED,
            source=layer,
        )
        with pytest.raises(EcrCallError, match="which does not match"):
            pusher.resume(upload_id)
        assert fake.operations() == ["UploadLayerPart", "UploadLayerPart"]  # two probes
    assert journal.get(record.row_id) == record  # nothing changed


def test_a_resume_point_past_the_file_is_refused(journal: UploadJournal, tmp_path: Path) -> None:
    layer = write_layer(tmp_path, 6 * MiB, seed=94)
    upload_id = str(uuid.uuid4())
    beyond = FakeError(
        400, "InvalidLayerPartException", "First byte", {"lastValidByteReceived": 7 * MiB}
    )
    with FakeEcr({"UploadLayerPart": beyond}) as fake:
        pusher = make_pusher(fake.endpoint_url, journal)
        journal.record(
            endpoint=fake.endpoint_url,
            region=pusher.region,
            repository=REPOSITORY,
            upload_id=upload_id,
            origin=Origin.PUSHED,
            state=UploadState.INTERRUPTED,
            source=layer,
        )
        with pytest.raises(PushError, match="more than the file's"):
            pusher.resume(upload_id)
        assert fake.operations() == ["UploadLayerPart"]  # the probe, and no part


def test_an_advertised_part_size_ecr_cannot_take_is_not_used(
    journal: UploadJournal, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 12 * MiB, seed=95)
    sizes: list[int] = []

    def part(body: dict[str, Any]) -> Any:
        sizes.append(_last(body) - body["partFirstByte"] + 1)
        return {"lastByteReceived": _last(body)}

    with _fake(part, part_size=HUGE) as fake:
        result = make_pusher(fake.endpoint_url, journal).push(layer, REPOSITORY, complete=False)
    assert sizes == [10 * MiB, 2 * MiB]
    assert result.record is not None and result.record.part_size == 10 * MiB


def test_initiate_answers_that_never_carry_an_upload_id_stop_before_any_part(
    journal: UploadJournal, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 1000, seed=96)
    with FakeEcr({"InitiateLayerUpload": {"partSize": 10 * MiB}}) as fake:
        with pytest.raises(EcrCallError, match="ECR answered uploadId=None"):
            make_pusher(fake.endpoint_url, journal).push(layer, REPOSITORY)
        assert "UploadLayerPart" not in fake.operations()
        assert fake.operations().count("InitiateLayerUpload") == INITIATE_ATTEMPTS
    assert journal.uploads() == []


def test_an_initiate_answer_cut_on_the_way_starts_another_upload(
    journal: UploadJournal, tmp_path: Path
) -> None:
    layer = write_layer(tmp_path, 1000, seed=97)
    fake = _fake(lambda body: {"registryId": "123456789012", "lastByteReceived": _last(body)})
    answers = iter([{}, fake.answers["InitiateLayerUpload"]])  # a cut answer parses as {}
    fake.answers["InitiateLayerUpload"] = lambda body: next(answers)
    with fake:
        result = make_pusher(fake.endpoint_url, journal).push(layer, REPOSITORY)
        assert fake.operations().count("InitiateLayerUpload") == 2
    assert result.record is not None and result.record.state is UploadState.COMPLETED


def test_a_cut_part_answer_is_followed_by_asking_ecr_where_it_is(
    journal: UploadJournal, tmp_path: Path
) -> None:
    """A body cut on the way parses as an empty answer: a probe finds the part stored."""
    layer = write_layer(tmp_path, 12 * MiB, seed=97)
    held = [0]

    def part(body: dict[str, Any]) -> Any:
        if body["partFirstByte"] != held[0]:  # the probe, or a part at the wrong offset
            return FakeError(
                400,
                "InvalidLayerPartException",
                "First byte",
                {"lastValidByteReceived": held[0] - 1},
            )
        held[0] = _last(body) + 1
        return {} if held[0] == 5 * MiB else {"lastByteReceived": held[0] - 1}

    with _fake(part) as fake:
        result = make_pusher(fake.endpoint_url, journal).push(
            layer, REPOSITORY, part_size=5 * MiB, complete=False
        )
        assert fake.operations().count("UploadLayerPart") == 4  # three parts and one probe
    assert result.record is not None and result.record.bytes_confirmed == 12 * MiB


@pytest.mark.parametrize("there", [True, False], ids=["layer there", "layer not there"])
def test_a_cut_completion_answer_is_checked_against_the_layer(
    journal: UploadJournal, tmp_path: Path, there: bool
) -> None:
    layer = write_layer(tmp_path, 1000, seed=98)
    checks = [0]

    def check(body: dict[str, Any]) -> Any:
        checks[0] += 1
        if checks[0] == 1 or not there:  # before the push: not there yet
            return {"layers": [], "failures": []}
        digest = body["layerDigests"][0]
        return {"layers": [{"layerDigest": digest, "layerAvailability": "AVAILABLE"}]}

    with _fake(lambda body: {"lastByteReceived": _last(body)}) as fake:
        fake.answers["BatchCheckLayerAvailability"] = check
        fake.answers["CompleteLayerUpload"] = {}
        pusher = make_pusher(fake.endpoint_url, journal)
        if there:
            result = pusher.push(layer, REPOSITORY)
            assert result.response is not None
            assert result.response["layerDigest"] == result.digest
            assert result.record is not None and result.record.state is UploadState.COMPLETED
        else:
            with pytest.raises(EcrCallError, match="without a layerDigest, which does not match"):
                pusher.push(layer, REPOSITORY)
            [record] = journal.uploads()
            assert (record.state, record.last_error_code) == (UploadState.READY, "UnexpectedAnswer")
        assert fake.operations()[-2:] == ["CompleteLayerUpload", "BatchCheckLayerAvailability"]
