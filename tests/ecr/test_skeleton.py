"""Skeletons from ECR's model file agree with botocore's ArgumentGenerator, for every operation.

`ecrtui.ecr.skeleton` reads the model file botocore would load (`ecrtui.ecr.model_files`) and
makes the values itself, without importing botocore; the aws CLI prints ArgumentGenerator's. The
two must agree for every ECR operation, input and output, in values and key order.
"""

from __future__ import annotations

import datetime
import gzip
import json
import os
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from botocore.utils import ArgumentGenerator

from ecrtui.ecr import model_files
from ecrtui.ecr.skeleton import (
    OperationShapes,
    input_skeleton,
    output_skeleton,
    yaml_input_skeleton,
)

_SESSION = botocore.session.get_session()
_MODEL = _SESSION.get_service_model("ecr")
OPERATIONS = sorted(_MODEL.operation_names)


def first_enum_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """ArgumentGenerator picks an enum's value at random; ecrtui shows the first."""
    import botocore.utils

    monkeypatch.setattr(botocore.utils.random, "choice", lambda values: values[0])


def as_printed(value: Any) -> str:
    def encode(item: Any) -> Any:
        if isinstance(item, datetime.datetime):
            return item.isoformat()
        raise TypeError(type(item).__name__)

    return json.dumps(value, indent=4, default=encode)


def test_the_model_file_is_the_one_botocore_loads() -> None:
    assert model_files.service_description() == _SESSION.get_component(
        "data_loader"
    ).load_service_model("ecr", "service-2")
    assert set(OPERATIONS) == set(model_files.service_description()["operations"])
    assert model_files.latest_version() == _MODEL.api_version


@pytest.mark.parametrize("operation", OPERATIONS)
def test_input_skeleton_is_argument_generators(
    operation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    first_enum_values(monkeypatch)
    shape = _MODEL.operation_model(operation).input_shape
    expected = ArgumentGenerator().generate_skeleton(shape) if shape else {}
    assert input_skeleton(operation) == as_printed(expected) + "\n"


@pytest.mark.parametrize("operation", OPERATIONS)
def test_output_sample_is_argument_generators_with_member_names(operation: str) -> None:
    shape = _MODEL.operation_model(operation).output_shape
    expected = ArgumentGenerator(use_member_names=True).generate_skeleton(shape) if shape else None
    assert output_skeleton(operation) == ("" if shape is None else as_printed(expected) + "\n")


def test_a_botocore_operation_model_is_taken_too() -> None:
    model = _MODEL.operation_model("CompleteLayerUpload")
    assert input_skeleton(model) == input_skeleton("CompleteLayerUpload")


def test_an_unknown_operation_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="ECR has no operation named 'Nope'"):
        input_skeleton("Nope")


def test_yaml_skeleton_marks_required_members_with_the_member_documentation() -> None:
    text = yaml_input_skeleton("CompleteLayerUpload")
    lines = text.splitlines()
    assert lines[0].startswith("registryId: ''  # The Amazon Web Services account ID")
    assert lines[1] == (
        "repositoryName: ''  # [REQUIRED] The name of the repository to associate with the "
        "image layer."
    )
    assert lines[3] == "layerDigests:  # [REQUIRED] The sha256 digest of the image layer."
    assert lines[4] == "- ''"


TINY = {
    "metadata": {"apiVersion": "2030-01-01"},
    "operations": {"Loop": {"input": {"shape": "Node"}}},
    "shapes": {
        "Node": {
            "type": "structure",
            "members": {
                "name": {"shape": "Name"},
                "child": {"shape": "Node"},
                "children": {"shape": "Nodes"},
                "labels": {"shape": "Labels"},
                "body": {"shape": "Body"},
            },
        },
        "Nodes": {"type": "list", "member": {"shape": "Node"}},
        "Labels": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Name"}},
        "Name": {"type": "string"},
        "Body": {"type": "blob"},
    },
}


def test_a_structure_inside_itself_is_empty_as_botocore_makes_it() -> None:
    from botocore.model import ServiceModel

    shapes = OperationShapes("Loop", TINY)
    assert shapes.input is not None
    botocore_shape = ServiceModel(TINY, "tiny").operation_model("Loop").input_shape
    assert shapes.sample(shapes.input) == ArgumentGenerator().generate_skeleton(botocore_shape)
    assert shapes.sample(shapes.input) == {
        "name": "",
        "child": {},
        "children": [{}],
        "labels": {"KeyName": ""},
        "body": None,
    }


def _write_model(directory: Path, version: str, model: dict[str, Any], *, zipped: bool) -> None:
    folder = directory / "ecr" / version
    folder.mkdir(parents=True)
    data = json.dumps(model).encode()
    if zipped:
        (folder / "service-2.json.gz").write_bytes(gzip.compress(data))
    else:
        (folder / "service-2.json").write_bytes(data)


def test_aws_data_path_is_searched_first_and_the_newest_version_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    newer = {**TINY, "metadata": {"apiVersion": "2030-01-01"}}
    _write_model(tmp_path / "first", "2030-01-01", newer, zipped=True)
    (tmp_path / "first" / "ecr" / "2030-01-01" / "service-2.sdk-extras.json").write_text(
        json.dumps({"merge": {"metadata": {"serviceId": "merged"}}})
    )
    _write_model(tmp_path / "second", "2030-01-01", {**TINY, "shapes": {}}, zipped=False)
    monkeypatch.setenv("AWS_DATA_PATH", f"{tmp_path / 'first'}{os.pathsep}{tmp_path / 'second'}")
    assert model_files.search_paths()[:2] == [str(tmp_path / "first"), str(tmp_path / "second")]
    assert model_files.latest_version() == "2030-01-01"
    loaded = model_files.load_model()
    assert loaded["metadata"] == {"apiVersion": "2030-01-01", "serviceId": "merged"}
    assert loaded["shapes"] == TINY["shapes"]  # the first search path's file, not the second's
    loader = botocore.session.Session().get_component("data_loader")
    assert loaded == loader.load_service_model("ecr", "service-2")


def test_no_model_file_anywhere_says_where_it_looked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(model_files, "search_paths", lambda: [str(tmp_path)])
    with pytest.raises(model_files.ModelFileMissing, match=str(tmp_path)):
        model_files.load_model()
