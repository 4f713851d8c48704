"""The pod-spec walker on Argo Workflows (templates, inheritance), settings lookup, and junk input."""

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
)

ARGO_SPEC = """
  securityContext: {runAsNonRoot: true}
  volumes: [{name: v, emptyDir: {}}]
  templateDefaults:
    container: {securityContext: {allowPrivilegeEscalation: false}}
  templates:
  - name: a
    initContainers: [{name: init}]
    container: {image: x}
    sidecars: [{name: side}]
  - name: b
    script: {image: x, source: y}
  - name: c
    containerSet: {containers: [{name: one}, {name: two}]}
  - name: d
    steps: [[{name: s, template: a}]]
  - not-a-template
"""


@pytest.mark.parametrize("kind", ["Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"])
def test_argo_workflows(tmp_path: Path, kind: str) -> None:
    body = ARGO_SPEC.replace("\n  ", "\n    ") if kind == "CronWorkflow" else ARGO_SPEC
    head = "spec:\n  schedules: ['@daily']\n  workflowSpec:" if kind == "CronWorkflow" else "spec:"
    r = load(tmp_path, f"apiVersion: argoproj.io/v1alpha1\nkind: {kind}\nmetadata: {{name: w}}\n{head}{body}")
    w: FieldPath = ("spec", "workflowSpec") if kind == "CronWorkflow" else ("spec",)
    t = [(*w, "templates", i) for i in range(4)]
    assert layout(r) == [
        (w, []),
        ((*w, "templateDefaults"), [("container", (*w, "templateDefaults", "container"))]),
        (t[0], [("initContainers", (*t[0], "initContainers", 0)), ("container", (*t[0], "container")),
                ("sidecars", (*t[0], "sidecars", 0))]),
        (t[1], [("script", (*t[1], "script"))]),
        (t[2], [("containerSet", (*t[2], "containerSet", "containers", 0)),
                ("containerSet", (*t[2], "containerSet", "containers", 1))]),
        (t[3], [])]
    pods = list(pod_specs(r))
    assert pods[0].metadata_path == (*w, "podMetadata")
    assert pods[2].owner == f'{kind} template "a"'
    main = next(c for c in all_containers(r) if c.path == (*t[0], "container"))
    assert main.name == "main"
    # inherited settings, with the path of the line that set them
    run_as = container_setting(main, "runAsNonRoot")
    assert run_as is not None and run_as.value is True
    assert run_as.path == (*w, "securityContext", "runAsNonRoot")
    escalation = container_setting(main, "allowPrivilegeEscalation")
    assert escalation is not None
    assert escalation.path == (*w, "templateDefaults", "container", "securityContext",
                               "allowPrivilegeEscalation")
    sidecar = next(c for c in all_containers(r) if c.group == "sidecars")
    assert container_setting(sidecar, "allowPrivilegeEscalation") is None  # defaults apply to container only


def test_argo_template_security_context_replaces_the_workflows(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: w}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 1000}
  templates:
  - name: own
    securityContext: {runAsUser: 2000}
    container: {image: x}
""")
    template = list(pod_specs(r))[1]
    assert pod_setting(template, "runAsNonRoot") is None
    user = pod_setting(template, "runAsUser")
    assert user is not None and user.value == 2000
    assert user.path == ("spec", "templates", 0, "securityContext", "runAsUser")


def test_container_setting_prefers_the_container(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  containers:
  - name: a
    securityContext: {runAsNonRoot: false, allowPrivilegeEscalation: false}
  - name: b
""")
    a, b = all_containers(r)
    own, inherited = container_setting(a, "runAsNonRoot"), container_setting(b, "runAsNonRoot")
    assert own is not None and own.value is False and own.path == ("spec", "containers", 0, "securityContext",
                                                                  "runAsNonRoot")
    assert inherited is not None and inherited.path == ("spec", "securityContext", "runAsNonRoot")
    assert container_setting(b, "allowPrivilegeEscalation") is None  # not a pod-level field


@pytest.mark.parametrize("text", [
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: [1, 2]\n",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
    "spec: {containers: {name: a}, initContainers: [1, null, x]}\n",
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: [x]}\n",
    "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: 5}}\n",
    "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: j}\nspec: {pytorchReplicaSpecs: [a]}\n",
    "apiVersion: kubeflow.org/v1\nkind: PyTorchJob\nmetadata: {name: j}\n"
    "spec: {pytorchReplicaSpecs: {Worker: {template: {spec: null}}}}\n",
    "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: i}\n"
    "spec: {predictor: [x], transformer: {model: [y], containers: 3}}\n",
    "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\n"
    "spec: {templates: {a: b}, templateDefaults: [x]}\n",
    "apiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata: {name: w}\nspec: {workflowSpec: 3}\n",
    "apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata: {name: e}\n"
    "spec: {trialTemplate: {trialSpec: {kind: 7}}}\n",
    "apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\nmetadata: {name: t}\n"
    "spec: {runtimePatches: [{trainingRuntimeSpec: {template: {spec: {replicatedJobs: [null]}}}}],"
    " trainer: 3}\n",
    "apiVersion: machinelearning.seldon.io/v1\nkind: SeldonDeployment\nmetadata: {name: s}\n"
    "spec: {predictors: [{componentSpecs: [{spec: [1]}]}, 5]}\n",
])
def test_junk_is_skipped_not_fatal(tmp_path: Path, text: str) -> None:
    r = load(tmp_path, text)
    for pod in pod_specs(r):
        list(containers(pod))
    assert all(isinstance(c.container, dict) for c in all_containers(r))


def test_katib_nesting_is_bounded(tmp_path: Path) -> None:
    inner = "{apiVersion: v1, kind: Pod, spec: {containers: [{name: deep}]}}"
    for _ in range(6):
        inner = ("{apiVersion: kubeflow.org/v1beta1, kind: Experiment, "
                 f"spec: {{trialTemplate: {{trialSpec: {inner}}}}}}}")
    r = load(tmp_path, f"apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata: {{name: e}}\n"
                       f"spec: {{trialTemplate: {{trialSpec: {inner}}}}}\n")
    assert list(pod_specs(r)) == []
