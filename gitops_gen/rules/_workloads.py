"""The workload kinds the pod-spec walker knows: where each keeps its pods, and what it is.

Not a rule (the name starts with ``_``): the single source of workload kinds.  Rules never keep
their own lists; they take kinds and predicates from :mod:`gitops_gen.rules.podspec`, which
re-exports what is defined here (``WORKLOAD_KINDS``, ``POD_RUNNING_KINDS``, ``SERVING_KINDS``,
``SCALABLE_GROUPS``, :func:`workload_kind`), and a ``KINDS`` filter of a pod-walking rule is
derived from these sets.

A kind is looked up with its API group: an entry with ``any_group`` also answers for other
groups (a Deployment under ``extensions``, a DeploymentConfig under the legacy ``v1``); the
kinds whose names other APIs reuse (Job, CronJob, Experiment, Service, InferenceService, the
Tekton kinds) answer for their own group only.  Kinds not in the table are still walked when
they look like a workload: Kubeflow-style ``spec.<x>ReplicaSpecs``, or a ``spec.template.spec``
that holds ``containers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath
from gitops_gen.records import record
from gitops_gen.rules._crd_pods import (
    analysis_pods,
    argo_pods,
    kserve_pods,
    ray_pods,
    replicated_jobs,
    rollout_experiment_pods,
    seldon_pods,
    trainjob_pods,
    volcano_tasks,
)
from gitops_gen.rules._podtypes import PodSpec, dig, template_pod
from gitops_gen.rules._tekton_pods import (
    TEKTON_GROUP,
    pipeline_pods,
    pipeline_run_pods,
    step_action_pods,
    task_pods,
    task_run_pods,
)
from gitops_gen.rules._util import mapping

#: ``walk(data, base, owner, depth)``: the pod specs of the object ``data`` found at ``base``.
Walker = Callable[[Mapping[str, Any], FieldPath, str, int], Iterator[PodSpec]]
_MAX_NESTING = 4  # Katib trial specs inside trial specs: stop somewhere


@record
class WorkloadKind:
    """One kind the walker knows, and what its objects are."""

    kind: str
    #: Its API group (``""``: core); with ``any_group``, objects of other groups are walked the same.
    group: str
    walk: Walker
    any_group: bool = False
    #: Its objects make pods (False: templates and definitions that other objects instantiate).
    runs_pods: bool = True
    #: It makes pods even when none is written in it (a TaskRun with a ``taskRef``, a Rollout
    #: with a ``workloadRef``).
    by_reference: bool = False
    #: A long-running controller whose pods serve (what probes are for).
    serves: bool = False
    #: Its ``spec.replicas`` is the scale subresource an autoscaler (HPA, KEDA) writes.
    scalable: bool = False
    #: Pod definitions whose scheduling (tolerations, node selection) and pod-level settings the
    #: objects that use them supply: serving and training runtimes, Tekton Tasks and Pipelines.
    scheduled_elsewhere: bool = False


def _pod(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
    spec = mapping(data.get("spec"))
    if spec is not None:
        yield PodSpec((*base, "spec"), spec, (*base, "metadata"), owner)


def _template_at(*rel: str) -> Walker:
    def walk(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
        return template_pod(data, base, rel, f"{owner} pod template")
    return walk


_template = _template_at("spec", "template")


def _spec_walker(inner: Callable[[Mapping[str, Any], FieldPath, str], Iterator[PodSpec]],
                 *path: str) -> Walker:
    """A walker handing the mapping at ``path`` (and where it is) to ``inner``."""
    def walk(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
        found = mapping(dig(data, path))
        return inner(found, (*base, *path), owner) if found is not None else iter(())
    return walk


def _shallow(inner: Callable[[Mapping[str, Any], FieldPath, str], Iterator[PodSpec]]) -> Walker:
    def walk(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
        return inner(data, base, owner)
    return walk


def _serving_runtime(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
    spec = mapping(data.get("spec"))
    if spec is None:
        return
    yield PodSpec((*base, "spec"), spec, (*base, "spec"), f"{owner} pod")
    worker = mapping(spec.get("workerSpec"))
    if worker is not None:
        at = (*base, "spec", "workerSpec")
        yield PodSpec(at, worker, at, f"{owner} worker pod")


def _training_runtime(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
    yield from replicated_jobs(dig(data, ("spec", "template", "spec")), (*base, "spec", "template", "spec"), owner)


def _leader_worker_set(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
    for part in ("leaderTemplate", "workerTemplate"):
        yield from template_pod(data, base, ("spec", "leaderWorkerTemplate", part), f"{owner} {part}")


def _ray(kind: str) -> Walker:
    def walk(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
        return ray_pods(data, base, kind, owner)
    return walk


def _volcano(*job: str) -> Walker:
    def walk(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
        return volcano_tasks(data, base, job, owner)
    return walk


def _replica_specs(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
    """Kubeflow training operator v1: every ``spec.<x>ReplicaSpecs.<Type>.template``."""
    for key, replicas in (mapping(data.get("spec")) or {}).items():
        if isinstance(key, str) and key.endswith("ReplicaSpecs") and isinstance(replicas, Mapping):
            for rtype, replica in replicas.items():
                if isinstance(replica, Mapping):
                    yield from template_pod(data, base, ("spec", key, rtype, "template"), f"{owner} {rtype} replica")


def _katib(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
    """Katib Experiment: the trial spec is walked as an object of its own kind."""
    trial = mapping(dig(data, ("spec", "trialTemplate", "trialSpec")))
    if trial is None or depth >= _MAX_NESTING:
        return
    inner_kind, inner_api = trial.get("kind"), trial.get("apiVersion")
    if isinstance(inner_kind, str):
        inner_group = inner_api.rpartition("/")[0] if isinstance(inner_api, str) else ""
        at = (*base, "spec", "trialTemplate", "trialSpec")
        yield from walk(inner_kind, inner_group, trial, at, f"{owner} trial {inner_kind}", depth + 1)


def _unknown(data: Mapping[str, Any], base: FieldPath, owner: str, depth: int) -> Iterator[PodSpec]:
    """A kind not in the table: replica specs, else a ``spec.template.spec`` holding containers."""
    found = list(_replica_specs(data, base, owner, depth))
    if found:
        yield from found
        return
    template_spec = mapping(dig(data, ("spec", "template", "spec")))
    if template_spec is not None and isinstance(template_spec.get("containers"), list):
        yield from _template(data, base, owner, depth)


_TRAINING_JOBS = ("PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "PaddleJob", "JAXJob", "MXJob")

#: Every kind the walker knows.
WORKLOADS: tuple[WorkloadKind, ...] = (
    WorkloadKind("Pod", "", _pod, any_group=True),
    WorkloadKind("PodTemplate", "", _template_at("template"), runs_pods=False, any_group=True),
    WorkloadKind("Deployment", "apps", _template, serves=True, scalable=True, any_group=True),
    WorkloadKind("StatefulSet", "apps", _template, serves=True, scalable=True, any_group=True),
    WorkloadKind("DaemonSet", "apps", _template, serves=True, any_group=True),
    WorkloadKind("ReplicaSet", "apps", _template, serves=True, scalable=True, any_group=True),
    WorkloadKind("ReplicationController", "", _template, serves=True, scalable=True, any_group=True),
    WorkloadKind("DeploymentConfig", "apps.openshift.io", _template, serves=True, scalable=True, any_group=True),
    WorkloadKind("Job", "batch", _template, any_group=True),
    WorkloadKind("CronJob", "batch", _template_at("spec", "jobTemplate", "spec", "template"), any_group=True),
    WorkloadKind("Rollout", "argoproj.io", _template, by_reference=True, serves=True, scalable=True, any_group=True),
    WorkloadKind("Experiment", "argoproj.io", _shallow(rollout_experiment_pods)),
    WorkloadKind("AnalysisRun", "argoproj.io", _shallow(analysis_pods)),
    WorkloadKind("AnalysisTemplate", "argoproj.io", _shallow(analysis_pods), runs_pods=False),
    WorkloadKind("ClusterAnalysisTemplate", "argoproj.io", _shallow(analysis_pods), runs_pods=False),
    WorkloadKind("Workflow", "argoproj.io", _spec_walker(argo_pods, "spec"), any_group=True),
    WorkloadKind("CronWorkflow", "argoproj.io", _spec_walker(argo_pods, "spec", "workflowSpec"), any_group=True),
    WorkloadKind("WorkflowTemplate", "argoproj.io", _spec_walker(argo_pods, "spec"), runs_pods=False, any_group=True),
    WorkloadKind("ClusterWorkflowTemplate", "argoproj.io", _spec_walker(argo_pods, "spec"), runs_pods=False,
                 any_group=True),
    WorkloadKind("Task", TEKTON_GROUP, _shallow(task_pods), runs_pods=False, scheduled_elsewhere=True),
    WorkloadKind("ClusterTask", TEKTON_GROUP, _shallow(task_pods), runs_pods=False, scheduled_elsewhere=True),
    WorkloadKind("Pipeline", TEKTON_GROUP, _shallow(pipeline_pods), runs_pods=False, scheduled_elsewhere=True),
    WorkloadKind("StepAction", TEKTON_GROUP, _shallow(step_action_pods), runs_pods=False,
                 scheduled_elsewhere=True),
    WorkloadKind("TaskRun", TEKTON_GROUP, _shallow(task_run_pods), by_reference=True),
    WorkloadKind("PipelineRun", TEKTON_GROUP, _shallow(pipeline_run_pods), by_reference=True),
    WorkloadKind("Job", "batch.volcano.sh", _volcano("spec")),
    WorkloadKind("CronJob", "batch.volcano.sh", _volcano("spec", "jobTemplate", "spec")),
    WorkloadKind("JobTemplate", "flow.volcano.sh", _volcano("spec"), runs_pods=False),
    WorkloadKind("Notebook", "kubeflow.org", _template, any_group=True),
    WorkloadKind("Service", "serving.knative.dev", _template),
    *(WorkloadKind(kind, "kubeflow.org", _replica_specs, any_group=True) for kind in _TRAINING_JOBS),
    WorkloadKind("Experiment", "kubeflow.org", _katib),
    WorkloadKind("TrainJob", "trainer.kubeflow.org", _spec_walker(trainjob_pods, "spec"), any_group=True),
    WorkloadKind("TrainingRuntime", "trainer.kubeflow.org", _training_runtime, runs_pods=False,
                 scheduled_elsewhere=True, any_group=True),
    WorkloadKind("ClusterTrainingRuntime", "trainer.kubeflow.org", _training_runtime, runs_pods=False,
                 scheduled_elsewhere=True, any_group=True),
    WorkloadKind("InferenceService", "serving.kserve.io", _spec_walker(kserve_pods, "spec"), serves=True),
    WorkloadKind("ServingRuntime", "serving.kserve.io", _serving_runtime, runs_pods=False, serves=True,
                 scheduled_elsewhere=True, any_group=True),
    WorkloadKind("ClusterServingRuntime", "serving.kserve.io", _serving_runtime, runs_pods=False, serves=True,
                 scheduled_elsewhere=True, any_group=True),
    WorkloadKind("SeldonDeployment", "machinelearning.seldon.io", _spec_walker(seldon_pods, "spec"),
                 serves=True, any_group=True),
    WorkloadKind("JobSet", "jobset.x-k8s.io", _spec_walker(replicated_jobs, "spec"), any_group=True),
    WorkloadKind("LeaderWorkerSet", "leaderworkerset.x-k8s.io", _leader_worker_set, scalable=True, any_group=True),
    *(WorkloadKind(kind, "ray.io", _ray(kind), any_group=True) for kind in ("RayCluster", "RayJob", "RayService")),
    WorkloadKind("ScaledJob", "keda.sh", _template_at("spec", "jobTargetRef", "template"), any_group=True),
)

_BY_GROUP = {(w.kind, w.group): w for w in WORKLOADS}
_BY_KIND = {w.kind: w for w in WORKLOADS if w.any_group}

#: Every kind name the walker knows (objects of other kinds are walked only when they look like
#: a workload; see the module documentation).
WORKLOAD_KINDS = frozenset(w.kind for w in WORKLOADS)
#: Kinds whose objects make pods (not templates or definitions).
POD_RUNNING_KINDS = frozenset(w.kind for w in WORKLOADS if w.runs_pods)
#: Long-running controllers whose pods serve (probes matter).
SERVING_KINDS = frozenset(w.kind for w in WORKLOADS if w.serves)
#: Kinds an autoscaler scales through ``spec.replicas``, with their API group.
SCALABLE_GROUPS: Mapping[str, str] = {w.kind: w.group for w in WORKLOADS if w.scalable}


def workload_kind(kind: str, group: str) -> WorkloadKind | None:
    """The table entry for objects of ``kind`` in API ``group`` (None: a kind the walker does not know)."""
    return _BY_GROUP.get((kind, group)) or _BY_KIND.get(kind)


def walk(kind: str, group: str, data: Mapping[str, Any], base: FieldPath, owner: str,
         depth: int) -> Iterator[PodSpec]:
    """The pod specs of the object ``data`` (of ``kind`` and ``group``) found at ``base``."""
    entry = workload_kind(kind, group)
    return (entry.walk if entry is not None else _unknown)(data, base, owner, depth)
