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
import subprocess
import tarfile
from dataclasses import dataclass

from gitops_gen.errors import UsageError


@dataclass(frozen=True, slots=True)
class Checkout:
    """A repository and where the checked path lies in it."""

    root: str  # the working tree's top folder
    rel: str   # the checked path relative to it ("" for the top)


#: What a git hook exports to name its repository: the repository is the one holding the checked
#: path, found from the folder as a clone would be.
_HOOK_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_PREFIX")


def _git(cwd: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``cwd`` (git itself, not gitpython: its import costs more than the calls)."""
    env = {k: v for k, v in os.environ.items() if k not in _HOOK_VARIABLES}
    try:
        return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, check=False)
    except OSError as exc:
        raise UsageError(f"--base needs git, which cannot be run here: {exc}") from None


def _stderr(proc: subprocess.CompletedProcess[bytes]) -> str:
    return proc.stderr.decode("utf-8", "replace").strip()


def open_repository(path: str) -> Checkout:
    """The git repository holding ``path``; :class:`UsageError` outside one."""
    absolute = os.path.abspath(path)
    outside = UsageError(f"{path} is not inside a git repository: --base compares two commits of one "
                         "(clone the repository, or check without --base)")
    if not os.path.exists(absolute):
        raise outside
    found = _git(absolute if os.path.isdir(absolute) else os.path.dirname(absolute), "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        message = _stderr(found)
        if not message or "not a git repository" in message:
            raise outside
        raise UsageError(f"git cannot read the repository holding {path}: {message}")
    top = found.stdout.decode("utf-8", "surrogateescape").strip()
    root = os.path.realpath(top or absolute)
    rel = os.path.relpath(os.path.realpath(absolute), root)
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        raise UsageError(f"{path} is outside the repository at {root}")
    return Checkout(root, "" if rel == "." else rel)


def _shallow(checkout: Checkout) -> bool:
    return _git(checkout.root, "rev-parse", "--is-shallow-repository").stdout.strip() == b"true"


def resolve(checkout: Checkout, ref: str) -> str:
    """The commit SHA ``ref`` names; :class:`UsageError` saying what to fetch when it is missing."""
    found = _git(checkout.root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}") \
        if ref and not ref.startswith("-") else None
    if found is not None and found.returncode == 0 and found.stdout.strip():
        return found.stdout.decode("ascii").strip()
    branch = ref.split("/", 1)[1] if ref.startswith("origin/") else ref
    hint = (f"this is a shallow clone: fetch the base with `git fetch --depth=100 origin {branch}` "
            "(or check out with fetch-depth: 0)") if _shallow(checkout) else \
        f"fetch it first: `git fetch origin {branch}`"
    raise UsageError(f"git ref {ref!r} does not exist in {checkout.root}; {hint}")


def write_tree(checkout: Checkout, sha: str, dest: str) -> str:
    """Write the files of commit ``sha`` into ``dest``; the checked path inside it.

    A file whose bytes are those of the working tree's file at the same path is a hard link to
    that file rather than a new one (creating thousands of files is most of the cost of writing
    a tree on many file systems; a link costs a few microseconds).  The bytes are compared, so
    the tree is exactly the commit's either way; where links cannot be made (another file
    system), files are written."""
    archived = _git(checkout.root, "archive", "--format=tar", sha)
    if archived.returncode != 0:
        hint = ("; this is a shallow clone that does not hold it: fetch more history with `git fetch "
                "--depth=100 origin` (or check out with fetch-depth: 0)") if _shallow(checkout) else ""
        raise UsageError(f"cannot read commit {sha[:12]}: {_stderr(archived) or 'git archive failed'}{hint}")
    with tarfile.open(fileobj=io.BytesIO(archived.stdout)) as archive:
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
