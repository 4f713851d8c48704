"""Git refs for the pull-request gate: which repository, which commits, and their trees on disk.

The tree at a ref is written to a temporary folder with ``git archive`` (files as committed,
symlinks kept as links, nothing executed), so every check reads a whole tree: tree rules,
kustomize builds and the Argo CD graph need all of it, not a diff.  Errors say what to fetch:
a ref missing from a shallow CI clone is the common case.
"""

from __future__ import annotations

import io
import os
import stat
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
    """Write the files of commit ``sha`` into ``dest``; the checked path inside it.

    A file whose bytes are those of the working tree's file at the same path is a hard link to
    that file rather than a new one (creating thousands of files is most of the cost of writing
    a tree on many file systems; a link costs a few microseconds).  The bytes are compared, so
    the tree is exactly the commit's either way; where links cannot be made (another file
    system), files are written."""
    import git

    try:
        data = checkout.repo.git.archive(sha, format="tar", stdout_as_string=False)
    except git.GitCommandError as exc:
        hint = ("; this is a shallow clone that does not hold it: fetch more history with `git fetch "
                "--depth=100 origin` (or check out with fetch-depth: 0)") if _shallow(checkout.repo) else ""
        raise UsageError(f"cannot read commit {sha[:12]}: {exc.stderr.strip() or exc}{hint}") from None
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        rest: list[tarfile.TarInfo] = []
        linking, made = True, set[str]()
        for member in archive:
            if linking and member.isreg():
                linked = _link(archive, member, dest, checkout.root, made)
                if linked:
                    continue
                linking = linked is not None
            rest.append(member)
        archive.extractall(dest, members=rest, filter=_safe)
    return os.path.join(dest, checkout.rel) if checkout.rel else dest


def _link(archive: tarfile.TarFile, member: tarfile.TarInfo, dest: str, worktree: str, made: set[str]
          ) -> bool | None:
    """Hard-link the working tree's file for ``member`` into ``dest`` when its bytes are the
    member's: True when linked, False when not (the member is extracted as usual), None when
    links cannot be made here at all.  ``made``: the folders made so far."""
    name = member.name
    if not _plain(name):  # (a plain name in a folder holding no symlink yet: what the filter passes as it is)
        safe = _safe(member, dest)
        if safe is None:
            return False
        name = safe.name
    source = os.path.join(worktree, name)
    try:
        found = os.lstat(source)
        if not stat.S_ISREG(found.st_mode) or found.st_size != member.size:
            return False
        with open(source, "rb") as handle:
            mine = handle.read()
    except OSError:
        return False
    content = archive.extractfile(member)
    if content is None or content.read() != mine:
        return False
    target = os.path.join(dest, name)
    folder = os.path.dirname(target)
    try:
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        os.link(source, target)
    except OSError:
        return None
    return True


def _plain(name: str) -> bool:
    """A relative path of plain names ('/'-separated; no empty, ``.`` or ``..`` part)."""
    if os.path.isabs(name) or (os.sep != "/" and os.sep in name) or (os.altsep and os.altsep in name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def _safe(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
    """tarfile's "data" filter (no absolute paths, no links out of ``dest``, no devices), skipping
    what it refuses rather than failing: a symlink out of the repository is not read anyway."""
    try:
        return tarfile.data_filter(member, dest)
    except tarfile.FilterError:
        return None
