"""Only ecrtui.tui may import textual, and the non-UI packages must import cheaply."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("textual", "boto3", "botocore", "moto")


@pytest.mark.parametrize(
    "module", ["ecrtui.ecr", "ecrtui.uploads", "ecrtui.local", "ecrtui.cli.main"]
)
def test_non_ui_packages_do_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


@pytest.mark.parametrize(
    "module", ["ecrtui.local.server", "ecrtui.local.seed", "ecrtui.cli.local_ecr"]
)
def test_backend_modules_never_import_textual(module: str) -> None:
    code = f"import sys, {module}; print('textual' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
