"""Repository URLs as Argo CD compares them, and as the same physical repository.

Argo CD (``util/git/git.go``: ``NormalizeGitURL``, ``SameURL``) lower-cases and trims a URL,
rewrites an scp-like SSH address ``git@host:org/repo`` to ``git@host/org/repo`` (the first
``:`` becomes ``/``), drops one trailing ``.git`` and the ``ssh://`` prefix, and keeps a
trailing ``/``.  So ``git@host:org/repo.git`` and ``ssh://git@host/org/repo`` are the same
repository to Argo CD, but ``https://host/org/repo`` is a different one, and so is
``https://host/org/repo/``.

:func:`same_content` is looser: it answers "do these URLs name the same repository on the same
server", which is what an offline reader needs to know when it decides whether a source points
into the repository it has on disk.
"""

from __future__ import annotations

import re

# An SSH address: optional "ssh://", a user without "/" or ":", one "@", no further "@".
_SSH_URL = re.compile(r"^(ssh://)?([^/:]*?)@[^@]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_ESCAPE = re.compile(r"%(?![0-9a-fA-F]{2})")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")


def _parses(url: str) -> bool:
    """Whether Go's ``net/url.Parse`` accepts ``url`` (the checks that matter for repository URLs:
    control characters, bad ``%`` escapes, a non-numeric port, a colon in a scheme-less first
    segment)."""
    if _CONTROL.search(url) or _BAD_ESCAPE.search(url.split("#", 1)[0]):
        return False
    scheme = _SCHEME.match(url)
    if scheme is None:
        first = url.split("/", 1)[0]
        return ":" not in first
    rest = url[scheme.end():]
    if not rest.startswith("//"):
        return True
    authority = rest[2:].split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = authority.rsplit("@", 1)[-1]
    if host.startswith("["):
        end = host.find("]")
        if end < 0:
            return False
        port_part = host[end + 1:]
        if port_part and not port_part.startswith(":"):
            return False
        port = port_part[1:]
    elif ":" in host:
        port = host.rsplit(":", 1)[1]
    else:
        return True
    return port == "" or port.isdigit()


def normalize_repo_url(url: str) -> str:
    """Argo CD's normal form of a repository URL (``NormalizeGitURL``); ``""`` when Argo CD
    cannot parse it.

    >>> normalize_repo_url("git@GitHub.com:Org/Repo.git")
    'git@github.com/org/repo'
    >>> normalize_repo_url("https://github.com/org/repo/")
    'https://github.com/org/repo/'

    Go's ``URL.String()`` re-escapes unusual characters (a space becomes ``%20``); that is not
    reproduced, as repository URLs do not carry them.
    """
    repo = url.strip().lower()
    if _SSH_URL.match(repo) and not repo.startswith("ssh://"):
        repo = "ssh://" + repo.replace(":", "/", 1)
    repo = repo.removesuffix(".git")
    if not _parses(repo):
        return ""
    return repo.removeprefix("ssh://")


def _normalize_allow_invalid(url: str) -> str:
    return normalize_repo_url(url) or url


def same_repo(a: str, b: str) -> bool:
    """Argo CD's ``SameURL``: both normal forms (an unparsable URL standing for itself) are
    non-empty and equal.  ``https://`` and SSH forms of one repository are different."""
    left, right = _normalize_allow_invalid(a), _normalize_allow_invalid(b)
    return left != "" and right != "" and left == right


_SCP_LIKE = re.compile(r"^(?:[^@/:]+@)?([^/:]+):(?!//)(.*)$")
_WITH_SCHEME = re.compile(r"^(https?|ssh|git|git\+ssh|ssh\+git)://([^/?#]*)(.*)$")


def _host_and_path(url: str) -> tuple[str, str] | None:
    """``(host, path)`` of a git server URL, lower-cased, without user, port, trailing ``/`` and
    ``.git``; None for anything else (local paths, ``oci://``, Helm repositories are compared
    as :func:`same_repo` does)."""
    text = url.strip().lower()
    with_scheme = _WITH_SCHEME.match(text)
    if with_scheme is not None:
        authority, path = with_scheme.group(2), with_scheme.group(3)
        host = authority.rsplit("@", 1)[-1]
        host = host[: host.find("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
        path = path.split("?", 1)[0].split("#", 1)[0]
    else:
        scp = _SCP_LIKE.match(text)
        if scp is None or "://" in text:
            return None
        host, path = scp.group(1), scp.group(2)
    path = path.strip("/").removesuffix(".git").strip("/")
    if not host or not path:
        return None
    return host, path


def same_content(a: str, b: str) -> bool:
    """Whether two URLs name the same physical repository: :func:`same_repo`, or the same host
    (case-insensitive, user and port ignored) and the same path (case-insensitive, trailing
    ``.git`` and ``/`` ignored) across ``https://``, ``http://``, ``ssh://``, ``git://`` and
    scp-like ``git@host:org/repo`` forms."""
    if same_repo(a, b):
        return True
    left, right = _host_and_path(a), _host_and_path(b)
    return left is not None and left == right
