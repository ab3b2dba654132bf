"""The push screen's words and checks: the layer file, the part size, progress and the result."""

from __future__ import annotations

import os
from pathlib import Path

from ecrtui.ecr.validation import FieldProblem
from ecrtui.plain_text import shortened, visible
from ecrtui.tui.widgets.model_field import note, problem
from ecrtui.uploads.engine import Progress, PushResult
from ecrtui.uploads.progress_text import rate_and_time_left, size
from ecrtui.uploads.sizes import part_size_note, part_size_problem


def layer_path(text: str) -> Path:
    """The file a typed path names: ~ expanded, a file:// prefix dropped. An unknown user's
    `~name` stays as typed (Path.expanduser would raise while it is being typed)."""
    return Path(os.path.expanduser(text.removeprefix("file://")))


def file_problems(path: Path) -> list[FieldProblem]:
    try:
        if path.is_file():
            return []
        what = "a folder" if path.is_dir() else "not an existing file"
    except (OSError, ValueError) as error:  # a name too long, a NUL in it
        what = f"not a file name this system takes ({getattr(error, 'strerror', None) or error})"
    return [problem("file", f"{visible(shortened(str(path), 200))} is {what}")]


def part_size_problems(part_size: int) -> list[FieldProblem]:
    """Over ECR's largest part: a problem; under its smallest: a note (a one-part layer is fine)."""
    found = []
    too_big = part_size_problem(part_size)
    if too_big:
        found.append(problem("part size", too_big))
    advice = part_size_note(part_size)
    if advice:
        found.append(note("part size", advice))
    return found


def progress_words(progress: Progress, now: float) -> str:
    """'uploading 6.0 MiB of 12.0 MiB (50.0%) · 2.0 MiB/s, 3 seconds left'."""
    if progress.phase == "hashing":
        return f"hashing {size(progress.total)} of the file…"
    if progress.phase == "completing":
        return f"completing the upload ({size(progress.total)})…"
    line = f"{progress.phase} {size(progress.done)} of {size(progress.total)}"
    line += f" ({100 * progress.fraction:.1f}%)"
    rate = rate_and_time_left(progress, now)
    return f"{line} · {rate}" if rate else line


def result_words(result: PushResult) -> str:
    if result.already_exists:
        held = size(result.layer_size or 0)
        return f"The repository already has this layer ({held}); nothing was sent.\n{result.digest}"
    upload_id = result.record.upload_id if result.record else "?"
    if result.response is None:
        return f"All bytes sent; ready to complete (c).\n{result.digest}\nupload {upload_id}"
    return f"Completed.\n{result.digest}\nupload {upload_id}"
