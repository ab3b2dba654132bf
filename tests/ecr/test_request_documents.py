"""Request documents and their files: only regular files, never more than the limit, and JSON and
YAML within their depth and alias limits."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ecrtui.ecr.request_documents import (
    MAX_DEPTH,
    MAX_YAML_VALUES,
    FileProblem,
    load_json,
    load_yaml,
    read_regular_file,
)


def test_a_regular_file_is_read_up_to_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "request.json"
    path.write_bytes(b"12345")
    assert read_regular_file(str(path), 5, "a test may hold") == b"12345"
    with pytest.raises(FileProblem, match=r"^the file holds more than 4 bytes, the most a test"):
        read_regular_file(str(path), 4, "a test may hold")


def test_a_link_to_a_regular_file_is_read(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert read_regular_file(str(tmp_path / "link.json"), 10, "") == b"{}"


def test_tilde_is_the_home_directory_and_an_unknown_user_stays_as_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "request.json").write_text("{}")
    assert read_regular_file("~/request.json", 10, "") == b"{}"
    with pytest.raises(FileProblem, match=r"No such file or directory: '~nosuchuser/x'"):
        read_regular_file("~nosuchuser/x", 10, "")


@pytest.mark.parametrize(
    ("path", "kind"), [("/dev/zero", "a character device"), ("/", "a directory")]
)
def test_other_files_are_refused(path: str, kind: str) -> None:
    with pytest.raises(FileProblem, match=f"^{path} is {kind}, not a regular file$"):
        read_regular_file(path, 10, "")


def test_a_path_with_a_nul_character_is_refused() -> None:
    with pytest.raises(FileProblem, match="not a usable path"):
        read_regular_file("a\x00b", 10, "")


FIFO_SCRIPT = """
import os, sys
from ecrtui.ecr.request_documents import FileProblem, read_regular_file
os.mkfifo(sys.argv[1])
try:
    read_regular_file(sys.argv[1], 10, "")
except FileProblem as problem:
    print(problem)
"""


def test_a_fifo_with_no_writer_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    done = subprocess.run(
        [sys.executable, "-c", FIFO_SCRIPT, str(fifo)], capture_output=True, text=True, timeout=30
    )
    assert done.stdout == f"{fifo} is a named pipe (FIFO), not a regular file\n", done.stderr


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_yaml_counts_aliases_as_what_they_stand_for() -> None:
    with pytest.raises(yaml.YAMLError, match=f"more than {MAX_YAML_VALUES} values"):
        load_yaml(billion_laughs())
    lines = "\n".join(f"k{i}: &a{i} [1, 2, 3]\nr{i}: *a{i}" for i in range(100))
    assert len(load_yaml(lines)) == 200  # 100 aliases of 4 values each are fine


def test_yaml_just_within_the_limit() -> None:
    items = ", ".join(["1"] * (MAX_YAML_VALUES - 3))  # and the mapping, its key, the list
    assert len(load_yaml(f"a: [{items}]")["a"]) == MAX_YAML_VALUES - 3
    with pytest.raises(yaml.YAMLError, match="values once its aliases are expanded"):
        load_yaml(f"a: [{items}, 1]")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: &a [*a]", "the alias *a is inside its own anchor"),
        ("[" * 100_000, f"nested more than {MAX_DEPTH} levels deep"),
        ("a: " + "9" * 5000, "a value YAML cannot hold: Exceeds the limit"),
        ("a: 2001-02-30", "a value YAML cannot hold: day is out of range"),
        ("a: !!python/name:os.system", "could not determine a constructor"),
    ],
)
def test_yaml_refusals(text: str, words: str) -> None:
    with pytest.raises(yaml.YAMLError) as raised:
        load_yaml(text)
    assert words in str(raised.value)


def test_depth_is_counted_in_lists_and_mappings() -> None:
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert load_json(deepest) == load_yaml(deepest)
    for text in ("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "[" * 100_000):
        with pytest.raises(ValueError, match=f"^nested more than {MAX_DEPTH} levels deep$"):
            load_json(text)


# PyYAML reads a JSON surrogate pair as two characters: the texts keep to what both read alike.
texts = st.text(st.characters(min_codepoint=32, max_codepoint=126) | st.sampled_from("é€😀"))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=10,
)


@given(json_values)
def test_json_documents_within_the_limits_load_as_json_loads_them(value: object) -> None:
    text = json.dumps(value, ensure_ascii=False)
    assert load_json(text) == value
    assert load_yaml(text) == value


def test_the_module_loads_without_botocore() -> None:
    code = "import sys, ecrtui.ecr.request_documents; print('botocore' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
