"""gpu-toleration: a pod that requests a GPU does not tolerate the GPU taint or select GPU nodes.

GPU nodes are normally tainted (``nvidia.com/gpu:NoSchedule``; the GPU operator, the device
plugin chart, Karpenter's "isolating expensive hardware" pattern and GKE all do it) so that
ordinary pods cannot fill them.  A GPU pod must therefore tolerate the taint, or it stays
``Pending`` forever.  It should also *select* GPU nodes explicitly (a GFD label such as
``nvidia.com/gpu.product``, a Karpenter NodePool or instance family, a GKE accelerator): with
several GPU pools, a 70B model must not land on a T4, and autoscalers need the selection to know
which pool to grow.  Together they keep GPU nodes for GPU work and GPU work on the right GPUs.

A pod "requests a GPU" when any of its containers (init containers and KServe ``model:``
shortcuts included) asks for a non-zero amount of a ``gpu-resources`` name in limits or requests.

Sub-check ``missing-toleration``: no toleration matches the GPU taint.  Accepted: key
``taint-key`` (or the name of the GPU resource requested, for example ``amd.com/gpu``) with
operator ``Exists``, or ``Equal`` and any value; and effect ``NoSchedule`` or none.  A
toleration with operator ``Exists`` and no key tolerates everything and is accepted too.
Reported on ``tolerations:`` when the pod has some, otherwise on the pod spec.

Sub-check ``missing-node-selection``: neither ``nodeSelector`` nor *required* node affinity
names one of the ``node-labels`` or a GPU-named label (every ``nodeSelectorTerms`` entry must,
since terms are ORed; ``NotIn``/``DoesNotExist`` do not select), and ``nodeName`` is not set.
Preferred affinity does not count.  Reported on ``nodeSelector:`` or ``affinity:`` when
present, otherwise on the pod.

Not checked: pods queued through Kueue (a ``kueue.x-k8s.io/queue-name`` label on the object or
its pod template - Kueue injects the ResourceFlavor's node labels and tolerations at
admission); pods merged into pods defined elsewhere (Trainer patches, Argo
``templateDefaults``, Tekton StepActions); pod-level defaults (an Argo workflow spec, a Tekton
``podTemplate``), which are checked through the pods that inherit them; and pod definitions
whose scheduling the objects using them supply (the walker's ``scheduled_elsewhere`` kinds: KServe
ServingRuntimes and Trainer TrainingRuntimes, scheduled by the InferenceService or TrainJob;
Tekton Tasks and Pipelines, scheduled by the run's ``podTemplate``).  Argo Workflow templates
are read with their workflow-level defaults, Tekton task pods of a TaskRun or PipelineRun with
the run's podTemplates.
Clusters that add GPU tolerations automatically (GKE's ExtendedResourceToleration admission
plugin) can turn the first sub-check off.

Options:

``gpu-resources`` (list)
    Resource names treated as GPUs, as for ``gpu-limits``.
``taint-key`` (string, default ``nvidia.com/gpu``)
    The key of the taint on GPU nodes.
``node-labels`` (list)
    Node labels that select GPU nodes; an entry ending in ``*`` is a prefix.  Default: the
    NVIDIA GPU feature discovery and operator labels (``nvidia.com/gpu.*``,
    ``feature.node.kubernetes.io/pci-10de.present``), Karpenter (``karpenter.sh/nodepool``,
    ``karpenter.k8s.aws/instance-gpu-*``, ``karpenter.k8s.aws/instance-family``,
    ``karpenter.k8s.aws/instance-category``), ``node.kubernetes.io/instance-type``, the cloud
    accelerator and node-pool labels (``cloud.google.com/gke-accelerator``,
    ``cloud.google.com/gke-nodepool``, ``k8s.amazonaws.com/accelerator``,
    ``eks.amazonaws.com/nodegroup``, ``kubernetes.azure.com/agentpool``), AMD and Intel GPU
    labels, and the common custom label ``accelerator``.
``gpu-named-labels`` (bool, default ``true``)
    Also accept a label whose key or required value mentions ``gpu`` or ``accelerator`` - a
    platform's own pool label such as ``ml-platform.io/gpu-pool: a10g`` or ``pool: gpu-a100``.
``require-toleration`` / ``require-node-selection`` (bool, default ``true``)
    Turn a sub-check off.

PASS::

    spec:
      nodeSelector:
        nvidia.com/gpu.product: NVIDIA-A10G
      tolerations:
      - {key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}
      containers:
      - name: server
        resources: {limits: {nvidia.com/gpu: 1}}

FAIL::

    spec:                            # <- reported twice: no toleration, no node selection
      containers:
      - name: server
        resources: {limits: {nvidia.com/gpu: 1}}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, Resource, Severity
from gitops_gen.rules._gpu import DEFAULT_GPU_RESOURCES, matches, patterns, requested_gpus
from gitops_gen.rules._util import items, mapping, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import PodSpec, pod_specs, scheduled_elsewhere

ID = "gpu-toleration"
SEVERITY = Severity.MEDIUM
CATEGORY = "gpu"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "GPU pod without a toleration for the GPU taint, or without selecting GPU nodes."
OPTIONS: dict[str, Option] = {
    "gpu-resources": Option(list[str], DEFAULT_GPU_RESOURCES),
    "taint-key": Option(str, "nvidia.com/gpu"),
    "node-labels": Option(list[str], [
        "nvidia.com/gpu.*", "nvidia.com/mig.*", "feature.node.kubernetes.io/pci-10de.present",
        "karpenter.sh/nodepool", "karpenter.k8s.aws/instance-gpu-*", "karpenter.k8s.aws/instance-family",
        "karpenter.k8s.aws/instance-category", "node.kubernetes.io/instance-type",
        "cloud.google.com/gke-accelerator", "cloud.google.com/gke-nodepool", "k8s.amazonaws.com/accelerator",
        "eks.amazonaws.com/nodegroup", "kubernetes.azure.com/agentpool", "amd.com/gpu*",
        "beta.amd.com/gpu*", "feature.node.kubernetes.io/pci-1002.present",
        "intel.feature.node.kubernetes.io/gpu", "gpu.intel.com/*", "accelerator",
    ]),
    "gpu-named-labels": Option(bool, True),
    "require-toleration": Option(bool, True),
    "require-node-selection": Option(bool, True),
}

KUEUE_QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
_SELECTING = ("In", "Exists", "Gt", "Lt")


def _field(pod: PodSpec, name: str) -> tuple[FieldPath, Any] | None:
    """``name`` from the pod spec, or from the nearest layer it inherits (Argo workflow defaults)."""
    if name in pod.spec:
        return (*pod.path, name), pod.spec[name]
    for layer in pod.inherits:
        if name in layer.data:
            return (*layer.path, name), layer.data[name]
    return None


def _labels(resource: Resource, path: FieldPath | None) -> Mapping[str, Any]:
    metadata = mapping(resource.get(path)) if path is not None else None
    labels = mapping(metadata.get("labels")) if metadata is not None else None
    return labels if labels is not None else {}


def _kueue_managed(resource: Resource, pod: PodSpec) -> bool:
    return KUEUE_QUEUE_LABEL in _labels(resource, ("metadata",)) or \
        KUEUE_QUEUE_LABEL in _labels(resource, pod.metadata_path)


def _tolerates(tolerations: Any, keys: set[str]) -> bool:
    for _, toleration in items(tolerations):
        effect = toleration.get("effect") or ""
        if effect not in ("", "NoSchedule"):
            continue
        operator = toleration.get("operator") or "Equal"
        key = toleration.get("key")
        if operator == "Exists" and not key:
            return True
        if isinstance(key, str) and key in keys and operator in ("Exists", "Equal"):
            return True
    return False


def _required_terms(pod: PodSpec) -> list[Mapping[str, Any]]:
    affinity = _field(pod, "affinity")
    node_affinity = mapping((mapping(affinity[1]) or {}).get("nodeAffinity")) if affinity else None
    required = mapping((node_affinity or {}).get("requiredDuringSchedulingIgnoredDuringExecution"))
    return [term for _, term in items((required or {}).get("nodeSelectorTerms"))]


def _gpu_named(*texts: Any) -> bool:
    return any(isinstance(t, str) and ("gpu" in t.lower() or "accelerator" in t.lower()) for t in texts)


def _label_selects(key: Any, values: list[Any], labels: list[str], named: bool) -> bool:
    """True when a node label requirement (key and the values it requires) picks GPU nodes."""
    if not isinstance(key, str):
        return False
    return matches(key, labels) or (named and _gpu_named(key, *values))


def _term_selects(term: Mapping[str, Any], labels: list[str], named: bool) -> bool:
    for _, expression in items(term.get("matchExpressions")):
        values = expression.get("values")
        if text(expression.get("operator")) in _SELECTING and _label_selects(
                expression.get("key"), values if isinstance(values, list) else [], labels, named):
            return True
    return False


def _selects(pod: PodSpec, labels: list[str], named: bool) -> bool:
    if text(pod.spec.get("nodeName")):
        return True
    selector = _field(pod, "nodeSelector")
    pairs = (mapping(selector[1]) or {}) if selector is not None else {}
    if any(_label_selects(key, [value], labels, named) for key, value in pairs.items()):
        return True
    terms = _required_terms(pod)
    return bool(terms) and all(_term_selects(term, labels, named) for term in terms)


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    gpu_names = patterns(ctx.options.get("gpu-resources"))
    labels = patterns(ctx.options.get("node-labels"))
    taint_key = text(ctx.options.get("taint-key")) or "nvidia.com/gpu"
    toleration = f"{{key: {taint_key}, operator: Exists, effect: NoSchedule}}"
    if scheduled_elsewhere(resource):
        return
    for pod in pod_specs(resource):
        if pod.partial or pod.defaults_only:
            continue
        gpus = requested_gpus(pod, gpu_names)
        if not gpus or _kueue_managed(resource, pod):
            continue
        asked = ", ".join(gpus)
        tolerations = _field(pod, "tolerations")
        tolerated = _tolerates(tolerations[1] if tolerations else None, {taint_key, *gpus})
        if ctx.options.get("require-toleration", True) and not tolerated:
            yield Violation(f"{pod.owner} requests {asked} but does not tolerate the {taint_key} taint of "
                            f"GPU nodes, so it stays Pending; add a toleration {toleration}",
                            tolerations[0] if tolerations else pod.path, check="missing-toleration")
        named = bool(ctx.options.get("gpu-named-labels", True))
        if ctx.options.get("require-node-selection", True) and not _selects(pod, labels, named):
            present = _field(pod, "nodeSelector") or _field(pod, "affinity")
            yield Violation(f"{pod.owner} requests {asked} but does not select GPU nodes; set a nodeSelector "
                            "or required node affinity on a GPU node label (for example "
                            "nvidia.com/gpu.product or karpenter.sh/nodepool)",
                            present[0] if present else pod.path, check="missing-node-selection")
