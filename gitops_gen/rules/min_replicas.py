"""min-replicas: a Deployment or StatefulSet, or the autoscaler that scales it, runs fewer replicas
than the floor.

One replica is one node away from an outage: a drain for a node upgrade, a spot GPU node taken
back, an OOM kill, and the service is gone until a new pod is scheduled (and, for a model
server, has loaded its weights).  Polaris ``deploymentMissingReplicas`` / ``hpaMinAvailability``,
kube-linter ``minimum-three-replicas`` / ``hpa-minimum-three-replicas``, Kyverno
``require-deployments-have-multiple-replicas`` and kube-score "Deployment Replicas" /
"HorizontalPodAutoscaler Replicas" report the same.

Sub-checks:

``workload``  ``spec.replicas`` (1 when unset) below ``minimum``, for the ``kinds`` listed; a
              workload an HPA or ScaledObject scales is judged by the autoscaler instead (it
              overwrites ``spec.replicas``; see ``hpa-replicas-conflict``).  ``replicas: 0`` is a
              workload parked on purpose and is not reported.
``hpa``       a HorizontalPodAutoscaler's ``minReplicas`` (1 when unset), or a KEDA
              ScaledObject's ``minReplicaCount`` when written and not 0 (0, KEDA's default, is
              scale-to-zero: a deliberate cost choice for idle GPU servers, as is an HPA's
              ``minReplicas: 0`` where that feature is on), below ``minimum``.

Findings are on ``replicas:`` / ``minReplicas:`` (on ``metadata.name`` / ``spec`` when unset).
Tree rule: matches autoscalers to their targets by kind, name and namespace.

Severity ``low``, and **off in the default preset, on in ``strict``**: one replica is the right
choice for many controllers, development environments and expensive GPU servers, so the floor
is a policy a team opts into (kube-linter also ships its check off).

Options:

``minimum`` (int, default ``2``)
    The fewest replicas a workload or autoscaler may run.
``kinds`` (list, default ``[Deployment, StatefulSet]``)
    Workload kinds judged by ``spec.replicas`` (also: ``Rollout``, ``DeploymentConfig``,
    ``ReplicaSet``, ``ReplicationController``).

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      replicas: 3
      ...

FAIL::

    apiVersion: autoscaling/v2
    kind: HorizontalPodAutoscaler
    metadata: {name: model-server, namespace: serving}
    spec:
      scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: model-server}
      minReplicas: 1                # <- reported (hpa)
      maxReplicas: 10
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._availability import (
    AUTOSCALER_KINDS,
    REPLICATED_KINDS,
    Autoscaler,
    Workload,
    autoscaled,
    autoscaler_fact,
    of_type,
    workload_fact,
)
from gitops_gen.rules._selectors import replicas
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import SERVING_KINDS

ID = "min-replicas"
SEVERITY = Severity.LOW
CATEGORY = "availability"
DESCRIPTION = "Deployment/StatefulSet replicas or HPA/ScaledObject minimum below the floor (strict preset)."


def _kinds_problem(kinds: list[str]) -> str | None:
    unknown = sorted(set(kinds) - REPLICATED_KINDS)
    return f"unknown kind(s) {unknown} (known: {', '.join(sorted(REPLICATED_KINDS))})" if unknown else None


OPTIONS: dict[str, Option] = {
    "minimum": Option(int, 2, "the fewest replicas a workload or autoscaler may run"),
    "kinds": Option(list[str], ["Deployment", "StatefulSet"], "workload kinds judged by spec.replicas",
                    check=_kinds_problem),
}
KINDS = SERVING_KINDS | AUTOSCALER_KINDS  # collect keeps the configured kinds


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Workload | Autoscaler]:
    if resource.kind in AUTOSCALER_KINDS:
        scaler = autoscaler_fact(resource)
        if scaler is not None:
            yield scaler
    elif resource.kind in (ctx.options.get("kinds") or ()):
        count = replicas(resource)
        if count is not None and 0 < count < ctx.options.get("minimum", 2):  # only these can be reported
            workload = workload_fact(resource)
            if workload is not None:
                yield workload


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    minimum = ctx.options.get("minimum", 2)
    scalers: list[Autoscaler] = list(of_type(facts, Autoscaler))
    workloads: list[Workload] = list(of_type(facts, Workload))
    owned = autoscaled(workloads, scalers)
    for fact in facts:
        if isinstance(fact, Autoscaler):
            if fact.minimum is not None and 0 < fact.minimum < minimum and fact.anchor is not None:
                yield Violation(f"{fact.label} lets {fact.kind} {fact.name} scale down to {fact.minimum} "
                                f"replica(s), below the floor of {minimum}: one lost node takes it down",
                                check="hpa", anchor=fact.anchor)
        elif isinstance(fact, Workload) and id(fact) not in owned:
            count = fact.replicas
            if count is not None and 0 < count < minimum:
                shown = f"{count} replica(s)" if fact.replicas_set else "1 replica (replicas is unset)"
                yield Violation(f"{fact.kind} {fact.name} runs {shown}, below the floor of {minimum}: one lost "
                                "node takes it down; run more, or scale it with an autoscaler",
                                check="workload", anchor=fact.anchor)
