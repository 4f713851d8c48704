"""The walker's table of kinds: OpenShift, Argo Rollouts analyses and experiments, Volcano, and
the kind sets and predicates every pod-walking rule takes from it."""

from __future__ import annotations

from pathlib import Path

import pytest
from podspec_helpers import layout, load

from gitops_gen.rules import all_rules
from gitops_gen.rules._namespaces import WORKLOAD_KINDS as NAMESPACE_WORKLOAD_KINDS
from gitops_gen.rules._workloads import WORKLOADS
from gitops_gen.rules.podspec import (
    POD_RUNNING_KINDS,
    SCALABLE_GROUPS,
    SERVING_KINDS,
    WORKLOAD_KINDS,
    pod_specs,
    runs_pods,
    scheduled_elsewhere,
    serves,
    workload_kind,
)

T = ("spec", "template", "spec")


@pytest.mark.parametrize("api", ["apps.openshift.io/v1", "v1"])
def test_deployment_config_is_walked_like_a_deployment(tmp_path: Path, api: str) -> None:
    r = load(tmp_path, f"""
apiVersion: {api}
kind: DeploymentConfig
metadata: {{name: app}}
spec:
  replicas: 2
  template:
    metadata: {{labels: {{app: app}}}}
    spec:
      containers: [{{name: app, image: quay.io/acme/app:1.0.0}}]
""")
    assert layout(r) == [(T, [("containers", (*T, "containers", 0))])]
    assert next(pod_specs(r)).owner == "DeploymentConfig pod template"
    assert serves(r) and runs_pods(r)
    # like a Deployment, a pod template without containers is still the pod (an invalid one)
    bare = load(tmp_path, f"apiVersion: {api}\nkind: DeploymentConfig\nmetadata: {{name: a}}\n"
                          "spec: {template: {spec: {hostIPC: true}}}\n")
    assert layout(bare) == [(T, [])]


@pytest.mark.parametrize("kind", ["AnalysisTemplate", "ClusterAnalysisTemplate", "AnalysisRun"])
def test_argo_rollouts_analysis_jobs(tmp_path: Path, kind: str) -> None:
    r = load(tmp_path, f"""
apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata: {{name: a}}
spec:
  metrics:
  - name: error-rate
    provider: {{prometheus: {{query: "up"}}}}
  - name: load-test
    provider:
      job:
        spec:
          template:
            metadata: {{annotations: {{linkerd.io/inject: enabled}}}}
            spec:
              containers: [{{name: wrk, image: ghcr.io/acme/wrk:1.0.0}}]
""")
    at = ("spec", "metrics", 1, "provider", "job", "spec", "template", "spec")
    assert layout(r) == [(at, [("containers", (*at, "containers", 0))])]
    pod = next(pod_specs(r))
    assert pod.owner == f"{kind} metric load-test job"
    assert pod.metadata_path == ("spec", "metrics", 1, "provider", "job", "spec", "template", "metadata")
    assert runs_pods(r) == (kind == "AnalysisRun")


def test_argo_rollouts_experiment_is_not_katib(tmp_path: Path) -> None:
    r = load(tmp_path, """
apiVersion: argoproj.io/v1alpha1
kind: Experiment
metadata: {name: e}
spec:
  templates:
  - name: baseline
    template: {spec: {containers: [{name: app, image: ghcr.io/acme/app:1.0.0}]}}
  - name: canary
    template: {spec: {containers: [{name: app, image: ghcr.io/acme/app:1.1.0}]}}
""")
    first, second = (("spec", "templates", i, "template", "spec") for i in (0, 1))
    assert layout(r) == [(first, [("containers", (*first, "containers", 0))]),
                         (second, [("containers", (*second, "containers", 0))])]
    assert [p.owner for p in pod_specs(r)] == ["Experiment template baseline", "Experiment template canary"]


@pytest.mark.parametrize(("kind", "api", "job"), [
    ("CronJob", "batch.volcano.sh/v1alpha1", ("spec", "jobTemplate", "spec")),
    ("Job", "batch.volcano.sh/v1alpha1", ("spec",)),
    ("JobTemplate", "flow.volcano.sh/v1alpha1", ("spec",)),
])
def test_volcano_tasks(tmp_path: Path, kind: str, api: str, job: tuple[str, ...]) -> None:
    tasks = "tasks:\n- name: ps\n  template: {spec: {containers: [{name: ps}]}}\n" \
            "- name: worker\n  template: {spec: {initContainers: [{name: i}], containers: [{name: w}]}}\n"
    indent = "  " * len(job)
    body = "".join(f"{indent}{line}\n" for line in tasks.splitlines())
    head = "spec:\n  schedule: '@hourly'\n  jobTemplate:\n    spec:\n" if kind == "CronJob" else "spec:\n"
    r = load(tmp_path, f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: v}}\n{head}{body}")
    ps, worker = ((*job, "tasks", i, "template", "spec") for i in (0, 1))
    assert layout(r) == [(ps, [("containers", (*ps, "containers", 0))]),
                         (worker, [("initContainers", (*worker, "initContainers", 0)),
                                   ("containers", (*worker, "containers", 0))])]
    assert [p.owner for p in pod_specs(r)] == [f"{kind} task ps", f"{kind} task worker"]


def test_batch_cronjob_is_still_a_batch_cronjob(tmp_path: Path) -> None:
    r = load(tmp_path, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\n"
                       "spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: a}]}}}}}\n")
    at = ("spec", "jobTemplate", "spec", "template", "spec")
    assert layout(r) == [(at, [("containers", (*at, "containers", 0))])]


def test_kind_sets_come_from_one_table() -> None:
    assert {w.kind for w in WORKLOADS} == WORKLOAD_KINDS
    assert POD_RUNNING_KINDS < WORKLOAD_KINDS and SERVING_KINDS < WORKLOAD_KINDS
    assert {"DeploymentConfig", "TaskRun", "PipelineRun", "AnalysisRun"} <= POD_RUNNING_KINDS
    assert not {"Task", "Pipeline", "StepAction", "AnalysisTemplate", "PodTemplate"} & POD_RUNNING_KINDS
    assert {"Deployment", "DeploymentConfig", "Rollout", "InferenceService"} <= SERVING_KINDS
    assert not {"Job", "CronJob", "Workflow", "TaskRun", "Notebook", "Pod"} & SERVING_KINDS
    assert SCALABLE_GROUPS["DeploymentConfig"] == "apps.openshift.io" and SCALABLE_GROUPS["Deployment"] == "apps"
    assert NAMESPACE_WORKLOAD_KINDS is POD_RUNNING_KINDS
    # kind names other APIs reuse answer for their own group only
    task = workload_kind("Task", "tekton.dev")
    assert task is not None and task.scheduled_elsewhere
    assert workload_kind("Task", "example.com") is None
    assert workload_kind("Service", "") is None
    volcano = workload_kind("CronJob", "batch.volcano.sh")
    assert volcano is not None and volcano.group == "batch.volcano.sh"
    batch = workload_kind("CronJob", "batch")
    assert batch is not None and batch.group == "batch"


def test_no_pod_walking_rule_keeps_its_own_kind_list() -> None:
    """A KINDS filter that names a workload kind is the walker's (or a set derived from it)."""
    for info in all_rules().values():
        named = (info.kinds or frozenset()) & WORKLOAD_KINDS
        if named:
            derived = [s for s in (WORKLOAD_KINDS, POD_RUNNING_KINDS, SERVING_KINDS, frozenset(SCALABLE_GROUPS))
                       if s <= (info.kinds or frozenset())]
            assert derived and named == max(derived, key=len), f"{info.id} keeps its own workload kinds: {named}"


@pytest.mark.parametrize(("text", "expected"), [
    ("apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r}\nspec: {taskRef: {name: t}}\n", True),
    ("apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\n"
     "spec: {workloadRef: {apiVersion: apps/v1, kind: Deployment, name: api}}\n", True),
    ("apiVersion: argoproj.io/v1alpha1\nkind: AnalysisRun\nmetadata: {name: a}\n"
     "spec: {metrics: [{name: m, provider: {prometheus: {query: up}}}]}\n", False),
    ("apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n", False),
    ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n", False),
])
def test_runs_pods(tmp_path: Path, text: str, expected: bool) -> None:
    assert runs_pods(load(tmp_path, text)) is expected


def test_scheduled_elsewhere(tmp_path: Path) -> None:
    runtime = load(tmp_path, "apiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\nmetadata: {name: s}\n"
                             "spec: {containers: [{name: c}]}\n")
    task_run = load(tmp_path, "apiVersion: tekton.dev/v1\nkind: TaskRun\nmetadata: {name: r}\n"
                              "spec: {taskSpec: {steps: [{name: s}]}}\n")
    assert scheduled_elsewhere(runtime) and not scheduled_elsewhere(task_run)
