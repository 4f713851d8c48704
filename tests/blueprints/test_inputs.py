"""resolve_inputs: defaults as cookiecutter renders them, user values as data, every problem named."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from bp_helpers import DEMO_OPTIONS, DEMO_SCHEMA, make_blueprint

from gitops_gen.blueprints import BlueprintInfo, InputsError, apply_sets, load_blueprint, parse_set, resolve_inputs
from gitops_gen.errors import BlueprintError


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> BlueprintInfo:
    return load_blueprint(make_blueprint(tmp_path_factory.mktemp("demo") / "bp"))


def problems(bp: BlueprintInfo, values: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(InputsError) as info:
        resolve_inputs(bp, values)
    assert info.value.key == info.value.problems[0].key
    return {p.key: p.message for p in info.value.problems}


def test_defaults_are_typed_and_rendered(demo: BlueprintInfo) -> None:
    assert resolve_inputs(demo, {}) == {
        "project_name": "Demo Platform", "repo_name": "demo-platform", "repo_url": "https://example.com/demo.git",
        "cloud": "aws", "enable_extra": True, "replicas": 2,
        "teams": {"research": {"group": "research-team", "gpu_quota": 8, "cpu_quota": "64"}},
    }


def test_input_info_lists_public_inputs(demo: BlueprintInfo) -> None:
    assert [i.name for i in demo.inputs] == [k for k in DEMO_OPTIONS if not k.startswith("_")]
    assert demo.input("repo_name").default == "demo-platform"
    assert demo.input("cloud").choices == ("aws", "generic")
    assert demo.input("cloud").default == "aws"
    assert demo.input("replicas").type == "integer"
    assert demo.input("project_name").description == "Human name of the platform"
    assert (demo.name, demo.version, demo.description) == ("demo", "1.2.3", "A demo blueprint")


def test_derived_default_follows_the_users_value(demo: BlueprintInfo) -> None:
    assert resolve_inputs(demo, {"project_name": "Acme Vision"})["repo_name"] == "acme-vision"


def test_null_at_top_level_means_default(demo: BlueprintInfo) -> None:
    assert resolve_inputs(demo, {"replicas": None})["replicas"] == 2


def test_a_given_mapping_replaces_the_default_whole(demo: BlueprintInfo) -> None:
    nlp = {"group": "n", "gpu_quota": 1}
    assert resolve_inputs(demo, {"teams": {"nlp": nlp}})["teams"] == {"nlp": nlp}
    found = problems(demo, {"teams": {"research": {"gpu_quota": 2}}})  # not an edit of the default team
    assert found == {"teams.research.group": "is required"}


def test_set_edits_apply_to_the_default_or_given_value(demo: BlueprintInfo) -> None:
    edits = parse_set(["teams.research.gpu_quota=2", "teams.nlp.group=nlp-team", "teams.nlp.gpu_quota=1", "replicas=4"])
    values = apply_sets(demo, {}, edits)
    assert resolve_inputs(demo, values)["teams"] == {
        "research": {"group": "research-team", "gpu_quota": 2, "cpu_quota": "64"},
        "nlp": {"group": "nlp-team", "gpu_quota": 1},
    }
    assert values["replicas"] == 4
    given = {"teams": {"vision": {"group": "v", "gpu_quota": 3}}}
    values = apply_sets(demo, given, parse_set(["teams.vision.gpu_quota=5", "teams.research="]))
    assert resolve_inputs(demo, values)["teams"] == {"vision": {"group": "v", "gpu_quota": 5}}
    values = apply_sets(demo, {}, parse_set(["teams.research=", "teams.solo.group=solo", "teams.solo.gpu_quota=1"]))
    assert resolve_inputs(demo, values)["teams"] == {"solo": {"group": "solo", "gpu_quota": 1}}
    assert given == {"teams": {"vision": {"group": "v", "gpu_quota": 3}}}  # inputs untouched


@pytest.mark.parametrize(("values", "key", "fragment"), [
    ({"project_name": "{{ 7*7 }}"}, "project_name", "template syntax '{{'"),
    ({"project_name": "a {% if true %}b{% endif %}"}, "project_name", "'{%'"),
    ({"teams": {"research": {"cpu_quota": "{# c #}"}}}, "teams.research.cpu_quota", "'{#'"),
    ({"teams": {"{{x}}": {"group": "g", "gpu_quota": 1}}}, 'teams["{{x}}"]', "key contains template syntax"),
    ({"teams": {"research": {"group": ["ok", "{{ cycler.__init__ }}"]}}}, "teams.research.group[1]", "'{{'"),
])
def test_jinja_in_values_is_refused_with_its_key(demo: BlueprintInfo, values: dict[str, Any], key: str,
                                                 fragment: str) -> None:
    found = problems(demo, values)
    assert key in found, found
    assert fragment in found[key]


def test_custom_delimiters_of_the_template_are_refused_too(tmp_path: Path) -> None:
    delimiters = {"variable_start_string": "[[", "variable_end_string": "]]"}
    options = {**DEMO_OPTIONS, "_jinja2_env_vars": delimiters}
    bp = load_blueprint(make_blueprint(tmp_path / "bp", options=options))
    assert "'[['" in problems(bp, {"project_name": "a [[ x ]]"})["project_name"]


@pytest.mark.parametrize(("values", "key", "fragment"), [
    ({"_private": "x"}, "_private", "private setting"),
    ({"projet_name": "x"}, "projet_name", "did you mean 'project_name'"),
    ({"zzz": 1}, "zzz", "inputs are: project_name"),
    ({"project_name": dt.date(2024, 1, 1)}, "project_name", "unsupported value of type date"),
    ({"replicas": float("nan")}, "replicas", "finite number"),
    ({"teams": {1: {}}}, "teams", "must be text"),
    ({"project_name": "a\0b"}, "project_name", "NUL"),
])
def test_values_must_be_plain_data_for_known_public_inputs(demo: BlueprintInfo, values: dict[Any, Any],
                                                            key: str, fragment: str) -> None:
    found = problems(demo, values)
    assert fragment in found[key], found


def test_schema_problems_are_all_reported_with_key_paths(demo: BlueprintInfo) -> None:
    found = problems(demo, {
        "repo_name": "../x",
        "repo_url": "not a url",
        "cloud": "azure",
        "replicas": 0,
        "teams": {"Bad_Name": {"group": "g", "gpu_quota": 1},
                  "ok": {"group": 1, "gpu_quota": "four", "gpu_qouta": 1},
                  "zero": {"group": "g", "gpu_quota": 0},
                  "nogroup": {"gpu_quota": 1}},
    })
    assert found["repo_name"].startswith("must match the pattern")
    assert "must be a URL" in found["repo_url"] or "pattern" in found["repo_url"]
    assert found["cloud"] == 'must be one of "aws", "generic" (got "azure")'
    assert found["replicas"] == "must be a positive integer (got 0)"
    assert found["teams.Bad_Name"] == 'invalid name "Bad_Name": must be a DNS label'
    assert found["teams.ok.gpu_qouta"] == "unknown key; did you mean 'gpu_quota'?"
    assert found["teams.ok.gpu_quota"].startswith("must be a positive integer, not a string")
    assert found["teams.ok.group"].endswith("(quote it)")
    assert found["teams.zero.gpu_quota"] == "must be a positive integer (got 0)"
    assert found["teams.nogroup.group"] == "is required"


def test_error_message_lists_every_problem(demo: BlueprintInfo) -> None:
    with pytest.raises(InputsError) as info:
        resolve_inputs(demo, {"replicas": -1, "cloud": "x"})
    text = str(info.value)
    assert text.startswith("2 invalid inputs:")
    assert "  cloud: must be one of" in text and "  replicas: must be a positive integer" in text
    assert isinstance(info.value, BlueprintError)


def test_choices_are_enforced_without_an_enum(tmp_path: Path) -> None:
    schema = json.loads(json.dumps(DEMO_SCHEMA))
    schema["properties"]["cloud"] = {"type": "string"}
    bp = load_blueprint(make_blueprint(tmp_path / "bp", schema=schema))
    assert problems(bp, {"cloud": "azure"}) == {"cloud": 'must be one of "aws", "generic" (got "azure")'}
    assert resolve_inputs(bp, {"cloud": "generic"})["cloud"] == "generic"


def test_a_default_that_does_not_render_names_the_key(tmp_path: Path) -> None:
    options = {**DEMO_OPTIONS, "repo_name": "{{ cookiecutter.nope }}"}
    bp_dir = make_blueprint(tmp_path / "bp", options=options)
    with pytest.raises(BlueprintError, match="default of 'repo_name' does not render") as info:
        load_blueprint(bp_dir)
    assert info.value.key == "repo_name"
    assert info.value.file == str(bp_dir.resolve() / "cookiecutter.json")
