"""``--crds`` folders: only the needed files are parsed, and converted schemas are cached."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from schema_helpers import load, write

from gitops_gen.schemas import SchemaValidator
from gitops_gen.schemas.cache import default_cache_dir, read_json, write_json
from gitops_gen.schemas.crd_store import scan


def cr(group: str, kind: str, field: str = "size") -> str:
    return f"apiVersion: {group}/v1\nkind: {kind}\nmetadata: {{name: x}}\nspec: {{{field}: 1, bogus: 2}}\n"


@pytest.fixture
def folder(tmp_path: Path, crd_yaml: Callable[..., str]) -> Path:
    root = tmp_path / "crds"
    write(root, crd_yaml("a.example.com", "Alpha"), "a.yaml")
    write(root, crd_yaml("b.example.com", "Beta", style="flow"), "nested/deeper/b.yml")
    two = crd_yaml("c.example.com", "Gamma") + "---\n" + crd_yaml("c.example.com", "Delta", field="depth")
    write(root, two, "multi.yaml")
    write(root, json.dumps({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                            "metadata": {"name": "epsilons.e.example.com"},
                            "spec": {"group": "e.example.com", "scope": "Namespaced",
                                     "names": {"kind": "Epsilon", "plural": "epsilons"},
                                     "versions": [{"name": "v1", "served": True, "storage": True, "schema": {
                                         "openAPIV3Schema": {"type": "object"}}}]}}), "e.json")
    write(root, "not: a crd\n", "other.yaml")
    write(root, "{ broken yaml", "broken.yaml")
    return root


def rules_for(validator: SchemaValidator, tmp_path: Path, text: str) -> list[tuple[str, int]]:
    [resource] = load(tmp_path, text)
    return [(f.rule, f.line) for f in validator.validate(resource)]


def test_folders_are_walked_and_only_needed_files_parsed(tmp_path: Path, folder: Path) -> None:
    validator = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=tmp_path / "cache")
    assert rules_for(validator, tmp_path, cr("b.example.com", "Beta")) == [("schema", 4)]
    assert validator.stats == {"parsed": 1, "cached": 0, "scanned": 6}
    assert rules_for(validator, tmp_path, cr("c.example.com", "Delta", "depth")) == [("schema", 4)]
    assert rules_for(validator, tmp_path, cr("c.example.com", "Gamma")) == [("schema", 4)]
    assert validator.stats["parsed"] == 2  # both kinds come from multi.yaml, read once
    assert rules_for(validator, tmp_path, "apiVersion: e.example.com/v1\nkind: Epsilon\n"
                                          "metadata: {name: e}\nspec: {}\n") == [("schema", 4)]
    assert rules_for(validator, tmp_path, cr("z.example.com", "Zeta")) == [("no-schema", 2)]
    assert rules_for(validator, tmp_path, cr("a.example.com", "Alpah")) == [("no-schema", 2)]  # a typo
    assert validator.stats["parsed"] == 3


def test_prepare_loads_ahead_of_validation(tmp_path: Path, folder: Path) -> None:
    validator = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=tmp_path / "cache")
    validator.prepare([("a.example.com/v1", "Alpha"), ("b.example.com/v1", "Beta"), ("v1", "ConfigMap")])
    assert validator.stats["parsed"] == 2
    assert rules_for(validator, tmp_path, cr("a.example.com", "Alpha")) == [("schema", 4)]
    assert validator.stats["parsed"] == 2


def test_a_single_file_can_be_given(tmp_path: Path, folder: Path) -> None:
    validator = SchemaValidator("1.31", crd_dirs=[folder / "a.yaml"], cache_dir=tmp_path / "cache")
    assert rules_for(validator, tmp_path, cr("a.example.com", "Alpha")) == [("schema", 4)]
    assert rules_for(validator, tmp_path, cr("b.example.com", "Beta")) == [("no-schema", 2)]


def test_a_second_run_reads_the_cache_instead_of_parsing(tmp_path: Path, folder: Path) -> None:
    cache = tmp_path / "cache"
    first = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=cache)
    assert rules_for(first, tmp_path, cr("a.example.com", "Alpha")) == [("schema", 4)]
    assert first.stats == {"parsed": 1, "cached": 0, "scanned": 6}
    second = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=cache)
    assert rules_for(second, tmp_path, cr("a.example.com", "Alpha")) == [("schema", 4)]
    assert second.stats == {"parsed": 0, "cached": 1, "scanned": 0}  # index and schemas from the cache


def test_a_changed_file_is_rescanned_and_reparsed(tmp_path: Path, folder: Path, crd_yaml: Callable[..., str]) -> None:
    cache = tmp_path / "cache"
    before = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=cache)
    width = cr("a.example.com", "Alpha", "width")
    assert rules_for(before, tmp_path, width) == [("schema", 4), ("schema", 4)]
    write(folder, crd_yaml("a.example.com", "Alpha", field="width"), "a.yaml")
    os.utime(folder / "a.yaml", ns=(1, 1))
    validator = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=cache)
    assert rules_for(validator, tmp_path, cr("a.example.com", "Alpha", "width")) == [("schema", 4)]
    assert validator.stats == {"parsed": 1, "cached": 0, "scanned": 1}


def test_corrupt_cache_entries_are_ignored_and_rebuilt(tmp_path: Path, folder: Path) -> None:
    cache = tmp_path / "cache"
    SchemaValidator("1.31", crd_dirs=[folder], cache_dir=cache).validate(load(tmp_path, cr("a.example.com",
                                                                                         "Alpha"))[0])
    entries = list(cache.glob("crd-schemas-v*/*.json"))  # the file's entry (its schemas have their own)
    assert len(entries) == 1
    for index, garbage in enumerate(['{"crds": [{"group": 1}]', '{"crds": 5, "problems": []}', "\x00\x01"]):
        entries[0].write_text(garbage)
        (cache / next(p.name for p in cache.iterdir() if "index" in p.name)).write_text("[1, 2")
        validator = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=cache)
        assert rules_for(validator, tmp_path, cr("a.example.com", "Alpha")) == [("schema", 4)], index
        assert validator.stats["parsed"] == 1
    assert read_json(entries[0]) is not None  # rewritten


def test_an_unwritable_cache_folder_does_not_fail_the_run(tmp_path: Path, folder: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    validator = SchemaValidator("1.31", crd_dirs=[folder], cache_dir=blocker / "cache")
    assert rules_for(validator, tmp_path, cr("a.example.com", "Alpha")) == [("schema", 4)]
    assert write_json(blocker / "cache" / "x.json", {}) is False


def test_broken_files_in_the_folder_are_reported_as_problems(tmp_path: Path, crd_yaml: Callable[..., str]) -> None:
    root = tmp_path / "crds"
    write(root, crd_yaml("a.example.com", "Alpha").replace("type: integer", "type: int"), "a.yaml")
    write(root, "kind: CustomResourceDefinition\ngroup: a.example.com\nkind: Alpha\n{ broken", "b.yaml")
    validator = SchemaValidator("1.31", crd_dirs=[root], cache_dir=tmp_path / "cache")
    [finding] = validator.validate(load(tmp_path, cr("a.example.com", "Alpha"))[0])
    assert finding.rule == "no-schema" and "is broken" in finding.message
    problems = sorted((p.file, p.line) for p in validator.crd_problems())
    assert problems == [(str(root / "a.yaml"), 22), (str(root / "b.yaml"), 4)]  # the "{" left open


def test_the_scan_is_a_superset_of_crd_identities(crd_yaml: Callable[..., str]) -> None:
    assert scan(b"kind: ConfigMap\n") == (frozenset(), frozenset())
    groups, kinds = scan(crd_yaml("a.example.com", "Alpha").encode())
    assert groups is not None and kinds is not None
    assert "a.example.com" in groups and {"Alpha", "CustomResourceDefinition"} <= kinds
    groups, kinds = scan(b'{"kind":"CustomResourceDefinition","spec":{"group":"x.io","names":{"kind":"X"}}}')
    assert groups == {"x.io"} and kinds is not None and "X" in kinds
    assert scan(b"kind: CustomResourceDefinition\nspec: {}\n") == (None, None)  # unknown: always read
    odd = b"kind: CustomResourceDefinition\nspec:\n  group: x.io\n  names:\n    kind: >-\n      X\n"
    assert scan(odd) == (None, None)
    groups, kinds = scan(b"kind: CustomResourceDefinition\nspec:\n  group:\n    x.io\n  names: {kind: !!str 'X'}\n")
    assert groups == {"x.io"} and kinds == {"CustomResourceDefinition", "X"}


def test_default_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GITOPS_GEN_CACHE_DIR", str(tmp_path / "explicit"))
    assert default_cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("GITOPS_GEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "gitops-gen"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "gitops-gen"
