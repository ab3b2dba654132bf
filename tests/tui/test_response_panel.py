"""ResponsePanel: success, service errors, problems found before sending, loading, empty."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import TextArea

from ecrtui.ecr.caller import CallRecord
from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.ecr.validation import validate
from ecrtui.tui.widgets.response_panel import EMPTY_HELP, ResponsePanel, format_duration
from tests.tui.calls import call_record

UPLOAD_ID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"
DIGEST = "sha256:9a77f85878aa1906f2020a0ecdf7a7c0d4d26ea8e4e8e2b5f6a3c1d0e9f8a7b6"
REQUEST_ID = "1f2e4a5b-9c8d-4e7f-a6b5-c4d3e2f1a0b9"
RESPONSE = {
    "registryId": "123456789012",
    "repositoryName": "team/api",
    "uploadId": UPLOAD_ID,
    "layerDigest": DIGEST,
}


def success_entry() -> CallRecord:
    response = {
        **RESPONSE,
        "ResponseMetadata": {"RequestId": REQUEST_ID, "HTTPStatusCode": 200, "RetryAttempts": 0},
    }
    request = {"repositoryName": "team/api", "uploadId": UPLOAD_ID, "layerDigests": [DIGEST]}
    return call_record("CompleteLayerUpload", request, response, None, 84.4, 1_700_000_000.0)


def service_error() -> EcrCallError:
    return EcrCallError(
        code="InvalidLayerPartException",
        message="The layer part size is not valid, or the first byte specified is not "
        "consecutive to the last byte of a previous layer part upload.",
        kind=ErrorKind.SERVICE,
        operation="UploadLayerPart",
        http_status=400,
        request_id="abcd1234efgh",
        fields={"lastValidByteReceived": 10485759, "uploadId": UPLOAD_ID},
    )


def error_entry(error: EcrCallError, operation: str = "UploadLayerPart") -> CallRecord:
    return call_record(operation, {}, None, error, 12.0, 1_700_000_000.0)


BAD_REQUEST = {"repositoryName": "Team", "layerDigests": [DIGEST, "sha256:xyz"]}


class PanelApp(App[None]):
    """A ResponsePanel alone; `show` runs on mount to put something in it."""

    def __init__(self, show: Callable[[ResponsePanel], None] | None = None) -> None:
        super().__init__()
        self.show = show

    def compose(self) -> ComposeResult:
        yield ResponsePanel()

    def on_mount(self) -> None:
        if self.show is not None:
            self.show(self.query_one(ResponsePanel))


async def test_a_success_shows_the_pretty_json_in_green() -> None:
    app = PanelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ResponsePanel)
        panel.show_call(success_entry())
        await pilot.pause()
        assert panel.has_class("-success")
        assert not panel.has_class("-error") and not panel.has_class("-invalid")
        body = panel.query_one("#response-body", TextArea)
        assert body.display and not panel.query_one("#response-detail").display
        assert body.read_only and body.language == "json"
        assert body.text == json.dumps(RESPONSE, indent=4)
        assert "ResponseMetadata" not in body.text
        assert panel.border_title == "Response · CompleteLayerUpload · 84 ms · req 1f2e4a5b"
        assert json.loads(panel.copy_text or "") == RESPONSE
        assert panel.shown_text == body.text


async def test_a_service_error_shows_code_message_fields_and_the_next_step_in_red() -> None:
    error = service_error()
    app = PanelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ResponsePanel)
        panel.show_call(error_entry(error))
        await pilot.pause()
        assert panel.has_class("-error") and not panel.has_class("-success")
        assert panel.border_title == "Error · UploadLayerPart · 12 ms · req abcd1234"
        assert not panel.query_one("#response-body").display
        assert panel.query_one("#response-detail", VerticalScroll).display
        text = panel.shown_text
        assert error.hint is not None
        for expected in (
            "InvalidLayerPartException",
            error.message,
            "HTTP status: 400",
            "Request id: abcd1234efgh",
            "lastValidByteReceived: 10485759",
            f"uploadId: {UPLOAD_ID}",
            f"Next step: {error.hint}",
        ):
            assert expected in text
        assert "10485760" in error.hint  # the byte to resume from, filled in from the field
        detail = panel.view.detail
        assert detail is not None
        start = detail.plain.index("Next step:")
        end = start + len(f"Next step: {error.hint}")
        assert any(
            span.start <= start and span.end >= end and "bold" in str(span.style)
            for span in detail.spans
        )
        # The next step comes before the details, so it shows first on a small terminal.
        assert start < detail.plain.index("HTTP status:")


async def test_the_copied_error_is_a_json_object() -> None:
    error = service_error()
    app = PanelApp(lambda panel: panel.show_call(error_entry(error)))
    async with app.run_test(size=(80, 24)):
        copied = json.loads(app.query_one(ResponsePanel).copy_text or "")
    assert copied == {
        "code": "InvalidLayerPartException",
        "message": error.message,
        "httpStatus": 400,
        "requestId": "abcd1234efgh",
        "operation": "UploadLayerPart",
        "lastValidByteReceived": 10485759,
        "uploadId": UPLOAD_ID,
        "hint": error.hint,
    }
    assert list(copied) == [
        "code",
        "message",
        "httpStatus",
        "requestId",
        "operation",
        "lastValidByteReceived",
        "uploadId",
        "hint",
    ]


async def test_a_validation_error_lists_every_problem_in_yellow() -> None:
    problems = validate("CompleteLayerUpload", BAD_REQUEST)
    assert [problem.field for problem in problems] == [
        "repositoryName",
        "uploadId",
        "layerDigests[1]",
    ]
    error = EcrCallError.invalid_request("CompleteLayerUpload", problems)
    app = PanelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ResponsePanel)
        panel.show_call(error_entry(error, "CompleteLayerUpload"))
        await pilot.pause()
        assert panel.has_class("-invalid") and not panel.has_class("-error")
        assert panel.border_title == "Not sent · CompleteLayerUpload · 3 problems"
        lines = panel.shown_text.splitlines()
        for problem in problems:
            assert f"✗ {problem.message}" in lines
        copied = json.loads(panel.copy_text or "")
    assert copied["code"] == "ParamValidation"
    assert copied["operation"] == "CompleteLayerUpload"
    assert copied["httpStatus"] is None and copied["requestId"] is None
    assert copied["hint"] == "fix the parameters named above; nothing was sent to ECR"
    assert [p["field"] for p in copied["problems"]] == [p.field for p in problems]
    assert [p["message"] for p in copied["problems"]] == [p.message for p in problems]


async def test_show_problems_lists_each_problem_on_its_own_line() -> None:
    problems = validate("CompleteLayerUpload", {"repositoryName": "Team", "uploadId": UPLOAD_ID})
    assert len(problems) == 2
    app = PanelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ResponsePanel)
        panel.show_problems("CompleteLayerUpload", problems)
        await pilot.pause()
        assert panel.has_class("-invalid")
        assert panel.border_title == "Not sent · CompleteLayerUpload · 2 problems"
        lines = panel.shown_text.splitlines()
        assert [line for line in lines if line.startswith("✗ ")] == [
            f"✗ {problem.message}" for problem in problems
        ]
        assert json.loads(panel.copy_text or "")["message"] == "2 invalid parameter(s)"
        panel.show_problems("CompleteLayerUpload", problems[:1])
        await pilot.pause()
        assert panel.border_title == "Not sent · CompleteLayerUpload · 1 problem"


async def test_botocore_validation_without_problems_is_still_yellow() -> None:
    error = EcrCallError(
        "ParamValidation", "Invalid type for parameter uploadId", ErrorKind.VALIDATION
    )
    app = PanelApp(lambda panel: panel.show_call(error_entry(error, "CompleteLayerUpload")))
    async with app.run_test(size=(80, 24)):
        panel = app.query_one(ResponsePanel)
        assert panel.has_class("-invalid")
        assert panel.border_title == "Not sent · CompleteLayerUpload · invalid parameters"
        assert "Invalid type for parameter uploadId" in panel.shown_text


async def test_loading_then_empty() -> None:
    app = PanelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ResponsePanel)
        assert panel.has_class("-empty")
        assert panel.shown_text == EMPTY_HELP
        assert panel.copy_text is None
        panel.show_loading("CompleteLayerUpload")
        await pilot.pause()
        assert panel.has_class("-loading") and not panel.has_class("-empty")
        assert panel.border_title == "Sending CompleteLayerUpload…"
        assert "CompleteLayerUpload is on its way to ECR" in panel.shown_text
        assert panel.copy_text is None
        panel.show_call(success_entry())
        panel.clear()
        await pilot.pause()
        assert panel.has_class("-empty") and not panel.has_class("-success")
        assert panel.copy_text is None
        assert panel.shown_text == EMPTY_HELP


async def test_show_text_highlights_the_given_language() -> None:
    skeleton = json.dumps({"registryId": "", "repositoryName": "", "layerDigests": [""]}, indent=4)
    app = PanelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ResponsePanel)
        panel.show_text("Skeleton · CompleteLayerUpload", skeleton)
        await pilot.pause()
        body = panel.query_one("#response-body", TextArea)
        assert (body.text, body.language, panel.border_title) == (
            skeleton,
            "json",
            "Skeleton · CompleteLayerUpload",
        )
        assert panel.copy_text == skeleton
        panel.show_text("YAML", "repositoryName: team/api\n", language="yaml")
        await pilot.pause()
        assert (body.text, body.language) == ("repositoryName: team/api\n", "yaml")
        panel.show_text("Plain", "just words", language=None)
        await pilot.pause()
        assert (body.text, body.language) == ("just words", None)


async def test_an_entry_shown_before_mount_appears_on_mount() -> None:
    app = PanelApp()
    panel = ResponsePanel()
    panel.show_call(success_entry())
    async with app.run_test(size=(80, 24)) as pilot:
        await app.mount(panel)
        await pilot.pause()
        assert panel.has_class("-success")
        assert panel.query_one("#response-body", TextArea).text == json.dumps(RESPONSE, indent=4)


async def test_credentials_are_never_drawn_or_copied() -> None:
    token = "QVdTOnNlY3JldC1wYXNzd29yZA=="
    response = {
        "authorizationData": [{"authorizationToken": token, "proxyEndpoint": "https://x"}],
        "ResponseMetadata": {"RequestId": "r"},
    }
    entry = call_record("GetAuthorizationToken", {}, response, None, 5, 0)
    error = EcrCallError(
        "InvalidSignatureException",
        "Signature mismatch for Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/ecr",
        ErrorKind.CREDENTIALS,
        fields={"note": "key AKIAIOSFODNN7EXAMPLE"},
    )
    app = PanelApp()
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.query_one(ResponsePanel)
        panel.show_call(entry)
        await pilot.pause()
        assert token not in panel.shown_text and token not in (panel.copy_text or "")
        assert '"authorizationToken": "<hidden>"' in panel.shown_text
        panel.show_call(error_entry(error, "DescribeRepositories"))
        await pilot.pause()
        assert "AKIAIOSFODNN7EXAMPLE" not in panel.shown_text
        assert "AKIAIOSFODNN7EXAMPLE" not in (panel.copy_text or "")
        assert "Credential=AKIA…(hidden)" in panel.shown_text


async def test_a_long_error_scrolls_at_80x24() -> None:
    fields: dict[str, Any] = {f"field{n:02}": "x" * 70 for n in range(40)}
    error = EcrCallError("ServerException", "boom " * 60, ErrorKind.SERVICE, fields=fields)
    app = PanelApp(lambda panel: panel.show_call(error_entry(error)))
    async with app.run_test(size=(80, 24)) as pilot:
        detail = app.query_one("#response-detail", VerticalScroll)
        assert detail.max_scroll_y > 0
        detail.focus()
        await pilot.press("end")
        await pilot.pause()
        assert detail.scroll_y == detail.max_scroll_y
        assert "Next step: ECR failed on its side" in app.query_one(ResponsePanel).shown_text


@pytest.mark.parametrize(
    ("ms", "words"),
    [(0.4, "0 ms"), (84.4, "84 ms"), (999.4, "999 ms"), (1234, "1.2 s"), (125_000, "2 min 5 s")],
)
def test_durations_in_words(ms: float, words: str) -> None:
    assert format_duration(ms) == words


def test_the_help_names_each_state() -> None:
    for words in ("Green border", "Red border", "Yellow border", "next step", "`y` copies"):
        assert words in ResponsePanel.HELP


def test_snapshot_success_80x24(snap_compare: Any) -> None:
    assert snap_compare(PanelApp(lambda p: p.show_call(success_entry())), terminal_size=(80, 24))


def test_snapshot_service_error_100x30(snap_compare: Any) -> None:
    app = PanelApp(lambda p: p.show_call(error_entry(service_error())))
    assert snap_compare(app, terminal_size=(100, 30))
