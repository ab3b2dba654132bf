"""The wheel carries what the installed console reads at run time, and its `ecrtui` command.

Textual reads each screen's styles from the `.tcss` file named by its `CSS_PATH`, beside the
module, so a wheel without one starts a console that fails on its first screen. The wheel is
built with the build backend itself (hatchling's PEP 517 hook), without an isolated environment.
"""

from __future__ import annotations

import configparser
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest
from hatchling.build import build_wheel

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "ecrtui"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    out = tmp_path_factory.mktemp("wheel")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # the hook builds the project in the working directory
        name = build_wheel(str(out))
    with zipfile.ZipFile(out / name) as archive:
        assert archive.testzip() is None
        yield archive


def dist_info(wheel: zipfile.ZipFile, name: str) -> str:
    (path,) = [p for p in wheel.namelist() if p.endswith(f".dist-info/{name}")]
    return wheel.read(path).decode()


def data_files() -> list[str]:
    """Every file of the package that is not Python source or bytecode: what it reads."""
    return sorted(
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".py", ".pyc")
    )


def test_the_source_tree_has_the_styles() -> None:
    assert {"ecrtui/tui/app.tcss", "ecrtui/tui/screens/screens.tcss"} <= set(data_files())


def test_every_style_sheet_and_data_file_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    missing = [path for path in data_files() if path not in wheel.namelist()]
    assert missing == []


def test_every_module_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    modules = sorted(
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*.py")
        if "__pycache__" not in path.parts
    )
    assert [path for path in modules if path not in wheel.namelist()] == []


def test_the_ecrtui_command_is_a_console_script(wheel: zipfile.ZipFile) -> None:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(dist_info(wheel, "entry_points.txt"))
    assert dict(entry_points["console_scripts"]) == {"ecrtui": "ecrtui.cli.main:main"}


def test_the_requirements_name_no_extras_that_bring_every_service(wheel: zipfile.ZipFile) -> None:
    metadata = Parser().parsestr(dist_info(wheel, "METADATA"))
    requirements = metadata.get_all("Requires-Dist") or []
    runtime = [r.replace(" ", "") for r in requirements if "extra==" not in r.replace(" ", "")]
    names = {r.split(";")[0].split(">")[0].split("<")[0].split("=")[0] for r in runtime}
    assert {"moto", "textual", "tree-sitter", "tree-sitter-json", "werkzeug"} <= names
    assert "moto[server]" not in names and "textual[syntax]" not in names
    assert "flask" not in names  # moto's handlers are called without its Flask app
