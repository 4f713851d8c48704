"""The pod-spec walker finds every pod spec and container, with exact paths, in every kind it knows."""

from __future__ import annotations

from pathlib import Path

import pytest
from podspec_helpers import layout, load

from gitops_gen.rules.podspec import (
    all_containers,
    pod_specs,
)

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
metadata: {name: nb}
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
