"""bare-pod: a Pod that no controller owns.

A Pod written directly is scheduled once: when its node is drained, upgraded or lost, nothing
creates it again, and it cannot be rolled out or scaled.  Run it under a Deployment (serving), a
Job (a task to completion) or a StatefulSet.  Kyverno ``prevent-bare-pods`` reports the same.

A ``v1`` Pod is reported unless ``metadata.ownerReferences`` names an owner (whose controller
manages it; ``controller: true`` is often left out), or it is an Argo CD or Helm hook (``argocd.argoproj.io/hook``,
``helm.sh/hook``, e.g. a ``helm test`` pod): those run once by design.  The finding is on the
Pod's ``kind:`` line.

Sub-check ``no-controller``.  Severity ``low``: it costs availability, not security.

Options: none.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: tensorboard}
    ...

FAIL::

    apiVersion: v1
    kind: Pod                       # <- reported
    metadata: {name: tensorboard}
    spec:
      containers: [{name: tensorboard, image: ghcr.io/acme/tensorboard:2.16.2}]
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import deploy_hook, items
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import POD_RUNNING_KINDS

ID = "bare-pod"
SEVERITY = Severity.LOW
CATEGORY = "workloads"
DESCRIPTION = "Pod not owned by a controller (nothing recreates it when its node goes)."
OPTIONS: dict[str, Option] = {}
KINDS = POD_RUNNING_KINDS  # the walker's; only v1 Pods are judged


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.kind != "Pod" or resource.api_version != "v1":
        return
    if any(True for _ in items(resource.get(("metadata", "ownerReferences")))):
        return
    if deploy_hook(resource.data.get("metadata")):
        return
    yield Violation(f"Pod {resource.name or '<unnamed>'} is not owned by a controller: nothing recreates it when "
                    "its node is drained or lost; run it under a Deployment, Job or StatefulSet", ("kind",),
                    check="no-controller")
