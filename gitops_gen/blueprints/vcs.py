"""git for blueprints: making a rendered folder a repository, and the plumbing updates merge with.

The first commit of a render:

The author and committer are the user's own (``GIT_AUTHOR_*`` / ``GIT_COMMITTER_*`` variables,
then ``user.name`` / ``user.email`` from git config), else a fixed ``gitops-gen
<gitops-gen@localhost>`` so the commit never fails for want of an identity.  No git hook runs and
nothing is signed: the commit is the tool's, made in a folder nobody has seen yet.

:class:`Git` runs the commands ``gitops-gen update`` needs (one process each, ``LC_ALL=C``): it
writes commits of a rendered folder into a repository's object store without touching its
index, work tree or refs, and computes three-way merges with ``git merge-tree --write-tree``.
"""

from __future__ import annotations

from gitops_gen.records import record

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_gen.errors import BlueprintError, RepositoryError

FALLBACK_NAME = "gitops-gen"
FALLBACK_EMAIL = "gitops-gen@localhost"
DEFAULT_BRANCH = "main"


def _git() -> Any:
    try:
        import git
    except ImportError as exc:  # GitPython raises ImportError when no git executable is found
        raise BlueprintError(f"git is needed to make the repository ({exc}); render without git "
                             "(--no-git) or install git") from None
    return git


def _config(repo: Any, key: str) -> str | None:
    try:
        value = repo.git.config("--get", key)
    except Exception:  # GitCommandError: not set
        return None
    return str(value).strip() or None


def branch_name(candidate: object) -> str:
    """``candidate`` when it is a valid branch name, else ``main``."""
    if not isinstance(candidate, str) or not candidate or candidate == "HEAD":
        return DEFAULT_BRANCH
    git = _git()
    try:
        git.Git().check_ref_format("--branch", candidate)
    except Exception:
        return DEFAULT_BRANCH
    return candidate


def init_repository(path: Path, message: str, branch: str = DEFAULT_BRANCH) -> str:
    """``git init`` + add everything + one commit; returns the commit id."""
    git = _git()
    try:
        repo = git.Repo.init(path, initial_branch=branch)
        name = os.environ.get("GIT_AUTHOR_NAME") or _config(repo, "user.name") or FALLBACK_NAME
        email = os.environ.get("GIT_AUTHOR_EMAIL") or _config(repo, "user.email") or FALLBACK_EMAIL
        env = {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME") or name,
            "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL") or email,
        }
        repo.git.set_persistent_git_options(c=f"core.hooksPath={os.devnull}")
        repo.git.add("--all", "--", ".")
        repo.git.commit("--no-verify", "--no-gpg-sign", "--quiet", "-m", message, env=env)
        return str(repo.head.commit.hexsha)
    except git.GitError as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise BlueprintError(f"git failed: {str(detail).strip()}") from None


# -- plumbing for updates: one git process per call, never gitpython's state -------------------


def _executable() -> str:
    found = shutil.which("git")
    if found is None:
        raise RepositoryError("git is not installed (gitops-gen update merges with git)")
    return found


@record
class MergeEntry:
    """One conflicted path of a merge: the stages git holds for it (1 base, 2 yours, 3 the blueprint's)."""

    path: str
    stages: tuple[int, ...]


@record
class TreeMerge:
    """What ``git merge-tree --write-tree`` computed: the result tree (conflicted files with their
    markers in it), the conflicted paths, and git's messages (type, paths, text)."""

    tree: str
    conflicts: tuple[MergeEntry, ...]
    messages: tuple[tuple[str, tuple[str, ...], str], ...]


class Git:
    """git commands in one repository; a failure is a :class:`RepositoryError` carrying git's words.

    Hooks never run (``core.hooksPath`` is empty) and nothing is signed: these are the tool's commits.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.executable = _executable()

    def run(self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None,
            ok: tuple[int, ...] = (0,), cwd: Path | None = None) -> subprocess.CompletedProcess[bytes]:
        command = [self.executable, "-c", f"core.hooksPath={os.devnull}", "-c", "commit.gpgSign=false",
                   "-c", "core.quotePath=false", *args]
        full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}
        try:
            proc = subprocess.run(command, cwd=cwd or self.root, input=input, capture_output=True, env=full_env,
                                  check=False)
        except OSError as exc:
            raise RepositoryError(f"git could not run: {exc.strerror or exc}") from None
        if proc.returncode not in ok:
            detail = (proc.stderr or proc.stdout).decode("utf-8", "replace").strip()
            raise RepositoryError(f"git {args[0]} failed: {detail}", file=str(self.root))
        return proc

    def out(self, *args: str, **kwargs: Any) -> str:
        return self.run(*args, **kwargs).stdout.decode("utf-8", "surrogateescape").strip()

    def try_out(self, *args: str) -> str | None:
        proc = self.run(*args, ok=(0, 1, 128))
        return proc.stdout.decode("utf-8", "surrogateescape").strip() if proc.returncode == 0 else None

    # -- reading --------------------------------------------------------------------------

    def toplevel(self) -> Path | None:
        top = self.try_out("rev-parse", "--show-toplevel")
        return Path(top) if top else None

    def rev(self, rev: str) -> str | None:
        return self.try_out("rev-parse", "--verify", "--quiet", "--end-of-options", rev)

    def blob(self, rev: str, path: str) -> bytes | None:
        oid = self.rev(f"{rev}:{path}")
        return self.run("cat-file", "blob", oid).stdout if oid else None

    def status(self) -> list[str]:
        """``git status --porcelain`` lines: changed, staged and untracked files (not ignored ones)."""
        text = self.run("status", "--porcelain=v1", "--untracked-files=all").stdout.decode("utf-8", "replace")
        return [line for line in text.splitlines() if line.strip()]

    def git_path(self, name: str) -> Path:
        return self.root / self.out("rev-parse", "--git-path", name)

    def operation_in_progress(self) -> str | None:
        """The git operation a previous command left unfinished (``a merge``...), or None."""
        for name, what in (("MERGE_HEAD", "a merge"), ("CHERRY_PICK_HEAD", "a cherry-pick"),
                           ("REVERT_HEAD", "a revert"), ("rebase-merge", "a rebase"), ("rebase-apply", "a rebase")):
            if self.git_path(name).exists():
                return what
        return None

    def current_branch(self) -> str | None:
        return self.try_out("symbolic-ref", "--quiet", "--short", "HEAD")

    def valid_branch_name(self, name: str) -> bool:
        return self.run("check-ref-format", "--branch", name, ok=(0, 1, 128)).returncode == 0

    def diff_names(self, old: str, new: str) -> list[tuple[str, str]]:
        """``(status, path)`` of every file that differs between two trees (A, D, M; no rename pairing)."""
        raw = self.run("diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new).stdout.decode("utf-8")
        parts = raw.split("\0")
        return [(parts[i][:1], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]

    def changed_paths(self, old: str, new: str, *, renames: bool = False) -> dict[str, str]:
        """path -> status (A, D, M, T; R for both ends of a rename with ``renames``) between two trees."""
        args = ["diff-tree", "-r", "-z", "--name-status", "-M" if renames else "--no-renames", old, new]
        parts = self.run(*args).stdout.decode("utf-8", "surrogateescape").split("\0")
        out: dict[str, str] = {}
        i = 0
        while i < len(parts) - 1:
            status = parts[i][:1]
            count = 2 if status in "RC" else 1
            for path in parts[i + 1:i + 1 + count]:
                out[path] = status
            i += 1 + count
        return out

    def blobs(self, specs: list[str]) -> dict[str, bytes]:
        """``rev:path`` (or an object id) -> content for each spec that names a blob (one ``cat-file
        --batch``)."""
        if not specs:
            return {}
        data = self.run("cat-file", "--batch", input="".join(f"{s}\n" for s in specs).encode()).stdout
        out: dict[str, bytes] = {}
        pos = 0
        for spec in specs:
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            pos = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                out[spec] = data[pos:pos + size]
                pos += size + 1
        return out

    # -- writing objects (no ref, no work tree changes) --------------------------------------

    def folder_tree(self, folder: Path) -> str:
        """A tree of ``folder``'s files (as ``git add --all`` sees them) written into this repository's
        object store; the repository's index, work tree and refs are not touched."""
        git_dir = self.out("rev-parse", "--absolute-git-dir")
        with tempfile.TemporaryDirectory(prefix="gitops-gen-index.") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.run(f"--git-dir={git_dir}", f"--work-tree={folder}", "add", "--all", "--", ".",
                     env=env, cwd=folder)
            return self.out(f"--git-dir={git_dir}", "write-tree", env=env, cwd=folder)

    def commit_tree(self, tree: str, message: str, parents: list[str]) -> str:
        args = [arg for parent in parents for arg in ("-p", parent)]
        return self.out("commit-tree", tree, *args, input=message.encode("utf-8"), env=identity(self))

    def merge(self, base_tree: str, ours_tree: str, theirs_tree: str) -> TreeMerge:
        """The three-way merge of two trees from ``base_tree``, computed by ``git merge-tree`` on
        throwaway commits (so the base is exactly ``base_tree``, whatever the history says)."""
        base = self.commit_tree(base_tree, "base", [])
        ours = self.commit_tree(ours_tree, "yours", [base])
        theirs = self.commit_tree(theirs_tree, "blueprint", [base])
        proc = self.run("merge-tree", "--write-tree", "-z", "--messages", ours, theirs, ok=(0, 1))
        fields = proc.stdout.decode("utf-8", "surrogateescape").split("\0")
        tree, rest = fields[0], fields[1:]
        stages: dict[str, list[int]] = {}
        while rest and rest[0]:
            info, _, path = rest.pop(0).partition("\t")
            stages.setdefault(path, []).append(int(info.split()[2]))
        rest = rest[1:]
        messages = []
        while len(rest) >= 3 and rest[0].isdigit():
            count = int(rest[0])
            paths = tuple(rest[1:1 + count])
            kind, text = rest[1 + count], rest[2 + count]
            messages.append((kind, paths, text.strip()))
            rest = rest[3 + count:]
        conflicts = tuple(MergeEntry(path, tuple(sorted(s))) for path, s in stages.items())
        return TreeMerge(tree, conflicts, tuple(messages))

    def tree_without(self, tree: str, paths: list[str]) -> str:
        """``tree`` with ``paths`` removed."""
        with tempfile.TemporaryDirectory(prefix="gitops-gen-index.") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.run("read-tree", tree, env=env)
            self.run("update-index", "--force-remove", "-z", "--stdin", input="\0".join(paths).encode() + b"\0",
                     env=env)
            return self.out("write-tree", env=env)


def identity(git: Git) -> dict[str, str]:
    """The author and committer: the user's own, else gitops-gen's fallback."""
    name = os.environ.get("GIT_AUTHOR_NAME") or git.try_out("config", "--get", "user.name") or FALLBACK_NAME
    email = os.environ.get("GIT_AUTHOR_EMAIL") or git.try_out("config", "--get", "user.email") or FALLBACK_EMAIL
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME") or name,
            "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL") or email}
