"""The one pod-spec walker: every pod spec and every container in a resource, with its path.

Rules never dig for ``spec.template.spec`` themselves; they ask :func:`pod_specs` /
:func:`all_containers`, which know where each workload kind keeps its pods:

- core and apps workloads (Pod, PodTemplate, Deployment, StatefulSet, DaemonSet, ReplicaSet,
  ReplicationController, Job, CronJob), Argo Rollouts, Kubeflow Notebooks, Knative Services and
  any unknown custom resource with a ``spec.template.spec`` holding ``containers``;
- Kubeflow training operator v1 jobs (every ``spec.<x>ReplicaSpecs.<Type>.template.spec``),
  Volcano Jobs, KEDA ScaledJobs, JobSets, Ray clusters/jobs/services, LeaderWorkerSets;
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
  ``script``, ``containerSet.containers``, ``initContainers`` and ``sidecars``.

Every mapping is yielded once, so a rule that reports what *is* set reports each line once.
A rule that reports what is *missing* must look through :func:`container_setting` /
:func:`pod_setting`, which follow the inheritance Argo and Kubernetes apply, and must skip
``partial`` pods and containers (patches merged into pods defined elsewhere).
Anything that is not of the expected shape is skipped, never an exception.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, Resource
from gitops_gen.rules._crd_pods import (
    argo_pods,
    kserve_pods,
    ray_pods,
    replicated_jobs,
    seldon_pods,
    trainjob_pods,
)
from gitops_gen.rules._podtypes import (
    KSERVE_CONTAINER_FIELDS,
    Container,
    Layer,
    PodSpec,
    Setting,
    dig,
    template_pod,
)
from gitops_gen.rules._util import items, mapping

__all__ = ["SHARED_SECURITY_FIELDS", "Container", "Layer", "PodSpec", "Setting", "all_containers",
           "container_setting", "containers", "pod_setting", "pod_specs"]

#: Pod-level securityContext fields that also exist on containers (container value wins).
SHARED_SECURITY_FIELDS = frozenset({
    "runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile", "seLinuxOptions",
    "windowsOptions", "appArmorProfile"})

ARGO_WORKFLOW_KINDS = frozenset({"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"})
_MAX_NESTING = 4  # Katib trial specs inside trial specs: stop somewhere


#: Kinds whose pod template is at a fixed path (group-independent kinds first).
_TEMPLATE_PATHS: dict[str, FieldPath] = {
    "PodTemplate": ("template",),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "ScaledJob": ("spec", "jobTargetRef", "template"),
}


def pod_specs(resource: Resource) -> Iterator[PodSpec]:
    """Every pod spec in ``resource``, in document order (walked once, then remembered)."""
    found = resource.memo.get("pod_specs")
    if found is None:
        found = resource.memo["pod_specs"] = tuple(
            _walk(resource.kind, resource.group, resource.data, (), resource.kind, 0))
    return iter(found)


def _walk(kind: str, group: str, data: Mapping[str, Any], base: FieldPath, owner: str,
          depth: int) -> Iterator[PodSpec]:
    spec = mapping(data.get("spec"))
    if kind == "Pod":
        if spec is not None:
            yield PodSpec((*base, "spec"), spec, (*base, "metadata"), owner)
        return
    if kind in _TEMPLATE_PATHS:
        yield from template_pod(data, base, _TEMPLATE_PATHS[kind], f"{owner} pod template")
        return
    if spec is None:
        return
    if kind == "Experiment" and group == "kubeflow.org":
        trial = mapping(dig(spec, ("trialTemplate", "trialSpec")))
        if trial is not None and depth < _MAX_NESTING:
            inner_kind, inner_api = trial.get("kind"), trial.get("apiVersion")
            if isinstance(inner_kind, str):
                inner_group = inner_api.rpartition("/")[0] if isinstance(inner_api, str) else ""
                at = (*base, "spec", "trialTemplate", "trialSpec")
                yield from _walk(inner_kind, inner_group, trial, at, f"{owner} trial {inner_kind}", depth + 1)
        return
    if kind in ARGO_WORKFLOW_KINDS or kind == "CronWorkflow":
        wf_path = base + (("spec", "workflowSpec") if kind == "CronWorkflow" else ("spec",))
        wf = mapping(dig(data, wf_path[len(base):]))
        if wf is not None:
            yield from argo_pods(wf, wf_path, owner)
        return
    if kind == "InferenceService" and group == "serving.kserve.io":
        yield from kserve_pods(spec, (*base, "spec"), owner)
        return
    if kind in ("ServingRuntime", "ClusterServingRuntime"):
        yield PodSpec((*base, "spec"), spec, (*base, "spec"), f"{owner} pod")
        worker = mapping(spec.get("workerSpec"))
        if worker is not None:
            at = (*base, "spec", "workerSpec")
            yield PodSpec(at, worker, at, f"{owner} worker pod")
        return
    if kind == "SeldonDeployment":
        yield from seldon_pods(spec, (*base, "spec"), owner)
        return
    if kind == "TrainJob":
        yield from trainjob_pods(spec, (*base, "spec"), owner)
        return
    if kind in ("TrainingRuntime", "ClusterTrainingRuntime"):
        at = (*base, "spec", "template", "spec")
        yield from replicated_jobs(dig(spec, ("template", "spec")), at, owner)
        return
    if kind == "JobSet":
        yield from replicated_jobs(spec, (*base, "spec"), owner)
        return
    if kind == "Job" and group == "batch.volcano.sh":
        for i, task in items(spec.get("tasks")):
            name = task.get("name")
            yield from template_pod(data, base, ("spec", "tasks", i, "template"), f"{owner} task {name or i}")
        return
    if kind in ("RayCluster", "RayJob", "RayService"):
        yield from ray_pods(data, base, kind, owner)
        return
    if kind == "LeaderWorkerSet":
        for part in ("leaderTemplate", "workerTemplate"):
            yield from template_pod(data, base, ("spec", "leaderWorkerTemplate", part), f"{owner} {part}")
        return
    found = False
    for key, replicas in spec.items():  # Kubeflow training operator: <x>ReplicaSpecs
        if isinstance(key, str) and key.endswith("ReplicaSpecs") and isinstance(replicas, Mapping):
            for rtype, replica in replicas.items():
                if isinstance(replica, Mapping):
                    found = True
                    yield from template_pod(data, base, ("spec", key, rtype, "template"),
                                            f"{owner} {rtype} replica")
    if found:
        return
    template_spec = mapping(dig(spec, ("template", "spec")))
    if kind == "Rollout" and template_spec is None:
        return  # workloadRef-only rollout: the referenced Deployment is checked on its own
    if template_spec is not None and (
            kind in _TEMPLATE_KINDS or isinstance(template_spec.get("containers"), list)):
        yield from template_pod(data, base, ("spec", "template"), f"{owner} pod template")


#: Kinds known to keep their pod at spec.template (others qualify only when it holds containers).
_TEMPLATE_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                            "Job", "Rollout", "Notebook"})


def containers(pod: PodSpec) -> Iterator[Container]:
    """The containers of one pod spec, in document order within each group (found once)."""
    found = pod.memo.get("containers")
    if found is None:
        found = pod.memo["containers"] = tuple(_containers(pod))
    return iter(found)


def _containers(pod: PodSpec) -> Iterator[Container]:
    spec, at = pod.spec, pod.path
    if pod.form == "argo-workflow":
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
