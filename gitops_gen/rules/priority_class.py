"""priority-class: a GPU workload (or, with ``gpu-only: false``, any workload) sets no
``priorityClassName``.

Without a priority class a pod has priority 0, like every other pod without one: when GPUs run
out, the scheduler cannot preempt a low-value notebook for a production model server, and a
queue of training jobs cannot be ordered.  GPU nodes are the scarce, expensive ones, so the
classes matter most there (the ml-platform blueprint ships ``ml-serving``, ``ml-training`` and
``ml-interactive``).  Polaris ``priorityClassNotSet``, kube-linter ``priority-class-name`` and
Kyverno ``require-pod-priorityclassname`` check every pod; this rule does so with ``gpu-only:
false``.

Every pod spec the walker finds in an object that makes pods or defines them (Deployments,
Jobs, PyTorchJobs, InferenceService components, Notebooks, Argo Workflow templates...) is read,
looking through what it inherits (Argo's ``podPriorityClassName`` and ``templateDefaults``, a
Tekton run's ``podTemplate``).  Skipped: patches merged into pods defined elsewhere, pod
defaults with no containers, and runtimes whose users supply scheduling (a ServingRuntime, a
Tekton Task).  ``priorityClassName: ""`` is missing.  A pod "uses GPUs" when a container asks a
non-zero amount of a ``gpu-resources`` name.  One finding per pod spec, on the spec.

Severity ``low``: a missing class costs ordering under pressure, not safety.

Options:

``gpu-only`` (bool, default ``true``)
    Report GPU workloads only; ``false`` reports every pod.
``gpu-resources`` (list, default the NVIDIA, AMD and Intel GPU resource names)
    Extended resources that count as GPUs (``*`` at the end: a prefix).

PASS::

    apiVersion: batch/v1
    kind: Job
    metadata: {name: finetune}
    spec:
      template:
        spec:
          priorityClassName: ml-training
          restartPolicy: Never
          containers:
          - name: train
            image: ghcr.io/acme/train:1.0.0
            resources: {limits: {nvidia.com/gpu: 1}}

FAIL::

    apiVersion: batch/v1
    kind: Job
    metadata: {name: finetune}
    spec:
      template:
        spec:                       # <- reported: GPU pod without a priority class
          restartPolicy: Never
          containers:
          - name: train
            image: ghcr.io/acme/train:1.0.0
            resources: {limits: {nvidia.com/gpu: 1}}
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._gpu import DEFAULT_GPU_RESOURCES, patterns, requested_gpus
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import WORKLOAD_KINDS, PodSpec, pod_specs, scheduled_elsewhere

ID = "priority-class"
SEVERITY = Severity.LOW
CATEGORY = "gpu"
DESCRIPTION = "GPU workload (or, with gpu-only: false, any workload) without priorityClassName."
OPTIONS: dict[str, Option] = {
    "gpu-only": Option(bool, True, "report GPU workloads only"),
    "gpu-resources": Option(list[str], DEFAULT_GPU_RESOURCES, "extended resources that count as GPUs"),
}
KINDS = WORKLOAD_KINDS
_FIELDS = ("priorityClassName", "podPriorityClassName")


def _has_class(pod: PodSpec) -> bool:
    for layer in (pod.spec, *(inherited.data for inherited in pod.inherits)):
        for key in _FIELDS:
            value = layer.get(key)
            if value is not None and value != "":
                return True
    return False


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if scheduled_elsewhere(resource):
        return
    gpu_only = ctx.options.get("gpu-only", True)
    names = patterns(ctx.options.get("gpu-resources", DEFAULT_GPU_RESOURCES))
    for pod in pod_specs(resource):
        if pod.partial or pod.defaults_only or _has_class(pod):
            continue
        gpus = requested_gpus(pod, names)
        if gpu_only and not gpus:
            continue
        what = f"asks for {', '.join(gpus)} but sets" if gpus else "sets"
        yield Violation(f"{pod.owner} {what} no priorityClassName: under pressure the scheduler cannot tell it "
                        "from any other pod of priority 0; set the platform's class for it",
                        pod.path, check="missing")
