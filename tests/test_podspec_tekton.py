"""The pod-spec walker on Tekton: task specs as pods, stepTemplate inheritance, podTemplates."""

from __future__ import annotations

from pathlib import Path

import pytest
from podspec_helpers import layout, load

from gitops_gen.model import FieldPath
from gitops_gen.rules.podspec import (
    all_containers,
    container_setting,
    containers,
    pod_setting,
    pod_specs,
    scheduled_elsewhere,
)

TASK_SPEC = """
    stepTemplate:
      securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false}
      computeResources: {requests: {cpu: 100m}}
    steps:
    - name: build
      image: ghcr.io/acme/builder:1.0.0
    - name: push
      image: ghcr.io/acme/pusher:1.0.0
      securityContext: {runAsNonRoot: false}
    - name: shared
      ref: {name: git-clone}
    sidecars:
    - name: registry
      image: registry:2.8.3
    volumes: [{name: cache, emptyDir: {}}]
"""


def _task_layout(at: FieldPath) -> list[tuple[str, FieldPath]]:
    return [("stepTemplate", (*at, "stepTemplate")), ("steps", (*at, "steps", 0)), ("steps", (*at, "steps", 1)),
            ("steps", (*at, "steps", 2)), ("sidecars", (*at, "sidecars", 0))]


@pytest.mark.parametrize("kind", ["Task", "ClusterTask"])
def test_task_is_one_pod_of_steps_and_sidecars(tmp_path: Path, kind: str) -> None:
    body = TASK_SPEC.replace("\n    ", "\n  ")
    r = load(tmp_path, f"apiVersion: tekton.dev/v1\nkind: {kind}\nmetadata: {{name: t}}\nspec:{body}")
    assert layout(r) == [(("spec",), _task_layout(("spec",)))]
    pod = next(pod_specs(r))
    assert pod.owner == kind and pod.metadata_path == ("metadata",) and not pod.partial
    assert scheduled_elsewhere(r)
    template, build, push, shared, sidecar = all_containers(r)
    assert template.partial and template.label == "stepTemplate"
    assert (build.label, push.label, sidecar.label) == ('step "build"', 'step "push"', 'sidecar "registry"')
    assert not build.partial and not sidecar.partial
    assert shared.partial  # a StepAction reference: image, command and securityContext come from there
    # a step inherits what it lacks from the stepTemplate, field by field
    run_as = container_setting(build, "runAsNonRoot")
    assert run_as is not None and run_as.path == ("spec", "stepTemplate", "securityContext", "runAsNonRoot")
    own = container_setting(push, "runAsNonRoot")
    assert own is not None and own.value is False and own.path[:3] == ("spec", "steps", 1)
    escalation = container_setting(push, "allowPrivilegeEscalation")
    assert escalation is not None and escalation.path[:2] == ("spec", "stepTemplate")
    # sidecars do not get the stepTemplate
    assert container_setting(sidecar, "runAsNonRoot") is None
    assert template.resources_key == "computeResources"  # Tekton v1 (v1beta1: resources)


def test_task_run_pod_template_is_pod_defaults(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: run}
spec:
  podTemplate:
    securityContext: {runAsNonRoot: true, runAsUser: 1001}
    hostNetwork: true
    env: [{name: HTTP_PROXY, value: "http://proxy:3128"}]
  taskSpec:
    steps:
    - {name: build, image: ghcr.io/acme/builder:1.0.0}
""")
    template, task = pod_specs(r)
    assert (template.path, template.form, template.defaults_only) == (("spec", "podTemplate"), "pod-template", True)
    assert template.metadata_path == ("metadata",) and task.metadata_path is None
    assert list(containers(template)) == []
    assert task.path == ("spec", "taskSpec") and task.owner == "TaskRun taskSpec"
    assert not scheduled_elsewhere(r)
    run_as = pod_setting(task, "runAsNonRoot")
    assert run_as is not None and run_as.path == ("spec", "podTemplate", "securityContext", "runAsNonRoot")
    (step,) = all_containers(r)
    user = container_setting(step, "runAsUser")
    assert user is not None and user.value == 1001


def test_task_run_by_reference_has_only_its_pod_template(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: tekton.dev/v1
kind: TaskRun
metadata: {name: run}
spec:
  taskRef: {name: build}
""")
    assert layout(r) == []
    with_template = load(tmp_path, """
apiVersion: tekton.dev/v1beta1
kind: TaskRun
metadata: {name: run}
spec:
  taskRef: {name: build}
  podTemplate: {nodeSelector: {disktype: ssd}}
""")
    assert layout(with_template) == [(("spec", "podTemplate"), [])]


def test_pipeline_embedded_tasks_and_finally(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: tekton.dev/v1
kind: Pipeline
metadata: {name: p}
spec:
  tasks:
  - name: by-reference
    taskRef: {name: git-clone}
  - name: inline
    taskSpec:
      metadata: {annotations: {a: b}}
      stepTemplate: {image: ghcr.io/acme/base:1.0.0}
      steps: [{name: test, script: "make test"}]
  - name: custom
    taskSpec: {apiVersion: example.dev/v1, kind: Example, spec: {field: value}}
  - name: nested
    pipelineSpec:
      tasks:
      - name: deep
        taskSpec: {steps: [{name: d, image: alpine:3.20}]}
  finally:
  - name: notify
    taskSpec:
      steps: [{name: send, image: curlimages/curl:8.10.1}]
""")
    inline = ("spec", "tasks", 1, "taskSpec")
    deep = ("spec", "tasks", 3, "pipelineSpec", "tasks", 0, "taskSpec")
    notify = ("spec", "finally", 0, "taskSpec")
    assert layout(r) == [
        (inline, [("stepTemplate", (*inline, "stepTemplate")), ("steps", (*inline, "steps", 0))]),
        (deep, [("steps", (*deep, "steps", 0))]),
        (notify, [("steps", (*notify, "steps", 0))])]
    pods = list(pod_specs(r))
    assert [p.owner for p in pods] == ['Pipeline task "inline"', 'Pipeline task "nested" task "deep"',
                                       'Pipeline finally task "notify"']
    assert pods[0].metadata_path == (*inline, "metadata")
    assert scheduled_elsewhere(r)


@pytest.mark.parametrize(("default", "per_task"), [
    ("taskRunTemplate: {podTemplate: {securityContext: {runAsNonRoot: true}, tolerations: [{operator: Exists}]}}",
     "podTemplate"),  # v1
    ("podTemplate: {securityContext: {runAsNonRoot: true}, tolerations: [{operator: Exists}]}",
     "taskPodTemplate"),  # v1beta1
])
def test_pipeline_run_pod_templates(tmp_path: Path, default: str, per_task: str) -> None:
    r = load(tmp_path, f"""
apiVersion: tekton.dev/v1
kind: PipelineRun
metadata: {{name: run}}
spec:
  {default}
  taskRunSpecs:
  - pipelineTaskName: build
    {per_task}: {{securityContext: {{runAsUser: 1000}}}}
  pipelineSpec:
    tasks:
    - name: build
      taskSpec: {{steps: [{{name: b, image: ghcr.io/acme/b:1.0.0}}]}}
    finally:
    - name: report
      taskSpec: {{steps: [{{name: r, image: ghcr.io/acme/r:1.0.0}}]}}
""")
    default_template, task_template, build, report = pod_specs(r)
    assert default_template.defaults_only and task_template.defaults_only
    assert task_template.owner == 'PipelineRun task "build" podTemplate'
    assert build.owner == 'PipelineRun task "build"' and report.owner == 'PipelineRun finally task "report"'
    # the per-task template replaces the default's securityContext as a whole (Tekton merges by field)
    assert pod_setting(build, "runAsNonRoot") is None
    user = pod_setting(build, "runAsUser")
    assert user is not None and user.value == 1000
    run_as = pod_setting(report, "runAsNonRoot")
    assert run_as is not None and run_as.path[:2] == default_template.path[:2]
    # fields the per-task template leaves out come from the default one
    assert [layer.path for layer in build.inherits] == [task_template.path, default_template.path]


def test_step_action_is_one_partial_step(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: tekton.dev/v1beta1
kind: StepAction
metadata: {name: git-clone}
spec:
  image: ghcr.io/acme/git:2.45.0
  securityContext: {privileged: true}
  script: git clone "$(params.url)"
""")
    (pod,) = pod_specs(r)
    assert (pod.path, pod.spec, pod.partial, pod.form) == (("spec",), {}, True, "tekton-step")
    (step,) = all_containers(r)
    assert (step.path, step.group, step.partial, step.label) == (("spec",), "stepAction", True, "step")
    assert step.container["image"] == "ghcr.io/acme/git:2.45.0"


@pytest.mark.parametrize("text", [
    "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\nspec: [steps]\n",
    "apiVersion: tekton.dev/v1\nkind: Task\nmetadata: {name: t}\n"
    "spec: {steps: {name: a}, stepTemplate: [x], sidecars: [1, null]}\n",
    "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r}\nspec: {podTemplate: [x], taskSpec: 7}\n",
    "apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {name: p}\n"
    "spec: {tasks: {a: b}, finally: [null, {taskSpec: [1]}, {pipelineSpec: 3}]}\n",
    "apiVersion: tekton.dev/v1\nkind: PipelineRun\nmetadata: {name: p}\n"
    "spec: {taskRunSpecs: [{pipelineTaskName: 3, podTemplate: x}], pipelineSpec: {tasks: [{taskSpec: null}]}}\n",
    "apiVersion: tekton.dev/v1beta1\nkind: StepAction\nmetadata: {name: s}\nspec: image\n",
])
def test_junk_is_skipped_not_fatal(tmp_path: Path, text: str) -> None:
    r = load(tmp_path, text)
    for pod in pod_specs(r):
        list(containers(pod))
    assert all(isinstance(c.container, dict) for c in all_containers(r))


def test_pipelines_in_pipelines_are_bounded(tmp_path: Path) -> None:
    inner = "{tasks: [{name: leaf, taskSpec: {steps: [{name: s, image: alpine:3.20}]}}]}"
    for _ in range(8):
        inner = f"{{tasks: [{{name: n, pipelineSpec: {inner}}}]}}"
    r = load(tmp_path, f"apiVersion: tekton.dev/v1\nkind: Pipeline\nmetadata: {{name: p}}\nspec: {inner}\n")
    assert list(pod_specs(r)) == []
