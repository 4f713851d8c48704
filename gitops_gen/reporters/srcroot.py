"""Where SARIF artifact URIs are anchored: the git work tree that holds the checked path.

GitHub code scanning matches a result to a file by its path relative to the repository root,
so a finding's file (the path as the user typed it, relative to the current directory) is
turned into a URI relative to the git work tree root above the checked path, against
``%SRCROOT%``; the log's ``originalUriBaseIds`` says what ``%SRCROOT%`` is (a ``file://`` URI
ending in ``/``, as SARIF 2.1.0 §3.14.14 requires).  Outside a git work tree the root is the
current directory.  The root is found by walking up for ``.git`` (a folder, or the file a
linked work tree or submodule has); no git process is run.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from gitops_gen.records import record
from gitops_gen.reporters._common import slash_path

SRCROOT = "%SRCROOT%"
#: The name findings from standard input carry (``gitops-gen check -``).
STDIN = "<stdin>"
_WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:/")


def file_uri(path: str, *, folder: bool = False) -> str:
    """A ``file://`` URI for an absolute path (POSIX or Windows), percent-encoded."""
    path = slash_path(path)
    if folder and not path.endswith("/"):
        path += "/"
    if _WINDOWS_ABSOLUTE.match(path):
        return "file:///" + path[:2] + quote(path[2:])
    return "file://" + quote(path)


def relative_uri(path: str) -> str:
    """A relative reference for a path: forward slashes, no ``./``, everything else encoded.

    ``:`` is encoded too, so a first segment can never be read as a URI scheme.
    """
    return quote(slash_path(path).removeprefix("./"))


def stdin_location() -> dict[str, Any]:
    """Standard input has no file: a relative reference that names it, with no base to resolve
    against, and a description.  (An absolute URI of another scheme could make GitHub reject
    the upload, since it requires absolute URIs to share the scheme of the checkout root.)"""
    return {"uri": relative_uri(STDIN), "description": {"text": "standard input"}}


def find_git_root(start: str) -> str | None:
    """The nearest folder at or above ``start`` (absolute) that holds ``.git``, or ``None``."""
    folder = start if os.path.isdir(start) else os.path.dirname(start)
    while True:
        if os.path.lexists(os.path.join(folder, ".git")):
            return folder
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


@record
class SourceRoot:
    """``root``: the absolute folder ``%SRCROOT%`` stands for; ``cwd``: the absolute folder that
    finding paths are relative to; ``git``: whether ``root`` is a git work tree root."""

    root: str
    cwd: str
    git: bool

    def base_ids(self) -> dict[str, Any]:
        """The run's ``originalUriBaseIds``."""
        what = "the git work tree that holds" if self.git else "the current directory (no git work tree above)"
        return {SRCROOT: {"uri": file_uri(self.root, folder=True),
                          "description": {"text": f"The root of {what} the checked path."}}}

    def location(self, file: str) -> dict[str, Any]:
        """The ``artifactLocation`` of a finding's file."""
        if file == STDIN:
            return stdin_location()
        absolute = os.path.normpath(os.path.join(self.cwd, file))
        try:
            relative = os.path.relpath(absolute, self.root)
        except ValueError:  # another drive (Windows)
            return {"uri": file_uri(absolute)}
        if relative == os.pardir or relative.startswith(os.pardir + os.sep):
            return {"uri": file_uri(absolute)}  # outside the root: GitHub keeps it absolute
        return {"uri": relative_uri(relative), "uriBaseId": SRCROOT}


def find_source_root(paths: Iterable[str], cwd: str | None = None) -> SourceRoot:
    """The source root for a run over ``paths``: the git work tree root above the first real
    path (the current directory's for standard input alone), else the current directory."""
    cwd = os.path.abspath(cwd or os.getcwd())
    first = next((p for p in paths if p != "-"), None)
    start = os.path.normpath(os.path.join(cwd, first)) if first is not None else cwd
    root = find_git_root(start)
    return SourceRoot(root or cwd, cwd, root is not None)


_SERVER = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~-]+)*")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
_COMMIT = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")


@record
class LineLinks:
    """Links to a line of a file of a hosted repository at one commit, for the Markdown report:
    ``{blob}/{path relative to the source root}#L{line}``, e.g.
    ``https://github.com/org/repo/blob/<sha>/apps/web.yaml#L12``."""

    blob: str
    source_root: SourceRoot

    @classmethod
    def from_github_env(cls, environ: Mapping[str, str], source_root: SourceRoot) -> LineLinks | None:
        """From GitHub Actions' ``GITHUB_SERVER_URL``, ``GITHUB_REPOSITORY`` and ``GITHUB_SHA`` (the
        commit checked out, so the lines match); None unless all three are set and well formed."""
        server = environ.get("GITHUB_SERVER_URL", "").rstrip("/")
        repository = environ.get("GITHUB_REPOSITORY", "")
        sha = environ.get("GITHUB_SHA", "").lower()
        if not (_SERVER.fullmatch(server) and _REPOSITORY.fullmatch(repository) and _COMMIT.fullmatch(sha)):
            return None
        return cls(f"{server}/{repository}/blob/{sha}", source_root)

    def url(self, file: str, line: int) -> str | None:
        """The link to ``file`` (a finding's path) at ``line``; None for a file outside the root."""
        location = self.source_root.location(file)
        if location.get("uriBaseId") != SRCROOT:
            return None
        return f"{self.blob}/{location['uri']}" + (f"#L{line}" if line > 0 else "")
