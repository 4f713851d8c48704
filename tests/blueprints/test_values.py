"""--set and --values: parsing, errors with file and line, and how sources combine."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_gen.blueprints import load_values_file, merge_values, parse_set
from gitops_gen.errors import BlueprintError


def test_set_builds_nested_values_with_go_yaml_scalars() -> None:
    got = parse_set([
        "teams.research.gpu_quota=4",
        "enable_katib=no",
        "project_name=ML: Platform",
        "teams.research.cpu_quota=\"64\"",
        "gpu_node_pools.a10g.instance_families=[g5, p4d]",
        "labels={team: a, tier: 1}",
        r"annotations.example\.com/owner=me",
        "repo_url=https://example.com/x.git?a=b",
    ])
    assert got == {
        "teams": {"research": {"gpu_quota": 4, "cpu_quota": "64"}},
        "enable_katib": False,
        "project_name": "ML: Platform",
        "gpu_node_pools": {"a10g": {"instance_families": ["g5", "p4d"]}},
        "labels": {"team": "a", "tier": 1},
        "annotations": {"example.com/owner": "me"},
        "repo_url": "https://example.com/x.git?a=b",
    }


def test_set_empty_value_is_null_and_later_items_win() -> None:
    assert parse_set(["teams.serving=", "x=1", "x=2"]) == {"teams": {"serving": None}, "x": 2}


def test_set_never_evaluates_anything() -> None:
    # Jinja and YAML tags are just text here; resolve_inputs refuses the Jinja later.
    assert parse_set(["a={{ 7*7 }}", "b=!!python/object:os.system x"]) == {
        "a": "{{ 7*7 }}", "b": "!!python/object:os.system x"}


@pytest.mark.parametrize(("item", "fragment"), [
    ("novalue", "expected KEY=VALUE"),
    ("a..b=1", "empty key"),
    ("=1", "empty key"),
    ("a=[1, 2", "invalid YAML value"),
    ("a='x' y", "invalid YAML value"),
])
def test_set_errors_name_the_item(item: str, fragment: str) -> None:
    with pytest.raises(BlueprintError, match=fragment):
        parse_set([item])


def test_set_cannot_nest_under_a_scalar() -> None:
    with pytest.raises(BlueprintError, match="teams was already set") as info:
        parse_set(["teams=3", "teams.research.gpu_quota=4"])
    assert info.value.key == "teams.research.gpu_quota"


def test_values_file_reads_yaml_as_kubernetes_does(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("project_name: Acme ML\nenable_airflow: off\nteams:\n  nlp:\n    gpu_quota: 2\n"
                    "target_revision: 2024-01-01\n")
    assert load_values_file(path) == {"project_name": "Acme ML", "enable_airflow": False,
                                      "teams": {"nlp": {"gpu_quota": 2}}, "target_revision": "2024-01-01"}


def test_values_file_json_and_empty(tmp_path: Path) -> None:
    (tmp_path / "v.json").write_text('{"replicas": 3, "teams": {}}')
    (tmp_path / "empty.yaml").write_text("# nothing\n")
    assert load_values_file(tmp_path / "v.json") == {"replicas": 3, "teams": {}}
    assert load_values_file(tmp_path / "empty.yaml") == {}


@pytest.mark.parametrize(("name", "text", "line", "fragment"), [
    ("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n", 2, "flow sequence"),  # the "[" left open
    ("dup.yaml", "a: 1\nb: 2\na: 3\n", 3, "duplicate key"),
    ("two.yaml", "a: 1\n---\nb: 2\n", 3, "one YAML document"),
    ("list.yaml", "- a\n- b\n", 1, "must be a mapping"),
    ("bad.json", '{\n  "a": 1,\n}\n', 3, "invalid JSON"),
    ("dup.json", '{"a": 1, "a": 2}', None, "duplicate key"),
])
def test_values_file_errors_carry_file_and_line(tmp_path: Path, name: str, text: str, line: int | None,
                                                fragment: str) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BlueprintError, match=fragment) as info:
        load_values_file(path)
    assert info.value.file == str(path)
    assert info.value.line == line


def test_values_file_unreadable(tmp_path: Path) -> None:
    with pytest.raises(BlueprintError, match="cannot read"):
        load_values_file(tmp_path / "missing.yaml")
    (tmp_path / "latin1.yaml").write_bytes(b"a: 1\nname: caf\xe9\n")
    with pytest.raises(BlueprintError, match="UTF-8") as info:
        load_values_file(tmp_path / "latin1.yaml")
    assert info.value.line == 2


def test_merge_values_merges_mappings_and_null_deletes_nested_keys() -> None:
    base = {"teams": {"research": {"group": "r", "gpu_quota": 8}, "serving": {"group": "s"}}, "x": 1}
    over = {"teams": {"research": {"gpu_quota": 4}, "serving": None, "nlp": {"group": "n"}}, "x": None}
    assert merge_values(base, over) == {
        "teams": {"research": {"group": "r", "gpu_quota": 4}, "nlp": {"group": "n"}}, "x": None}
    assert base["teams"]["research"]["gpu_quota"] == 8  # inputs untouched


def test_set_keeps_text_for_inputs_the_schema_declares_strings() -> None:
    from gitops_gen.blueprints import find_blueprint

    schema = find_blueprint("ml-platform").schema
    got = parse_set(["kubernetes_version=1.30", "cluster_name=0644", "teams.yes.cpu_quota=48",
                     "teams.yes.gpu_quota=4", "enable_katib=false", "project_name=yes", "argocd_ha=on",
                     "environments.on.replicas=2", "repo_name='123'"], schema)
    assert got["kubernetes_version"] == "1.30" and got["cluster_name"] == "0644" and got["project_name"] == "yes"
    assert got["teams"] == {"yes": {"cpu_quota": "48", "gpu_quota": 4}}
    assert got["enable_katib"] is False and got["argocd_ha"] is True
    assert got["environments"]["on"]["replicas"] == 2 and got["repo_name"] == "123"
    # without a schema a plain value is read as YAML reads it
    assert parse_set(["kubernetes_version=1.30"]) == {"kubernetes_version": 1.3}
