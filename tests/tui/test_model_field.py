"""ModelField: the model's problems under the field, "required" once touched, text never markup,
the model's rules as the tooltip, converters and extra checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual import events, on
from textual.app import App, ComposeResult
from textual.content import Content
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input, Label

from ecrtui.ecr.validation import FieldProblem, field_rules
from ecrtui.tui.push_words import part_size_problems
from ecrtui.tui.widgets.complete_form import split_digests
from ecrtui.tui.widgets.model_field import ModelFailure, ModelField, problem
from ecrtui.uploads.sizes import parse_size

from .screen_apps import wait_for

DIGEST = "sha256:" + "9a77f858" * 8


def repository_field() -> ModelField:
    return ModelField(
        "Repository", "InitiateLayerUpload", "repositoryName", input_id="repo", value=""
    )


class FieldApp(App[None]):
    """The fields `make` builds, one under the other; records each ModelField.Changed."""

    def __init__(self, make: Callable[[], list[ModelField]]) -> None:
        super().__init__()
        self.make = make
        self.changes: list[str] = []

    def compose(self) -> ComposeResult:
        yield from self.make()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False

    @on(ModelField.Changed)
    def _record(self, message: ModelField.Changed) -> None:
        self.changes.append(message.field.text)


def error_line(app: App[Any], input_id: str) -> Label:
    return app.query_one(f"#{input_id}-error", Label)


def shown(app: App[Any], input_id: str) -> str:
    """The plain text under a field ("" when its error line is hidden)."""
    label = error_line(app, input_id)
    if not label.has_class("-shown"):
        return ""
    assert isinstance(label.content, Content)
    return label.content.plain


def rendered(widget: Widget) -> str:
    """The characters the widget puts on the screen, line by line."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text.rstrip() for strip in strips)


async def rules_loaded(pilot: Pilot[Any], field: ModelField) -> None:
    await wait_for(pilot, lambda: field.input.tooltip is not None, timeout=10, what="the rules")


async def test_a_bad_value_shows_the_models_problem_and_posts_changed() -> None:
    app = FieldApp(lambda: [repository_field()])
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(ModelField)
        await pilot.click("#repo")
        await pilot.press(*"Team")
        await pilot.pause()
        assert shown(app, "repo").startswith("✗ repositoryName: 'Team' is not a repository name")
        assert field.input.has_class("-invalid")
        assert [(p.field, p.rule) for p in field.problems] == [("repositoryName", "pattern")]
        assert field.value == field.text == "Team"
        assert app.changes[-4:] == ["T", "Te", "Tea", "Team"]
        # the Validator answers Textual with the same problem
        result = field.input.validate("Team")
        assert result is not None and not result.is_valid
        [failure] = result.failures
        assert isinstance(failure, ModelFailure) and failure.problem == field.problems[0]
        await pilot.press(*"/api", "home", "delete")
        await pilot.pause()
        assert field.text == "eam/api"
        assert shown(app, "repo") == "" and field.problems == []
        assert not field.input.has_class("-invalid")


async def test_required_stays_quiet_until_touched_or_a_submit_was_tried() -> None:
    def two_fields() -> list[ModelField]:
        return [
            repository_field(),
            ModelField("Upload ID", "CompleteLayerUpload", "uploadId", input_id="upload"),
        ]

    app = FieldApp(two_fields)
    async with app.run_test(size=(80, 24)) as pilot:
        repository, upload = app.query(ModelField).results(ModelField)
        await pilot.pause()
        assert [p.rule for p in repository.problems] == ["required"]  # known, not shown
        assert shown(app, "repo") == "" and shown(app, "upload") == ""
        assert not repository.input.has_class("-invalid")
        await pilot.click("#repo")
        await pilot.press("x", "backspace")
        await pilot.pause()
        assert shown(app, "repo") == "✗ repositoryName: required, and missing"
        assert repository.input.has_class("-invalid")
        assert shown(app, "upload") == ""  # never touched
        assert [p.message for p in upload.show_problems()] == ["uploadId: required, and missing"]
        assert shown(app, "upload") == "✗ uploadId: required, and missing"
        upload.focus_input()
        await pilot.pause()
        assert app.focused is upload.input


async def test_markup_and_escape_sequences_show_as_plain_escaped_text() -> None:
    app = FieldApp(lambda: [repository_field()])
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(ModelField)
        line = error_line(app, "repo")
        await pilot.click("#repo")
        for typed in ("[/]", "[bold]x[/bold]", "[@click=app.quit]"):
            field.text = ""
            await pilot.press(*typed)
            await pilot.pause()
            assert field.text == typed
            assert f"✗ repositoryName: '{typed}' is not a repository name" in shown(app, "repo")
            assert f"'{typed}'" in rendered(line)
            await pilot.click(line)  # a link, were the text read as markup
            await pilot.pause()
            assert app.is_running
        field.text = ""
        hostile = "\x1b]52;c;aGk=\x07\x1b[2J"
        field.input.post_message(events.Paste(hostile))  # as a terminal pastes it
        await pilot.pause()
        assert field.text == hostile
        on_screen = rendered(line)
        assert "'\\x1b]52;c;aGk=\\x07\\x1b[2J'" in on_screen
        assert "\x1b" not in on_screen and "\x07" not in on_screen
        assert app.is_running


async def test_a_check_that_echoes_the_raw_value_is_escaped_by_the_field() -> None:
    def taken(value: str) -> list[FieldProblem]:
        return [problem("tag", f"{value} is taken")]

    def tag() -> list[ModelField]:
        return [ModelField("Tag", None, "tag", input_id="tag", check=taken)]

    app = FieldApp(tag)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(ModelField)
        field.input.post_message(events.Paste("[b]v1[/b]\x1b[31m\x9b"))
        await pilot.pause()
        on_screen = rendered(error_line(app, "tag"))
        assert on_screen.startswith("✗ tag: [b]v1[/b]\\x1b[31m\\x9b is taken")
        assert "\x1b" not in on_screen and "\x9b" not in on_screen
        assert app.is_running


async def test_the_tooltip_is_the_members_rules_from_the_model() -> None:
    app = FieldApp(lambda: [repository_field()])
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(ModelField)
        await rules_loaded(pilot, field)
        tooltip = field.input.tooltip
        assert isinstance(tooltip, Content)  # text, not markup: the patterns hold [ and ]
        rules = field_rules("InitiateLayerUpload")["repositoryName"]
        assert tooltip.plain == "\n".join(rules)
        assert tooltip.plain.startswith("required\n2-256 characters\n")
        assert "[a-z0-9]+" in tooltip.plain


async def test_a_converter_gives_the_value_and_the_problem_names_the_item() -> None:
    def digests() -> list[ModelField]:
        return [
            ModelField(
                "Digests",
                "CompleteLayerUpload",
                "layerDigests",
                input_id="digests",
                convert=split_digests,
            )
        ]

    app = FieldApp(digests)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(ModelField)
        field.text = f"{DIGEST}, sha256:XYZ"
        await pilot.pause()
        assert field.value == [DIGEST, "sha256:XYZ"]
        assert [p.field for p in field.problems] == ["layerDigests[1]"]
        assert "layerDigests[1]: 'sha256:XYZ' is not a digest like" in shown(app, "digests")
        field.text = " , "
        await pilot.pause()
        assert field.value is None  # no digest at all: the member is missing
        assert shown(app, "digests") == "✗ layerDigests: required, and missing"


async def test_a_field_outside_the_model_converts_checks_and_notes() -> None:
    def part_size() -> list[ModelField]:
        return [
            ModelField(
                "Part size",
                None,
                "part size",
                input_id="part",
                convert=parse_size,
                check=part_size_problems,
                tooltip="bytes per part, e.g. 10MiB\nempty: the partSize ECR gives",
            )
        ]

    app = FieldApp(part_size)
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(ModelField)
        assert isinstance(field.input.tooltip, Content)
        assert (
            field.input.tooltip.plain == "bytes per part, e.g. 10MiB\nempty: the partSize ECR gives"
        )
        field.text = "ten"
        await pilot.pause()
        assert field.value is None
        assert shown(app, "part") == "✗ part size: not a size: 'ten' (e.g. 10MiB)"
        field.text = "1MiB"
        await pilot.pause()
        assert field.value == 1024 * 1024
        assert field.problems == []  # a note is advice, not a problem
        assert shown(app, "part") == "note: ECR cannot complete an upload with parts under 5 MiB"
        assert not field.input.has_class("-invalid")
        field.text = "11MiB"
        await pilot.pause()
        assert [p.message for p in field.problems] == [
            "part size: 11 MiB is over the 10 MiB ECR accepts in one part"
        ]
        assert field.input.has_class("-invalid")
        field.text = ""
        await pilot.pause()
        assert field.value is None and field.problems == []  # optional
        assert shown(app, "part") == ""


async def test_a_disabled_field_hides_its_problems_until_enabled() -> None:
    app = FieldApp(lambda: [repository_field()])
    async with app.run_test(size=(80, 24)) as pilot:
        field = app.query_one(ModelField)
        field.text = "Team"
        await pilot.pause()
        assert shown(app, "repo") != ""
        field.disabled = True
        await pilot.pause()
        assert shown(app, "repo") == "" and not field.input.has_class("-invalid")
        assert field.problems  # still known
        field.disabled = False
        await pilot.pause()
        assert "'Team' is not a repository name" in shown(app, "repo")
