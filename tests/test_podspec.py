"""The pod-spec walker finds every pod spec and container, with exact paths, in every kind it knows."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import FieldPath, Resource
from gitops_gen.rules.podspec import (
    all_containers,
    container_setting,
    containers,
    pod_setting,
    pod_specs,
)


def load(tmp_path: Path, text: str) -> Resource:
    path = tmp_path / "m.yaml"
    path.write_text(text)
    result = load_file(SourceFile(str(path), "m.yaml"))
    assert not result.findings, result.findings
    assert len(result.resources) == 1
    return result.resources[0]


def layout(resource: Resource) -> list[tuple[FieldPath, list[tuple[str, FieldPath]]]]:
    """Each pod's path with its containers' (group, path)."""
    return [(pod.path, [(c.group, c.path) for c in containers(pod)]) for pod in pod_specs(resource)]


T = ("spec", "template", "spec")


@pytest.mark.parametrize("kind", ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
                                  "ReplicationController", "Job"])
def test_template_workloads(tmp_path: Path, kind: str) -> None:
    api = {"ReplicationController": "v1", "Job": "batch/v1"}.get(kind, "apps/v1")
    r = load(tmp_path, f"""
apiVersion: {api}
kind: {kind}
metadata: {{name: w}}
spec:
  template:
    metadata: {{labels: {{app: w}}}}
    spec:
      initContainers: [{{name: i}}]
      containers: [{{name: a}}, {{name: b}}]
""")
    assert layout(r) == [(T, [("initContainers", (*T, "initContainers", 0)),
                              ("containers", (*T, "containers", 0)),
                              ("containers", (*T, "containers", 1))])]
    pod = next(pod_specs(r))
    assert pod.metadata_path == ("spec", "template", "metadata")
    assert pod.owner == f"{kind} pod template"
    assert [c.name for c in all_containers(r)] == ["i", "a", "b"]


def test_pod_with_ephemeral_containers(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers: [{name: a}]
  ephemeralContainers: [{name: e}]
""")
    assert layout(r) == [(("spec",), [("containers", ("spec", "containers", 0)),
                                      ("ephemeralContainers", ("spec", "ephemeralContainers", 0))])]
    assert next(pod_specs(r)).metadata_path == ("metadata",)


def test_cronjob_and_podtemplate(tmp_path: Path) -> None:
    cron = load(tmp_path, """
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  schedule: "@daily"
  jobTemplate: {spec: {template: {spec: {containers: [{name: a}]}}}}
""")
    at = ("spec", "jobTemplate", "spec", "template", "spec")
    assert layout(cron) == [(at, [("containers", (*at, "containers", 0))])]
    assert next(pod_specs(cron)).metadata_path == ("spec", "jobTemplate", "spec", "template", "metadata")
    template = load(tmp_path, """
apiVersion: v1
kind: PodTemplate
metadata: {name: t}
template: {spec: {containers: [{name: a}]}}
""")
    at = ("template", "spec")
    assert layout(template) == [(at, [("containers", (*at, "containers", 0))])]


def test_rollout_and_workload_ref(tmp_path: Path) -> None:
    rollout = load(tmp_path, """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: r}
spec: {template: {spec: {containers: [{name: a}]}}}
""")
    assert layout(rollout) == [(T, [("containers", (*T, "containers", 0))])]
    ref_only = load(tmp_path, """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: r}
spec: {workloadRef: {apiVersion: apps/v1, kind: Deployment, name: api}}
""")
    assert layout(ref_only) == []


@pytest.mark.parametrize(("kind", "key"), [
    ("PyTorchJob", "pytorchReplicaSpecs"), ("TFJob", "tfReplicaSpecs"), ("MPIJob", "mpiReplicaSpecs"),
    ("XGBoostJob", "xgbReplicaSpecs"), ("PaddleJob", "paddleReplicaSpecs"), ("JAXJob", "jaxReplicaSpecs")])
def test_training_operator_jobs(tmp_path: Path, kind: str, key: str) -> None:
    r = load(tmp_path, f"""
apiVersion: kubeflow.org/v1
kind: {kind}
metadata: {{name: j}}
spec:
  {key}:
    Master: {{replicas: 1, template: {{spec: {{containers: [{{name: m}}]}}}}}}
    Worker:
      replicas: 3
      template:
        spec:
          initContainers: [{{name: wait}}]
          containers: [{{name: w}}, {{name: sidecar}}]
    Broken: 7
""")
    master, worker = (("spec", key, t, "template", "spec") for t in ("Master", "Worker"))
    assert layout(r) == [
        (master, [("containers", (*master, "containers", 0))]),
        (worker, [("initContainers", (*worker, "initContainers", 0)),
                  ("containers", (*worker, "containers", 0)),
                  ("containers", (*worker, "containers", 1))])]
    assert [p.owner for p in pod_specs(r)] == [f"{kind} Master replica", f"{kind} Worker replica"]
    assert next(pod_specs(r)).metadata_path == ("spec", key, "Master", "template", "metadata")


def test_notebook_and_unknown_custom_resource(tmp_path: Path) -> None:
    notebook = load(tmp_path, """
apiVersion: kubeflow.org/v1
kind: Notebook
metadata: {name: n}
spec: {template: {spec: {containers: [{name: lab}]}}}
""")
    assert layout(notebook) == [(T, [("containers", (*T, "containers", 0))])]
    custom = load(tmp_path, """
apiVersion: example.com/v1
kind: Whatever
metadata: {name: x}
spec: {template: {spec: {containers: [{name: a}]}}}
""")
    assert layout(custom) == [(T, [("containers", (*T, "containers", 0))])]
    not_a_pod = load(tmp_path, """
apiVersion: example.com/v1
kind: Whatever
metadata: {name: x}
spec: {template: {spec: {replicas: 3}}}
""")
    assert layout(not_a_pod) == []


def test_trainjob(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: trainer.kubeflow.org/v1alpha1
kind: TrainJob
metadata: {name: t}
spec:
  runtimeRef: {name: torch-distributed}
  trainer: {image: ghcr.io/acme/train:1.0.0, numNodes: 2}
  runtimePatches:
  - manager: kueue.x-k8s.io/manager
    trainingRuntimeSpec:
      template:
        spec:
          replicatedJobs:
          - name: node
            template: {spec: {template: {spec: {containers: [{name: node}], initContainers: [{name: i}]}}}}
""")
    patch = ("spec", "runtimePatches", 0, "trainingRuntimeSpec", "template", "spec", "replicatedJobs", 0,
             "template", "spec", "template", "spec")
    assert layout(r) == [
        (patch, [("initContainers", (*patch, "initContainers", 0)),
                 ("containers", (*patch, "containers", 0))]),
        (("spec",), [("trainer", ("spec", "trainer"))])]
    assert all(p.partial for p in pod_specs(r))
    assert all(c.partial for c in all_containers(r))
    assert [c.name for c in all_containers(r)] == ["i", "node", "node"]


def test_training_runtime(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: trainer.kubeflow.org/v1alpha1
kind: ClusterTrainingRuntime
metadata: {name: torch-distributed}
spec:
  template:
    spec:
      replicatedJobs:
      - name: node
        template: {spec: {template: {spec: {containers: [{name: node}]}}}}
""")
    at = ("spec", "template", "spec", "replicatedJobs", 0, "template", "spec", "template", "spec")
    assert layout(r) == [(at, [("containers", (*at, "containers", 0))])]
    assert not next(pod_specs(r)).partial


def test_katib_experiment_recurses_into_the_trial_kind(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata: {name: e}
spec:
  trialTemplate:
    primaryContainerName: training
    trialSpec:
      apiVersion: kubeflow.org/v1
      kind: PyTorchJob
      spec:
        pytorchReplicaSpecs:
          Master: {template: {spec: {containers: [{name: training}]}}}
""")
    at = ("spec", "trialTemplate", "trialSpec", "spec", "pytorchReplicaSpecs", "Master", "template", "spec")
    assert layout(r) == [(at, [("containers", (*at, "containers", 0))])]
    assert next(pod_specs(r)).owner == "Experiment trial PyTorchJob Master replica"


def test_inference_service(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: i}
spec:
  predictor:
    securityContext: {runAsNonRoot: true}
    model: {modelFormat: {name: sklearn}}
    containers: [{name: side}]
    workerSpec: {containers: [{name: w}]}
  transformer:
    containers: [{name: t}]
  explainer:
    art: {type: SquareAttack}
""")
    p, t, e = ("spec", "predictor"), ("spec", "transformer"), ("spec", "explainer")
    assert layout(r) == [
        (p, [("containers", (*p, "containers", 0)), ("model", (*p, "model"))]),
        ((*p, "workerSpec"), [("containers", (*p, "workerSpec", "containers", 0))]),
        (t, [("containers", (*t, "containers", 0))]),
        (e, [("art", (*e, "art"))])]
    names = {c.path: (c.name, c.partial) for c in all_containers(r)}
    assert names[(*p, "model")] == ("kserve-container", True)
    assert names[(*p, "containers", 0)] == ("side", False)
    assert next(pod_specs(r)).metadata_path == p  # annotations are inline on the component


@pytest.mark.parametrize("framework", ["sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx",
                                       "huggingface", "lightgbm", "pmml", "paddle"])
def test_inference_service_framework_shortcuts(tmp_path: Path, framework: str) -> None:
    r = load(tmp_path, f"""
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: i}}
spec:
  predictor:
    {framework}: {{storageUri: "gs://bucket/model"}}
""")
    assert layout(r) == [(("spec", "predictor"), [(framework, ("spec", "predictor", framework))])]


def test_serving_runtime(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {name: s}
spec:
  supportedModelFormats: [{name: sklearn}]
  containers: [{name: kserve-container, image: x}]
  workerSpec: {containers: [{name: worker}]}
""")
    assert layout(r) == [(("spec",), [("containers", ("spec", "containers", 0))]),
                         (("spec", "workerSpec"), [("containers", ("spec", "workerSpec", "containers", 0))])]


def test_seldon_deployment(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: {name: s}
spec:
  predictors:
  - name: main
    graph: {name: clf}
    componentSpecs:
    - spec: {containers: [{name: clf}, {name: transformer}]}
    - spec: {containers: [{name: other}]}
    explainer: {type: AnchorTabular, containerSpec: {name: explainer}}
""")
    c0 = ("spec", "predictors", 0, "componentSpecs", 0, "spec")
    c1 = ("spec", "predictors", 0, "componentSpecs", 1, "spec")
    ex = ("spec", "predictors", 0, "explainer")
    assert layout(r) == [(c0, [("containers", (*c0, "containers", 0)),
                               ("containers", (*c0, "containers", 1))]),
                         (c1, [("containers", (*c1, "containers", 0))]),
                         (ex, [("explainer", (*ex, "containerSpec"))])]


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
