"""Whether a folder's git repository may have remotes, without importing gitpython.

A check of a repository folder resolves the Argo CD graph only when it knows the repository's
URLs (``repo-urls``, else the git remotes, :func:`gitops_gen.argocd.resolve.git_remote_urls`);
asking gitpython costs its import (tens of milliseconds, a good part of a fully cached check).
:func:`may_have_remotes` answers the common cases from the files alone and is conservative: when
it says False, the remotes are surely none.
"""

from __future__ import annotations

import os


def may_have_remotes(folder: str) -> bool:
    """False only when the git repository holding ``folder`` surely has no remote (so
    :func:`~gitops_gen.argocd.resolve.git_remote_urls` would find none), decided without importing
    gitpython: no ``.git`` above it, or a plain ``.git`` folder whose configuration, like the
    user's and the system's, never says ``remote`` nor includes another file.  True whenever
    anything is unusual (``GIT_*`` configuration in the environment, a linked work tree or
    submodule, a bare repository, an unreadable file)."""
    if any(name.startswith(("GIT_DIR", "GIT_CONFIG", "GIT_COMMON_DIR")) for name in os.environ):
        return True
    here = os.path.abspath(folder)
    while True:
        dotgit = os.path.join(here, ".git")
        if os.path.lexists(dotgit):
            if os.path.islink(dotgit) or not os.path.isdir(dotgit):
                return True
            break
        if os.path.isfile(os.path.join(here, "HEAD")) and os.path.isdir(os.path.join(here, "objects")):
            return True  # a git folder itself
        parent = os.path.dirname(here)
        if parent == here:
            return False  # not in a repository: no remote
        here = parent
    home = os.path.expanduser("~")
    xdg = os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    for config in (os.path.join(dotgit, "config"), os.path.join(home, ".gitconfig"), os.path.join(xdg, "git", "config"),
                   "/etc/gitconfig"):
        try:
            with open(config, "rb") as handle:
                text = handle.read().lower()
        except FileNotFoundError:
            continue
        except OSError:
            return True
        if b"remote" in text or b"include" in text:
            return True
    return False
