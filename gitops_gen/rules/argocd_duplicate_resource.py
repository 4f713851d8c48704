"""argocd-duplicate-resource: one object is deployed by two Applications.

Two Applications that render the same object (same group, kind, namespace and name) fight over
it: each sync overwrites the other's version, Argo CD shows ``SharedResourceWarning``, and
deleting either Application deletes the object under the other.  The finding is on the source
path of the second Application (in graph order) and names the first.

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS: the ``kubeflow`` Namespace is created by one Application, which the others wait for.

FAIL::

    kind: Application
    metadata: {name: katib}
    spec: {source: {path: katib}}             # katib/ holds Namespace kubeflow
    ---
    kind: Application
    metadata: {name: pipelines}
    spec: {source: {path: pipelines}}         # <- reported: pipelines/ holds Namespace kubeflow too
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-duplicate-resource"
SEVERITY = Severity.HIGH
CATEGORY = "argocd"
DESCRIPTION = "One object is deployed by two Applications."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
