"""namespace-quota: a namespace runs pods but has no ResourceQuota or no LimitRange.

On a shared ML cluster the namespace is the unit of fairness.  A **ResourceQuota** caps what a
team can take - GPUs above all (``requests.nvidia.com/gpu``), but also CPU, memory, PVC storage
and object counts - so one runaway hyper-parameter sweep cannot starve everyone else or the
autoscaler's budget.  A **LimitRange** gives containers that declare nothing sane default
requests and limits (and bounds on what they may declare), so quota accounting works and no
container is BestEffort by accident; with a quota on CPU or memory, pods without requests are
refused unless a LimitRange fills them in.

Namespaces are found as for ``namespace-network-policy``: a namespace "runs pods" when a
workload among the inputs names it in ``metadata.namespace`` (objects without a namespace are
skipped).  A Kubeflow Profile with ``spec.resourceQuotaSpec`` counts as a ResourceQuota for its
namespace (the profile controller creates it).

Sub-checks ``missing-quota`` and ``missing-limitrange``, each reported on the ``name:`` of the
Namespace (or Profile) when it is among the inputs, otherwise on the ``namespace:`` line of the
namespace's first workload.

Options:

``exempt-namespaces`` (list, default ``["kube-system", "kube-public", "kube-node-lease"]``)
    Namespaces never reported.

PASS::

    apiVersion: v1
    kind: ResourceQuota
    metadata: {name: compute, namespace: research}
    spec:
      hard: {requests.cpu: "64", requests.memory: 256Gi, requests.nvidia.com/gpu: "8"}
    ---
    apiVersion: v1
    kind: LimitRange
    metadata: {name: defaults, namespace: research}
    spec:
      limits:
      - type: Container
        defaultRequest: {cpu: 100m, memory: 256Mi}
        default: {memory: 1Gi}

FAIL::

    apiVersion: v1
    kind: Namespace
    metadata: {name: research}      # <- reported twice: no ResourceQuota, no LimitRange
    ---
    apiVersion: kubeflow.org/v1
    kind: PyTorchJob
    metadata: {name: sweep, namespace: research}
    ...
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._namespaces import (
    DEFAULT_EXEMPT,
    NAMESPACE_KINDS,
    WORKLOAD_KINDS,
    NamespaceObject,
    PodNamespace,
    namespace_facts,
    namespaces_with_pods,
)
from gitops_gen.rules._util import mapping, strings
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "namespace-quota"
SEVERITY = Severity.LOW
CATEGORY = "tree"
DESCRIPTION = "Namespace runs pods but has no ResourceQuota or no LimitRange."
OPTIONS: dict[str, Option] = {
    "exempt-namespaces": Option(list[str], DEFAULT_EXEMPT),
}
KINDS = WORKLOAD_KINDS | NAMESPACE_KINDS | frozenset({"ResourceQuota", "LimitRange"})


@record
class Bounded:
    """Fact: ``namespace`` has a ResourceQuota (``kind="ResourceQuota"``) or a LimitRange."""

    namespace: str
    kind: str


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Bounded | PodNamespace | NamespaceObject]:
    if resource.api_version == "v1" and resource.namespace and resource.kind in ("ResourceQuota", "LimitRange"):
        yield Bounded(resource.namespace, resource.kind)
    if resource.kind == "Profile" and resource.group == "kubeflow.org" and resource.name \
            and mapping(resource.get(("spec", "resourceQuotaSpec"))):
        yield Bounded(resource.name, "ResourceQuota")  # the profile controller creates it
    yield from namespace_facts(resource)


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    quotas = {f.namespace for f in facts if isinstance(f, Bounded) and f.kind == "ResourceQuota"}
    limit_ranges = {f.namespace for f in facts if isinstance(f, Bounded) and f.kind == "LimitRange"}
    exempt = [n for _, n in strings(ctx.options.get("exempt-namespaces"))]
    for use in namespaces_with_pods(facts, exempt):
        where = f"namespace {use.name} runs pods but has no"
        if use.name not in quotas:
            yield Violation(f"{where} ResourceQuota: nothing caps the GPUs, CPU and memory it can take from "
                            "other teams", check="missing-quota", anchor=use.anchor)
        if use.name not in limit_ranges:
            yield Violation(f"{where} LimitRange: containers that declare no resources get no defaults "
                            "and run BestEffort", check="missing-limitrange", anchor=use.anchor)
