"""argocd-source-not-allowed: an Application's repository is not in its project's sourceRepos.

An AppProject lists the repositories its Applications may deploy from (``sourceRepos``, globs:
``*`` within a path segment, ``**`` across; ``!`` denies).  A source outside them fails with
``application repo X is not permitted in project Y``.  The finding is on the ``repoURL:`` line.

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS::

    kind: AppProject
    spec: {sourceRepos: [https://charts.jetstack.io], ...}
    ---
    kind: Application
    spec:
      source: {repoURL: https://charts.jetstack.io, chart: cert-manager, targetRevision: v1.21.1}

FAIL::

    kind: Application
    spec:
      source: {repoURL: https://charts.example.com, chart: cert-manager, targetRevision: v1.21.1}   # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-source-not-allowed"
SEVERITY = Severity.ERROR
CATEGORY = "argocd"
DESCRIPTION = "An Application's repository is not in its project's sourceRepos."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
