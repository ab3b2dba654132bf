"""Hostile values: strings, numbers, paths and Python structures, drawn from families.

The families are what reaches ecrtui from a command line, a pasted text, or a JSON or YAML
document: unicode of every plane, terminal escapes, numbers past float range, strings long enough
to make a regular expression backtrack, file paths that never end (/dev/zero) or cannot be read,
lists nested 100,000 deep, and lists sharing one another as YAML aliases build them (billion
laughs). Values for the model validator are built from an operation's input shape: mostly right,
sometimes just wrong (a near miss), sometimes hostile.
"""

from __future__ import annotations

import datetime
import functools
import json
import random
from pathlib import Path
from typing import Any

from ecrtui.cli import main as cli_main

UUID = "6cb64b8a-9378-4e33-8ab1-b780fa2c4e01"
DIGEST = "sha256:" + "ab" * 32

API_COMMANDS = dict(cli_main.API_COMMANDS)  # the commands as ecrtui's command line names them
# upload command -> its options ("" for a positional), each with the family of its values
UPLOAD_COMMANDS: dict[str, dict[str, str]] = {
    "push-layer": {
        "": "file",
        "--repository-name": "text",
        "--registry-id": "text",
        "--part-size": "size",
        "--no-complete": "flag",
    },
    "resume": {"": "text", "--no-complete": "flag"},
    "probe-upload": {"--repository-name": "text", "--upload-id": "text", "--registry-id": "text"},
    "uploads": {"--all": "flag", "--output": "choice"},
    "forget": {"": "text"},
    "discover": {
        "--since": "duration",
        "--repository-name": "text",
        "--all": "flag",
        "--output": "choice",
    },
}
SPECIAL_FILES = (
    "/dev/zero",
    "/dev/urandom",
    "/dev/null",
    "/dev/full",
    "/proc/self/environ",
    "/proc/self/status",
    "/proc/self/mem",
    "/etc",
    "/nonexistent/file",
    "/",
)
# files the runner makes in its own files directory (see make_files)
OWN_FILES = (
    "request.json",
    "deep.json",
    "laughs.yaml",
    "bad-utf8.json",
    "big.txt",
    "layer.bin",
    "big-part.bin",
    "empty",
    "loop",
    "unreadable",
    "dir",
)


def make_files(directory: Path) -> None:
    """The files inputs may name: a request, hostile documents, layers, and odd kinds of file."""
    directory.mkdir(parents=True, exist_ok=True)
    request = {"repositoryName": "team/api", "uploadId": UUID, "layerDigests": [DIGEST]}
    (directory / "request.json").write_text(json.dumps(request))
    (directory / "deep.json").write_text("[" * 200_000 + "]" * 200_000)
    (directory / "laughs.yaml").write_text(billion_laughs(9, 9, "layerDigests"))
    (directory / "bad-utf8.json").write_bytes(b'{"repositoryName": "\xff\xfe team"}')
    (directory / "big.txt").write_text("a" * (20 * 1024 * 1024))
    (directory / "layer.bin").write_bytes(random.Random(7).randbytes(2 * 1024 * 1024))
    (directory / "big-part.bin").write_bytes(bytes(21 * 1024 * 1024))
    (directory / "empty").write_bytes(b"")
    if not (directory / "loop").is_symlink():
        (directory / "loop").symlink_to(directory / "loop")
    (directory / "unreadable").write_text("{}")
    (directory / "unreadable").chmod(0)
    (directory / "dir").mkdir(exist_ok=True)


def billion_laughs(depth: int, width: int, member: str) -> str:
    """YAML whose last alias expands to width**depth strings, as the member's value."""
    lines = ["l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, depth):
        lines.append(f"l{level}: &l{level} [" + ", ".join([f"*l{level - 1}"] * width) + "]")
    lines.append(f"{member}: *l{depth - 1}")
    return "\n".join(lines) + "\n"


# -- hostile text -------------------------------------------------------------------------------

ESCAPES = ("\x1b[2J", "\x1b]52;c;aGk=\x07", "\x1b[31m", "\r", "\b", "\x07", "\x9b", "\x7f")
ODD = ("\u202e", "\u2028", "\u2029", "\ufeff", "\u200b", "\u0301", "\U0001f600", "\udc80", "\t")


def text(rng: random.Random, files: Path, argv: bool = True) -> tuple[str, str]:
    """A hostile string and its family; for argv, no NUL and only surrogates an OS can give."""
    family = rng.choice(
        [
            "valid",
            "valid",
            "unicode",
            "control",
            "number",
            "long",
            "backtracking",
            "json",
            "shorthand",
            "path",
            "flag",
            "blank",
            "near-miss",
        ]
    )
    if family == "valid":
        value = rng.choice(["team/api", UUID, DIGEST, "123456789012", "MUTABLE", "10", "latest"])
    elif family == "unicode":
        value = "".join(_char(rng, argv) for _ in range(rng.randint(1, 40)))
    elif family == "control":
        value = "team" + "".join(rng.choice(ESCAPES + ODD) for _ in range(rng.randint(1, 6)))
    elif family == "number":
        value = number_text(rng)
    elif family == "long":
        value = rng.choice("a/:-.") * rng.choice([257, 4097, 100_000, 1_000_000])
    elif family == "backtracking":
        unit = rng.choice(["a:", "a-", "a_", "a/", "0:", "a.", "a__"])
        value = unit * rng.choice([20, 1000, 50_000]) + rng.choice(["!", "", "A"])
    elif family == "json":
        value = rng.choice(JSON_FRAGMENTS)
    elif family == "shorthand":
        value = rng.choice(["a=b,c=d", "=", ",,,", "a==b", "Key=,Value=", "x" + "=y," * 5000])
    elif family == "path":
        value = rng.choice(["file://", "fileb://"]) + path(rng, files)
    elif family == "flag":
        value = rng.choice(["--", "-", "--x", "-h", "--repository-name", "--debug", "--=", "-1"])
    elif family == "blank":
        value = rng.choice(["", " ", "\t", "\n", "  team/api  "])
    else:
        value = rng.choice(NEAR_MISSES)
    if argv:
        value = value.replace("\x00", "")
    return family, value


NEAR_MISSES = (
    "team/api\n",
    "Team/api",
    "team//api",
    "team/api/",
    "a",
    "x" * 257,
    "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10\uff11\uff12",
    "12345678901\u0662",
    "1234567890123",
    UUID.upper(),
    UUID + "\n",
    UUID[:-1],
    "sha256:" + "AB" * 32,
    "sha256:" + "ab" * 31,
    "sha512:" + "ab" * 64,
    "md5:abc",
    "mutable",
    "IMMUTABLE ",
    "0",
    "1001",
    "-1",
)
JSON_FRAGMENTS = (
    "{",
    "[",
    "null",
    "[]",
    "{}",
    '{"a": 1e999}',
    '{"a": NaN}',
    '["\\ud800"]',
    '["\\u0000"]',
    "[" * 100_000,
    '{"a":' * 10_000,
    '{"repositoryName": "team/api", "repositoryName": "x"}',
    "1" * 5000,
    '"' + "a" * 10_000 + '"',
    "\ufeff{}",
)


def _char(rng: random.Random, argv: bool) -> str:
    start, end = rng.choice(
        [
            (0x20, 0x7E),
            (0x80, 0x2FF),
            (0x300, 0x36F),
            (0x590, 0x6FF),
            (0x4E00, 0x4E80),
            (0xFF00, 0xFFEF),
            (0x1F300, 0x1F64F),
            (0xE0000, 0xE007F),
            (0x1, 0x1F),
            (0xDC80, 0xDCFF),
        ]
    )
    if not argv and rng.random() < 0.05:
        start, end = 0xD800, 0xDBFF  # JSON may spell a lone surrogate
    return chr(rng.randint(start, end))


def number_text(rng: random.Random) -> str:
    return rng.choice(
        [
            "0",
            "-1",
            "1e400",
            "-1e400",
            "1e-400",
            "nan",
            "NaN",
            "inf",
            "-inf",
            "Infinity",
            "9" * rng.choice([20, 400, 5000]),
            "0x10",
            "1_000",
            "\u0661\u0662\u0663",
            "\uff11\uff12",
            "1.5",
            "-0",
            "+5",
            "9223372036854775808",
            "1e308",
            " 5 ",
            "5.",
            ".5",
            "0b101",
            "1e",
            "e5",
            "--5",
        ]
    )


def path(rng: random.Random, files: Path) -> str:
    if rng.random() < 0.5:
        return rng.choice(SPECIAL_FILES)
    return str(files / rng.choice(OWN_FILES))


# -- Python values for the validator ------------------------------------------------------------


def value(rng: random.Random, files: Path, depth: int = 0) -> tuple[str, Any]:
    """A hostile Python value, as JSON, YAML or the command line can hand one over."""
    family = rng.choice(
        [
            "text",
            "text",
            "none",
            "bool",
            "int",
            "big-int",
            "float",
            "bytes",
            "list",
            "dict",
            "deep",
            "shared",
            "date",
            "set",
            "wide",
        ]
    )
    if family == "text":
        return text(rng, files, argv=False)
    if family == "none":
        return family, None
    if family == "bool":
        return family, rng.choice([True, False])
    if family == "int":
        return family, rng.choice([0, -1, 1, 2**31, 2**63, -(2**63) - 1, 10**30])
    if family == "big-int":
        return family, 10 ** rng.choice([400, 5000, 100_000])
    if family == "float":
        return family, rng.choice([float("nan"), float("inf"), -0.0, 1e308, 5.0, 0.5])
    if family == "bytes":
        return family, rng.choice([b"", b"\xff" * 10, bytes(21 * 1024 * 1024), bytearray(b"x")])
    if family in ("list", "dict") and depth < 3:
        items = [value(rng, files, depth + 1)[1] for _ in range(rng.randint(0, 4))]
        if family == "list":
            return family, items
        keys = [text(rng, files, argv=False)[1] for _ in items] + [None, 1, 2.5, True][
            : rng.randint(0, 4)
        ]
        return family, dict(zip(keys, items + [None] * 4, strict=False))
    if family == "deep":
        return family, nested(rng.choice([100, 1000, 100_000]))
    if family == "shared":
        return family, laughs(rng.randint(5, 10), rng.randint(5, 10))
    if family == "date":
        return family, rng.choice([datetime.date(2024, 1, 1), datetime.datetime(9999, 12, 31)])
    if family == "set":
        return family, {"a", "b", 1}
    return "wide", list(range(rng.choice([101, 100_000])))


def dumps(value: Any, limit: int = 20_000) -> str:
    """JSON text of a value, or "[]" for one too big or too deep to write (shared lists count
    once per path, so a billion laughs is too big)."""
    budget = [limit]

    def small(item: Any, depth: int) -> bool:
        budget[0] -= 1
        if budget[0] < 0 or depth > 200:
            return False
        if isinstance(item, dict):
            return all(small(v, depth + 1) for v in item.values())
        if isinstance(item, (list, tuple)):
            return all(small(v, depth + 1) for v in item)
        return not (isinstance(item, int) and item.bit_length() > 10_000)

    if not small(value, 0):
        return "[]"
    try:
        return json.dumps(value, default=str)
    except (ValueError, TypeError, RecursionError):
        return "[]"


def nested(depth: int) -> Any:
    item: Any = "x"
    for _ in range(depth):
        item = [item]
    return item


def laughs(depth: int, width: int) -> Any:
    """A list of lists sharing one another, as YAML aliases build them: width**depth leaves."""
    item: Any = ["lol"] * width
    for _ in range(depth - 1):
        item = [item] * width
    return item


@functools.cache
def _operations() -> list[str]:
    from benchmarks.reliability_oracle import service

    return list(service("ecr").operation_names)


EXAMPLES = {
    "RepositoryName": "team/api",
    "RegistryId": "123456789012",
    "UploadId": UUID,
    "LayerDigest": DIGEST,
    "ImageDigest": DIGEST,
    "ImageTag": "latest",
    "Region": "us-east-1",
}


def shaped(rng: random.Random, shape: Any, files: Path, depth: int = 0) -> tuple[str, Any]:
    """A value for `shape`: mostly right, sometimes just wrong, sometimes hostile."""
    roll = rng.random()
    if roll < 0.12 or depth > 4:
        return value(rng, files)
    kind = shape.type_name
    if kind == "structure":
        built: dict[Any, Any] = {}
        label = "valid"
        for name, member in shape.members.items():
            if name in shape.required_members or rng.random() < 0.4:
                family, built[name] = shaped(rng, member, files, depth + 1)
                label = label if family == "valid" else f"{name}: {family}"
        if rng.random() < 0.1:
            built[text(rng, files, argv=False)[1]] = "x"
            label = "unknown member"
        return label, built
    if kind == "list":
        sizes = [0, 1, 1, 2, 3]
        if depth == 0:  # one list past its maximum, at the top only: nested ones would multiply
            sizes.append((shape.metadata.get("max") or 100) + 1)
        size = rng.choice(sizes)
        items = [shaped(rng, shape.member, files, depth + 1) for _ in range(min(size, 200))]
        wrong = [family for family, _ in items if family != "valid"]
        return (wrong[0] if wrong else "valid"), [item for _, item in items]
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum:
            choice = rng.choice(enum)
            return (
                ("valid", choice)
                if roll < 0.7
                else ("enum", rng.choice([choice.lower(), choice + " "]))
            )
        if roll < 0.6:
            return "valid", EXAMPLES.get(shape.name, "x1")
        if roll < 0.8 and shape.metadata.get("pattern"):
            return "backtracking", "a" * rng.choice([21, 25, 40, 2000]) + rng.choice(
                ["!", "-", "/"]
            )
        return "near-miss", rng.choice(NEAR_MISSES)
    if kind in ("integer", "long"):
        low, high = shape.metadata.get("min", 0), shape.metadata.get("max", 2**40)
        if roll < 0.6:
            return "valid", rng.randint(low, min(high, low + 1000))
        return "range", rng.choice([low - 1, high + 1, True, 5.0, "5"])
    if kind == "boolean":
        return ("valid", rng.random() < 0.5) if roll < 0.7 else ("type", rng.choice(["true", 1]))
    if kind == "blob":
        return ("valid", rng.randbytes(rng.randint(0, 64))) if roll < 0.7 else value(rng, files)
    if kind == "timestamp":
        return "valid", datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
    if kind == "map":
        return "valid", {"k": shaped(rng, shape.value, files, depth + 1)[1]}
    return value(rng, files)


def random_validator(rng: random.Random, files: Path) -> tuple[str, Any]:
    from benchmarks.reliability_oracle import service

    common = [*API_COMMANDS.values(), "PutImage"]
    operation = rng.choice(common) if rng.random() < 0.7 else rng.choice(_operations())
    if rng.random() < 0.05:
        family, params = value(rng, files)
        return f"{operation}, parameters: {family}", (operation, params)
    shape = service("ecr").operation_model(operation).input_shape
    family, params = shaped(rng, shape, files) if shape else ("valid", {})
    return f"{operation}, {family}", (operation, params)


def fixed_validator(files: Path) -> list[tuple[str, Any]]:
    complete = {"repositoryName": "team/api", "uploadId": UUID}
    filter_rule = {"filter": "a" * 30 + "!", "filterType": "WILDCARD"}
    scanning = {"rules": [{"scanFrequency": "SCAN_ON_PUSH", "repositoryFilters": [filter_rule]}]}
    return [
        (
            "digest that backtracks",
            ("CompleteLayerUpload", {**complete, "layerDigests": ["a:" * 50_000]}),
        ),
        ("scanning filter that backtracks", ("PutRegistryScanningConfiguration", scanning)),
        ("billion laughs 9x9", ("CompleteLayerUpload", {**complete, "layerDigests": laughs(9, 9)})),
        (
            "billion laughs as unknown member",
            ("InitiateLayerUpload", {"repositoryName": "a/b", "x": laughs(9, 9)}),
        ),
        ("nested 100,000 deep", ("InitiateLayerUpload", {"repositoryName": nested(100_000)})),
        ("int of 100,000 digits", ("UploadLayerPart", {"partFirstByte": 10**100_000})),
        ("NaN for an integer", ("DescribeRepositories", {"maxResults": float("nan")})),
        ("parameters a million-item list", ("InitiateLayerUpload", list(range(1_000_000)))),
        ("10 MB repository name", ("InitiateLayerUpload", {"repositoryName": "a" * 10_000_000})),
        (
            "100,000 digests",
            ("CompleteLayerUpload", {**complete, "layerDigests": [DIGEST] * 100_000}),
        ),
        ("keys that are not strings", ("InitiateLayerUpload", {None: 1, 2: 3, (1, 2): 4, 2.5: 5})),
    ]
