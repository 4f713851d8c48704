"""The one pod-spec walker: every pod spec and every container in a resource, with its path.

Rules never dig for ``spec.template.spec`` themselves; they ask :func:`pod_specs` /
:func:`all_containers`, which know where each workload kind keeps its pods.  The kinds are one
table (:mod:`gitops_gen.rules._workloads`), re-exported here with what rules need to know about
them: ``WORKLOAD_KINDS`` (every kind the walker knows), ``POD_RUNNING_KINDS`` / :func:`runs_pods`
(objects that make pods, not templates), ``SERVING_KINDS`` / :func:`serves` (long-running
controllers whose pods serve), ``SCALABLE_GROUPS`` (what autoscalers scale) and
:func:`scheduled_elsewhere`.  A rule never keeps its own list of workload kinds.

- core and apps workloads (Pod, PodTemplate, Deployment, StatefulSet, DaemonSet, ReplicaSet,
  ReplicationController, Job, CronJob), OpenShift DeploymentConfigs, Argo Rollouts, Kubeflow
  Notebooks, Knative Services and any unknown custom resource with a ``spec.template.spec``
  holding ``containers``;
- Argo Rollouts Experiments (``spec.templates[].template``) and the Jobs of analyses
  (AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun:
  ``spec.metrics[].provider.job.spec.template``);
- Kubeflow training operator v1 jobs (every ``spec.<x>ReplicaSpecs.<Type>.template.spec``),
  Volcano Jobs, CronJobs (``spec.jobTemplate.spec.tasks[]``) and JobTemplates, KEDA ScaledJobs,
  JobSets, Ray clusters/jobs/services, LeaderWorkerSets;
- Kubeflow Trainer: TrainingRuntime / ClusterTrainingRuntime templates (full pods) and TrainJob
  ``spec.runtimePatches`` / ``spec.podTemplateOverrides`` / ``spec.podSpecOverrides`` and
  ``spec.trainer`` (partial: merged into the runtime's pods);
- Katib Experiments: the ``spec.trialTemplate.trialSpec`` is walked as a resource of its kind;
- KServe InferenceService components (predictor, transformer, explainer, their ``workerSpec``)
  whose pod fields are inline, with the ``model`` form and framework shortcuts as containers;
  ServingRuntime / ClusterServingRuntime;
- Seldon Core v1 ``spec.predictors[].componentSpecs[].spec`` and explainer ``containerSpec``;
- Argo Workflows, WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows, modelled as
  Argo builds pods: the workflow spec holds the pod-level defaults (``securityContext``,
  ``volumes``, ``hostNetwork``, ``podMetadata``), each template is one pod whose own
  ``securityContext`` replaces the workflow's, and whose containers are ``container``,
  ``script``, ``containerSet.containers``, ``initContainers`` and ``sidecars``;
- Tekton Tasks, ClusterTasks, TaskRuns, Pipelines, PipelineRuns and StepActions
  (:mod:`gitops_gen.rules._tekton_pods`): each task spec is one pod whose containers are its
  ``steps`` and ``sidecars``, with its ``stepTemplate`` merged into every step; a run's
  ``podTemplate`` holds the pod-level settings its task pods inherit.

Every mapping is yielded once, so a rule that reports what *is* set reports each line once (an
Argo ``templateDefaults.container`` or a Tekton ``stepTemplate`` is a container of its own,
``partial``).  A rule that reports what is *missing* must look through
:func:`container_setting` / :func:`pod_setting` (or a container's ``inherits``), which follow
the inheritance Argo, Tekton and Kubernetes apply, and must skip ``partial`` pods and
containers (patches merged into pods defined elsewhere) and pods that are ``defaults_only``.
Anything that is not of the expected shape is skipped, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, Resource
from gitops_gen.rules._podtypes import (
    KSERVE_CONTAINER_FIELDS,
    Container,
    Layer,
    PodSpec,
    Setting,
    dig,
    resources_field,
)
from gitops_gen.rules._tekton_pods import tekton_containers
from gitops_gen.rules._util import items, mapping
from gitops_gen.rules._workloads import (
    POD_RUNNING_KINDS,
    SCALABLE_GROUPS,
    SERVING_KINDS,
    WORKLOAD_KINDS,
    WorkloadKind,
    walk,
    workload_kind,
)

__all__ = ["POD_RUNNING_KINDS", "SCALABLE_GROUPS", "SERVING_KINDS", "SHARED_SECURITY_FIELDS", "WORKLOAD_KINDS",
           "Container", "Layer", "PodSpec", "Setting", "WorkloadKind", "all_containers", "container_setting",
           "containers", "has_pod_specs", "pod_setting", "pod_specs", "resources_field", "runs_pods",
           "scheduled_elsewhere", "serves", "workload_kind"]

#: Pod-level securityContext fields that also exist on containers (container value wins).
SHARED_SECURITY_FIELDS = frozenset({
    "runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile", "seLinuxOptions",
    "windowsOptions", "appArmorProfile"})


def pod_specs(resource: Resource) -> Iterator[PodSpec]:
    """Every pod spec in ``resource``, in document order (walked once, then remembered)."""
    found = resource.memo.get("pod_specs")
    if found is None:
        found = resource.memo["pod_specs"] = tuple(
            walk(resource.kind, resource.group, resource.data, (), resource.kind, 0))
    return iter(found)


def has_pod_specs(resource: Resource) -> bool:
    """Whether the walker finds a pod spec in ``resource`` (walked once, then remembered)."""
    return next(pod_specs(resource), None) is not None


def _entry(resource: Resource) -> WorkloadKind | None:
    return workload_kind(resource.kind, resource.group)


def runs_pods(resource: Resource) -> bool:
    """True when ``resource`` makes pods: a kind that runs them (not a template or definition),
    with a pod spec written in it or one it refers to (a TaskRun's ``taskRef``)."""
    entry = _entry(resource)
    return entry is not None and entry.runs_pods and (entry.by_reference or any(True for _ in pod_specs(resource)))


def serves(resource: Resource) -> bool:
    """True for a long-running controller whose pods serve (a Deployment, not a Job)."""
    entry = _entry(resource)
    return entry is not None and entry.serves


def scheduled_elsewhere(resource: Resource) -> bool:
    """True for pod definitions whose scheduling the objects that use them supply (a KServe
    ServingRuntime, a Tekton Task: its TaskRun's podTemplate)."""
    entry = _entry(resource)
    return entry is not None and entry.scheduled_elsewhere


def containers(pod: PodSpec) -> Iterator[Container]:
    """The containers of one pod spec, in document order within each group (found once)."""
    found = pod.memo.get("containers")
    if found is None:
        found = pod.memo["containers"] = tuple(_containers(pod))
    return iter(found)


def _containers(pod: PodSpec) -> Iterator[Container]:
    spec, at = pod.spec, pod.path
    if pod.defaults_only or pod.form == "tekton-step":  # a StepAction's one step is given at creation
        return
    if pod.form == "tekton-task":
        yield from tekton_containers(pod)
        return
    if pod.form == "trainjob":
        trainer = mapping(spec.get("trainer"))
        if trainer is not None:
            yield Container((*at, "trainer"), trainer, "trainer", pod, partial=True)
        return
    if pod.form == "seldon-explainer":
        inner = mapping(spec.get("containerSpec"))
        if inner is not None:
            yield Container((*at, "containerSpec"), inner, "explainer", pod, partial=True)
        return
    if pod.form == "argo-template":
        yield from _argo_containers(pod)
        return
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for i, c in items(spec.get(group)):
            yield Container((*at, group, i), c, group, pod, partial=pod.partial)
    if pod.form == "kserve":
        for key in KSERVE_CONTAINER_FIELDS:
            shortcut = mapping(spec.get(key))
            if shortcut is not None:  # merged into the ServingRuntime's container: fields may come from there
                yield Container((*at, key), shortcut, key, pod, partial=True)


def _argo_containers(pod: PodSpec) -> Iterator[Container]:
    spec, at = pod.spec, pod.path
    defaults = next((layer for layer in pod.inherits if layer.merged), None)  # templateDefaults
    for i, c in items(spec.get("initContainers")):
        yield Container((*at, "initContainers", i), c, "initContainers", pod, partial=pod.partial)
    for key in ("container", "script"):
        main = mapping(spec.get(key))
        if main is not None:
            inherited = mapping(defaults.data.get(key)) if defaults is not None else None
            layers = (Layer((*defaults.path, key), inherited),) if defaults and inherited is not None else ()
            yield Container((*at, key), main, key, pod, inherits=layers, partial=pod.partial)
    for i, c in items(dig(spec, ("containerSet", "containers"))):
        yield Container((*at, "containerSet", "containers", i), c, "containerSet", pod, partial=pod.partial)
    for i, c in items(spec.get("sidecars")):
        yield Container((*at, "sidecars", i), c, "sidecars", pod, partial=pod.partial)


def all_containers(resource: Resource) -> Iterator[Container]:
    """Every container of every pod spec in ``resource`` (found once, then remembered)."""
    found = resource.memo.get("containers")
    if found is None:
        found = resource.memo["containers"] = tuple(c for pod in pod_specs(resource) for c in containers(pod))
    return iter(found)


def _security(data: Mapping[str, Any], path: FieldPath, key: str) -> Setting | None:
    context = mapping(data.get("securityContext"))
    if context is not None and key in context and context[key] is not None:
        return Setting((*path, "securityContext", key), context[key])
    return None


def pod_setting(pod: PodSpec, key: str) -> Setting | None:
    """The pod-level ``securityContext.<key>`` in effect for ``pod``, looking through inheritance.

    Argo merges ``templateDefaults`` into each template field by field, then uses the result's
    securityContext, when there is one, *instead of* the workflow's (not merged with it).
    """
    replaced = False
    for layer in (Layer(pod.path, pod.spec), *pod.inherits):
        if replaced and not layer.merged:
            return None
        found = _security(layer.data, layer.path, key)
        if found is not None:
            return found
        replaced = replaced or isinstance(layer.data.get("securityContext"), Mapping)
    return None


def container_setting(container: Container, key: str) -> Setting | None:
    """The ``securityContext.<key>`` in effect for ``container``: its own, inherited container
    defaults, then (for fields pods have too) the pod's."""
    for layer in (Layer(container.path, container.container), *container.inherits):
        found = _security(layer.data, layer.path, key)
        if found is not None:
            return found
    if key in SHARED_SECURITY_FIELDS:
        return pod_setting(container.pod, key)
    return None
