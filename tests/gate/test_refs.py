"""The gate's trees from git: exactly the commit's files, unchanged ones linked, not copied."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tree_helpers import commit_all

from gitops_gen.errors import UsageError
from gitops_gen.gate.refs import open_repository, resolve, write_tree


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "apps" / "web").mkdir(parents=True)
    (root / "apps" / "web" / "deploy.yaml").write_text("kind: Deployment\n")
    (root / "apps" / "web" / "svc.yaml").write_text("kind: Service\n")
    (root / "README.md").write_text("# demo\n")
    os.symlink("web/svc.yaml", root / "apps" / "link.yaml")
    os.symlink("/etc/passwd", root / "apps" / "outside.yaml")
    commit_all(root, "base")
    return root


def test_the_base_tree_is_the_commit_with_unchanged_files_linked(repo: Path, tmp_path: Path) -> None:
    (repo / "apps" / "web" / "deploy.yaml").write_text("kind: Deployment  # edited\n")
    (repo / "apps" / "new.yaml").write_text("kind: ConfigMap\n")
    (repo / "README.md").unlink()
    checkout = open_repository(str(repo / "apps"))
    assert (checkout.root, checkout.rel) == (os.path.realpath(repo), "apps")
    dest = tmp_path / "base"
    assert write_tree(checkout, resolve(checkout, "HEAD"), str(dest)) == str(dest / "apps")
    assert (dest / "apps" / "web" / "deploy.yaml").read_text() == "kind: Deployment\n"  # the commit's bytes
    assert not (dest / "apps" / "web" / "deploy.yaml").samefile(repo / "apps" / "web" / "deploy.yaml")
    assert (dest / "apps" / "web" / "svc.yaml").samefile(repo / "apps" / "web" / "svc.yaml")  # a link
    assert (dest / "README.md").read_text() == "# demo\n"
    assert not (dest / "apps" / "new.yaml").exists()
    assert os.readlink(dest / "apps" / "link.yaml") == "web/svc.yaml"
    assert not os.path.lexists(dest / "apps" / "outside.yaml")  # a link out of the tree is left out


def test_git_hook_variables_do_not_move_the_repository(repo: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    checkout = open_repository(str(repo / "apps"))
    assert (checkout.root, checkout.rel) == (os.path.realpath(repo), "apps")
    assert len(resolve(checkout, "HEAD")) == 40


@pytest.mark.parametrize("ref", ["nope", "-h", "--output=x", ""])
def test_a_ref_that_is_no_commit_is_a_usage_error(repo: Path, ref: str) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        resolve(open_repository(str(repo)), ref)


def test_a_missing_path_is_outside_any_repository(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not inside a git repository"):
        open_repository(str(tmp_path / "missing"))


def test_the_base_tree_is_what_a_checkout_writes(tmp_path: Path) -> None:
    """Attributes apply as in a checkout (line endings converted), not as in an archive (an
    ``export-ignore`` folder is still there); executable bits and odd names survive; a relative
    symlink climbing out of the tree is left out."""
    root = tmp_path / "repo"
    (root / "legacy").mkdir(parents=True)
    (root / ".gitattributes").write_text("*.yaml text eol=crlf\nlegacy/ export-ignore\n")
    (root / "legacy" / "old.yaml").write_text("kind: Pod\nmetadata: {name: old}\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    (root / "run.sh").chmod(0o755)
    (root / "odd\nname.yaml").write_text("kind: ConfigMap\n")
    os.symlink("../../../etc/passwd", root / "legacy" / "climb.yaml")
    repo = commit_all(root, "base")
    (root / "legacy" / "old.yaml").unlink()
    repo.git.checkout("--", "legacy/old.yaml")  # as a checkout writes it: CRLF
    dest = tmp_path / "base"
    checkout = open_repository(str(root))
    write_tree(checkout, resolve(checkout, "HEAD"), str(dest))
    assert (dest / "legacy" / "old.yaml").read_bytes() == (root / "legacy" / "old.yaml").read_bytes() \
        == b"kind: Pod\r\nmetadata: {name: old}\r\n"
    assert os.access(dest / "run.sh", os.X_OK)
    assert (dest / "odd\nname.yaml").read_bytes() == (root / "odd\nname.yaml").read_bytes()
    assert not os.path.lexists(dest / "legacy" / "climb.yaml")
