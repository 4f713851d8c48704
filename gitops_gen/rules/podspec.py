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
from dataclasses import dataclass
from typing import Any

from gitops_gen.model import FieldPath, Resource

#: Pod-level securityContext fields that also exist on containers (container value wins).
SHARED_SECURITY_FIELDS = frozenset({
    "runAsNonRoot", "runAsUser", "runAsGroup", "seccompProfile", "seLinuxOptions",
    "windowsOptions", "appArmorProfile"})

#: KServe predictor/explainer shortcuts: each is one container merged into a serving runtime.
KSERVE_CONTAINER_FIELDS = ("model", "sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx",
                           "huggingface", "lightgbm", "pmml", "paddle", "art")
KSERVE_COMPONENTS = ("predictor", "transformer", "explainer")
ARGO_WORKFLOW_KINDS = frozenset({"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate"})
_MAX_NESTING = 4  # Katib trial specs inside trial specs: stop somewhere


@dataclass(frozen=True, slots=True)
class Layer:
    """A mapping settings are inherited from, and where it is in the resource.

    ``merged``: its securityContext is merged field by field into the nearer layers (Argo
    ``templateDefaults``) instead of being replaced by theirs (an Argo workflow spec).
    """

    path: FieldPath
    data: Mapping[str, Any]
    merged: bool = False


@dataclass(frozen=True, slots=True)
class PodSpec:
    """One pod spec inside a resource.

    ``form`` says how containers are held: ``pod`` (containers, initContainers,
    ephemeralContainers), ``kserve`` (a pod plus model/framework containers), ``argo-template``,
    ``argo-workflow`` (pod defaults only, no containers), ``trainjob``, ``seldon-explainer``.
    ``inherits`` lists, nearest first, the mappings whose pod-level fields apply when this spec
    does not set them (an Argo template falls back on templateDefaults, then the workflow spec).
    ``partial`` marks a patch merged into a pod defined elsewhere: fields it lacks may be set there.
    """

    path: FieldPath
    spec: Mapping[str, Any]
    metadata_path: FieldPath | None
    owner: str
    form: str = "pod"
    inherits: tuple[Layer, ...] = ()
    partial: bool = False


@dataclass(frozen=True, slots=True)
class Container:
    """One container (or container-like object) of a pod spec.

    ``inherits`` lists container mappings whose securityContext applies when this one does not
    set a field (Argo ``templateDefaults.container``); ``partial`` as for :class:`PodSpec`.
    """

    path: FieldPath
    container: Mapping[str, Any]
    group: str
    pod: PodSpec
    inherits: tuple[Layer, ...] = ()
    partial: bool = False

    @property
    def name(self) -> str:
        name = self.container.get("name")
        if isinstance(name, str) and name:
            return name
        if self.group in KSERVE_CONTAINER_FIELDS:
            return "kserve-container"
        defaults = {"container": "main", "script": "main", "trainer": "node"}
        return defaults.get(self.group, f"<unnamed {self.group}>")

    @property
    def label(self) -> str:
        """How messages name the container: ``container "app"``, ``init container "setup"``."""
        kind = {"initContainers": "init container", "ephemeralContainers": "ephemeral container",
                "sidecars": "sidecar"}.get(self.group, "container")
        return f'{kind} "{self.name}"'


@dataclass(frozen=True, slots=True)
class Setting:
    """An effective value and the path of the line that set it."""

    path: FieldPath
    value: Any


def _map(value: Any) -> Mapping[str, Any] | None:
    return value if isinstance(value, Mapping) else None


def _dig(data: Any, path: FieldPath) -> Any:
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return None
        elif not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def _items(value: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, Mapping):
                yield i, item


def _template(data: Mapping[str, Any], base: FieldPath, rel: FieldPath, owner: str,
              partial: bool = False) -> Iterator[PodSpec]:
    """The pod of a PodTemplateSpec (``metadata`` + ``spec``) at ``rel``."""
    spec = _map(_dig(data, (*rel, "spec")))
    if spec is not None:
        yield PodSpec(base + rel + ("spec",), spec, base + rel + ("metadata",), owner, partial=partial)


#: Kinds whose pod template is at a fixed path (group-independent kinds first).
_TEMPLATE_PATHS: dict[str, FieldPath] = {
    "PodTemplate": ("template",),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "ScaledJob": ("spec", "jobTargetRef", "template"),
}


def pod_specs(resource: Resource) -> Iterator[PodSpec]:
    """Every pod spec in ``resource``, in document order."""
    yield from _walk(resource.kind, resource.group, resource.data, (), resource.kind, 0)


def _walk(kind: str, group: str, data: Mapping[str, Any], base: FieldPath, owner: str,
          depth: int) -> Iterator[PodSpec]:
    spec = _map(data.get("spec"))
    if kind == "Pod":
        if spec is not None:
            yield PodSpec((*base, "spec"), spec, (*base, "metadata"), owner)
        return
    if kind in _TEMPLATE_PATHS:
        yield from _template(data, base, _TEMPLATE_PATHS[kind], f"{owner} pod template")
        return
    if spec is None:
        return
    if kind == "Experiment" and group == "kubeflow.org":
        trial = _map(_dig(spec, ("trialTemplate", "trialSpec")))
        if trial is not None and depth < _MAX_NESTING:
            inner_kind, inner_api = trial.get("kind"), trial.get("apiVersion")
            if isinstance(inner_kind, str):
                inner_group = inner_api.rpartition("/")[0] if isinstance(inner_api, str) else ""
                at = (*base, "spec", "trialTemplate", "trialSpec")
                yield from _walk(inner_kind, inner_group, trial, at, f"{owner} trial {inner_kind}", depth + 1)
        return
    if kind in ARGO_WORKFLOW_KINDS or kind == "CronWorkflow":
        wf_path = base + (("spec", "workflowSpec") if kind == "CronWorkflow" else ("spec",))
        wf = _map(_dig(data, wf_path[len(base):]))
        if wf is not None:
            yield from _argo(wf, wf_path, owner)
        return
    if kind == "InferenceService" and group == "serving.kserve.io":
        yield from _kserve(spec, (*base, "spec"), owner)
        return
    if kind in ("ServingRuntime", "ClusterServingRuntime"):
        yield PodSpec((*base, "spec"), spec, (*base, "spec"), f"{owner} pod")
        worker = _map(spec.get("workerSpec"))
        if worker is not None:
            at = (*base, "spec", "workerSpec")
            yield PodSpec(at, worker, at, f"{owner} worker pod")
        return
    if kind == "SeldonDeployment":
        yield from _seldon(spec, (*base, "spec"), owner)
        return
    if kind == "TrainJob":
        yield from _trainjob(spec, (*base, "spec"), owner)
        return
    if kind in ("TrainingRuntime", "ClusterTrainingRuntime"):
        at = (*base, "spec", "template", "spec")
        yield from _replicated_jobs(_dig(spec, ("template", "spec")), at, owner)
        return
    if kind == "JobSet":
        yield from _replicated_jobs(spec, (*base, "spec"), owner)
        return
    if kind == "Job" and group == "batch.volcano.sh":
        for i, task in _items(spec.get("tasks")):
            name = task.get("name")
            yield from _template(data, base, ("spec", "tasks", i, "template"), f"{owner} task {name or i}")
        return
    if kind in ("RayCluster", "RayJob", "RayService"):
        yield from _ray(data, base, kind, owner)
        return
    if kind == "LeaderWorkerSet":
        for part in ("leaderTemplate", "workerTemplate"):
            yield from _template(data, base, ("spec", "leaderWorkerTemplate", part), f"{owner} {part}")
        return
    found = False
    for key, replicas in spec.items():  # Kubeflow training operator: <x>ReplicaSpecs
        if isinstance(key, str) and key.endswith("ReplicaSpecs") and isinstance(replicas, Mapping):
            for rtype, replica in replicas.items():
                if isinstance(replica, Mapping):
                    found = True
                    yield from _template(data, base, ("spec", key, rtype, "template"),
                                         f"{owner} {rtype} replica")
    if found:
        return
    template_spec = _map(_dig(spec, ("template", "spec")))
    if kind == "Rollout" and template_spec is None:
        return  # workloadRef-only rollout: the referenced Deployment is checked on its own
    if template_spec is not None and (
            kind in _TEMPLATE_KINDS or isinstance(template_spec.get("containers"), list)):
        yield from _template(data, base, ("spec", "template"), f"{owner} pod template")


#: Kinds known to keep their pod at spec.template (others qualify only when it holds containers).
_TEMPLATE_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                             "Job", "Rollout", "Notebook"})


def _replicated_jobs(spec: Any, at: FieldPath, owner: str, partial: bool = False) -> Iterator[PodSpec]:
    """JobSet-shaped ``replicatedJobs[].template.spec.template`` under the mapping ``spec`` at ``at``."""
    if not isinstance(spec, Mapping):
        return
    for j, job in _items(spec.get("replicatedJobs")):
        name = job.get("name")
        yield from _template(spec, at, ("replicatedJobs", j, "template", "spec", "template"),
                             f"{owner} replicated job {name or j}", partial)


def _trainjob(spec: Mapping[str, Any], at: FieldPath, owner: str) -> Iterator[PodSpec]:
    for i, patch in _items(spec.get("runtimePatches")):  # Trainer v2.3+
        yield from _replicated_jobs(_dig(patch, ("trainingRuntimeSpec", "template", "spec")),
                                    (*at, "runtimePatches", i, "trainingRuntimeSpec", "template", "spec"),
                                    f"{owner} runtime patch", partial=True)
    for i, override in _items(spec.get("podTemplateOverrides")):  # Trainer v2.1/v2.2
        inner = _map(override.get("spec"))
        if inner is not None:
            here = (*at, "podTemplateOverrides", i)
            yield PodSpec((*here, "spec"), inner, (*here, "metadata"), f"{owner} pod template override",
                          partial=True)
    for i, override in _items(spec.get("podSpecOverrides")):  # Trainer v2.0
        yield PodSpec((*at, "podSpecOverrides", i), override, None, f"{owner} pod spec override",
                      partial=True)
    if isinstance(spec.get("trainer"), Mapping):
        yield PodSpec(at, spec, None, f"{owner} trainer", form="trainjob", partial=True)


def _kserve(spec: Mapping[str, Any], at: FieldPath, owner: str) -> Iterator[PodSpec]:
    for component in KSERVE_COMPONENTS:
        comp = _map(spec.get(component))
        if comp is None:
            continue
        yield PodSpec((*at, component), comp, (*at, component), f"{owner} {component}", form="kserve")
        worker = _map(comp.get("workerSpec"))
        if worker is not None:
            yield PodSpec((*at, component, "workerSpec"), worker, None, f"{owner} {component} workerSpec")


def _seldon(spec: Mapping[str, Any], at: FieldPath, owner: str) -> Iterator[PodSpec]:
    for i, predictor in _items(spec.get("predictors")):
        name = predictor.get("name") or i
        for j, component in _items(predictor.get("componentSpecs")):
            inner = _map(component.get("spec"))
            if inner is not None:
                yield PodSpec((*at, "predictors", i, "componentSpecs", j, "spec"), inner,
                              (*at, "predictors", i, "componentSpecs", j, "metadata"),
                              f"{owner} predictor {name} component {j}")
        explainer = _map(predictor.get("explainer"))
        if explainer is not None and isinstance(explainer.get("containerSpec"), Mapping):
            yield PodSpec((*at, "predictors", i, "explainer"), explainer, None,
                          f"{owner} predictor {name} explainer", form="seldon-explainer", partial=True)


def _ray(data: Mapping[str, Any], base: FieldPath, kind: str, owner: str) -> Iterator[PodSpec]:
    cluster: FieldPath = {"RayCluster": ("spec",), "RayJob": ("spec", "rayClusterSpec"),
                          "RayService": ("spec", "rayClusterConfig")}[kind]
    yield from _template(data, base, (*cluster, "headGroupSpec", "template"), f"{owner} head group")
    groups = _dig(data, (*cluster, "workerGroupSpecs"))
    for i, group in _items(groups):
        name = group.get("groupName") or i
        yield from _template(data, base, (*cluster, "workerGroupSpecs", i, "template"),
                             f"{owner} worker group {name}")
    if kind == "RayJob":
        yield from _template(data, base, ("spec", "submitterPodTemplate"), f"{owner} submitter")


def _argo(wf: Mapping[str, Any], at: FieldPath, owner: str) -> Iterator[PodSpec]:
    """The workflow spec (pod defaults), templateDefaults, then each template as one pod."""
    workflow = PodSpec(at, wf, (*at, "podMetadata"), f"{owner} pod defaults", form="argo-workflow")
    yield workflow
    chain: tuple[Layer, ...] = (Layer(at, wf),)
    defaults = _map(wf.get("templateDefaults"))
    if defaults is not None:
        yield PodSpec((*at, "templateDefaults"), defaults, (*at, "templateDefaults", "metadata"),
                      f"{owner} templateDefaults", form="argo-template", inherits=chain, partial=True)
        chain = (Layer((*at, "templateDefaults"), defaults, merged=True), *chain)
    for i, template in _items(wf.get("templates")):
        name = template.get("name")
        label = f'template "{name}"' if isinstance(name, str) else f"template {i}"
        yield PodSpec((*at, "templates", i), template, (*at, "templates", i, "metadata"), f"{owner} {label}",
                      form="argo-template", inherits=chain)


def containers(pod: PodSpec) -> Iterator[Container]:
    """The containers of one pod spec, in document order within each group."""
    spec, at = pod.spec, pod.path
    if pod.form == "argo-workflow":
        return
    if pod.form == "trainjob":
        trainer = _map(spec.get("trainer"))
        if trainer is not None:
            yield Container((*at, "trainer"), trainer, "trainer", pod, partial=True)
        return
    if pod.form == "seldon-explainer":
        inner = _map(spec.get("containerSpec"))
        if inner is not None:
            yield Container((*at, "containerSpec"), inner, "explainer", pod, partial=True)
        return
    if pod.form == "argo-template":
        yield from _argo_containers(pod)
        return
    for group in ("initContainers", "containers", "ephemeralContainers"):
        for i, c in _items(spec.get(group)):
            yield Container((*at, group, i), c, group, pod, partial=pod.partial)
    if pod.form == "kserve":
        for key in KSERVE_CONTAINER_FIELDS:
            shortcut = _map(spec.get(key))
            if shortcut is not None:  # merged into the ServingRuntime's container: fields may come from there
                yield Container((*at, key), shortcut, key, pod, partial=True)


def _argo_containers(pod: PodSpec) -> Iterator[Container]:
    spec, at = pod.spec, pod.path
    defaults = next((layer for layer in pod.inherits if layer.path[-1:] == ("templateDefaults",)), None)
    for i, c in _items(spec.get("initContainers")):
        yield Container((*at, "initContainers", i), c, "initContainers", pod, partial=pod.partial)
    for key in ("container", "script"):
        main = _map(spec.get(key))
        if main is not None:
            inherited = _map(defaults.data.get(key)) if defaults is not None else None
            layers = (Layer((*defaults.path, key), inherited),) if defaults and inherited is not None else ()
            yield Container((*at, key), main, key, pod, inherits=layers, partial=pod.partial)
    for i, c in _items(_dig(spec, ("containerSet", "containers"))):
        yield Container((*at, "containerSet", "containers", i), c, "containerSet", pod, partial=pod.partial)
    for i, c in _items(spec.get("sidecars")):
        yield Container((*at, "sidecars", i), c, "sidecars", pod, partial=pod.partial)


def all_containers(resource: Resource) -> Iterator[Container]:
    """Every container of every pod spec in ``resource``."""
    for pod in pod_specs(resource):
        yield from containers(pod)


def _security(data: Mapping[str, Any], path: FieldPath, key: str) -> Setting | None:
    context = _map(data.get("securityContext"))
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
