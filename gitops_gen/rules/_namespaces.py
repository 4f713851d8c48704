"""Which namespaces run pods, for the namespace-* tree rules (not a rule: starts with ``_``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from gitops_gen.model import FieldPath, Resource
from gitops_gen.rules._util import source_order
from gitops_gen.rules.podspec import pod_specs

#: Kinds whose objects run pods, as the pod-spec walker knows them (tree rules receive only
#: these, plus the kinds they look for, to keep memory flat).
WORKLOAD_KINDS = frozenset({
    "Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CronJob",
    "Rollout", "Notebook", "Service", "PyTorchJob", "TFJob", "MPIJob", "XGBoostJob", "PaddleJob", "JAXJob",
    "MXJob", "TrainJob", "Experiment", "InferenceService", "SeldonDeployment", "Workflow", "CronWorkflow",
    "JobSet", "RayCluster", "RayJob", "RayService", "LeaderWorkerSet", "ScaledJob",
})
#: The objects that stand for a namespace: the Namespace itself, or a Kubeflow Profile (which
#: creates the namespace of its name).
NAMESPACE_KINDS = frozenset({"Namespace", "Profile"})
DEFAULT_EXEMPT = ["kube-system", "kube-public", "kube-node-lease"]


@dataclass(frozen=True, slots=True)
class NamespaceUse:
    """A namespace that runs pods: where to report about it."""

    name: str
    resource: Resource
    path: FieldPath
    at_value: bool


def runs_pods(resource: Resource) -> bool:
    return resource.kind in WORKLOAD_KINDS and any(True for _ in pod_specs(resource))


def namespace_object(resource: Resource) -> str | None:
    """The namespace a Namespace (``v1``) or Kubeflow Profile object stands for."""
    if resource.kind == "Namespace" and resource.api_version == "v1":
        return resource.name
    if resource.kind == "Profile" and resource.group == "kubeflow.org":
        return resource.name
    return None


def namespaces_with_pods(resources: Sequence[Resource], exempt: Iterable[str]) -> list[NamespaceUse]:
    """Namespaces whose (explicitly namespaced) workloads run pods, in source order, each with the
    line to report on: the name of its Namespace (or Profile) when among the inputs, else the
    ``metadata.namespace`` of its first workload.  Workloads without a namespace are skipped: the
    destination decides where they go."""
    skip = set(exempt)
    resources = source_order(resources)
    objects: dict[str, Resource] = {}
    for resource in resources:
        name = namespace_object(resource)
        if name and name not in objects:
            objects[name] = resource
    found: dict[str, NamespaceUse] = {}
    for resource in resources:
        ns = resource.namespace
        if ns is None or ns in found or ns in skip or not runs_pods(resource):
            continue
        holder = objects.get(ns)
        found[ns] = (NamespaceUse(ns, holder, ("metadata", "name"), True) if holder is not None
                     else NamespaceUse(ns, resource, ("metadata", "namespace"), True))
    return list(found.values())
