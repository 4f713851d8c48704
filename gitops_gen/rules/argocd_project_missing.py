"""argocd-project-missing: an Application names an AppProject the repository does not define.

Argo CD refuses to reconcile an Application whose ``spec.project`` names no AppProject
(``application references project X which does not exist``).  Projects are looked up among the
AppProjects of the repository, plus Argo CD's built-in ``default``.

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS::

    kind: AppProject
    metadata: {name: platform, namespace: argocd}
    ---
    kind: Application
    spec: {project: platform, ...}

FAIL::

    kind: Application
    spec: {project: platfrom, ...}      # <- reported: no AppProject platfrom
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-project-missing"
SEVERITY = Severity.ERROR
CATEGORY = "argocd"
DESCRIPTION = "An Application names an AppProject the repository does not define."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
