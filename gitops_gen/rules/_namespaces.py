"""Which namespaces run pods, for the namespace-* tree rules (not a rule: starts with ``_``).

The rules' ``collect`` turns each resource into :class:`PodNamespace` and
:class:`NamespaceObject` facts (:func:`namespace_facts`); their ``check_tree`` hands all facts
to :func:`namespaces_with_pods`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from gitops_gen.model import Resource
from gitops_gen.records import record
from gitops_gen.rules.base import Anchor, anchor
from gitops_gen.rules.podspec import POD_RUNNING_KINDS, runs_pods

#: Kinds whose objects run pods, from the pod-spec walker's table (tree rules collect only from
#: these, plus the kinds they look for); :func:`~gitops_gen.rules.podspec.runs_pods` decides.
WORKLOAD_KINDS = POD_RUNNING_KINDS
#: The objects that stand for a namespace: the Namespace itself, or a Kubeflow Profile (which
#: creates the namespace of its name).
NAMESPACE_KINDS = frozenset({"Namespace", "Profile"})
DEFAULT_EXEMPT = ["kube-system", "kube-public", "kube-node-lease"]


@record
class PodNamespace:
    """Fact: a workload that runs pods names ``namespace``; ``anchor`` is its ``metadata.namespace``."""

    namespace: str
    anchor: Anchor


@record
class NamespaceObject:
    """Fact: a Namespace or Profile stands for ``name``; ``anchor`` is its ``metadata.name``."""

    name: str
    anchor: Anchor


@record
class NamespaceUse:
    """A namespace that runs pods, and where to report about it."""

    name: str
    anchor: Anchor


def namespace_object(resource: Resource) -> str | None:
    """The namespace a Namespace (``v1``) or Kubeflow Profile object stands for."""
    if resource.kind == "Namespace" and resource.api_version == "v1":
        return resource.name
    if resource.kind == "Profile" and resource.group == "kubeflow.org":
        return resource.name
    return None


def namespace_facts(resource: Resource) -> Iterator[PodNamespace | NamespaceObject]:
    """What one resource tells about namespaces: it stands for one, or it runs pods in one (the
    same objects for both namespace rules: made once, pickled once)."""
    found: tuple[PodNamespace | NamespaceObject, ...] | None = resource.memo.get("namespace_facts")
    if found is None:
        found = resource.memo["namespace_facts"] = tuple(_namespace_facts(resource))
    return iter(found)


def _namespace_facts(resource: Resource) -> Iterator[PodNamespace | NamespaceObject]:
    name = namespace_object(resource)
    if name:
        yield NamespaceObject(name, anchor(resource, ("metadata", "name"), at_value=True))
    if resource.namespace is not None and runs_pods(resource):
        # one workload per namespace at most is reported: the others' lines are never needed
        yield PodNamespace(resource.namespace,
                           anchor(resource, ("metadata", "namespace"), at_value=True, deferred=True))


def namespaces_with_pods(facts: Iterable[Any], exempt: Iterable[str]) -> list[NamespaceUse]:
    """Namespaces whose (explicitly namespaced) workloads run pods, in source order, each with the
    place to report on: the name of its first Namespace (or Profile) among the inputs, else the
    ``metadata.namespace`` of its first workload.  ``facts`` are in source order; facts of other
    types are ignored.  Workloads without a namespace gave no fact: the destination decides
    where they go."""
    skip = set(exempt)
    objects: dict[str, Anchor] = {}
    first_use: dict[str, Anchor] = {}
    for fact in facts:
        if isinstance(fact, NamespaceObject):
            objects.setdefault(fact.name, fact.anchor)
        elif isinstance(fact, PodNamespace) and fact.namespace not in skip:
            first_use.setdefault(fact.namespace, fact.anchor)
    return [NamespaceUse(ns, objects.get(ns, at)) for ns, at in first_use.items()]
