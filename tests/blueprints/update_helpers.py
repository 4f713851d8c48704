"""Helpers of the `gitops-gen update` tests: real git repositories, the user's commits, the
repository's whole state (to prove that a refusal or a failure changed nothing), newer blueprints."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import git
import pytest
from bp_helpers import snapshot
from click.testing import CliRunner

from gitops_gen.cli import main

USER = {"GIT_AUTHOR_NAME": "Ada User", "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada User", "GIT_COMMITTER_EMAIL": "ada@example.com"}


def isolate_git(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """The tests' git reads no user or system configuration (a merge.conflictStyle would change
    the markers) and commits as one user."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "gitconfig").write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in USER.items():
        monkeypatch.setenv(key, value)


def copy_repo(source: Path, dest: Path) -> Path:
    """A copy of a repository with everything in .git (hidden refs included, unlike a clone)."""
    shutil.copytree(source, dest, symlinks=True)
    return dest


def commit_all(repo: Path, message: str = "my edits") -> str:
    r = git.Repo(repo)
    r.git.add("--all")
    r.git.commit("--quiet", "--no-verify", "-m", message)
    return str(r.head.commit.hexsha)


def state(repo: Path) -> tuple[str, str, str, dict[str, tuple[str, bytes, int]], bool]:
    """Everything an update could change: refs, HEAD, status, the work tree, a cherry-pick under way."""
    r = git.Repo(repo)
    refs = r.git.for_each_ref("--format=%(refname) %(objectname)")
    head = r.git.rev_parse("--symbolic-full-name", "HEAD")
    return (refs, head, r.git.status("--porcelain"), snapshot(repo), (Path(r.git_dir) / "CHERRY_PICK_HEAD").exists())


def show(repo: Path, rev: str, path: str) -> str | None:
    r = git.Repo(repo)
    try:
        return str(r.git.show(f"{rev}:{path}", strip_newline_in_stdout=False))
    except git.GitCommandError:
        return None


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def newer_blueprint(source: Path, dest: Path, version: str, edits: dict[str, tuple[str, str]]) -> Path:
    """A copy of the blueprint at ``source`` with another version and template files edited
    (relative path -> (old text, new text)); removing a file: new text None is not supported, use ''."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("__pycache__"))
    options_file = dest / "cookiecutter.json"
    options = json.loads(options_file.read_text())
    options["_blueprint_version"] = version
    options_file.write_text(json.dumps(options, indent=2))
    meta = dest / "blueprint.yaml"
    meta.write_text("\n".join(f"version: {version}" if line.startswith("version:") else line
                              for line in meta.read_text().splitlines()) + "\n")
    template = next(p for p in dest.iterdir() if p.name.startswith("{{"))
    for rel, (old, new) in edits.items():
        path = template / rel
        text = path.read_text()
        assert old in text, f"{old!r} not in {rel}"
        path.write_text(text.replace(old, new))
    return dest
