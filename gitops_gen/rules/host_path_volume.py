"""host-path-volume: pods must not mount directories of the node (``hostPath`` volumes).

A ``hostPath`` volume exposes the node's file system to the pod: ``/`` or ``/var/lib/kubelet``
gives every other pod's secrets and service-account tokens; ``/var/run/containerd`` or
``/var/run/docker.sock`` gives control of the container runtime (and so the node); even a
read-only mount leaks credentials and logs.  Data sets and model caches belong on a
PersistentVolumeClaim (or a CSI / image volume), scratch space on an ``emptyDir``.

Pod Security Standards, baseline ("HostPath Volumes"); kube-linter ``host-mounts`` /
``sensitive-host-mounts``; Polaris ``hostPathSet``; Kyverno ``disallow-host-path``.

Checked on every pod spec the walker finds, including an Argo Workflow's ``spec.volumes`` and
each template's ``volumes``.  One finding per hostPath volume, on its ``hostPath:`` line.

Options:

``allowed-paths`` (list of strings, default ``[]``)
    Node paths that may be mounted, for node agents that need them (a log shipper reading
    ``/var/log``).  An entry allows that directory and everything below it, compared path
    component by path component (``/var/log`` allows ``/var/log/pods`` but not ``/var/logs``).
    Prefer a waiver with a reason on the one DaemonSet that needs it.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: notebook}
    spec:
      containers:
      - name: lab
        image: ghcr.io/acme/lab:4.1.0
        volumeMounts: [{name: work, mountPath: /home/jovyan}]
      volumes:
      - name: work
        persistentVolumeClaim: {claimName: lab-work}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: notebook}
    spec:
      containers:
      - name: lab
        image: ghcr.io/acme/lab:4.1.0
        volumeMounts: [{name: datasets, mountPath: /data}]
      volumes:
      - name: datasets
        hostPath:                   # finding here
          path: /mnt/datasets
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import items, mapping, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import pod_specs

ID = "host-path-volume"
SEVERITY = Severity.HIGH
CATEGORY = "pod-security-baseline"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Pod mounts a directory of the node (hostPath volume)."
OPTIONS: dict[str, Option] = {
    "allowed-paths": Option(list[str], []),
}


def _parts(path: str) -> list[str]:
    return [p for p in path.split("/") if p and p != "."]


def _allowed(path: str | None, allowed: Sequence[object]) -> bool:
    if path is None:
        return False
    parts = _parts(path)
    if ".." in parts:
        return False  # never let a traversal sneak under an allowed prefix
    for entry in allowed:
        if isinstance(entry, str) and entry.startswith("/"):
            prefix = _parts(entry)
            if parts[: len(prefix)] == prefix:
                return True
    return False


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    allowed = ctx.options.get("allowed-paths") or []
    for pod in pod_specs(resource):
        for i, volume in items(pod.spec.get("volumes")):
            if "hostPath" not in volume:
                continue
            source = mapping(volume.get("hostPath"))
            node_path = text(source.get("path")) if source is not None else None
            if _allowed(node_path, allowed):
                continue
            name = text(volume.get("name")) or f"volumes[{i}]"
            shown = f" ({node_path} on the node)" if node_path else ""
            yield Violation(f'{pod.owner}: volume "{name}" mounts a directory of the node{shown}; use a '
                            "PersistentVolumeClaim, CSI or emptyDir volume",
                            (*pod.path, "volumes", i, "hostPath"))
