"""Where custom resources keep their pods: Kubeflow Trainer, KServe, Seldon, Argo Workflows, Ray,
Argo Rollouts analyses and experiments, Volcano.

Part of the pod-spec walker (:mod:`gitops_gen.rules.podspec` dispatches here by kind); not a rule.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath
from gitops_gen.rules._podtypes import Layer, PodSpec, dig, template_pod
from gitops_gen.rules._util import items, mapping

KSERVE_COMPONENTS = ("predictor", "transformer", "explainer")


def replicated_jobs(spec: Any, at: FieldPath, owner: str, partial: bool = False) -> Iterator[PodSpec]:
    """JobSet-shaped ``replicatedJobs[].template.spec.template`` under the mapping ``spec`` at ``at``."""
    if not isinstance(spec, Mapping):
        return
    for j, job in items(spec.get("replicatedJobs")):
        name = job.get("name")
        yield from template_pod(spec, at, ("replicatedJobs", j, "template", "spec", "template"),
                                f"{owner} replicated job {name or j}", partial)


def trainjob_pods(spec: Mapping[str, Any], at: FieldPath, owner: str) -> Iterator[PodSpec]:
    for i, patch in items(spec.get("runtimePatches")):  # Trainer v2.3+
        yield from replicated_jobs(dig(patch, ("trainingRuntimeSpec", "template", "spec")),
                                   (*at, "runtimePatches", i, "trainingRuntimeSpec", "template", "spec"),
                                    f"{owner} runtime patch", partial=True)
    for i, override in items(spec.get("podTemplateOverrides")):  # Trainer v2.1/v2.2
        inner = mapping(override.get("spec"))
        if inner is not None:
            here = (*at, "podTemplateOverrides", i)
            yield PodSpec((*here, "spec"), inner, (*here, "metadata"), f"{owner} pod template override",
                          partial=True)
    for i, override in items(spec.get("podSpecOverrides")):  # Trainer v2.0
        yield PodSpec((*at, "podSpecOverrides", i), override, None, f"{owner} pod spec override",
                      partial=True)
    if isinstance(spec.get("trainer"), Mapping):
        yield PodSpec(at, spec, None, f"{owner} trainer", form="trainjob", partial=True)


def kserve_pods(spec: Mapping[str, Any], at: FieldPath, owner: str) -> Iterator[PodSpec]:
    for component in KSERVE_COMPONENTS:
        comp = mapping(spec.get(component))
        if comp is None:
            continue
        yield PodSpec((*at, component), comp, (*at, component), f"{owner} {component}", form="kserve")
        worker = mapping(comp.get("workerSpec"))
        if worker is not None:
            yield PodSpec((*at, component, "workerSpec"), worker, None, f"{owner} {component} workerSpec")


def seldon_pods(spec: Mapping[str, Any], at: FieldPath, owner: str) -> Iterator[PodSpec]:
    for i, predictor in items(spec.get("predictors")):
        name = predictor.get("name") or i
        for j, component in items(predictor.get("componentSpecs")):
            inner = mapping(component.get("spec"))
            if inner is not None:
                yield PodSpec((*at, "predictors", i, "componentSpecs", j, "spec"), inner,
                              (*at, "predictors", i, "componentSpecs", j, "metadata"),
                              f"{owner} predictor {name} component {j}")
        explainer = mapping(predictor.get("explainer"))
        if explainer is not None and isinstance(explainer.get("containerSpec"), Mapping):
            yield PodSpec((*at, "predictors", i, "explainer"), explainer, None,
                          f"{owner} predictor {name} explainer", form="seldon-explainer", partial=True)


def ray_pods(data: Mapping[str, Any], base: FieldPath, kind: str, owner: str) -> Iterator[PodSpec]:
    cluster: FieldPath = {"RayCluster": ("spec",), "RayJob": ("spec", "rayClusterSpec"),
                          "RayService": ("spec", "rayClusterConfig")}[kind]
    yield from template_pod(data, base, (*cluster, "headGroupSpec", "template"), f"{owner} head group")
    groups = dig(data, (*cluster, "workerGroupSpecs"))
    for i, group in items(groups):
        name = group.get("groupName") or i
        yield from template_pod(data, base, (*cluster, "workerGroupSpecs", i, "template"),
                                f"{owner} worker group {name}")
    if kind == "RayJob":
        yield from template_pod(data, base, ("spec", "submitterPodTemplate"), f"{owner} submitter")


def argo_pods(wf: Mapping[str, Any], at: FieldPath, owner: str) -> Iterator[PodSpec]:
    """The workflow spec (pod defaults), templateDefaults, then each template as one pod."""
    workflow = PodSpec(at, wf, (*at, "podMetadata"), f"{owner} pod defaults", form="argo-workflow")
    yield workflow
    chain: tuple[Layer, ...] = (Layer(at, wf),)
    defaults = mapping(wf.get("templateDefaults"))
    if defaults is not None:
        yield PodSpec((*at, "templateDefaults"), defaults, (*at, "templateDefaults", "metadata"),
                      f"{owner} templateDefaults", form="argo-template", inherits=chain, partial=True)
        chain = (Layer((*at, "templateDefaults"), defaults, merged=True), *chain)
    for i, template in items(wf.get("templates")):
        name = template.get("name")
        label = f'template "{name}"' if isinstance(name, str) else f"template {i}"
        yield PodSpec((*at, "templates", i), template, (*at, "templates", i, "metadata"), f"{owner} {label}",
                      form="argo-template", inherits=chain)


def volcano_tasks(data: Mapping[str, Any], base: FieldPath, job: FieldPath, owner: str) -> Iterator[PodSpec]:
    """A Volcano job spec at ``job``: each ``tasks[].template`` is a pod."""
    for i, task in items(dig(data, (*job, "tasks"))):
        name = task.get("name")
        yield from template_pod(data, base, (*job, "tasks", i, "template"), f"{owner} task {name or i}")


def analysis_pods(data: Mapping[str, Any], base: FieldPath, owner: str) -> Iterator[PodSpec]:
    """Argo Rollouts AnalysisTemplate / ClusterAnalysisTemplate / AnalysisRun: each metric with a
    ``job`` provider runs a Job, whose pod is at ``provider.job.spec.template``."""
    for i, metric in items(dig(data, ("spec", "metrics"))):
        name = metric.get("name")
        yield from template_pod(data, base, ("spec", "metrics", i, "provider", "job", "spec", "template"),
                                f"{owner} metric {name or i} job")


def rollout_experiment_pods(data: Mapping[str, Any], base: FieldPath, owner: str) -> Iterator[PodSpec]:
    """Argo Rollouts Experiment: each ``spec.templates[]`` is a ReplicaSet with a pod template."""
    for i, template in items(dig(data, ("spec", "templates"))):
        name = template.get("name")
        yield from template_pod(data, base, ("spec", "templates", i, "template"), f"{owner} template {name or i}")
