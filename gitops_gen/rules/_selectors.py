"""Label selectors and the pods workloads make, for the tree rules that match one against the
other (not a rule: the name starts with ``_``).

A :class:`Selector` is a Kubernetes label selector (``matchLabels`` + ``matchExpressions``, or a
Service's plain map) held as a small hashable value, so tree rules can put it in their facts.
:func:`workload_pods` gives, for one resource, the label sets its pods carry and whether an
operator adds labels of its own (a KServe InferenceService's pods carry
``serving.kserve.io/inferenceservice: <name>``; a training operator adds its job labels).  A
selector key the manifest does not show is taken as met when a controller adds it to every pod
(``pod-template-hash``, ``statefulset.kubernetes.io/pod-name``, ``job-name``...), or, for
``open`` pods, when an operator of the walker's kinds adds it (its API group as the key's
prefix, or its well-known names): a Service or policy written against those labels is never
called dangling, while a plain typo still is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, Generic, TypeVar

from gitops_gen.labels import SELECTOR_OPERATORS, requirement_met
from gitops_gen.model import FieldPath, Resource
from gitops_gen.records import record
from gitops_gen.rules._podtypes import dig
from gitops_gen.rules._util import items, mapping, strings, templated
from gitops_gen.rules.podspec import pod_specs, runs_pods

Labels = tuple[tuple[str, str], ...]

#: Label keys (a trailing ``/``: a prefix) Kubernetes controllers add to the pods they make.
_CONTROLLER_KEYS = ("pod-template-hash", "controller-revision-hash", "rollouts-pod-template-hash", "job-name",
                    "controller-uid", "statefulset.kubernetes.io/", "apps.kubernetes.io/", "batch.kubernetes.io/")
#: Label keys the operators of the walker's custom kinds add to their pods.
_OPERATOR_KEYS = ("training.kubeflow.org/", "trainer.kubeflow.org/", "kubeflow.org/", "katib.kubeflow.org/",
                  "serving.kserve.io/", "workflows.argoproj.io/", "tekton.dev/", "ray.io/", "volcano.sh/",
                  "jobset.sigs.k8s.io/", "leaderworkerset.sigs.k8s.io/", "serving.knative.dev/", "seldon.io/",
                  "app.kubernetes.io/managed-by", "notebook-name", "statefulset", "replica-type", "replica-index",
                  "group-name", "seldon-deployment-id", "component")


def _added(key: str, keys: tuple[str, ...]) -> bool:
    return any(key.startswith(k) if k.endswith("/") else key == k for k in keys)


@lru_cache(maxsize=4096)
def added_by_controller(key: str, open_labels: bool) -> bool:
    """True when pods may carry ``key`` without their template showing it (asked for every
    selector and pod of a tree: remembered)."""
    return _added(key, _CONTROLLER_KEYS) or (open_labels and _added(key, _OPERATOR_KEYS))


def always_shown(key: str) -> bool:
    """True when no controller or operator adds ``key``: a pod lacking it in its template lacks it."""
    return not added_by_controller(key, True)

#: Kinds whose pods carry exactly the labels of their pod template (plus labels the controller
#: adds that nobody selects by, such as ``pod-template-hash``).
_EXACT_TEMPLATE = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                             "Job", "CronJob", "DeploymentConfig", "Rollout"})


def _label_value(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def labels_of(value: Any) -> Labels:
    """A ``labels`` mapping as sorted (key, value) pairs (values that are not scalars skipped)."""
    found = mapping(value) or {}
    pairs = ((str(k), _label_value(v)) for k, v in found.items())
    return tuple(sorted((k, v) for k, v in pairs if v is not None))


@record
class Selector:
    """A label selector: every ``match_labels`` pair and every expression must hold."""

    match_labels: Labels = ()
    #: (key, operator, values)
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def empty(self) -> bool:
        """An empty selector selects every pod (a NetworkPolicy's or PDB's ``{}``)."""
        return not self.match_labels and not self.expressions

    @property
    def templated(self) -> bool:
        """True when a key or value is a template placeholder: nothing can be said about it."""
        return any(templated(k) or templated(v) for k, v in self.match_labels) or any(
            templated(k) or any(templated(v) for v in vs) for k, _, vs in self.expressions)

    def matches(self, labels: Labels, open_labels: bool = False) -> bool:
        """True when pods labelled ``labels`` are selected.  A requirement on a key that is absent
        is taken as met when a controller (or, with ``open_labels``, an operator) adds it."""
        have = dict(labels)
        for key, value in self.match_labels:
            if key in have:
                if have[key] != value:
                    return False
            elif not added_by_controller(key, open_labels):
                return False
        return all(requirement_met(operator, have, key, values) for key, operator, values in self.expressions
                   if key in have or not added_by_controller(key, open_labels))

    def describe(self) -> str:
        shown = [f"{k}={v}" for k, v in self.match_labels]
        shown += [f"{k} {op} ({','.join(vs)})" if vs else f"{k} {op}" for k, op, vs in self.expressions]
        return "{" + ", ".join(shown) + "}"


def label_selector(value: Any) -> Selector | None:
    """A ``LabelSelector`` (``matchLabels``/``matchExpressions``); None when it is not a mapping
    or an expression is malformed (nothing can be said about it)."""
    selector = mapping(value)
    if selector is None:
        return None
    expressions: list[tuple[str, str, tuple[str, ...]]] = []
    for _, expression in items(selector.get("matchExpressions")):
        key, operator = expression.get("key"), expression.get("operator")
        if not isinstance(key, str) or operator not in SELECTOR_OPERATORS:
            return None
        values = tuple(v for _, v in strings(expression.get("values")))
        expressions.append((key, str(operator), values))
    if selector.get("matchExpressions") is not None and not isinstance(selector.get("matchExpressions"), list):
        return None
    return Selector(labels_of(selector.get("matchLabels")), tuple(expressions))


def map_selector(value: Any) -> Selector | None:
    """A plain label map (a Service's ``spec.selector``) as a selector; None when not a mapping."""
    found = mapping(value)
    return Selector(labels_of(found)) if found is not None else None


@record
class PodLabels:
    """The labels one kind of pod of a workload carries; ``open``: an operator adds more."""

    labels: Labels
    open: bool
    #: Where the pod's metadata (or the workload's) is, for messages and anchors.
    path: FieldPath


def workload_pods(resource: Resource) -> tuple[PodLabels, ...]:
    """The label sets of the pods ``resource`` makes (nothing for kinds that make none; found
    once, then remembered: three rules ask).

    Core controllers give their pods the template's labels, even when the template has no
    ``spec`` yet (kustomize or Helm may add it).  Other workloads are read through the pod-spec
    walker, their labels ``open``; a KServe InferenceService's pods also carry the labels KServe
    sets, a Kubeflow Notebook's ``notebook-name``.
    """
    found = resource.memo.get("workload_pods")
    if found is None:
        found = resource.memo["workload_pods"] = tuple(_workload_pods(resource))
    return found


def _workload_pods(resource: Resource) -> Iterator[PodLabels]:
    if resource.kind in _EXACT_TEMPLATE:
        rel: FieldPath = (("spec", "jobTemplate", "spec", "template", "metadata") if resource.kind == "CronJob"
                          else ("spec", "template", "metadata"))
        if mapping(dig(resource.data, rel[:-1])) is not None:
            labels = labels_of(dig(resource.data, (*rel, "labels")))
            yield PodLabels(labels, False, rel)
            if resource.kind == "Rollout":
                yield from _rollout_variants(resource, labels)
        return
    if not runs_pods(resource):
        return
    own = labels_of(resource.get(("metadata", "labels")))
    if resource.kind == "InferenceService":
        name = resource.name or ""
        for component in ("predictor", "transformer", "explainer"):
            if mapping(resource.get(("spec", component))) is not None:
                extra = (("component", component), ("serving.kserve.io/inferenceservice", name))
                yield PodLabels(tuple(sorted(dict(own + extra).items())), True, ("spec", component))
        return
    for pod in pod_specs(resource):
        if pod.defaults_only or pod.partial:
            continue
        labels = labels_of(dig(resource.data, (*pod.metadata_path, "labels"))) if pod.metadata_path else ()
        if resource.kind == "Notebook" and resource.name:
            labels = tuple(sorted({**dict(labels), "notebook-name": resource.name}.items()))
        yield PodLabels(labels, True, pod.metadata_path or pod.path)


def _rollout_variants(resource: Resource, labels: Labels) -> Iterator[PodLabels]:
    """The labels an Argo Rollout adds to some of its pods: canary/stable/active/preview metadata,
    and the pods of experiments run from its steps (their own template metadata)."""
    strategy = mapping(resource.get(("spec", "strategy"))) or {}
    for name, kind in (("canary", "canaryMetadata"), ("canary", "stableMetadata"),
                       ("blueGreen", "activeMetadata"), ("blueGreen", "previewMetadata")):
        extra = labels_of(dig(strategy, (name, kind, "labels")))
        if extra:
            yield PodLabels(tuple(sorted({**dict(labels), **dict(extra)}.items())), False, ("spec", "strategy"))
    for i, step in items(dig(strategy, ("canary", "steps"))):
        for j, template in items(dig(step, ("experiment", "templates"))):
            extra = labels_of(dig(template, ("metadata", "labels")))
            if extra:
                yield PodLabels(tuple(sorted({**dict(labels), **dict(extra)}.items())), False,
                                ("spec", "strategy", "canary", "steps", i, "experiment", "templates", j))


def replicas(resource: Resource) -> int | None:
    """``spec.replicas`` of a workload that has one: the number, 1 when unset (the Kubernetes
    default), None when it is not a number (a template placeholder)."""
    value = resource.get(("spec", "replicas"))
    if value is None:
        return 1
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


T = TypeVar("T")


class PodIndex(Generic[T]):
    """Pod label sets by namespace and by label, so that matching thousands of selectors against
    thousands of pods looks only at the pods that carry a selector's first plain label.

    ``entries`` are (namespace, labels, open, item); an entry or query without a namespace
    matches every namespace (the Argo CD destination decides where it goes).
    """

    def __init__(self, entries: Iterable[tuple[str | None, Labels, bool, T]]) -> None:
        self.by_namespace: dict[str | None, list[tuple[Labels, bool, T]]] = {}
        self.by_label: dict[tuple[str | None, str, str], list[tuple[Labels, bool, T]]] = {}
        for namespace, labels, open_labels, item in entries:
            entry = (labels, open_labels, item)
            self.by_namespace.setdefault(namespace, []).append(entry)
            for key, value in labels:
                self.by_label.setdefault((namespace, key, value), []).append(entry)

    def _namespaces(self, namespace: str | None) -> list[str | None]:
        return list(self.by_namespace) if namespace is None else [namespace, None]

    def matching(self, selector: Selector, namespace: str | None) -> Iterator[T]:
        """The items whose labels ``selector`` selects, in ``namespace``."""
        first = next(((k, v) for k, v in selector.match_labels if always_shown(k)), None)
        for ns in self._namespaces(namespace):
            pool = self.by_label.get((ns, *first), []) if first else self.by_namespace.get(ns, [])
            for labels, open_labels, item in pool:
                if selector.matches(labels, open_labels):
                    yield item

    def in_namespace(self, namespace: str | None) -> Iterator[T]:
        """Every item ``namespace`` may hold."""
        for ns in self._namespaces(namespace):
            for _, _, item in self.by_namespace.get(ns, []):
                yield item
