"""Finding blueprints and refusing broken ones with file and line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bp_helpers import DEMO_OPTIONS, DEMO_SCHEMA, make_blueprint

from gitops_gen.blueprints import find_blueprint, list_blueprints, load_blueprint
from gitops_gen.errors import BlueprintError


def test_bundled_blueprints_are_listed_and_found_by_name() -> None:
    names = [bp.name for bp in list_blueprints()]
    assert "ml-platform" in names
    bp = find_blueprint("ml-platform")
    assert bp.path.name == "ml-platform" and bp.inputs


def test_a_folder_is_found_by_path(tmp_path: Path) -> None:
    folder = make_blueprint(tmp_path / "my-bp")
    assert find_blueprint(str(folder)).path == folder.resolve()


def test_unknown_names_and_missing_folders(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError, match=r"unknown blueprint 'nope' \(bundled: .*ml-platform"):
        find_blueprint("nope")
    with pytest.raises(BlueprintError, match="blueprint folder not found"):
        find_blueprint(str(tmp_path / "missing"))
    with pytest.raises(BlueprintError, match=r"no cookiecutter\.json"):
        find_blueprint(str(tmp_path))


def _broken(tmp_path: Path, **kwargs: Any) -> Path:
    return make_blueprint(tmp_path / "bp", **kwargs)


def test_blueprint_yaml_is_required(tmp_path: Path) -> None:
    folder = _broken(tmp_path)
    (folder / "blueprint.yaml").unlink()
    with pytest.raises(BlueprintError, match=r"has no blueprint\.yaml"):
        load_blueprint(folder)


@pytest.mark.parametrize(("text", "line", "fragment"), [
    ("name: demo\nversion: 1.2.3\ninputs: [\n", 4, "flow"),
    ("name: demo\nversion: 1.2.3\nowner: me\ninputs: {}\n", 3, "unknown key 'owner'"),
    ("name: demo\nversion: 1.2\ninputs: {type: object, properties: {}}\n", 2, "version must be a string"),
    ("name: other\nversion: 1.2.3\ninputs: {type: object, properties: {}}\n", 1, "differs from _blueprint"),
    ("name: demo\nversion: 1.2.3\ninputs: {type: object, properties: {a: {type: nope}}}\n", 3,
     "not a valid JSON Schema"),
    ("name: demo\nversion: 1.2.3\ninputs: {type: array}\n", 3, "type: object and properties"),
])
def test_bad_metadata_is_reported_at_its_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    folder = _broken(tmp_path)
    (folder / "blueprint.yaml").write_text(text)
    with pytest.raises(BlueprintError, match=fragment) as info:
        load_blueprint(folder)
    assert info.value.file == str(folder.resolve() / "blueprint.yaml")
    assert info.value.line == line


def test_every_input_must_be_described_by_the_schema_and_vice_versa(tmp_path: Path) -> None:
    schema = json.loads(json.dumps(DEMO_SCHEMA))
    del schema["properties"]["replicas"]
    with pytest.raises(BlueprintError, match=r"input 'replicas' of cookiecutter\.json is not described"):
        load_blueprint(_broken(tmp_path / "a", schema=schema))
    schema = json.loads(json.dumps(DEMO_SCHEMA))
    schema["properties"]["ghost"] = {"type": "string"}
    with pytest.raises(BlueprintError, match=r"inputs\.properties\.ghost is not an input"):
        load_blueprint(_broken(tmp_path / "b", schema=schema))
    schema = json.loads(json.dumps(DEMO_SCHEMA))
    schema["properties"]["replicas"]["default"] = 3
    with pytest.raises(BlueprintError, match="default of replicas"):
        load_blueprint(_broken(tmp_path / "c", schema=schema))


def test_bad_cookiecutter_json(tmp_path: Path) -> None:
    folder = _broken(tmp_path)
    (folder / "cookiecutter.json").write_text('{\n  "a": 1,\n  "a": 2\n}\n')
    with pytest.raises(BlueprintError, match="duplicate key 'a'"):
        load_blueprint(folder)
    (folder / "cookiecutter.json").write_text('{\n  "a": 1\n  "b": 2\n}\n')
    with pytest.raises(BlueprintError, match="invalid JSON") as info:
        load_blueprint(folder)
    assert info.value.line == 3


def test_exactly_one_template_folder(tmp_path: Path) -> None:
    folder = _broken(tmp_path)
    (folder / "{{cookiecutter.project_name}}").mkdir()
    with pytest.raises(BlueprintError, match="2 template folder"):
        load_blueprint(folder)


def test_unsupported_cookiecutter_features_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError, match="pre_prompt hooks are not supported"):
        load_blueprint(_broken(tmp_path / "a", hooks={"pre_prompt.py": "print(1)\n"}))
    options = {**DEMO_OPTIONS, "templates": {"a": {"path": "./a"}}}
    schema = json.loads(json.dumps(DEMO_SCHEMA))
    schema["properties"]["templates"] = {"type": "object"}
    with pytest.raises(BlueprintError, match="nested templates"):
        load_blueprint(_broken(tmp_path / "b", options=options, schema=schema))
