"""Where a blueprint comes from, and getting the recorded version of it back.

A bundled blueprint is part of gitops-gen.  A blueprint folder inside a clean git checkout is
recorded with the checkout's remote URL (when it has one), the commit and the folder's place in
the checkout, so the exact version can be read back from that checkout later (``git archive``, no
network); any other folder is recorded by its path.
"""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from gitops_gen.blueprints.answers import Source
from gitops_gen.blueprints.catalog import BlueprintInfo, load_blueprint
from gitops_gen.blueprints.names import is_bundled
from gitops_gen.blueprints.vcs import Git
from gitops_gen.errors import GitopsGenError


def source_of(bp: BlueprintInfo) -> Source:
    if is_bundled(bp):
        return Source("bundled")
    path = str(bp.path)
    try:
        git = Git(bp.path)
        top = git.toplevel()
        commit = git.rev("HEAD") if top is not None else None
        if top is None or commit is None or git.out("status", "--porcelain", "--", ".", cwd=bp.path):
            return Source("path", path=path)
        url = git.try_out("config", "--get", "remote.origin.url")
        sub = bp.path.resolve().relative_to(top.resolve()).as_posix()
    except (GitopsGenError, ValueError):
        return Source("path", path=path)
    return Source("git", path=path, url=url or None, commit=commit, subdirectory=None if sub == "." else sub)


def recorded_blueprint(source: Source, scratch: Path) -> BlueprintInfo | None:
    """The blueprint at the commit ``source`` records, read from its local checkout into
    ``scratch``; None when the source records no commit or the checkout is gone."""
    if source.kind != "git" or not source.commit or not source.path:
        return None
    checkout = Path(source.path)
    try:
        git = Git(checkout)
        top = git.toplevel()
        if top is None or git.rev(f"{source.commit}^{{commit}}") is None:
            return None
        data = git.run("archive", "--format=tar", source.commit, "--", source.subdirectory or ".", cwd=top).stdout
    except GitopsGenError:
        return None
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        archive.extractall(scratch, filter="data")
    return load_blueprint(scratch / (source.subdirectory or "."))
