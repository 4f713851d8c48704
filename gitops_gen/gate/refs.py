"""Git refs for the pull-request gate: which repository, which commits, and their trees on disk.

The tree at a ref is written to a temporary folder with ``git archive`` (files as committed,
symlinks kept as links, nothing executed), so every check reads a whole tree: tree rules,
kustomize builds and the Argo CD graph need all of it, not a diff.  Errors say what to fetch:
a ref missing from a shallow CI clone is the common case.
"""

from __future__ import annotations

import io
import os
import tarfile
from dataclasses import dataclass
from typing import Any

from gitops_gen.errors import UsageError


@dataclass(frozen=True, slots=True)
class Checkout:
    """A repository and where the checked path lies in it."""

    repo: Any  # git.Repo
    root: str  # the working tree's top folder
    rel: str   # the checked path relative to it ("" for the top)


def open_repository(path: str) -> Checkout:
    """The git repository holding ``path``; :class:`UsageError` outside one."""
    import git

    absolute = os.path.abspath(path)
    try:
        repo = git.Repo(absolute, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise UsageError(f"{path} is not inside a git repository: --base compares two commits of one "
                         "(clone the repository, or check without --base)") from None
    root = os.path.realpath(repo.working_tree_dir or absolute)
    rel = os.path.relpath(os.path.realpath(absolute), root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        raise UsageError(f"{path} is outside the repository at {root}")
    return Checkout(repo, root, "" if rel == "." else rel)


def _shallow(repo: Any) -> bool:
    return os.path.exists(os.path.join(repo.git_dir, "shallow"))


def resolve(checkout: Checkout, ref: str) -> str:
    """The commit SHA ``ref`` names; :class:`UsageError` saying what to fetch when it is missing."""
    import git

    try:
        return str(checkout.repo.commit(ref).hexsha)
    except (git.BadName, git.BadObject, ValueError, git.GitCommandError):
        branch = ref.split("/", 1)[1] if ref.startswith("origin/") else ref
        hint = (f"this is a shallow clone: fetch the base with `git fetch --depth=100 origin {branch}` "
                "(or check out with fetch-depth: 0)") if _shallow(checkout.repo) else \
            f"fetch it first: `git fetch origin {branch}`"
        raise UsageError(f"git ref {ref!r} does not exist in {checkout.root}; {hint}") from None


def write_tree(checkout: Checkout, sha: str, dest: str) -> str:
    """Write the files of commit ``sha`` into ``dest``; the checked path inside it."""
    import git

    try:
        data = checkout.repo.git.archive(sha, format="tar", stdout_as_string=False)
    except git.GitCommandError as exc:
        hint = ("; this is a shallow clone that does not hold it: fetch more history with `git fetch "
                "--depth=100 origin` (or check out with fetch-depth: 0)") if _shallow(checkout.repo) else ""
        raise UsageError(f"cannot read commit {sha[:12]}: {exc.stderr.strip() or exc}{hint}") from None
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(dest, filter=_safe)
    return os.path.join(dest, checkout.rel) if checkout.rel else dest


def _safe(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's "data" filter (no absolute paths, no links out of ``dest``, no devices), skipping
    what it refuses rather than failing: a symlink out of the repository is not read anyway."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None
