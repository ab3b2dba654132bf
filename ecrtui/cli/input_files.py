"""What the command line reads: `file://` text, `fileb://` bytes and input documents, each within
a limit that fits what it is for, with the aws CLI's wording when it cannot be read.

As in the aws CLI, `file://PATH` stands for a file's text and `fileb://PATH` for its bytes. The
files are read by `ecrtui.ecr.request_documents` (regular files only, never more than the limit):
MAX_TEXT_BYTES of text, or for a blob the model's maximum for its member. --cli-input-json and
--cli-input-yaml hold at most `document_limit` bytes, and are parsed within the depth and (for
YAML) alias limits of `ecrtui.ecr.request_documents`.
"""

from __future__ import annotations

from typing import Any

from ecrtui.cli.global_options import UsageError
from ecrtui.ecr.limits import MiB, size_words
from ecrtui.ecr.request_documents import FileProblem, load_json, load_yaml, read_regular_file

# A request's text: ECR's longest string members hold a few KiB; a blob's base64 comes on top.
MAX_TEXT_BYTES = 4 * MiB


def read_text(value: str, limit: int = MAX_TEXT_BYTES, holder: str = "file:// text") -> str:
    """A parameter value; `file://path` stands for the file's UTF-8 text, as in the aws CLI."""
    if not value.startswith("file://"):
        return value
    try:
        data = read_regular_file(value[len("file://") :], limit, f"{holder} may hold")
        return data.decode("utf-8")
    except FileProblem as problem:
        reason = str(problem)
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text (byte {error.start} is {error.object[error.start]:#04x})"
    raise UsageError(f"Error parsing parameter: Unable to load paramfile {value}: {reason}")


def read_blob(value: str, where: str, limit: int) -> bytes:
    """The bytes `fileb://path` stands for, at most `limit` (what the parameter can hold)."""
    try:
        return read_regular_file(value[len("fileb://") :], limit, f"{where} can hold")
    except FileProblem as problem:
        raise UsageError(
            f"Error parsing parameter '{where}': Unable to load paramfile {value}: {problem}"
        ) from None


def input_document(option: str, text: str, limit: int) -> dict[str, Any]:
    """The request `option` (--cli-input-json or --cli-input-yaml) holds: text or file://path."""
    text = read_text(text, limit, option)
    if len(text.encode("utf-8", "surrogatepass")) > limit:
        raise UsageError(f"{option} holds more than {size_words(limit)}, the most it may hold")
    problems: tuple[type[Exception], ...] = (ValueError,)
    if option == "--cli-input-json":
        kind, load = "JSON", load_json
    else:
        import yaml  # only a YAML document needs PyYAML

        kind, load, problems = "YAML", load_yaml, (ValueError, yaml.YAMLError)
    try:
        document = load(text)
    except problems as error:
        raise UsageError(f"Invalid {kind} received for {option}: {error}") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise UsageError(f"{option} must hold a JSON object / YAML mapping of parameters")
    return document


def document_limit(input_shape: Any) -> int:
    """The most bytes an input document may hold: MAX_TEXT_BYTES, plus each blob member at its
    model maximum written as base64, rounded up to whole MiB."""
    extra = 0
    for member in input_shape.members.values() if input_shape is not None else ():
        if member.type_name == "blob":
            extra += 4 * -(-int(member.metadata.get("max", 0)) // 3)
    return MAX_TEXT_BYTES + -(-extra // MiB) * MiB
