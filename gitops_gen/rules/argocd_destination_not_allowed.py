"""argocd-destination-not-allowed: an Application deploys where its project does not allow.

An AppProject lists the clusters and namespaces its Applications may deploy to
(``destinations``: ``server`` or cluster ``name``, ``namespace``, globs, ``!`` to deny) and the
cluster-scoped kinds they may create (``clusterResourceWhitelist``; empty denies all).  A
destination outside them fails with ``application destination ... is not permitted in project``;
a cluster-scoped object outside the whitelist fails its sync.  The finding is on
``destination:`` (or ``project:`` for a cluster-scoped kind).

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS::

    kind: AppProject
    spec: {destinations: [{server: https://kubernetes.default.svc, namespace: kserve}], ...}
    ---
    kind: Application
    spec: {destination: {server: https://kubernetes.default.svc, namespace: kserve}, ...}

FAIL::

    kind: Application
    spec: {destination: {server: https://kubernetes.default.svc, namespace: kube-system}, ...}   # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-destination-not-allowed"
SEVERITY = Severity.ERROR
CATEGORY = "argocd"
DESCRIPTION = "An Application deploys where its project does not allow."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
