"""argocd-app-namespace: a child Application lands outside Argo CD's namespace.

An Application deployed by an app of apps without ``metadata.namespace`` takes its parent's
destination namespace.  If that is not the namespace Argo CD runs in, the Application object is
created where the controller never looks: it is never synced, and nothing reports it.  Set
``metadata.namespace`` to Argo CD's namespace (or let the parent's destination be it).

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS::

    kind: Application
    metadata: {name: kserve, namespace: argocd}

FAIL (the parent deploys into namespace ``platform``)::

    kind: Application
    metadata: {name: kserve}          # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-app-namespace"
SEVERITY = Severity.ERROR
CATEGORY = "argocd"
DESCRIPTION = "A child Application lands outside Argo CD's namespace."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
