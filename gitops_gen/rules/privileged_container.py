"""privileged-container: no container may run privileged.

A privileged container has every Linux capability, sees every device of the node and is not
confined by seccomp or AppArmor: it is root on the node, one ``chroot /host`` away from every
other pod's secrets and the kubelet's credentials.  GPU workloads are the usual excuse; the
NVIDIA device plugin and CDI hand a container its GPUs without it.

Pod Security Standards, baseline ("Privileged Containers"); kube-linter
``privileged-container``, Polaris ``runAsPrivileged``, checkov CKV_K8S_16, Kyverno
``disallow-privileged-containers``.

Every container the pod-spec walker finds is checked: containers, init containers, ephemeral
containers, KServe model containers, Argo template containers, scripts and sidecars.  One
finding per privileged container, on its ``privileged:`` line.  YAML 1.1 booleans count, as
Kubernetes reads them (``privileged: yes`` is privileged).

Options: none.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: trainer}
    spec:
      containers:
      - name: train
        image: ghcr.io/acme/train:1.4.2
        securityContext:
          privileged: false

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: trainer}
    spec:
      containers:
      - name: train
        image: ghcr.io/acme/train:1.4.2
        securityContext:
          privileged: true          # finding here
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._pss import container_contexts
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "privileged-container"
SEVERITY = Severity.ERROR
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container runs privileged (securityContext.privileged: true)."
OPTIONS: dict[str, Option] = {}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for context in container_contexts(resource):
        if context.data.get("privileged") is True:
            yield Violation(f"{context.label} runs privileged: it has every capability and the "
                            "node's devices; set securityContext.privileged to false",
                            context.at("privileged"))
