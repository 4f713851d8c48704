"""Where Tekton (``tekton.dev``) keeps its pods, for the pod-spec walker (not a rule).

Each task runs as one pod, its ``steps`` and ``sidecars`` the containers:

- Task and ClusterTask: ``spec`` is the task spec;
- TaskRun: ``spec.taskSpec`` (or a ``taskRef``: the referenced Task is checked on its own);
- Pipeline: every ``spec.tasks[].taskSpec`` and ``spec.finally[].taskSpec`` (embedded task
  specs, with their own steps; ``taskRef`` tasks are checked where the Task is, a nested
  ``pipelineSpec`` is walked like the pipeline's own);
- PipelineRun: the same under ``spec.pipelineSpec``;
- StepAction: ``spec`` is one step, merged into the steps that reference it (``partial``).

A task spec's ``stepTemplate`` is a partial container merged field by field into every step
(Tekton uses a strategic merge): it is yielded once, ``partial``, so what it sets is reported
once, on its own lines, and each step lists it in ``inherits``, so what a step lacks is looked
up there.  A step with ``ref`` takes its image, command and securityContext from a StepAction:
it is ``partial`` too.

The pod-level fields of a run's pods are not in the task spec but in the run's ``podTemplate``
(TaskRun ``spec.podTemplate``; PipelineRun ``spec.taskRunTemplate.podTemplate`` - v1beta1
``spec.podTemplate`` - and, per pipeline task, ``spec.taskRunSpecs[].podTemplate`` - v1beta1
``taskPodTemplate`` - which wins over it field by field).  Each podTemplate is yielded once as
a ``pod-template`` pod (pod-level settings, no containers) and the task pods it applies to
inherit it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath
from gitops_gen.rules._podtypes import Container, Layer, PodSpec, dig
from gitops_gen.rules._util import items, mapping, text

TEKTON_GROUP = "tekton.dev"
_MAX_NESTING = 4  # pipelines in pipelines: stop somewhere


def task_pod(spec: Any, at: FieldPath, metadata: FieldPath | None, owner: str,
             inherits: tuple[Layer, ...] = ()) -> Iterator[PodSpec]:
    """The pod of one task spec at ``at`` (nothing for a custom task's ``spec`` or junk)."""
    task = mapping(spec)
    if task is None or (isinstance(task.get("spec"), Mapping) and "steps" not in task):
        return
    yield PodSpec(at, task, metadata, owner, form="tekton-task", inherits=inherits)


def tekton_containers(pod: PodSpec) -> Iterator[Container]:
    """stepTemplate (once, partial), then the steps (inheriting it), then the sidecars."""
    spec, at = pod.spec, pod.path
    template = mapping(spec.get("stepTemplate"))
    layers: tuple[Layer, ...] = ()
    if template is not None:
        yield Container((*at, "stepTemplate"), template, "stepTemplate", pod, partial=True)
        layers = (Layer((*at, "stepTemplate"), template),)
    for i, step in items(spec.get("steps")):
        by_reference = step.get("ref") is not None
        yield Container((*at, "steps", i), step, "steps", pod, inherits=layers,
                        partial=pod.partial or by_reference)
    for i, sidecar in items(spec.get("sidecars")):
        yield Container((*at, "sidecars", i), sidecar, "sidecars", pod, partial=pod.partial)


def task_pods(data: Mapping[str, Any], base: FieldPath, owner: str) -> Iterator[PodSpec]:
    """Task and ClusterTask: the spec is the task; labels and annotations reach its pods."""
    yield from task_pod(data.get("spec"), (*base, "spec"), (*base, "metadata"), owner)


def step_action_pods(data: Mapping[str, Any], base: FieldPath, owner: str) -> Iterator[PodSpec]:
    """StepAction: its spec is one step; it sets nothing pod-level (the pod's ``spec`` is empty)."""
    step = mapping(data.get("spec"))
    if step is None:
        return
    at = (*base, "spec")
    pod = PodSpec(at, {}, None, owner, form="tekton-step", partial=True)
    pod.memo["containers"] = (Container(at, step, "stepAction", pod, partial=True),)
    yield pod


def _pod_template(run: Mapping[str, Any], rel: FieldPath, base: FieldPath, metadata: FieldPath | None,
                  owner: str) -> tuple[PodSpec | None, tuple[Layer, ...]]:
    template = mapping(dig(run, rel))
    if template is None:
        return None, ()
    at = (*base, *rel)
    return PodSpec(at, template, metadata, f"{owner} podTemplate", form="pod-template"), (Layer(at, template),)


def task_run_pods(data: Mapping[str, Any], base: FieldPath, owner: str) -> Iterator[PodSpec]:
    """TaskRun: its podTemplate, then its embedded task spec (which inherits the podTemplate)."""
    metadata: FieldPath | None = (*base, "metadata")
    template, layers = _pod_template(data, ("spec", "podTemplate"), base, metadata, owner)
    if template is not None:
        yield template
        metadata = None  # the run's labels and annotations are reported once, with its first pod
    yield from task_pod(dig(data, ("spec", "taskSpec")), (*base, "spec", "taskSpec"), metadata, f"{owner} taskSpec",
                        layers)


def pipeline_pods(data: Mapping[str, Any], base: FieldPath, owner: str) -> Iterator[PodSpec]:
    yield from _pipeline_tasks(dig(data, ("spec",)), (*base, "spec"), owner, {}, (), 0)


def pipeline_run_pods(data: Mapping[str, Any], base: FieldPath, owner: str) -> Iterator[PodSpec]:
    """PipelineRun: its podTemplates (for every task, then per task), then the embedded pipeline."""
    metadata: FieldPath | None = (*base, "metadata")
    default: tuple[Layer, ...] = ()
    for rel in (("spec", "taskRunTemplate", "podTemplate"), ("spec", "podTemplate")):  # v1, v1beta1
        template, layers = _pod_template(data, rel, base, metadata, owner)
        if template is not None:
            yield template
            metadata, default = None, default + layers
    per_task: dict[str, tuple[Layer, ...]] = {}
    for i, task_run_spec in items(dig(data, ("spec", "taskRunSpecs"))):
        name = text(task_run_spec.get("pipelineTaskName")) or str(i)
        for key in ("podTemplate", "taskPodTemplate"):  # v1, v1beta1
            template, layers = _pod_template(data, ("spec", "taskRunSpecs", i, key), base, metadata,
                                             f'{owner} task "{name}"')
            if template is not None:
                yield template
                metadata = None
                per_task[name] = per_task.get(name, ()) + layers
    yield from _pipeline_tasks(dig(data, ("spec", "pipelineSpec")), (*base, "spec", "pipelineSpec"), owner,
                               per_task, default, 0)


def _pipeline_tasks(spec: Any, at: FieldPath, owner: str, per_task: Mapping[str, tuple[Layer, ...]],
                    default: tuple[Layer, ...], depth: int) -> Iterator[PodSpec]:
    pipeline = mapping(spec)
    if pipeline is None or depth > _MAX_NESTING:
        return
    for field, what in (("tasks", "task"), ("finally", "finally task")):
        for i, task in items(pipeline.get(field)):
            name = text(task.get("name")) or str(i)
            here = (*at, field, i)
            inherits = per_task.get(name, ()) + default
            yield from task_pod(task.get("taskSpec"), (*here, "taskSpec"), (*here, "taskSpec", "metadata"),
                                f'{owner} {what} "{name}"', inherits)
            yield from _pipeline_tasks(task.get("pipelineSpec"), (*here, "pipelineSpec"), f'{owner} {what} "{name}"',
                                       {}, inherits, depth + 1)
