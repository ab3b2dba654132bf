"""Only ecrtui.tui may import textual (or rich), and the non-UI packages must import cheaply."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import ecrtui

HEAVY = ("textual", "boto3", "botocore", "moto")
UI_LIBRARIES = ("textual", "rich")


def modules_outside_the_console() -> list[str]:
    """Every module of the package but ecrtui.tui's, found by walking it (new ones included).

    `ecrtui.__main__` runs the program when imported; it holds nothing but that call."""
    found = [
        module.name
        for module in pkgutil.walk_packages(ecrtui.__path__, prefix="ecrtui.")
        if not module.name.startswith("ecrtui.tui") and module.name != "ecrtui.__main__"
    ]
    return sorted(found)


def test_the_walk_finds_the_packages() -> None:
    modules = modules_outside_the_console()
    for expected in ("ecrtui.ecr.caller", "ecrtui.uploads.lifecycle", "ecrtui.local.server"):
        assert expected in modules
    assert not any(name.startswith("ecrtui.tui") for name in modules)


@pytest.mark.parametrize("module", [*modules_outside_the_console(), "ecrtui.tui.session"])
def test_no_ui_library_outside_the_console(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {UI_LIBRARIES!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} imports {done.stdout.strip()}"


@pytest.mark.parametrize(
    "module", ["ecrtui.ecr", "ecrtui.uploads", "ecrtui.local", "ecrtui.cli.main"]
)
def test_non_ui_packages_import_cheaply(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


@pytest.mark.parametrize("mode", [[], ["input"], ["yaml-input"]])
def test_a_skeleton_is_printed_without_botocore(mode: list[str]) -> None:
    """An input skeleton reads ECR's model file; botocore, urllib3 and argparse stay unloaded."""
    argv = ["complete-layer-upload", "--generate-cli-skeleton", *mode]
    code = (
        "import io, contextlib, sys\n"
        "from ecrtui.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    code = main({argv!r})\n"
        "assert code == 0 and 'repositoryName' in out.getvalue(), (code, out.getvalue())\n"
        "heavy = ('botocore', 'urllib3', 'argparse', 'jmespath', *" + repr(HEAVY) + ")\n"
        "loaded = {name.split('.')[0] for name in sys.modules} & set(heavy)\n"
        "print(','.join(sorted(loaded)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_the_console_loads_its_dialogs_when_they_open() -> None:
    """The first frame waits for the console module's imports: the dialogs (help with its
    Markdown, the YAML loader, confirmations, push) load when first opened, not before."""
    later = (
        "markdown_it",
        "yaml",
        "ecrtui.tui.screens.help_screen",
        "ecrtui.tui.screens.confirm_screen",
        "ecrtui.tui.screens.push_screen",
        "ecrtui.tui.screens.load_request_screen",
        "ecrtui.tui.screens.discover_screen",
    )
    code = f"import sys, ecrtui.tui.app; print(','.join(m for m in {later!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"ecrtui.tui.app loads {done.stdout.strip()}"
