"""host-namespaces: pods must not share the node's network, PID or IPC namespace.

``hostNetwork: true`` puts the pod on the node's network stack: it can bind the node's ports,
reach services listening on localhost (the kubelet's read-only port, cloud metadata proxies)
and sniff traffic.  ``hostPID: true`` lets it see, signal and ``ptrace`` every process on the
node, and read their environment (other pods' secrets).  ``hostIPC: true`` shares the node's
System V shared memory.  Distributed training sometimes asks for ``hostIPC`` to get large
``/dev/shm``; mount an ``emptyDir`` with ``medium: Memory`` at ``/dev/shm`` instead.

Pod Security Standards, baseline ("Host Namespaces"); kube-linter ``host-network``,
``host-pid``, ``host-ipc``; Polaris ``hostNetworkSet``, ``hostPIDSet``, ``hostIPCSet``;
Kyverno ``disallow-host-namespaces``.

Checked on every pod spec the walker finds (KServe components carry these fields inline; an
Argo Workflow sets ``hostNetwork`` for all its pods at ``spec.hostNetwork``).  One finding per
field set to true, on its line, with sub-checks ``host-network``, ``host-pid`` and ``host-ipc``.

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
          hostNetwork: false
          containers:
          - {name: api, image: ghcr.io/acme/api:2.0.1}

FAIL::

    apiVersion: kubeflow.org/v1
    kind: PyTorchJob
    metadata: {name: ddp}
    spec:
      pytorchReplicaSpecs:
        Worker:
          replicas: 4
          template:
            spec:
              hostIPC: true               # finding here
              hostNetwork: true           # and here
              containers:
              - {name: pytorch, image: ghcr.io/acme/ddp:0.3.0}
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import pod_specs

ID = "host-namespaces"
SEVERITY = Severity.HIGH
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Pod shares the node's network, PID or IPC namespace (hostNetwork/hostPID/hostIPC)."
OPTIONS: dict[str, Option] = {}

_FIELDS = (
    ("hostNetwork", "host-network", "the node's network stack (its ports, localhost services, traffic)"),
    ("hostPID", "host-pid", "the node's process table (it can see and signal every process)"),
    ("hostIPC", "host-ipc", "the node's IPC namespace (shared memory of every process)"),
)


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for pod in pod_specs(resource):
        for field, sub_check, meaning in _FIELDS:
            if pod.spec.get(field) is True:
                yield Violation(f"{pod.owner} sets {field}: true and shares {meaning}; remove it",
                                (*pod.path, field), check=sub_check)
