"""may_have_remotes: False only where gitpython would find no remote URL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gitops_gen.argocd.resolve import git_remote_urls
from gitops_gen.gitremotes import may_have_remotes


@pytest.fixture()
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user without git configuration, and no GIT_* variables."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder / ".config"))
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_CONFIG", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_COUNT"):
        monkeypatch.delenv(name, raising=False)
    return folder


def _system_config_says_nothing() -> bool:
    try:
        text = Path("/etc/gitconfig").read_bytes().lower()
    except OSError:
        return True
    return b"remote" not in text and b"include" not in text


def _repo(path: Path) -> Path:
    (path / "apps").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path / "apps"


def test_a_repository_without_remotes(tmp_path: Path, home: Path) -> None:
    folder = _repo(tmp_path / "repo")
    assert git_remote_urls(str(folder)) == []
    if _system_config_says_nothing():
        assert may_have_remotes(str(folder)) is False


def test_a_repository_with_a_remote(tmp_path: Path, home: Path) -> None:
    folder = _repo(tmp_path / "repo")
    subprocess.run(["git", "-C", str(folder), "remote", "add", "origin", "https://example.com/a.git"], check=True)
    assert may_have_remotes(str(folder)) is True
    assert git_remote_urls(str(folder)) == ["https://example.com/a.git"]


def test_an_included_configuration_or_git_variables_are_not_guessed(tmp_path: Path, home: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _repo(tmp_path / "repo")
    (home / ".gitconfig").write_text("[include]\n\tpath = elsewhere\n")
    assert may_have_remotes(str(folder)) is True
    (home / ".gitconfig").unlink()
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "repo" / ".git"))
    assert may_have_remotes(str(folder)) is True


def test_a_linked_work_tree_is_not_guessed(tmp_path: Path, home: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / ".git").write_text("gitdir: /somewhere/else\n")
    assert may_have_remotes(str(tmp_path / "tree")) is True
