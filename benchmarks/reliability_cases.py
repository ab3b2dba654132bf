"""Hostile inputs for ecrtui's parsers and checks, each made again from (kind, index, seed).

Kinds, and what one input is:

    validator   (operation, parameters) for ecrtui.ecr.validation.validate
    cli         an argv for `ecrtui` (the in-process entry point and, for some, a process); the
                word {ENDPOINT} stands for the counting server's URL; paths name files made by
                `make_files` in the run's files directory
    documents   (reader, command, text, as a file) for --cli-input-json / --cli-input-yaml, or for
                the console's Load request dialog (reader "console")
    part-size   a text for ecrtui.uploads.sizes.parse_size
    form        (field, text) for the console's form validators (field "load": a pasted request)

The first inputs of each kind are fixed, known-hostile ones; the rest are drawn at random.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.reliability_generators import (
    API_COMMANDS,
    DIGEST,
    JSON_FRAGMENTS,
    UPLOAD_COMMANDS,
    UUID,
    billion_laughs,
    dumps,
    fixed_validator,
    number_text,
    path,
    random_validator,
    shaped,
    text,
    value,
)

KINDS = ("validator", "cli", "documents", "part-size", "form")
ENDPOINT = "{ENDPOINT}"
FORM_FIELDS = (
    "complete registryId",
    "complete repositoryName",
    "complete uploadId",
    "complete layerDigests",
    "push repositoryName",
    "push part size",
    "push file",
    "load",
)


@dataclass(frozen=True)
class Case:
    kind: str
    index: int
    label: str
    payload: Any

    def show(self, limit: int = 300) -> str:
        """The input, every word of a command line kept (a long one cut in the middle)."""
        from benchmarks.reliability_common import short

        if isinstance(self.payload, list) and all(isinstance(w, str) for w in self.payload):
            shown = "[" + ", ".join(short(repr(word), 80) for word in self.payload) + "]"
        else:
            shown = short(self.payload, limit)
        return f"{self.kind} #{self.index} [{self.label}]: {shown}"


def make_case(kind: str, index: int, seed: int, files: Path) -> Case:
    if index < fixed_count(kind):
        label, payload = FIXED[kind](files)[index]
        return Case(kind, index, label, payload)
    rng = random.Random(f"{seed}:{kind}:{index}")
    label, payload = RANDOM[kind](rng, files)
    return Case(kind, index, label, payload)


@functools.cache
def fixed_count(kind: str) -> int:
    """How many fixed inputs a kind has (some are big: they are made only when needed)."""
    return len(FIXED[kind](Path("/")))


# -- command lines ------------------------------------------------------------------------------

QUERIES = ("repositories[0]", "length(@)", "[", "a" * 5000, "[" * 100, "foo[?bar=='\x1b']", "@")
DURATIONS = ("24h", "1e400d", "99999999999999d", "0s", "-5h", "\u0661h", "5x", "9" * 400 + "s", "")
SIZES = (
    "inf",
    "1e400",
    "nan",
    "-inf",
    "9" * 5000,
    "1e308MiB",
    "1e-9",
    "5MiB",
    " 5 mib ",
    "\uff11\uff10MiB",
    "1_0MiB",
    "0x10",
    "5MiBMiB",
    "",
    "g",
    "5GiB",
    "0.5",
    "-5MiB",
    "10485760",
    "1e30g",
    "NaNMiB",
)


def _words(rng: random.Random, files: Path, shape: Any) -> list[str]:
    """The words after one option, for a member of this shape."""
    kind = shape.type_name
    if rng.random() < 0.25:
        return [text(rng, files)[1]]
    if kind == "boolean":
        return []
    if kind in ("integer", "long"):
        return [rng.choice([number_text(rng), "1", "100"])]
    if kind == "blob":
        return [rng.choice(["fileb://" + path(rng, files), "aGVsbG8=", "not base64", ""])]
    if kind == "list" and shape.member.type_name not in ("structure", "list", "map"):
        example = {"LayerDigest": DIGEST, "RepositoryName": "team/api"}.get(shape.member.name, "x")
        if rng.random() < 0.2:
            return [dumps(shaped(rng, shape, files)[1])]
        return [rng.choice([example, text(rng, files)[1]]) for _ in range(rng.randint(1, 3))]
    if kind in ("list", "structure", "map"):
        built = shaped(rng, shape, files)[1]
        return [rng.choice([dumps(built), "a=b,c=d", "{", "file://" + path(rng, files)])]
    example = {"RepositoryName": "team/api", "UploadId": UUID, "RegistryId": "123456789012"}
    return [example.get(shape.name, "x1")]


def _api_argv(rng: random.Random, files: Path, command: str) -> list[str]:
    from botocore import xform_name

    from benchmarks.reliability_oracle import service

    shape = service("ecr").operation_model(API_COMMANDS[command]).input_shape
    argv = [command]
    for member, member_shape in shape.members.items():
        if member in shape.required_members or rng.random() < 0.35:
            argv += ["--" + xform_name(member, "-"), *_words(rng, files, member_shape)]
    if rng.random() < 0.15:
        reader = rng.choice(["--cli-input-json", "--cli-input-yaml"])
        argv += [reader, _document(rng, files, command)[1]]
    if rng.random() < 0.05:
        argv += [
            "--generate-cli-skeleton",
            *rng.choice([[], ["input"], ["yaml-input"], ["output"], ["x"]]),
        ]
    if rng.random() < 0.1:
        argv += [rng.choice(["--max-items", "--page-size", "--starting-token"]), number_text(rng)]
    return argv


def _upload_argv(rng: random.Random, files: Path, command: str) -> list[str]:
    argv = [command]
    for option, family in UPLOAD_COMMANDS[command].items():
        if option and rng.random() < 0.4 and option not in ("--repository-name", "--upload-id"):
            continue
        if family == "file":
            words = [rng.choice([str(files / "layer.bin"), path(rng, files), text(rng, files)[1]])]
        elif family == "size":
            words = [
                rng.choice(SIZES)
                if rng.random() < 0.5
                else number_text(rng) + rng.choice(["", "MiB", "k"])
            ]
        elif family == "duration":
            words = [rng.choice(DURATIONS)]
        elif family == "choice":
            words = [rng.choice(["table", "json", "yaml", "", text(rng, files)[1]])]
        elif family == "flag":
            words = []
        else:
            words = [rng.choice(["team/api", UUID, text(rng, files)[1]])]
        argv += ([option] if option else []) + words
    return argv


def _global_options(rng: random.Random, files: Path) -> list[str]:
    argv: list[str] = []
    choices = [
        lambda: [
            "--output",
            rng.choice(["json", "yaml", "text", "table", "", text(rng, files)[1]]),
        ],
        lambda: ["--query", rng.choice(QUERIES) if rng.random() < 0.5 else text(rng, files)[1]],
        lambda: ["--debug"],
        lambda: ["--no-paginate"],
        lambda: [rng.choice(["--cli-read-timeout", "--cli-connect-timeout"]), number_text(rng)],
        lambda: ["--region", rng.choice(["us-east-1", "eu-west-3", text(rng, files)[1]])],
        lambda: ["--profile", text(rng, files)[1]],
        lambda: [
            "--endpoint-url",
            rng.choice(
                ["127.0.0.1:1", "ftp://127.0.0.1", "http://", "http://[::1", text(rng, files)[1]]
            ),
        ],
    ]
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        argv += rng.choice(choices)()
    return argv


def random_cli(rng: random.Random, files: Path) -> tuple[str, list[str]]:
    roll = rng.random()
    if roll < 0.6:
        command = rng.choice(list(API_COMMANDS))
        argv = _api_argv(rng, files, command)
    elif roll < 0.97:
        command = rng.choice(list(UPLOAD_COMMANDS))
        argv = _upload_argv(rng, files, command)
    else:
        command = "junk"
        argv = [text(rng, files)[1] for _ in range(rng.randint(1, 3))]
    if rng.random() < 0.1:
        argv.insert(rng.randint(1, len(argv)), rng.choice(["--x", "junk", "--", "-h", "--help"]))
    argv += _global_options(rng, files)
    return command, [*argv, "--endpoint-url", ENDPOINT]


def fixed_cli(files: Path) -> list[tuple[str, list[str]]]:
    layer = str(files / "layer.bin")
    complete = ["complete-layer-upload", "--repository-name", "team/api", "--upload-id", UUID]
    part = ["upload-layer-part", "--repository-name", "team/api", "--upload-id", UUID]
    part += ["--part-first-byte", "0", "--part-last-byte", "9"]
    end = ["--endpoint-url", ENDPOINT]
    return [
        (
            "part size inf",
            ["push-layer", layer, "--repository-name", "team/api", "--part-size", "inf", *end],
        ),
        (
            "part size 1e400MiB",
            ["push-layer", layer, "--repository-name", "team/api", "--part-size", "1e400MiB", *end],
        ),
        ("since past the epoch", ["discover", "--since", "99999999999999d", *end]),
        (
            "yaml billion laughs",
            [*complete, "--cli-input-yaml", billion_laughs(9, 9, "layerDigests"), *end],
        ),
        ("json from /dev/zero", [*complete, "--cli-input-json", "file:///dev/zero", *end]),
        ("blob from /dev/zero", [*part, "--layer-part-blob", "fileb:///dev/zero", *end]),
        ("json nested 100,000 deep", [*complete, "--cli-input-json", "[" * 100_000, *end]),
        ("digest that backtracks", [*complete, "--layer-digests", "a:" * 50_000, *end]),
        ("read timeout nan", ["describe-repositories", "--cli-read-timeout", "nan", *end]),
        ("read timeout inf", ["describe-repositories", "--cli-read-timeout", "inf", *end]),
        ("json not UTF-8", [*complete, "--cli-input-json", f"file://{files}/bad-utf8.json", *end]),
        (
            "yaml int of 5,000 digits",
            [*complete, "--cli-input-yaml", "uploadId: " + "9" * 5000, *end],
        ),
        ("yaml nested 10,000 deep", [*complete, "--cli-input-yaml", "[" * 10_000, *end]),
        ("max items past 64 bits", ["describe-repositories", "--max-items", "9" * 30, *end]),
        ("json from /dev/urandom", [*complete, "--cli-input-json", "file:///dev/urandom", *end]),
        ("text of 20 MiB", [*complete, "--layer-digests", f"file://{files}/big.txt", *end]),
        (
            "blob over 20 MiB",
            [
                *part[:-4],
                "--part-first-byte",
                "0",
                "--part-last-byte",
                "1",
                "--layer-part-blob",
                f"fileb://{files}/big-part.bin",
                *end,
            ],
        ),
        ("since one second", ["discover", "--since", "1s", "--output", "json", *end]),
        (
            "push /proc/self/environ",
            ["push-layer", "/proc/self/environ", "--repository-name", "team/api", *end],
        ),
    ]


# -- documents ----------------------------------------------------------------------------------

YAML_DOCUMENTS = (
    ("yaml billion laughs 9x9", billion_laughs(9, 9, "layerDigests")),
    ("yaml billion laughs in an unknown key", billion_laughs(8, 10, "extra")),
    ("yaml recursive alias", "layerDigests: &a [*a]\n"),
    ("yaml recursive mapping", "a: &a {b: *a}\nrepositoryName: *a\n"),
    ("yaml python tag", "repositoryName: !!python/object/apply:os.system ['true']\n"),
    ("yaml binary", "uploadId: !!binary aGVsbG8=\n"),
    ("yaml timestamp", "uploadId: 2001-12-14t21:59:43.10-05:00\n"),
    ("yaml set", "layerDigests: !!set {a: null, b: null}\n"),
    ("yaml complex key", "? [a, b]\n: c\n"),
    ("yaml merge key", "base: &b {repositoryName: team/api}\n<<: *b\n"),
    ("yaml huge int", "uploadId: " + "9" * 5000 + "\n"),
    ("yaml hex int", "uploadId: 0x" + "f" * 5000 + "\n"),
    ("yaml float nan", "uploadId: .nan\n"),
    ("yaml two documents", "a: 1\n---\nb: 2\n"),
    ("yaml nested 10,000 deep", "[" * 10_000),
    ("yaml directive", "%YAML 9.9\n---\na: 1\n"),
    ("yaml many keys", "".join(f"k{n}: {n}\n" for n in range(100_000))),
)


def _document(rng: random.Random, files: Path, command: str) -> tuple[str, str]:
    """A hostile or nearly right request document (text), and its family."""
    from benchmarks.reliability_oracle import service

    roll = rng.random()
    if roll < 0.4:
        shape = service("ecr").operation_model(API_COMMANDS[command]).input_shape
        family, request = shaped(rng, shape, files)
        return f"request, {family}", dumps(request)
    if roll < 0.6:
        family, hostile = value(rng, files)
        return f"value, {family}", dumps(hostile)
    if roll < 0.8:
        return rng.choice(YAML_DOCUMENTS)
    return "json fragment", rng.choice(JSON_FRAGMENTS)


def random_documents(rng: random.Random, files: Path) -> tuple[str, Any]:
    command = rng.choice(list(API_COMMANDS))
    reader = rng.choice(["json", "yaml", "console"])
    family, document = _document(rng, files, command)
    return f"{reader}, {family}", (reader, command, document, rng.random() < 0.3)


def fixed_documents(files: Path) -> list[tuple[str, Any]]:
    laughs = billion_laughs(9, 9, "layerDigests")
    return [
        ("console, yaml billion laughs", ("console", "complete-layer-upload", laughs, False)),
        ("yaml billion laughs as a file", ("yaml", "complete-layer-upload", laughs, True)),
        (
            "console, json nested 200,000 deep",
            ("console", "complete-layer-upload", "[" * 200_000, False),
        ),
        ("console, path of /dev/zero", ("console", "complete-layer-upload", "/dev/zero", False)),
        ("console, long single line", ("console", "complete-layer-upload", "a" * 5000, False)),
        (
            "console, yaml huge int",
            ("console", "complete-layer-upload", "uploadId: " + "9" * 5000, False),
        ),
        ("yaml nested 10,000 deep", ("yaml", "describe-repositories", "[" * 10_000, False)),
    ]


# -- part sizes and form fields -----------------------------------------------------------------


def random_size(rng: random.Random, files: Path) -> tuple[str, str]:
    if rng.random() < 0.3:
        number = rng.randint(1, 10**6)
        unit = rng.choice(["", "b", "k", "KiB", "m", "MiB", "M", "g"])
        return "canonical", f"{number}{unit}"
    if rng.random() < 0.5:
        return "number", number_text(rng) + rng.choice(["", "MiB", "k", "g", " MiB", "mib"])
    return text(rng, files, argv=False)


def fixed_sizes(files: Path) -> list[tuple[str, str]]:
    return [("fixed", size) for size in SIZES]


def random_form(rng: random.Random, files: Path) -> tuple[str, tuple[str, str]]:
    field = rng.choice(FORM_FIELDS)
    if field == "push file":
        family, typed = (
            "path",
            rng.choice([path(rng, files), "~/" + text(rng, files)[1], text(rng, files)[1]]),
        )
    elif field == "push part size":
        family, typed = random_size(rng, files)
    elif field == "complete layerDigests":
        family = "digests"
        typed = rng.choice([" ", ",", "\n"]).join(
            rng.choice([DIGEST, text(rng, files)[1]]) for _ in range(rng.randint(1, 4))
        )
    elif field == "load":
        family, typed = _document(rng, files, "complete-layer-upload")
    else:
        family, typed = text(rng, files)
    return f"{field}, {family}", (field, typed.replace("\x00", ""))


def fixed_form(files: Path) -> list[tuple[str, tuple[str, str]]]:
    return [
        ("digest that backtracks", ("complete layerDigests", "a:" * 50_000)),
        ("path too long for the system", ("push file", "a" * 5000)),
        ("path of /dev/zero", ("push file", "file:///dev/zero")),
        ("part size inf", ("push part size", "inf")),
        ("part size 1e400", ("push part size", "1e400")),
        ("10 MB repository name", ("push repositoryName", "a" * 10_000_000)),
        ("pasted billion laughs", ("load", billion_laughs(9, 9, "layerDigests"))),
        ("pasted long single line", ("load", "a" * 5000)),
    ]


FIXED: dict[str, Callable[[Path], list[tuple[str, Any]]]] = {
    "validator": fixed_validator,
    "cli": fixed_cli,
    "documents": fixed_documents,
    "part-size": fixed_sizes,
    "form": fixed_form,
}
RANDOM: dict[str, Callable[[random.Random, Path], tuple[str, Any]]] = {
    "validator": random_validator,
    "cli": random_cli,
    "documents": random_documents,
    "part-size": random_size,
    "form": random_form,
}
