"""replicas-not-spread: a workload runs several replicas but nothing spreads them over nodes or
zones.

The scheduler places pods where they fit best, which is often the same node: three replicas on
one node are one replica as far as a node drain, a kernel panic or a reclaimed spot instance is
concerned.  ``topologySpreadConstraints`` (or pod anti-affinity on the node or zone) make the
replicas survive what they were added for.  Polaris ``topologySpreadConstraint``, kube-linter
``no-anti-affinity``, Kyverno ``topologyspreadconstraints-policy`` and kube-score "has host
PodAntiAffinity" report the same.

A workload is judged when it runs at least ``min-replicas`` replicas: ``spec.replicas`` (1 when
unset), or, when an HPA or ScaledObject scales it, the autoscaler's minimum.  Workloads:
Deployments, StatefulSets, ReplicaSets, ReplicationControllers, DeploymentConfigs, Argo Rollouts
and KServe InferenceServices (``minReplicas`` of the predictor).  It is spread when a pod spec
sets a ``topologySpreadConstraints`` entry, or a pod anti-affinity term (required or preferred)
whose ``topologyKey`` is ``kubernetes.io/hostname`` or a zone key
(``topology.kubernetes.io/zone``, ``failure-domain.beta.kubernetes.io/zone``).  Tree rule:
autoscalers are matched to their targets.  The finding is on ``replicas:`` (on
``metadata.name`` when unset).

Sub-check ``no-spread``.  Severity ``low``: on by default as advice, since small clusters and
single-zone setups rightly ignore it, and it never fails the default gate.

Options:

``min-replicas`` (int, default ``2``)
    Judge workloads from this many replicas (``1``: every workload, as Polaris).

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      replicas: 3
      selector: {matchLabels: {app: model-server}}
      template:
        metadata: {labels: {app: model-server}}
        spec:
          topologySpreadConstraints:
          - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
             labelSelector: {matchLabels: {app: model-server}}}
          containers: [...]

FAIL::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      replicas: 3                   # <- reported
      selector: {matchLabels: {app: model-server}}
      template:
        metadata: {labels: {app: model-server}}
        spec:
          containers: [...]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._availability import (
    AUTOSCALER_KINDS,
    Autoscaler,
    Workload,
    autoscaled,
    autoscaler_fact,
    of_type,
    workload_fact,
)
from gitops_gen.rules._podtypes import dig
from gitops_gen.rules._util import items
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import SERVING_KINDS, pod_specs

ID = "replicas-not-spread"
SEVERITY = Severity.LOW
CATEGORY = "availability"
DESCRIPTION = "Several replicas without topologySpreadConstraints or pod anti-affinity on node or zone."
OPTIONS: dict[str, Option] = {
    "min-replicas": Option(int, 2, "judge workloads from this many replicas"),
}
KINDS = SERVING_KINDS | AUTOSCALER_KINDS  # collect keeps the replicated ones and InferenceServices
_KEYS = frozenset({"kubernetes.io/hostname", "topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"})


def _spread(spec: Mapping[str, Any]) -> bool:
    if any(True for _ in items(spec.get("topologySpreadConstraints"))):
        return True
    anti = dig(spec, ("affinity", "podAntiAffinity"))
    if not isinstance(anti, Mapping):
        return False
    for _, term in items(anti.get("requiredDuringSchedulingIgnoredDuringExecution")):
        if term.get("topologyKey") in _KEYS:
            return True
    for _, weighted in items(anti.get("preferredDuringSchedulingIgnoredDuringExecution")):
        if dig(weighted, ("podAffinityTerm", "topologyKey")) in _KEYS:
            return True
    return False


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Workload | Autoscaler]:
    if resource.kind in AUTOSCALER_KINDS:
        scaler = autoscaler_fact(resource)
        if scaler is not None:
            yield scaler
        return
    specs = [pod for pod in pod_specs(resource) if not pod.partial and not pod.defaults_only]
    if not specs or any(_spread(pod.spec) for pod in specs):
        return  # spread (or nothing to spread): never reported, no fact needed
    workload = workload_fact(resource)
    if workload is not None:
        yield workload


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    floor = ctx.options.get("min-replicas", 2)
    workloads: list[Workload] = list(of_type(facts, Workload))
    owned = autoscaled(workloads, of_type(facts, Autoscaler))
    for workload in workloads:
        scaler = owned.get(id(workload))
        count = scaler.minimum if scaler is not None else workload.replicas
        if count is None or count < floor or count == 0:
            continue
        how = f"at least {count} replicas ({scaler.label})" if scaler is not None else f"{count} replica(s)"
        yield Violation(f"{workload.kind} {workload.name} runs {how} with nothing spreading them: the scheduler "
                        "may put them on one node, which one drain or failure takes down; add "
                        "topologySpreadConstraints or pod anti-affinity on the hostname or zone",
                        check="no-spread", anchor=workload.anchor)
