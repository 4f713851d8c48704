"""gpu-shared-memory: a GPU container keeps the default 64 MiB ``/dev/shm``.

Container runtimes give each pod a 64 MiB ``/dev/shm``.  PyTorch ``DataLoader`` workers pass
batches through shared memory, NCCL uses it between GPUs of one node, and multi-GPU inference
servers (vLLM, Triton with tensor parallelism) need it too; with 64 MiB they die with
``Bus error``, ``DataLoader worker ... killed`` or NCCL ``unhandled system error`` - typically
hours into a job, when a larger batch arrives.  Mount an ``emptyDir`` with ``medium: Memory``
at ``/dev/shm`` (give it a ``sizeLimit``; it counts against the container's memory limit).

Checked: every container that asks for a GPU (a ``gpu-resources`` name, as for ``gpu-limits``)
in a pod defined in full.  Not checked: KServe ``model:`` shortcuts and Trainer patches, whose
container and volumes come from the serving or training runtime (check the runtime instead).
A disk-backed ``emptyDir`` (slower, but not limited to 64 MiB) and a ``hostPath`` ``/dev/shm``
also count (``host-path-volume`` reports the latter on its own).  Argo
Workflow templates may take ``volumes`` from the workflow spec.

One finding per GPU container, on the container.

Options:

``gpu-resources`` (list)
    Resource names treated as GPUs, as for ``gpu-limits``.

PASS::

    containers:
    - name: pytorch
      resources: {limits: {nvidia.com/gpu: 8, memory: 500Gi}}
      volumeMounts: [{name: dshm, mountPath: /dev/shm}]
    volumes:
    - name: dshm
      emptyDir: {medium: Memory, sizeLimit: 64Gi}

FAIL::

    containers:
    - name: pytorch                 # <- reported here
      resources: {limits: {nvidia.com/gpu: 8}}
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._gpu import DEFAULT_GPU_RESOURCES, gpu_entries, parse_quantity, patterns
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._util import items, mapping, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import Container, PodSpec, containers, pod_specs

ID = "gpu-shared-memory"
SEVERITY = Severity.LOW
CATEGORY = "gpu"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "GPU container without an emptyDir at /dev/shm (the 64 MiB default breaks PyTorch and NCCL)."
OPTIONS: dict[str, Option] = {
    "gpu-resources": Option(list[str], DEFAULT_GPU_RESOURCES),
}


def _volumes(pod: PodSpec) -> dict[str, Any]:
    """Volumes of the pod by name, the pod's own first, then inherited (Argo workflow) ones."""
    found: dict[str, Any] = {}
    for data in (pod.spec, *(layer.data for layer in pod.inherits)):
        for _, volume in items(data.get("volumes")):
            name = text(volume.get("name"))
            if name and name not in found:
                found[name] = volume
    return found


def _shm_backed(volume: Any) -> bool:
    source = mapping(volume) or {}
    if mapping(source.get("emptyDir")) is not None:
        return True
    host_path = mapping(source.get("hostPath"))
    return host_path is not None and (text(host_path.get("path")) or "").rstrip("/") == "/dev/shm"


def _has_shm(container: Container, volumes: dict[str, Any]) -> bool:
    for _, mount in items(container.container.get("volumeMounts")):
        path = (text(mount.get("mountPath")) or "").rstrip("/")
        name = text(mount.get("name"))
        if path == "/dev/shm" and name is not None and _shm_backed(volumes.get(name)):
            return True
    return False


def _asks_for_gpu(container: Container, gpu_names: list[str]) -> bool:
    for entry in gpu_entries(container, gpu_names):
        amount = parse_quantity(entry.value)
        if amount is None or amount > 0:
            return True
    return False


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    gpu_names = patterns(ctx.options.get("gpu-resources"))
    for pod in pod_specs(resource):
        if pod.partial:
            continue
        volumes: dict[str, Any] | None = None
        for container in containers(pod):
            if container.partial or not _asks_for_gpu(container, gpu_names):
                continue
            volumes = _volumes(pod) if volumes is None else volumes
            if not _has_shm(container, volumes):
                yield Violation(f"{container_label(container)} uses a GPU with the default 64 MiB /dev/shm, "
                                "which crashes PyTorch DataLoader workers and NCCL; mount an emptyDir with "
                                "medium: Memory at /dev/shm", container.path)
