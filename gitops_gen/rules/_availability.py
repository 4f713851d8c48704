"""Facts about replicas, autoscalers and disruption budgets, for the availability tree rules
(``min-replicas``, ``replicas-not-spread``, ``pod-disruption-budget``; not a rule: the name starts
with ``_``).

Each rule's ``collect`` turns a resource into these small, picklable facts (with anchors), and
its ``check_tree`` pairs them: which autoscaler scales which workload (:func:`autoscaled`), how
many replicas a workload runs at least (an autoscaler's minimum wins over ``spec.replicas``,
which it overwrites).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from gitops_gen.model import Resource
from gitops_gen.records import record
from gitops_gen.rules._selectors import PodLabels, Selector, label_selector, replicas, workload_pods
from gitops_gen.rules._util import mapping, text
from gitops_gen.rules.base import Anchor, anchor
from gitops_gen.rules.podspec import SCALABLE_GROUPS, SERVING_KINDS

#: Workloads judged by replica count: long-running controllers scaled through ``spec.replicas``.
REPLICATED_KINDS = frozenset(SCALABLE_GROUPS) & SERVING_KINDS
AUTOSCALER_KINDS = frozenset({"HorizontalPodAutoscaler", "ScaledObject"})


@record
class Workload:
    """Fact: a replicated workload (or InferenceService) and the pods it makes."""

    kind: str
    name: str
    namespace: str | None
    #: ``spec.replicas`` (1 when unset), None when it is not a number (templated).
    replicas: int | None
    #: True when ``spec.replicas`` is written.
    replicas_set: bool
    pods: tuple[PodLabels, ...]
    #: The workload's ``spec.replicas`` when written, else its ``metadata.name``.
    anchor: Anchor


@record
class Autoscaler:
    """Fact: an HPA or KEDA ScaledObject scales ``kind``/``name`` with at least ``minimum`` replicas."""

    kind: str
    name: str
    namespace: str | None
    #: The minimum; None when it is not a number.  KEDA: None when unset (0, scale to zero).
    minimum: int | None
    label: str
    #: ``spec.minReplicas`` (``minReplicaCount``) when written, else the autoscaler's ``spec``.
    anchor: Anchor | None = None


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def workload_fact(resource: Resource) -> Workload | None:
    """The :class:`Workload` of a replicated workload or InferenceService (None for others):
    one object per resource, which the three availability rules share (one anchor located, one
    fact pickled)."""
    if "workload_fact" not in resource.memo:
        resource.memo["workload_fact"] = _workload_fact(resource)
    found: Workload | None = resource.memo["workload_fact"]
    return found


def _workload_fact(resource: Resource) -> Workload | None:
    if not resource.name or resource.kind not in REPLICATED_KINDS | {"InferenceService"}:
        return None
    if resource.kind == "InferenceService":
        if resource.group != "serving.kserve.io":
            return None
        low = resource.get(("spec", "predictor", "minReplicas"))
        count = 1 if low is None else _number(low)
        at = ("spec", "predictor", "minReplicas") if low is not None else ("metadata", "name")
        return Workload(resource.kind, resource.name, resource.namespace, count, low is not None,
                        workload_pods(resource), anchor(resource, at))
    written = resource.get(("spec", "replicas")) is not None
    at = ("spec", "replicas") if written else ("metadata", "name")
    return Workload(resource.kind, resource.name, resource.namespace, replicas(resource), written,
                    workload_pods(resource), anchor(resource, at, at_value=written))


def autoscaler_fact(resource: Resource) -> Autoscaler | None:
    """The :class:`Autoscaler` of an HPA or ScaledObject (None for others or without a target):
    one object per resource, shared as :func:`workload_fact`'s."""
    if "autoscaler_fact" not in resource.memo:
        resource.memo["autoscaler_fact"] = _autoscaler_fact(resource)
    found: Autoscaler | None = resource.memo["autoscaler_fact"]
    return found


def _autoscaler_fact(resource: Resource) -> Autoscaler | None:
    if resource.kind == "HorizontalPodAutoscaler" and resource.group == "autoscaling":
        field, default_kind, default_min = "minReplicas", None, 1
    elif resource.kind == "ScaledObject" and resource.group == "keda.sh":
        field, default_kind, default_min = "minReplicaCount", "Deployment", None
    else:
        return None
    ref = mapping(resource.get(("spec", "scaleTargetRef"))) or {}
    name, kind = text(ref.get("name")), text(ref.get("kind")) or default_kind
    if not name or not kind:
        return None
    value = resource.get(("spec", field))
    minimum = default_min if value is None else _number(value)
    at = ("spec", field) if value is not None else ("spec",)
    label = f"{resource.kind} {resource.name or '<unnamed>'}"
    return Autoscaler(kind, name, resource.namespace, minimum, label, anchor(resource, at, at_value=value is not None))


def same_namespace(a: str | None, b: str | None) -> bool:
    """Objects without a namespace go wherever the destination says: they match any."""
    return a is None or b is None or a == b


def autoscaled(workloads: Iterable[Workload], scalers: Iterable[Autoscaler]) -> dict[int, Autoscaler]:
    """``id(workload)`` -> the first autoscaler that scales it."""
    by_target: dict[tuple[str, str], list[Autoscaler]] = {}
    for scaler in scalers:
        by_target.setdefault((scaler.kind, scaler.name), []).append(scaler)
    found: dict[int, Autoscaler] = {}
    for workload in workloads:
        for scaler in by_target.get((workload.kind, workload.name), []):
            if same_namespace(scaler.namespace, workload.namespace):
                found[id(workload)] = scaler
                break
    return found


def pdb_selector(resource: Resource) -> Selector | None:
    """A PodDisruptionBudget's ``spec.selector`` (None when absent or malformed)."""
    return label_selector(resource.get(("spec", "selector")))


def of_type(facts: Iterable[Any], kind: type) -> Iterator[Any]:
    return (f for f in facts if isinstance(f, kind))
