"""argocd-appset-not-expanded: an ApplicationSet whose Applications could not be worked out offline.

The app-of-apps graph expands ApplicationSets the way Argo CD's controller does: list, git
directories and files of this repository, clusters (from cluster Secrets in the repository and
the in-cluster default), matrix and merge, with fasttemplate or Go templates.  Generators that
need a live service (SCM providers, pull requests, cluster decision resources, plugins), git
generators on another repository, and templates using functions outside the supported Sprig
subset cannot be expanded here: what they generate is then not checked, and this note says so,
on the generator or template field concerned.

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS::

    spec:
      generators:
        - list: {elements: [{team: research}]}

FAIL::

    spec:
      generators:
        - scmProvider: {github: {organization: acme}}     # <- reported: needs GitHub's API
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-appset-not-expanded"
SEVERITY = Severity.INFO
CATEGORY = "argocd"
DESCRIPTION = "An ApplicationSet whose Applications could not be expanded offline."
OPTIONS: dict[str, Option] = {}
KINDS = frozenset({"ApplicationSet"})


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
