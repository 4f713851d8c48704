"""SARIF artifact URIs resolve against the git work tree root, as GitHub code scanning expects."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import git
import jsonschema_rs
import pytest
from reportdata import WEB, finding, single
from sarif_subset import SARIF_SUBSET

from gitops_gen.model import Severity
from gitops_gen.reporters import sarif
from gitops_gen.reporters.srcroot import SRCROOT, SourceRoot, file_uri, find_git_root, find_source_root

VALIDATOR = jsonschema_rs.Draft7Validator(SARIF_SUBSET, validate_formats=True)
RBAC = "teams/vision/platform/rbac.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A real git repository with a manifest three folders down."""
    root = tmp_path / "repo"
    git.Repo.init(root)
    (root / RBAC).parent.mkdir(parents=True)
    (root / RBAC).write_text("kind: Role\n")
    return root


def run_for(file: str, root: SourceRoot) -> dict[str, Any]:
    report = single(finding("rbac-wildcard", Severity.MEDIUM, "m", file, 3, 5, (), WEB))
    log = json.loads(sarif.render(report, tool_version="1.0.0", source_root=root))
    errors = [f"{e.instance_path}: {e.message}" for e in VALIDATOR.iter_errors(log)]
    assert errors == []
    run: dict[str, Any] = log["runs"][0]
    return run


def artifact(run: dict[str, Any]) -> dict[str, Any]:
    location: dict[str, Any] = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    return location


def test_checked_from_a_subfolder_of_the_repository(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "teams")
    root = find_source_root(["vision/platform"])
    assert (root.root, root.cwd, root.git) == (str(repo), str(repo / "teams"), True)
    run = run_for("vision/platform/rbac.yaml", root)  # the path as typed from the current directory
    assert artifact(run) == {"uri": RBAC, "uriBaseId": SRCROOT}
    base = run["originalUriBaseIds"][SRCROOT]
    assert base["uri"] == repo.as_uri() + "/"  # absolute, and ends with a slash (SARIF 3.14.14)
    assert "git work tree" in base["description"]["text"]


def test_checked_from_outside_the_repository(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    root = find_source_root(["repo/teams/vision"])
    assert root.root == str(repo)
    assert artifact(run_for("repo/" + RBAC, root)) == {"uri": RBAC, "uriBaseId": SRCROOT}
    assert artifact(run_for("./repo/teams/../" + RBAC, root)) == {"uri": RBAC, "uriBaseId": SRCROOT}


def test_a_checked_file_and_an_absolute_path(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo.parent)
    root = find_source_root([str(repo / RBAC)])
    assert root.root == str(repo)
    assert artifact(run_for(str(repo / RBAC), root)) == {"uri": RBAC, "uriBaseId": SRCROOT}


def test_without_a_git_root_paths_are_relative_to_the_current_directory(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    plain = tmp_path / "plain"
    (plain / "apps").mkdir(parents=True)
    monkeypatch.chdir(plain)
    root = find_source_root(["apps"])
    if root.git:  # tmp_path itself inside a work tree: nothing to say about the fallback here
        pytest.skip(f"{tmp_path} is inside a git work tree ({root.root})")
    assert (root.root, root.git) == (str(plain), False)
    run = run_for("apps/web.yaml", root)
    assert artifact(run) == {"uri": "apps/web.yaml", "uriBaseId": SRCROOT}
    assert run["originalUriBaseIds"][SRCROOT]["uri"] == plain.as_uri() + "/"
    assert "current directory" in run["originalUriBaseIds"][SRCROOT]["description"]["text"]


def test_a_file_outside_the_root_keeps_an_absolute_uri(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "teams")
    root = find_source_root(["."])
    outside = repo.parent / "elsewhere" / "x.yaml"
    assert artifact(run_for(str(outside), root)) == {"uri": outside.as_uri()}
    assert artifact(run_for("../../elsewhere/x.yaml", root)) == {"uri": outside.as_uri()}


def test_uris_are_percent_encoded(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    odd = repo / "team a#1" / "ünï:x?.yaml"
    odd.parent.mkdir()
    monkeypatch.chdir(odd.parent)
    root = find_source_root(["."])
    assert artifact(run_for("ünï:x?.yaml", root)) == {
        "uri": "team%20a%231/%C3%BCn%C3%AF%3Ax%3F.yaml", "uriBaseId": SRCROOT}


def test_standard_input_is_not_a_file_under_the_root(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "teams")
    root = find_source_root(["-"])
    assert root.root == str(repo)  # standard input alone: the current directory's work tree
    location = artifact(run_for("<stdin>", root))
    assert location == {"uri": "%3Cstdin%3E", "description": {"text": "standard input"}}
    assert artifact(run_for("<stdin>", root)) == sarif.artifact_location("<stdin>")  # with or without a root


def test_a_git_file_marks_a_linked_work_tree(tmp_path: Path) -> None:
    linked = tmp_path / "linked"
    (linked / "sub").mkdir(parents=True)
    (linked / ".git").write_text("gitdir: /somewhere/.git/worktrees/linked\n")
    assert find_git_root(str(linked / "sub" / "missing.yaml")) == str(linked)
    assert find_git_root(str(linked)) == str(linked)


def test_the_nearest_work_tree_wins(repo: Path) -> None:
    inner = repo / "teams" / "vendored"
    git.Repo.init(inner)
    assert find_git_root(str(inner / "x.yaml")) == str(inner)
    assert find_git_root(str(repo / "teams")) == str(repo)


@pytest.mark.parametrize(("path", "folder", "uri"), [
    ("/a b/c", True, "file:///a%20b/c/"), ("/", True, "file:///"), ("/x/y.yaml", False, "file:///x/y.yaml"),
    ("C:\\repo\\x y", True, "file:///C:/repo/x%20y/"),
])
def test_file_uris(path: str, folder: bool, uri: str) -> None:
    assert file_uri(path, folder=folder) == uri
