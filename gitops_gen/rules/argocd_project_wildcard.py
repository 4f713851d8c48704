"""argocd-project-wildcard: an AppProject allows any repository, cluster or namespace.

An AppProject is the fence around its Applications: which repositories they may deploy from,
to which clusters and namespaces, and (``sourceNamespaces``) from which namespaces Applications
may claim the project.  A ``*`` removes the fence:

- ``sourceRepos: ["*"]`` (sub-check ``source-repos``): anyone who can create an Application in
  the project can deploy from any repository on the internet;
- ``destinations[].server: "*"`` or ``.name: "*"`` (``destination-cluster``): every cluster
  Argo CD knows, production included;
- ``destinations[].namespace: "*"`` (``destination-namespace``): every namespace, including
  ``kube-system`` and Argo CD's own;
- ``sourceNamespaces: ["*"]`` (``source-namespaces``): Applications created in any namespace
  may use the project;
- ``clusterResourceWhitelist`` with ``group: "*"`` and ``kind: "*"`` (``cluster-resources``),
  only when the option ``check-cluster-resources`` is on.  It is off by default because the
  project that installs platform components (CRDs, webhooks, ClusterRoles, PriorityClasses,
  NodePools...) legitimately needs nearly every cluster-scoped kind, and an exhaustive list
  breaks with each chart upgrade.  Turn it on where only team projects are checked.

Only values that are nothing but wildcards are reported (``*``, ``*/*``); scoped patterns such
as ``https://github.com/example-org/*`` and deny entries (``!kube-system``) are fine.  One
finding per wildcard, on its line.  List the chart repositories and namespaces instead: the
generator knows them.

Options:

``check-cluster-resources`` (bool, default ``false``)
    Also report ``clusterResourceWhitelist`` entries allowing every group and kind.

PASS::

    apiVersion: argoproj.io/v1alpha1
    kind: AppProject
    metadata: {name: research, namespace: argocd}
    spec:
      sourceRepos: ["https://github.com/example-org/ml-platform-gitops.git"]
      destinations:
      - {server: https://kubernetes.default.svc, namespace: research}

FAIL::

    apiVersion: argoproj.io/v1alpha1
    kind: AppProject
    metadata: {name: research, namespace: argocd}
    spec:
      sourceRepos: ["*"]                  # <- reported
      destinations:
      - server: https://kubernetes.default.svc
        namespace: "*"                    # <- reported
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._argocd import ARGO_GROUP
from gitops_gen.rules._util import items, mapping, strings
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-project-wildcard"
SEVERITY = Severity.MEDIUM
CATEGORY = "argocd"
DESCRIPTION = "AppProject allowing '*' source repositories, destination clusters or namespaces."
OPTIONS: dict[str, Option] = {
    "check-cluster-resources": Option(bool, False),
}
KINDS = frozenset({"AppProject"})

_ONLY_WILDCARDS = re.compile(r"[*?]+(?:/[*?]+)*")


def _wild(value: Any) -> bool:
    return isinstance(value, str) and _ONLY_WILDCARDS.fullmatch(value.strip()) is not None


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.group != ARGO_GROUP:
        return
    spec = mapping(resource.data.get("spec"))
    if spec is None:
        return
    project = f"AppProject {resource.name or '<unnamed>'}"
    for i, repo in strings(spec.get("sourceRepos")):
        if _wild(repo):
            yield Violation(f"{project} allows every source repository ({repo!r}); list the repositories its "
                            "Applications deploy from", ("spec", "sourceRepos", i), True, "source-repos")
    for i, destination in items(spec.get("destinations")):
        at = ("spec", "destinations", i)
        for field in ("server", "name"):
            if _wild(destination.get(field)):
                shown = f"{field}: {destination[field]!r}"
                yield Violation(f"{project} allows every destination cluster ({shown}); name the clusters",
                                (*at, field), True, "destination-cluster")
        if _wild(destination.get("namespace")):
            yield Violation(f"{project} allows every namespace, kube-system and argocd included; list the "
                            "namespaces", (*at, "namespace"), True, "destination-namespace")
    for i, namespace in strings(spec.get("sourceNamespaces")):
        if _wild(namespace):
            yield Violation(f"{project} accepts Applications from every namespace ({namespace!r}); list the "
                            "namespaces allowed to use it", ("spec", "sourceNamespaces", i), True,
                            "source-namespaces")
    if ctx.options.get("check-cluster-resources"):
        for i, entry in items(spec.get("clusterResourceWhitelist")):
            if _wild(entry.get("group")) and _wild(entry.get("kind")):
                yield Violation(f"{project} allows every cluster-scoped kind (CRDs, webhooks, "
                                "ClusterRoles...); list the kinds it deploys",
                                ("spec", "clusterResourceWhitelist", i), False, "cluster-resources")
