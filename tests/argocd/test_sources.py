"""Application source folders as Argo CD's repo-server reads them (util/app/path, discovery, findManifests)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from gitops_gen.argocd.sources import (
    PathProblem,
    SourceType,
    SourceTypeConflict,
    directory_files,
    explicit_source_types,
    out_of_bounds_symlinks,
    resolve_app_path,
    source_type,
)


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def rel(folder: Path, paths: list[str]) -> list[str]:
    return [os.path.relpath(p, folder) for p in paths]


# -- resolve_app_path ------------------------------------------------------------------------------

@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tree(tmp_path / "repo", {"apps/team/app.yaml": "", "apps/file.yaml": "", "README.md": ""})
    (tmp_path / "repo2" / "x").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    (root / "apps" / "escape").symlink_to(tmp_path / "outside")
    (root / "apps" / "alias").symlink_to("team")
    return root


@pytest.mark.parametrize(("path", "expected"), [
    (None, "."), ("", "."), (".", "."), ("apps/team", "apps/team"), ("apps/team/", "apps/team"),
    ("./apps//team", "apps/team"), ("apps/x/../team", "apps/team"), ("apps/alias", "apps/alias"),
])
def test_resolve_app_path(repo: Path, path: str | None, expected: str) -> None:
    assert resolve_app_path(str(repo), path) == os.path.normpath(repo / expected)


@pytest.mark.parametrize(("path", "message"), [
    ("/apps/team", "/apps/team: app path is absolute"),
    ("..", "..: app path outside root"),
    ("../repo2/x", "../repo2/x: app path outside root"),
    ("apps/../../outside", "apps/../../outside: app path outside root"),
    ("apps/escape", "apps/escape: app path leaves the repository through a symlink"),
    ("apps/missing", "apps/missing: app path does not exist in the repository"),
    ("apps/file.yaml", "apps/file.yaml: app path is not a directory"),
])
def test_resolve_app_path_problems(repo: Path, path: str, message: str) -> None:
    assert resolve_app_path(str(repo), path) == PathProblem(message)


# -- source_type -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("files", "expected"), [
    ({"kustomization.yaml": ""}, SourceType.KUSTOMIZE),
    ({"kustomization.yml": ""}, SourceType.KUSTOMIZE),
    ({"Kustomization": ""}, SourceType.KUSTOMIZE),
    ({"Kustomization.yaml": ""}, SourceType.DIRECTORY),       # exact names only
    ({"Chart.yaml": "", "values.yaml": ""}, SourceType.HELM),
    ({"MyChart.yaml": ""}, SourceType.HELM),                  # Argo CD tests the suffix
    ({"Chart.yaml": "", "kustomization.yaml": ""}, SourceType.KUSTOMIZE),
    ({"sub/Chart.yaml": "", "sub/kustomization.yaml": ""}, SourceType.DIRECTORY),
    ({"kustomization.yaml/x.yaml": ""}, SourceType.DIRECTORY),  # a folder of that name
    ({"a.yaml": ""}, SourceType.DIRECTORY),
    ({}, SourceType.DIRECTORY),
])
def test_discovered_type(tmp_path: Path, files: dict[str, str], expected: SourceType) -> None:
    tree(tmp_path, files)
    assert source_type({"repoURL": "https://github.com/o/r", "path": "."}, str(tmp_path)) is expected


@pytest.mark.parametrize(("source", "expected"), [
    ({"helm": {}}, SourceType.KUSTOMIZE),                                   # empty: dropped
    ({"helm": None}, SourceType.KUSTOMIZE),
    ({"helm": {"skipCrds": False, "valueFiles": []}}, SourceType.KUSTOMIZE),
    ({"helm": {"releaseName": "x"}}, SourceType.HELM),
    ({"helm": {"valuesObject": {"a": 1}}}, SourceType.HELM),
    ({"kustomize": {"forceCommonLabels": True}}, SourceType.KUSTOMIZE),     # not in IsZero: dropped anyway
    ({"directory": {}}, SourceType.KUSTOMIZE),
    ({"directory": {"recurse": False, "jsonnet": {}}}, SourceType.KUSTOMIZE),
    ({"directory": {"include": "*.yaml"}}, SourceType.DIRECTORY),
    ({"directory": {"jsonnet": {"tlas": [{"name": "a", "value": "b"}]}}}, SourceType.DIRECTORY),
    ({"plugin": {}}, SourceType.PLUGIN),                                    # a zero plugin is kept
    ({"plugin": {"name": "cmp"}, "helm": {}}, SourceType.PLUGIN),
])
def test_explicit_type(tmp_path: Path, source: dict[str, Any], expected: SourceType) -> None:
    tree(tmp_path, {"kustomization.yaml": ""})
    assert source_type(source, str(tmp_path)) is expected


def test_several_explicit_types(tmp_path: Path) -> None:
    source = {"plugin": {}, "helm": {"releaseName": "x"}, "directory": {"recurse": True}, "kustomize": {}}
    assert explicit_source_types(source) == (SourceType.HELM, SourceType.DIRECTORY, SourceType.PLUGIN)
    with pytest.raises(SourceTypeConflict) as caught:
        source_type(source, str(tmp_path))
    assert caught.value.types == (SourceType.HELM, SourceType.DIRECTORY, SourceType.PLUGIN)
    assert caught.value.message == "multiple application sources defined: Helm,Directory,Plugin"


def test_symlinked_folder_is_a_directory_with_nothing(tmp_path: Path) -> None:
    tree(tmp_path, {"real/kustomization.yaml": "", "real/a.yaml": ""})
    (tmp_path / "link").symlink_to("real")
    assert source_type({}, str(tmp_path / "link")) is SourceType.DIRECTORY
    assert directory_files(str(tmp_path / "link"), None) == []


# -- directory_files -------------------------------------------------------------------------------

@pytest.fixture
def app(tmp_path: Path) -> Path:
    return tree(tmp_path / "repo" / "app", {
        "a.yaml": "", "b.yml": "", "c.json": "", "d.jsonnet": "", "e.YAML": "", "notes.txt": "", "Makefile": "",
        ".hidden.yaml": "", "a-b.yaml": "", "a/x.yaml": "", "a/deep/y.yaml": "", "sub/z.yml": "",
        "skip.yaml": "# +argocd:skip-file-rendering\nkind: ConfigMap\n",
    })


def test_top_level_only(app: Path) -> None:
    assert rel(app, directory_files(str(app), None)) == [
        ".hidden.yaml", "a-b.yaml", "a.yaml", "b.yml", "c.json", "d.jsonnet"]
    assert directory_files(str(app), {}) == directory_files(str(app), None)


def test_recurse_in_walk_order(app: Path) -> None:
    assert rel(app, directory_files(str(app), {"recurse": True})) == [
        ".hidden.yaml", "a/deep/y.yaml", "a/x.yaml", "a-b.yaml", "a.yaml", "b.yml", "c.json", "d.jsonnet",
        "sub/z.yml"]


@pytest.mark.parametrize(("options", "expected"), [
    ({"recurse": True, "include": "*.yaml"}, [".hidden.yaml", "a/deep/y.yaml", "a/x.yaml", "a-b.yaml", "a.yaml"]),
    ({"recurse": True, "include": "a/*"}, ["a/deep/y.yaml", "a/x.yaml"]),                  # '*' crosses '/'
    ({"recurse": True, "include": "{a.yaml,sub/*}"}, ["a.yaml", "sub/z.yml"]),
    ({"recurse": True, "exclude": "{a/**,.*}", "include": "*.y*ml"}, ["a-b.yaml", "a.yaml", "b.yml", "sub/z.yml"]),
    ({"recurse": True, "exclude": "*"}, []),
    ({"include": "[ab]*"}, ["a-b.yaml", "a.yaml", "b.yml"]),
    ({"include": "x", "exclude": ""}, []),
])
def test_include_exclude(app: Path, options: dict[str, Any], expected: list[str]) -> None:
    assert rel(app, directory_files(str(app), options)) == expected


def test_disable_extension_filter(app: Path) -> None:
    assert rel(app, directory_files(str(app), {"disableExtensionFilter": True, "include": "*.{txt,YAML}"})) == [
        "e.YAML", "notes.txt"]
    assert "Makefile" in rel(app, directory_files(str(app), {"disableExtensionFilter": True}))


def test_symlinks(tmp_path: Path) -> None:
    repo = tree(tmp_path / "repo", {"app/a.yaml": "", "base/shared.yaml": "", "base/more/m.yaml": ""})
    tree(tmp_path, {"secret.yaml": ""})
    app = repo / "app"
    (app / "shared.yaml").symlink_to("../base/shared.yaml")      # inside the repository: read
    (app / "secret.yaml").symlink_to(tmp_path / "secret.yaml")   # outside: not followed
    (app / "broken.yaml").symlink_to("missing.yaml")             # dangling: skipped
    (app / "dir.yaml").symlink_to("../base")                     # not a regular file
    (app / "more").symlink_to("../base/more")                    # symlinked folder: not entered
    found = rel(app, directory_files(str(app), {"recurse": True}, repo_root=str(repo)))
    assert found == ["a.yaml", "shared.yaml"]
    # without repo_root the app folder is the boundary
    assert rel(app, directory_files(str(app), {"recurse": True})) == ["a.yaml"]
    assert out_of_bounds_symlinks(str(repo)) == ["app/secret.yaml"]


def test_out_of_bounds_symlinks(tmp_path: Path) -> None:
    repo = tree(tmp_path / "repo", {"a/x.yaml": ""})
    (repo / "a" / "abs.yaml").symlink_to(repo / "a" / "x.yaml")     # absolute, even inside: refused
    (repo / "a" / "ok.yaml").symlink_to("x.yaml")
    (repo / "a" / "up").symlink_to("../a")
    (repo / "a" / "detour.yaml").symlink_to("../../repo/a/x.yaml")  # leaves the root on the way
    (repo / "a" / "gone").symlink_to("../../elsewhere")
    assert out_of_bounds_symlinks(str(repo)) == ["a/abs.yaml", "a/detour.yaml", "a/gone"]


def test_missing_folder(tmp_path: Path) -> None:
    assert directory_files(str(tmp_path / "nope"), None) == []
