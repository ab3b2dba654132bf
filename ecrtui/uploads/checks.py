"""What the engine checks on its own: a part size before anything is sent, and the numbers ECR
answers before they are used.

ECR refuses a part over its maximum at once, but a part under its minimum (except the last) only
at CompleteLayerUpload, after every byte was sent: `check_part_size` refuses both up front, unless
the whole layer fits in one part. ECR's answers are data from the network: an offset is used only
when it is a whole number that fits what was sent, and an advertised part size only when ECR could
accept parts of that size.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from ecrtui.ecr.errors import EcrCallError, ErrorKind
from ecrtui.ecr.limits import DEFAULT_PART_SIZE, MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE, size_words


def check_part_size(part_size: int, size: int) -> None:
    """Raise a validation error if parts of `part_size` bytes cannot make a layer of `size`
    bytes that ECR completes: a part over ECR's maximum, a part but the last under its minimum
    (CompleteLayerUpload fails, after every byte was sent), or more parts than ECR allows."""
    from ecrtui.ecr.validation import FieldProblem

    if part_size < 1:
        problem = FieldProblem("partSize", "range", str(part_size), "partSize: at least 1 byte")
        raise EcrCallError.invalid_request("UploadLayerPart", [problem])
    largest = min(part_size, size)
    parts = -(-size // part_size)
    fix = (
        f"use a part size from {size_words(MIN_PART_SIZE)} to {size_words(MAX_PART_SIZE)} "
        "(e.g. 10MiB)"
    )
    if largest > MAX_PART_SIZE:
        parts_of = "one part of" if part_size >= size else "parts of"
        words = (
            f"a part size of {size_words(part_size)} sends this {size}-byte layer in {parts_of} "
            f"{size_words(largest)}, over the {size_words(MAX_PART_SIZE)} ECR accepts in one "
            f"part; {fix}"
        )
    elif part_size < MIN_PART_SIZE and size > part_size:
        words = (
            f"a part size of {size_words(part_size)} cuts this {size}-byte layer into parts "
            f"under {size_words(MIN_PART_SIZE)}, and ECR cannot complete an upload whose parts "
            f"but the last are under {size_words(MIN_PART_SIZE)} (LayerPartTooSmallException, "
            f"after every byte is sent); {fix}"
        )
    elif parts > MAX_PARTS:
        words = (
            f"a part size of {size_words(part_size)} cuts this {size}-byte layer into "
            f"{parts:,} parts, over the {MAX_PARTS:,} ECR allows for one layer; use a larger "
            f"part size (up to {size_words(MAX_PART_SIZE)})"
        )
    else:
        return
    problem = FieldProblem("partSize", "range", str(part_size), f"partSize: {words}")
    raise EcrCallError.invalid_request("UploadLayerPart", [problem])


def unexpected_answer(operation: str, words: str) -> EcrCallError:
    """ECR answered, but with values that cannot be right for what was sent."""
    return EcrCallError("UnexpectedAnswer", words, ErrorKind.SERVICE, operation, text=words)


def is_offset(value: Any) -> TypeGuard[int]:
    """A whole number (JSON's true and false are not)."""
    return isinstance(value, int) and not isinstance(value, bool)


def advertised_part_size(value: Any) -> int:
    """The partSize InitiateLayerUpload advertised, if it is one ECR can accept; else 10 MiB."""
    if is_offset(value) and MIN_PART_SIZE <= value <= MAX_PART_SIZE:
        return int(value)
    return DEFAULT_PART_SIZE
