"""volume-types: pods may use only the volume types that cannot reach the node.

Beyond ``hostPath``, many in-tree volume types let a pod talk to storage systems with the
node's credentials or kernel drivers (``nfs``, ``iscsi``, ``rbd``, ``cephfs``, ``glusterfs``,
``flexVolume``, ``gitRepo``, cloud disks...).  The restricted level allows only the types whose
access is governed by Kubernetes objects: ``configMap``, ``csi``, ``downwardAPI``, ``emptyDir``,
``ephemeral``, ``persistentVolumeClaim``, ``projected`` and ``secret``.  Network storage for
training data belongs behind a PersistentVolume / StorageClass that an administrator owns.

Pod Security Standards, restricted ("Volume Types"); Kyverno ``restrict-volume-types``.

Checked on every pod spec the walker finds (Argo workflow and template ``volumes`` included).
One finding per disallowed volume source, on its key (``nfs:``, ``hostPath:``...).  A volume
with only a ``name`` is an ``emptyDir`` and is allowed.

Options:

``allowed-types`` (list of strings, default: the eight types above)
    Volume sources a pod may use.

PASS::

    apiVersion: v1
    kind: Pod
    metadata: {name: train}
    spec:
      containers:
      - name: train
        image: ghcr.io/acme/train:1.4.2
        volumeMounts: [{name: data, mountPath: /data}, {name: shm, mountPath: /dev/shm}]
      volumes:
      - name: data
        persistentVolumeClaim: {claimName: imagenet}
      - name: shm
        emptyDir: {medium: Memory, sizeLimit: 8Gi}

FAIL::

    apiVersion: v1
    kind: Pod
    metadata: {name: train}
    spec:
      containers:
      - name: train
        image: ghcr.io/acme/train:1.4.2
        volumeMounts: [{name: data, mountPath: /data}]
      volumes:
      - name: data
        nfs:                        # finding here
          server: nfs.example.internal
          path: /exports/imagenet
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import items, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import pod_specs

ID = "volume-types"
SEVERITY = Severity.MEDIUM
CATEGORY = "pod-security-restricted"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = ("Pod uses a volume type other than configMap, csi, downwardAPI, emptyDir, ephemeral, "
               "persistentVolumeClaim, projected or secret.")
OPTIONS: dict[str, Option] = {
    "allowed-types": Option(list[str], ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                                        "persistentVolumeClaim", "projected", "secret"]),
}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    allowed = {t for t in ctx.options.get("allowed-types") or [] if isinstance(t, str)} | {"name"}
    for pod in pod_specs(resource):
        for i, volume in items(pod.spec.get("volumes")):
            name = text(volume.get("name")) or f"volumes[{i}]"
            for key in volume:
                if isinstance(key, str) and key not in allowed:
                    yield Violation(f'{pod.owner}: volume "{name}" is of type {key}, which the restricted '
                                    "level does not allow; use a PersistentVolumeClaim (or CSI) instead",
                                    (*pod.path, "volumes", i, key))
