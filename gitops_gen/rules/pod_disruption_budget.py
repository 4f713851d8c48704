"""pod-disruption-budget: a replicated workload has no PodDisruptionBudget, or its budget allows no
eviction at all.

Node drains (cluster upgrades, Karpenter or the cluster autoscaler consolidating GPU nodes) evict
pods through the eviction API, which honours PodDisruptionBudgets.  Without a budget a drain may
evict every replica of a service at once; with a budget that allows no eviction, the drain
hangs until someone deletes the budget by hand - the upgrade window passes, and the expensive
GPU node the autoscaler wanted to remove keeps running.  Polaris, kube-linter, Kyverno and
kube-score all check both sides.

Sub-checks:

``missing``          a Deployment, StatefulSet, ReplicaSet, ReplicationController,
                     DeploymentConfig or Argo Rollout running at least ``min-replicas`` replicas
                     (``spec.replicas``, 1 when unset; an autoscaler's minimum when one scales
                     it), or a KServe InferenceService (unless its predictor scales to zero), whose
                     pods no PodDisruptionBudget of its namespace selects.  On ``replicas:`` (on
                     ``metadata.name`` when unset).  Severity ``low``.
``blocks-eviction``  a budget that can never allow an eviction: ``maxUnavailable: 0`` (or
                     ``0%``), ``minAvailable: 100%``, or a ``minAvailable`` at least the replicas
                     of the workloads it selects (none of them autoscaled).  On the field's value.
                     Severity ``medium``: it blocks every drain.
``above-hpa-min``    ``minAvailable`` at least the minimum of the autoscaler that scales a
                     selected workload (a percentage is taken of that minimum, rounded up): at the
                     minimum, no pod may be evicted.  Severity ``medium``.

Matching: a budget's ``spec.selector`` against the labels of the pod template (an empty
selector selects every pod of the namespace; pods of operators such as KServe carry labels the
manifest does not show, and a selector key missing from the template is then taken as met).
Objects without a namespace match any (the Argo CD destination decides).  Tree rule.

Why these severities: a missing budget is advice (``low``: on by default, never failing the
default gate); a budget that blocks eviction breaks cluster operations (``medium``).

Options:

``min-replicas`` (int, default ``2``)
    A budget is wanted from this many replicas (``1``: every workload, as Polaris and kube-score).

PASS::

    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: model-server, namespace: serving}
    spec:
      replicas: 3
      selector: {matchLabels: {app: model-server}}
      template:
        metadata: {labels: {app: model-server}}
        ...
    ---
    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: model-server, namespace: serving}
    spec:
      maxUnavailable: 1
      selector: {matchLabels: {app: model-server}}

FAIL::

    apiVersion: policy/v1
    kind: PodDisruptionBudget
    metadata: {name: model-server, namespace: serving}
    spec:
      minAvailable: 3               # <- reported (blocks-eviction): the Deployment has 3 replicas
      selector: {matchLabels: {app: model-server}}
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._availability import (
    AUTOSCALER_KINDS,
    Autoscaler,
    Workload,
    autoscaled,
    autoscaler_fact,
    of_type,
    pdb_selector,
    workload_fact,
)
from gitops_gen.rules._selectors import PodIndex, PodLabels, Selector
from gitops_gen.rules.base import Anchor, Option, RuleContext, Violation, anchor
from gitops_gen.rules.podspec import SERVING_KINDS

ID = "pod-disruption-budget"
SEVERITY = Severity.LOW
CATEGORY = "availability"
DESCRIPTION = "Replicated workload without a PodDisruptionBudget, or a budget that allows no eviction."
OPTIONS: dict[str, Option] = {
    "min-replicas": Option(int, 2, "a budget is wanted from this many replicas"),
}
KINDS = SERVING_KINDS | AUTOSCALER_KINDS | {"PodDisruptionBudget"}
CHECK_SEVERITIES = {"blocks-eviction": Severity.MEDIUM, "above-hpa-min": Severity.MEDIUM}


@record
class Budget:
    """Fact: a PodDisruptionBudget, its selector and its one limit (``field``: which)."""

    name: str
    namespace: str | None
    selector: Selector | None
    field: str | None
    #: The limit: an int, or a percentage as a string ending in ``%``; None when absent.
    value: int | str | None
    #: The limit's value when written, else the budget's ``spec``.
    anchor: Anchor


def _budget(resource: Resource) -> Budget | None:
    if resource.group != "policy":
        return None
    field = next((f for f in ("maxUnavailable", "minAvailable") if resource.get(("spec", f)) is not None), None)
    value = resource.get(("spec", field)) if field else None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        value = None
    at = anchor(resource, ("spec", field), at_value=True) if field else anchor(resource, ("spec",))
    return Budget(resource.name or "<unnamed>", resource.namespace, pdb_selector(resource), field, value, at)


def _percent(value: int | str | None) -> int | None:
    if isinstance(value, str) and value.endswith("%") and value[:-1].strip().isdigit():
        return int(value[:-1])
    return None


def _needed(value: int | str | None, total: int) -> int | None:
    """How many pods ``minAvailable: value`` keeps out of ``total`` (None: cannot tell)."""
    if isinstance(value, int):
        return value
    percent = _percent(value)
    return math.ceil(percent * total / 100) if percent is not None else None


def collect(resource: Resource, ctx: RuleContext) -> Iterator[Workload | Autoscaler | Budget]:
    if resource.kind == "PodDisruptionBudget":
        budget = _budget(resource)
        if budget is not None:
            yield budget
    elif resource.kind in AUTOSCALER_KINDS:
        scaler = autoscaler_fact(resource)
        if scaler is not None:
            yield scaler
    else:
        workload = workload_fact(resource)
        if workload is not None:
            yield workload


def _blocking(budget: Budget, selected: list[Workload], owned: dict[int, Autoscaler]) -> Iterator[Violation]:
    name = f"PodDisruptionBudget {budget.name}"
    if budget.field == "maxUnavailable":
        if budget.value == 0 or _percent(budget.value) == 0:
            yield Violation(f"{name} allows no pod to be unavailable: every node drain stops at its pods; allow at "
                            "least 1", check="blocks-eviction", anchor=budget.anchor)
        return
    if budget.field != "minAvailable":
        return
    if _percent(budget.value) == 100:
        yield Violation(f"{name} keeps 100% of its pods available: every node drain stops at them; use "
                        "maxUnavailable: 1", check="blocks-eviction", anchor=budget.anchor)
        return
    scaled = [w for w in selected if id(w) in owned]
    for workload in scaled:
        scaler = owned[id(workload)]
        needed = _needed(budget.value, scaler.minimum) if scaler.minimum else None
        if needed is not None and scaler.minimum is not None and needed >= scaler.minimum:
            yield Violation(f"{name} keeps {needed} pod(s) available, and {scaler.label} may scale {workload.kind} "
                            f"{workload.name} down to {scaler.minimum}: at that size no pod can be evicted; lower "
                            "minAvailable or use maxUnavailable", check="above-hpa-min", anchor=budget.anchor)
            return
    if scaled or not selected or any(w.replicas is None for w in selected):
        return
    total = sum(w.replicas or 0 for w in selected)
    needed = _needed(budget.value, total)
    if total > 0 and needed is not None and needed >= total:
        names = ", ".join(f"{w.kind} {w.name}" for w in selected[:3])
        yield Violation(f"{name} keeps {needed} pod(s) available out of the {total} of {names}: no pod can ever be "
                        "evicted, so node drains hang; lower minAvailable or use maxUnavailable: 1",
                        check="blocks-eviction", anchor=budget.anchor)


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    floor = ctx.options.get("min-replicas", 2)
    budgets: list[Budget] = list(of_type(facts, Budget))
    workloads: list[Workload] = list(of_type(facts, Workload))
    owned = autoscaled(workloads, of_type(facts, Autoscaler))
    index = PodIndex((w.namespace, pod.labels, pod.open, i) for i, w in enumerate(workloads)
                     for pod in (w.pods or (PodLabels((), False, ()),)))
    covered: set[int] = set()
    selections: list[list[Workload]] = []
    for budget in budgets:
        if budget.selector is None:
            found: list[int] = []
        elif budget.selector.empty:
            found = list(dict.fromkeys(index.in_namespace(budget.namespace)))
        else:
            found = list(dict.fromkeys(index.matching(budget.selector, budget.namespace)))
        covered.update(found)
        selections.append([workloads[i] for i in sorted(found)])
    for i, workload in enumerate(workloads):
        scaler = owned.get(id(workload))
        count = scaler.minimum if scaler is not None else workload.replicas
        if count is None or count == 0 or i in covered:
            continue
        if workload.kind != "InferenceService" and count < floor:
            continue
        shown = f"{count} replica(s)" if workload.kind != "InferenceService" else "a model server"
        yield Violation(f"{workload.kind} {workload.name} runs {shown} but no PodDisruptionBudget selects its pods: "
                        "a node drain may evict them all at once; add a budget with maxUnavailable: 1",
                        check="missing", anchor=workload.anchor)
    for budget, selected in zip(budgets, selections, strict=True):
        yield from _blocking(budget, selected, owned)
