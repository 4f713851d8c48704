"""Git refs for the pull-request gate: which repository, which commits, and their trees on disk.

The tree at a ref is written to a temporary folder as a checkout would write it (symlinks kept
as links when they stay inside, no hooks run), so every check reads a whole tree: tree rules,
kustomize builds and the Argo CD graph need all of it, not a diff.  Errors say what to fetch:
a ref missing from a shallow CI clone is the common case.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import subprocess

from gitops_gen.errors import UsageError
from gitops_gen.records import record


@record
class Checkout:
    """A repository and where the checked path lies in it."""

    root: str  # the working tree's top folder
    rel: str   # the checked path relative to it ("" for the top)


#: What a git hook exports to name its repository: the repository is the one holding the checked
#: path, found from the folder as a clone would be.
_HOOK_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_INDEX_FILE", "GIT_PREFIX")


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in _HOOK_VARIABLES}


def _git(cwd: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """``git ARGS`` in ``cwd`` (git itself, not gitpython: its import costs more than the calls)."""
    try:
        return subprocess.run(["git", *args], cwd=cwd, env=_env(), capture_output=True, check=False)
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
    """Write the files of commit ``sha`` into ``dest``, as a checkout would; the checked path inside it.

    The commit's files are listed with ``git ls-tree``.  A file whose working-tree copy at the
    same path hashes to the committed blob (the same bytes) is a hard link to that copy rather
    than a new file (creating thousands of files is most of the cost of writing a tree on many
    file systems; a link costs a few microseconds).  The others are written by ``git
    checkout-index`` (the bytes a checkout writes: line-ending and smudge filters applied).  Symlinks
    are kept when they stay inside the tree; submodules are left out.  Where links cannot be
    made (another file system), files are written."""
    listed = _git(checkout.root, "ls-tree", "-r", "-z", "--full-tree", sha)
    if listed.returncode != 0:
        hint = ("; this is a shallow clone that does not hold it: fetch more history with `git fetch "
                "--depth=100 origin` (or check out with fetch-depth: 0)") if _shallow(checkout) else ""
        raise UsageError(f"cannot read commit {sha[:12]}: {_stderr(listed) or 'git ls-tree failed'}{hint}")
    os.makedirs(dest, exist_ok=True)
    tree = _Tree(checkout.root, dest)
    files: list[str] = []
    symlinks: list[tuple[str, str]] = []
    for entry in listed.stdout.split(b"\0"):
        head, _, path = entry.partition(b"\t")
        mode, kind, blob = [*head.split(b" "), b"", b""][:3]
        name = path.decode("utf-8", "surrogateescape")
        if kind != b"blob" or not _plain(name):
            continue  # submodules (commits) have no files in a checkout; git stores no other names
        obj = blob.decode("ascii")
        if mode == b"120000":
            symlinks.append((obj, name))
        elif not tree.link(obj, name):
            files.append(name)
    tree.write(sha, files)
    for obj, name in symlinks:
        tree.symlink(name, os.fsdecode(_blob(checkout.root, obj)))
    return os.path.join(dest, checkout.rel) if checkout.rel else dest


def _blob(root: str, obj: str) -> bytes:
    """The bytes of blob ``obj``."""
    found = _git(root, "cat-file", "blob", obj)
    if found.returncode != 0:
        raise UsageError(f"cannot read {obj} from git: {_stderr(found) or 'git cat-file failed'}")
    return found.stdout


class _Tree:
    """A tree being written into ``dest``, from the repository (and working tree) at ``root``."""

    def __init__(self, root: str, dest: str) -> None:
        self.root, self.dest = root, dest
        self.made: set[str] = {dest}
        self.linking = True  # False once a link could not be made (another file system)

    def _folder_of(self, target: str) -> None:
        folder = os.path.dirname(target)
        if folder not in self.made:
            os.makedirs(folder, exist_ok=True)
            self.made.add(folder)

    def link(self, obj: str, name: str) -> bool:
        """Hard-link the working tree's copy of ``name`` when its bytes are blob ``obj``'s."""
        if not self.linking:
            return False
        source = os.path.join(self.root, name)
        try:
            if not stat.S_ISREG(os.lstat(source).st_mode):
                return False
            with open(source, "rb") as handle:
                mine = handle.read()
        except OSError:
            return False
        digest = hashlib.new("sha1" if len(obj) == 40 else "sha256", b"blob %d\0" % len(mine))
        digest.update(mine)
        if digest.hexdigest() != obj:
            return False
        target = os.path.join(self.dest, name)
        self._folder_of(target)
        try:
            os.link(source, target)
        except OSError:
            self.linking = False
            return False
        return True

    def write(self, sha: str, names: list[str]) -> None:
        """Write the files ``names`` of commit ``sha`` as a checkout writes them (``git
        checkout-index`` from an index of its own, outside ``dest``: filters and modes applied)."""
        if not names:
            return
        index = self.dest.rstrip(os.sep) + ".index"
        env = {**_env(), "GIT_INDEX_FILE": index}
        try:
            for args, given in ((["read-tree", sha], None),
                                (["checkout-index", "-z", "--stdin", f"--prefix={self.dest}{os.sep}"],
                                 b"".join(os.fsencode(name) + b"\0" for name in names))):
                found = subprocess.run(["git", *args], cwd=self.root, env=env, input=given,
                                       capture_output=True, check=False)
                if found.returncode != 0:
                    failed = _stderr(found) or f"git {args[0]} failed"
                    raise UsageError(f"cannot write commit {sha[:12]}: {failed}")
        finally:
            if os.path.exists(index):
                os.remove(index)

    def symlink(self, name: str, pointee: str) -> None:
        """A symlink of the tree, kept only when it stays inside the tree (as tarfile's data filter)."""
        target = os.path.join(self.dest, name)
        if os.path.isabs(pointee):
            return
        self._folder_of(target)
        inside = os.path.realpath(self.dest)
        resolved = os.path.realpath(os.path.join(os.path.dirname(os.path.realpath(target)), pointee))
        if resolved != inside and not resolved.startswith(inside + os.sep):
            return
        with contextlib.suppress(OSError):
            os.symlink(pointee, target)


def _plain(name: str) -> bool:
    """A relative path of plain names ('/'-separated; no empty, ``.`` or ``..`` part)."""
    if os.path.isabs(name) or (os.sep != "/" and os.sep in name) or (os.altsep and os.altsep in name):
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))
