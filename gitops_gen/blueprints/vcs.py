"""Making a rendered folder a git repository with one initial commit.

The author and committer are the user's own (``GIT_AUTHOR_*`` / ``GIT_COMMITTER_*`` variables,
then ``user.name`` / ``user.email`` from git config), else a fixed ``gitops-gen
<gitops-gen@localhost>`` so the commit never fails for want of an identity.  No git hook runs and
nothing is signed: the commit is the tool's, made in a folder nobody has seen yet.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from gitops_gen.errors import BlueprintError

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
