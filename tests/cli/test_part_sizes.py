"""Part sizes as operators type them (`push-layer --part-size`, the console's push form): the
forms that are sizes, and everything else refused with a ValueError before anything is sent."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ecrtui.ecr.limits import MAX_LAYER_SIZE
from ecrtui.uploads.sizes import parse_size
from tests.cli.helpers import CLOSED_PORT_URL, USAGE, ecrtui

KiB, MiB, GiB = 1024, 1024**2, 1024**3
FULL_WIDTH_TEN_MIB = "\uff11\uff10MiB"  # "10MiB" in full-width digits


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("10MiB", 10 * MiB),
        ("5M", 5 * MiB),
        ("6.5MiB", 6 * MiB + MiB // 2),
        ("10485760", 10 * MiB),
        ("64k", 64 * KiB),
        ("64KiB", 64 * KiB),
        ("1g", GiB),
        ("1GiB", GiB),
        ("5 mib", 5 * MiB),
        ("  7b\t", 7),
        ("0.1k", 102),  # a fraction of a byte is dropped
        ("1." + "9" * 10_000 + "k", 2047),  # the decimals are not converted whole
        ("000000000000000000000005M", 5 * MiB),
        ("52000MiB", MAX_LAYER_SIZE),
    ],
)
def test_sizes(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ten",
        "inf",
        "nan",
        "1e30",
        "1e400",
        "-5M",
        "+5M",
        "5.",
        ".5M",
        "1.5.5M",
        "5 TiB",
        "5MB",
        FULL_WIDTH_TEN_MIB,
        "\u0665M",  # an Arabic-Indic digit
        "10\u212a",  # KELVIN SIGN, which lower-cases to k
        "5M\x1b[31m",
        "5_000",
    ],
)
def test_not_sizes(text: str) -> None:
    with pytest.raises(ValueError, match=r"^not a size: .* \(e\.g\. 10MiB\)$"):
        parse_size(text)


@pytest.mark.parametrize("text", ["52001MiB", "51GiB", "9" * 400, "9" * 100_000])
def test_sizes_over_the_largest_layer(text: str) -> None:
    with pytest.raises(ValueError, match="must be at most 52000 MiB, the largest layer ECR stores"):
        parse_size(text)


def test_the_text_in_a_message_is_shortened() -> None:
    with pytest.raises(ValueError) as raised:
        parse_size("x" * 1_000_000)
    assert len(str(raised.value)) < 100


@given(st.text())
@example("inf")
@example("9" * 400)
@example(FULL_WIDTH_TEN_MIB)
def test_any_text_is_a_size_in_range_or_a_value_error(text: str) -> None:
    try:
        size = parse_size(text)
    except ValueError:
        return
    assert isinstance(size, int)
    assert 1 <= size <= MAX_LAYER_SIZE
    assert text.isascii()


@given(st.integers(1, MAX_LAYER_SIZE))
def test_every_byte_count_is_its_own_size(size: int) -> None:
    assert parse_size(str(size)) == size


@pytest.mark.parametrize("part_size", ["inf", "1e400", "1e30", "9" * 400, FULL_WIDTH_TEN_MIB])
def test_push_layer_refuses_them_before_sending_anything(part_size: str) -> None:
    result = ecrtui(
        "push-layer",
        "/nonexistent/layer.tar",
        "--repository-name",
        "team/api",
        "--part-size",
        part_size,
        "--endpoint-url",
        CLOSED_PORT_URL,
    )
    assert result.returncode == USAGE, result.stderr
    assert "Traceback" not in result.stderr
    assert "argument --part-size: " in result.stderr
    assert "Could not connect" not in result.stderr
