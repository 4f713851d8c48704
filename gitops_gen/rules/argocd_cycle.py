"""argocd-cycle: an app of apps reaches itself through another Application.

Application A deploys Application B, which deploys A again: each manages the other's definition,
a deletion cascades in a loop, and neither can be removed cleanly.  (A root Application that
manages its own definition - ``apps/`` listing ``../bootstrap`` - is the usual self-managing
pattern and is not reported.)  The finding is on the source path of the Application that closes
the loop.

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS: root deploys apps/, whose Applications deploy components.

FAIL::

    kind: Application
    metadata: {name: platform}
    spec: {source: {path: teams}}       # teams/ holds Application teams
    ---
    kind: Application
    metadata: {name: teams}
    spec: {source: {path: platform}}    # <- reported: platform/ holds Application platform
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-cycle"
SEVERITY = Severity.ERROR
CATEGORY = "argocd"
DESCRIPTION = "An app of apps reaches itself through another Application."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
