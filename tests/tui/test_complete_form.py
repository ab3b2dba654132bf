"""CompleteLayerForm: checks as you type, submitting, read-only, loading, and how it looks."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from textual import on
from textual.app import App, ComposeResult
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label

from ecrtui.tui.widgets.complete_form import CompleteLayerForm, split_digests
from ecrtui.tui.widgets.response_panel import ResponsePanel

UPLOAD_ID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"
DIGEST = "sha256:" + "9a77f858" * 8
OTHER_DIGEST = "sha256:" + "0123abcd" * 8
FIELD_IDS = ("registry-id", "repository-name", "upload-id", "layer-digests")


class FormApp(App[None]):
    """The form above a response panel, as in the console's Complete tab; records the messages."""

    CSS = "CompleteLayerForm { max-height: 14; }"

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        yield CompleteLayerForm()
        yield ResponsePanel()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False

    @on(CompleteLayerForm.Submitted)
    @on(CompleteLayerForm.Invalid)
    @on(CompleteLayerForm.CopyCommandRequested)
    @on(CompleteLayerForm.LoadRequested)
    @on(CompleteLayerForm.SkeletonRequested)
    def _record(self, message: Message) -> None:
        self.messages.append(message)
        if isinstance(message, CompleteLayerForm.Invalid):
            self.query_one(ResponsePanel).show_problems("CompleteLayerUpload", message.problems)


def error_text(app: App[Any], field_id: str) -> str:
    """The problems shown under a field ("" when its error label is hidden)."""
    label = app.query_one(f"#{field_id}-error", Label)
    if not label.has_class("-shown"):
        return ""
    assert isinstance(label.content, Content)
    return label.content.plain


def complete_button(app: App[Any]) -> Button:
    return app.query_one("#complete", Button)


async def type_into(pilot: Any, field_id: str, text: str) -> None:
    await pilot.click(f"#{field_id}")
    await pilot.press(*text)
    await pilot.pause()


async def test_a_new_form_shows_no_problems_but_cannot_complete() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)):
        form = app.query_one(CompleteLayerForm)
        assert form.request == {}
        assert {problem.rule for problem in form.problems} == {"required"}
        assert all(error_text(app, field_id) == "" for field_id in (*FIELD_IDS, "form"))
        assert complete_button(app).disabled
        assert form.border_title == "Complete layer upload"


async def test_a_bad_repository_shows_its_problem_under_the_field() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "repository-name", "Team")
        shown = error_text(app, "repository-name")
        assert "repositoryName: 'Team' is not a repository name" in shown
        assert shown.startswith("✗ ")
        assert app.query_one("#repository-name", Input).has_class("-invalid")
        # untouched required fields stay quiet
        assert error_text(app, "upload-id") == "" and error_text(app, "layer-digests") == ""
        assert complete_button(app).disabled
        await pilot.press("backspace", "backspace", "backspace", "backspace")
        await pilot.pause()
        assert error_text(app, "repository-name") == "✗ repositoryName: required, and missing"
        await pilot.press(*"team/api")
        await pilot.pause()
        assert error_text(app, "repository-name") == ""
        assert not app.query_one("#repository-name", Input).has_class("-invalid")


async def test_a_bad_digest_shows_under_the_digests_field() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "layer-digests", "sha256:xyz")
        shown = error_text(app, "layer-digests")
        assert "layerDigests[0]: 'sha256:xyz' is not a digest like sha256:<64 hex" in shown
        assert error_text(app, "repository-name") == ""


async def test_the_second_of_two_digests_is_named_by_its_index() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one("#layer-digests", Input)
        field.value = f"{DIGEST}, sha256:XYZ"
        await pilot.pause()
        shown = error_text(app, "layer-digests")
        assert "layerDigests[1]" in shown
        assert "layerDigests[0]" not in shown
        assert app.query_one(CompleteLayerForm).request["layerDigests"] == [DIGEST, "sha256:XYZ"]


async def test_a_valid_form_submits_the_exact_request_on_enter() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.query_one(CompleteLayerForm)
        form.fill("team/api", UPLOAD_ID, [DIGEST, OTHER_DIGEST], registry_id="123456789012")
        await pilot.pause()
        assert form.problems == []
        assert not complete_button(app).disabled
        assert all(error_text(app, field_id) == "" for field_id in FIELD_IDS)
        app.query_one("#upload-id", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        expected = {
            "registryId": "123456789012",
            "repositoryName": "team/api",
            "uploadId": UPLOAD_ID,
            "layerDigests": [DIGEST, OTHER_DIGEST],
        }
        assert [type(m) for m in app.messages] == [CompleteLayerForm.Submitted]
        submitted = app.messages[0]
        assert isinstance(submitted, CompleteLayerForm.Submitted)
        assert submitted.request == expected
        assert list(submitted.request) == list(expected)


async def test_the_complete_button_submits_and_the_registry_is_optional() -> None:
    seen: list[Message] = []
    app = FormApp()
    async with app.run_test(size=(80, 24), message_hook=seen.append) as pilot:
        app.query_one(CompleteLayerForm).fill("team/api", f" {UPLOAD_ID} ", [DIGEST])
        await pilot.pause()
        await pilot.click("#complete")
        await pilot.pause()
    submitted = {id(m): m for m in seen if isinstance(m, CompleteLayerForm.Submitted)}
    assert [m.request for m in submitted.values()] == [
        {"repositoryName": "team/api", "uploadId": UPLOAD_ID, "layerDigests": [DIGEST]}
    ]


async def test_an_invalid_submit_shows_every_problem_and_posts_them() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.query_one(CompleteLayerForm)
        await type_into(pilot, "layer-digests", "sha256:xyz")
        await pilot.press("enter")
        await pilot.pause()
        assert [type(m) for m in app.messages] == [CompleteLayerForm.Invalid]
        invalid = app.messages[0]
        assert isinstance(invalid, CompleteLayerForm.Invalid)
        assert invalid.problems == form.problems
        assert [p.field for p in invalid.problems] == [
            "repositoryName",
            "uploadId",
            "layerDigests[0]",
        ]
        assert error_text(app, "repository-name") == "✗ repositoryName: required, and missing"
        assert error_text(app, "upload-id") == "✗ uploadId: required, and missing"
        assert "layerDigests[0]" in error_text(app, "layer-digests")
        assert error_text(app, "registry-id") == ""  # optional, and empty
        assert app.focused is app.query_one("#repository-name", Input)
        assert app.query_one(ResponsePanel).has_class("-invalid")


async def test_read_only_disables_complete() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.query_one(CompleteLayerForm)
        form.fill("team/api", UPLOAD_ID, [DIGEST])
        form.read_only = True
        await pilot.pause()
        button = complete_button(app)
        assert button.disabled
        assert str(button.label) == "Complete (read-only)"
        app.query_one("#repository-name", Input).focus()
        await pilot.press("enter")
        await pilot.pause()
        assert app.messages == []
        assert "read-only" in error_text(app, "form")
        form.read_only = False
        await pilot.pause()
        assert not button.disabled and str(button.label) == "Complete"


async def test_load_keeps_unknown_keys_as_problems() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.query_one(CompleteLayerForm)
        form.load(
            {
                "registryId": 123456789012,  # YAML reads a bare account id as a number
                "repositoryName": "team/api",
                "uploadId": UPLOAD_ID,
                "layerDigest": DIGEST,
            }
        )
        await pilot.pause()
        assert app.query_one("#registry-id", Input).value == "123456789012"
        assert form.request["layerDigest"] == DIGEST
        unknown = [p for p in form.problems if p.rule == "unknown"]
        assert [p.field for p in unknown] == ["layerDigest"]
        shown = error_text(app, "form")
        assert "layerDigest: not a parameter of CompleteLayerUpload" in shown
        assert "did you mean layerDigests?" in shown
        assert error_text(app, "layer-digests") == "✗ layerDigests: required, and missing"
        assert complete_button(app).disabled
        form.load({"repositoryName": "team/api", "uploadId": UPLOAD_ID, "layerDigests": [DIGEST]})
        await pilot.pause()
        assert form.problems == [] and error_text(app, "form") == ""
        assert app.query_one("#registry-id", Input).value == ""


async def test_set_default_registry_sets_the_placeholder() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)):
        form = app.query_one(CompleteLayerForm)
        registry = app.query_one("#registry-id", Input)
        form.set_default_registry("123456789012")
        assert registry.placeholder == "123456789012 (default)"
        form.set_default_registry(None)
        assert "optional" in registry.placeholder


async def test_the_other_buttons_post_their_requests() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(CompleteLayerForm).fill("team/api", UPLOAD_ID, [DIGEST])
        await pilot.pause()
        for button_id in ("copy-command", "load", "skeleton"):
            await pilot.click(f"#{button_id}")
            await pilot.pause()
        assert [type(m) for m in app.messages] == [
            CompleteLayerForm.CopyCommandRequested,
            CompleteLayerForm.LoadRequested,
            CompleteLayerForm.SkeletonRequested,
        ]
        copy = app.messages[0]
        assert isinstance(copy, CompleteLayerForm.CopyCommandRequested)
        assert copy.request == {
            "repositoryName": "team/api",
            "uploadId": UPLOAD_ID,
            "layerDigests": [DIGEST],
        }


async def test_the_form_fits_80_columns_and_14_rows() -> None:
    app = FormApp()
    async with app.run_test(size=(80, 24)) as pilot:
        form = app.query_one(CompleteLayerForm)
        await type_into(pilot, "repository-name", "Team")
        await pilot.press("enter")
        await pilot.pause()
        assert form.outer_size.height <= 14
        for button in app.query(Button):
            region = button.region
            assert region.width >= len(str(button.label)), button.id
            assert form.region.contains_region(region), button.id
        for field in app.query(Input):
            assert field.region.width >= 40


def test_the_help_explains_each_field() -> None:
    for words in ("Registry ID", "Repository", "Upload ID", "Digests", "Enter", "read-only"):
        assert words in CompleteLayerForm.HELP


@given(
    st.lists(st.text(alphabet="sha256:0123456789abcdef", min_size=1), max_size=5),
    st.lists(st.sampled_from([" ", ",", ", ", "\n", "\t", " ,\n"]), min_size=6, max_size=6),
)
def test_digests_split_on_spaces_commas_and_newlines(digests: list[str], seps: list[str]) -> None:
    text = seps[0] + "".join(d + seps[i + 1] for i, d in enumerate(digests))
    assert split_digests(text) == digests


def test_snapshot_form_with_errors_80x24(snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        form = pilot.app.query_one(CompleteLayerForm)
        form.set_default_registry("123456789012")
        pilot.app.query_one("#repository-name", Input).value = "Team"
        pilot.app.query_one("#layer-digests", Input).value = f"{DIGEST} sha256:xyz"
        await pilot.pause()
        form.submit()
        await pilot.pause()

    assert snap_compare(FormApp(), terminal_size=(80, 24), run_before=run_before)
