"""argocd-default-project: an Application (or ApplicationSet template) uses the ``default`` project.

Argo CD creates the ``default`` AppProject allowing every source repository, every destination
cluster and namespace, and every cluster-scoped kind.  An Application in it is limited by
nothing but the Argo CD controller's own rights - usually cluster-admin - so a mistaken path or
a compromised repository can deploy anything anywhere.  Argo CD's documentation recommends
dedicated projects, and the ``default`` project can be edited by anyone with project rights,
changing what every such Application may do.  Put platform components in a project that lists
their chart repositories and namespaces, and each team's workloads in the team's project.

A missing ``project`` is reported too: Argo CD requires it, and older tooling filled in
``default``.  Templated values (``{{ .project }}``) are not judged.  The finding is on the
``project:`` line, or on ``spec`` when it is missing.

Options: none.

PASS::

    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: kserve, namespace: argocd}
    spec:
      project: platform
      source: {repoURL: ghcr.io/kserve/charts, chart: kserve-resources, targetRevision: v0.20.0}
      destination: {server: https://kubernetes.default.svc, namespace: kserve}

FAIL::

    apiVersion: argoproj.io/v1alpha1
    kind: Application
    metadata: {name: kserve, namespace: argocd}
    spec:
      project: default                 # <- reported
      source: {repoURL: ghcr.io/kserve/charts, chart: kserve-resources, targetRevision: v0.20.0}
      destination: {server: https://kubernetes.default.svc, namespace: kserve}
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import APP_KINDS, app_spec
from gitops_gen.rules._util import templated
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-default-project"
SEVERITY = Severity.LOW
CATEGORY = "argocd"
DESCRIPTION = "Argo CD Application in the unrestricted 'default' project."
OPTIONS: dict[str, Option] = {}
KINDS = APP_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    app = app_spec(resource)
    if app is None:
        return
    advice = "use an AppProject that lists the repositories, destinations and cluster kinds it needs"
    if "project" not in app.spec:
        yield Violation(f"{app.label} has no project (the unrestricted 'default' project); {advice}",
                        app.path)
        return
    project = app.spec["project"]
    if templated(project):
        return
    if project is None or (isinstance(project, str) and project.strip() in ("", "default")):
        yield Violation(f"{app.label} uses the 'default' project, which allows any repository, destination "
                        f"and cluster-scoped kind; {advice}", (*app.path, "project"), at_value=True)
