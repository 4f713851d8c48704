"""argocd-path-missing: an Application's source path does not exist in this repository.

An Application (or an ApplicationSet's template) deploys a folder of this repository that is not
there: renamed, moved, misspelt, or outside the repository (an absolute path or one escaping it
with ``..``).  Argo CD reports ``ComparisonError: ... app path does not exist`` and syncs nothing:
the component silently stops being managed.  The finding is on the ``path:`` line.

Needs the app-of-apps graph: reported when ``gitops-gen check`` is given the repository folder
and knows the repository's URL (``repo-urls`` in ``.gitops-gen.yaml``, else its git remote).

Options: none.

PASS (``apps/kserve/`` exists)::

    spec:
      source: {repoURL: https://github.com/org/gitops.git, targetRevision: main, path: apps/kserve}

FAIL (the folder was renamed to ``apps/serving/``)::

    spec:
      source: {repoURL: https://github.com/org/gitops.git, targetRevision: main, path: apps/kserve}   # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-path-missing"
SEVERITY = Severity.ERROR
CATEGORY = "argocd"
DESCRIPTION = "An Application's source path does not exist in this repository."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
