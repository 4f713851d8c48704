"""run-as-root: containers must be required to run as a non-root user.

A process running as UID 0 inside a container is root on the node as soon as anything else
goes wrong: a kernel bug, a writable hostPath, a capability left in.  Images default to root
more often than not (most Python and CUDA base images do), so the restricted level asks every
pod to *require* a non-root user with ``runAsNonRoot: true``: the kubelet then refuses to start
a container whose image would run as root.  ``runAsUser: 0`` asks for root explicitly.

Pod Security Standards, restricted ("Running as Non-root" and "Running as Non-root user");
kube-linter ``run-as-non-root``; Polaris ``runAsRootAllowed``; checkov CKV_K8S_23 / CKV_K8S_40;
Kyverno ``require-run-as-nonroot`` and ``require-run-as-non-root-user``.

Sub-checks:

``missing-run-as-non-root``
    a container whose effective ``runAsNonRoot`` (its own, else the pod's; for Argo templates
    also ``templateDefaults`` and the workflow's ``securityContext``) is not set; reported at the
    container.  Patches merged into pods defined elsewhere (TrainJob runtime patches, KServe
    model containers, Argo ``templateDefaults``) are not required to set it.
``run-as-non-root-false``
    ``runAsNonRoot: false`` at pod level or on a container; on that line.  A pod-level ``false``
    is reported even when every container overrides it, as Pod Security admission does.
``run-as-user-zero``
    ``runAsUser: 0`` at pod level or on a container; on that line (the kubelet would refuse
    it together with ``runAsNonRoot: true``, and it is root without it).

Options: none.

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api}
    spec:
      selector: {matchLabels: {app: api}}
      template:
        metadata: {labels: {app: api}}
        spec:
          securityContext:
            runAsNonRoot: true
            runAsUser: 10001
          containers:
          - {name: api, image: ghcr.io/acme/api:2.0.1}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: api}
    spec:
      securityContext:
        runAsUser: 0                # finding here (run-as-user-zero)
      containers:
      - name: api                   # finding here (missing-run-as-non-root)
        image: ghcr.io/acme/api:2.0.1
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import all_contexts, container_label
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers, container_setting

ID = "run-as-root"
SEVERITY = Severity.MEDIUM
CATEGORY = "pod-security-restricted"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container may run as root (runAsNonRoot not true, or runAsUser: 0)."
OPTIONS: dict[str, Option] = {}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for context in all_contexts(resource):
        user = context.data.get("runAsUser")
        if user == 0 and not isinstance(user, bool):
            yield Violation(f"{context.label} sets runAsUser: 0 (root); use a non-zero UID",
                            context.at("runAsUser"), check="run-as-user-zero")
        if context.data.get("runAsNonRoot") is False:
            yield Violation(f"{context.label} sets runAsNonRoot: false; set it to true",
                            context.at("runAsNonRoot"), check="run-as-non-root-false")
    for container in all_containers(resource):
        if container.partial:
            continue
        if container_setting(container, "runAsNonRoot") is None:
            yield Violation(f"{container_label(container)} does not require a non-root user; set "
                            "securityContext.runAsNonRoot: true on the pod or the container",
                            container.path, check="missing-run-as-non-root")
