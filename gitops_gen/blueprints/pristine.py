"""Pristine renders: the blueprint's output exactly as rendered, kept as commits on a hidden ref.

``refs/gitops-gen/pristine`` holds one commit per render (``gitops-gen new``'s first commit, then
one per ``gitops-gen update``), each a child of the render it replaced.  It is the merge base of
the next update: the commit whose ``.gitops-gen/answers.yaml`` is byte for byte the one the user's
branch holds.  A hidden ref is not pushed or fetched by default, so a fresh clone has none: then
the recorded version is rendered again (:mod:`gitops_gen.blueprints.update`).
"""

from __future__ import annotations

from pathlib import Path

from gitops_gen.blueprints.answers import ANSWERS_FILE
from gitops_gen.blueprints.vcs import Git

PRISTINE_REF = "refs/gitops-gen/pristine"
#: how far back the pristine history is searched for the user's answers
MAX_HISTORY = 1000


def record_first_render(project: Path) -> None:
    """After ``new``'s first commit: that commit is the pristine render."""
    git = Git(project)
    git.run("update-ref", PRISTINE_REF, "HEAD")


def untouched_render(folder: Path) -> bool:
    """``folder`` is a repository exactly as ``gitops-gen new`` made it: one commit, the pristine
    render, one branch, no other ref, nothing changed, untracked or ignored.  Replacing it loses
    nothing of anyone's."""
    git = Git(folder)
    if git.toplevel() is None or git.toplevel() != folder.resolve():
        return False
    head = git.rev("HEAD^{commit}")
    if head is None or head != tip(git) or git.rev(f"{head}^") is not None:
        return False
    refs = git.out("for-each-ref", "--format=%(refname)").split()
    if len(refs) != 2 or PRISTINE_REF not in refs:
        return False
    return not git.out("status", "--porcelain", "--ignored", "--untracked-files=all")


def tip(git: Git) -> str | None:
    return git.rev(f"{PRISTINE_REF}^{{commit}}")


def find(git: Git, answers_blob: str) -> str | None:
    """The newest pristine commit whose answers file is ``answers_blob``, or None."""
    if tip(git) is None:
        return None
    commits = git.out("rev-list", f"--max-count={MAX_HISTORY}", PRISTINE_REF).split()
    if not commits:
        return None
    query = "".join(f"{c}:{ANSWERS_FILE}\n" for c in commits).encode()
    lines = git.run("cat-file", "--batch-check=%(objectname)", input=query).stdout.decode().splitlines()
    for commit, line in zip(commits, lines, strict=False):
        if line.strip() == answers_blob:
            return commit
    return None


def advance(git: Git, commit: str, expected: str | None) -> None:
    """Move the pristine ref to ``commit`` (only if it still is ``expected``)."""
    git.run("update-ref", "-m", "gitops-gen update", PRISTINE_REF, commit, expected or "")


def restore(git: Git, previous: str | None) -> None:
    if previous is None:
        git.run("update-ref", "-d", PRISTINE_REF, ok=(0, 1))
    else:
        git.run("update-ref", PRISTINE_REF, previous)
