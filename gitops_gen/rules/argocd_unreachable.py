"""argocd-unreachable: manifests no Application deploys.

A folder of the repository holds Kubernetes manifests that no Application of the app of apps
reads: a leftover after a rename, or a component someone forgot to register.  Reported once per
folder, on its first manifest.  Hidden folders (``.github``, ``.lighthouse``) are not considered.

Needs the app-of-apps graph (see ``argocd-path-missing``).  Options: none.

PASS: every folder of manifests is some Application's path, or built by one.

FAIL: ``old/kserve/`` holds manifests and no Application points at it (reported on its first file).
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._graph import graph_violations
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "argocd-unreachable"
SEVERITY = Severity.INFO
CATEGORY = "argocd"
DESCRIPTION = "Manifests no Application deploys."
OPTIONS: dict[str, Option] = {}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    yield from graph_violations(ID, resource, ctx)
