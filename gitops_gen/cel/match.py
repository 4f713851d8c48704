"""Which objects a policy (and its binding) applies to: the API server's ``matchResources``.

An object is an admission request for CREATE of its own resource: the group comes from its
``apiVersion`` (``v1`` is the core group ``""``) and the resource is the kind's plural (the
tree's CRDs, then the built-in CRD catalogue, then Kubernetes' own irregular plurals, then the
API server's guess).  ``namespaceSelector`` is judged against the labels of the tree's Namespace
object, plus the ``kubernetes.io/metadata.name`` label the API server adds; an object whose
namespace is not known (no ``metadata.namespace``) is taken to be in a namespace with no other
labels.  A Namespace is matched on its own labels; other cluster-scoped objects ignore the
namespace selector.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from typing import Any

from gitops_gen.labels import requirement_met
from gitops_gen.model import Resource
from gitops_gen.records import record
from gitops_gen.rules._scope import CLUSTER_SCOPED_KINDS

#: Kubernetes kinds whose resource name is not the API server's guess.
_IRREGULAR = {"Endpoints": "endpoints", "PodMetrics": "pods", "NodeMetrics": "nodes"}
#: Groups that served the same resources before they moved (matchPolicy: Equivalent).
_EQUIVALENT_GROUPS = {("extensions", "deployments"): "apps", ("extensions", "daemonsets"): "apps",
                      ("extensions", "replicasets"): "apps", ("extensions", "ingresses"): "networking.k8s.io",
                      ("extensions", "networkpolicies"): "networking.k8s.io"}


def guess_plural(kind: str) -> str:
    """The API server's ``UnsafeGuessKindToResource``."""
    lower = kind.lower()
    if not lower:
        return lower
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return lower[:-1] + "ies"
    return lower + "s"


def plural_of(group: str, kind: str, tree_plurals: Mapping[tuple[str, str], str]) -> str:
    found = tree_plurals.get((group, kind))
    if found:
        return found
    if group and "." in group:
        from gitops_gen.schemas.builtin_crds import catalogue

        builtin = catalogue().by_kind.get((group, kind))
        if builtin is not None:
            return builtin.name.partition(".")[0]
    return _IRREGULAR.get(kind) or guess_plural(kind)


@record
class Selector:
    """A LabelSelector (an absent or empty one matches everything)."""

    labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()

    @property
    def any(self) -> bool:
        """False for the empty selector, which matches everything."""
        return bool(self.labels or self.expressions)

    def matches(self, labels: Mapping[str, Any]) -> bool:
        for key, value in self.labels:
            if labels.get(key) != value:
                return False
        return all(requirement_met(operator, labels, key, values) for key, operator, values in self.expressions)


@record
class ResourceRule:
    groups: tuple[str, ...]
    versions: tuple[str, ...]
    resources: tuple[str, ...]
    operations: tuple[str, ...]
    names: tuple[str, ...] = ()
    scope: str = "*"

    def matches(self, group: str, version: str, plural: str, name: str | None, cluster: bool,
                equivalent: bool) -> bool:
        if "*" not in self.operations and "CREATE" not in self.operations:
            return False
        if self.scope == ("Namespaced" if cluster else "Cluster"):
            return False
        if not any(r in ("*", "*/*", plural) for r in self.resources):
            return False
        if self.names and name not in self.names:
            return False
        groups = {group}
        if equivalent:
            groups.add(_EQUIVALENT_GROUPS.get((group, plural), group))
        if "*" not in self.groups and not groups & set(self.groups):
            return False
        return equivalent or "*" in self.versions or version in self.versions


@record
class MatchResources:
    rules: tuple[ResourceRule, ...] = ()
    excluded: tuple[ResourceRule, ...] = ()
    namespace_selector: Selector = Selector()
    object_selector: Selector = Selector()
    equivalent: bool = True
    #: False for a binding without matchResources: it does not narrow the policy.
    given: bool = True
    #: What the resource rules said, by (group, version, plural, name, cluster): asked once per kind.
    _seen: dict[tuple[str, str, str, str | None, bool], bool] = field(default_factory=dict, compare=False,
                                                                       repr=False)

    def _by_rules(self, group: str, version: str, plural: str, name: str | None, cluster: bool) -> bool:
        named = any(r.names for r in (*self.rules, *self.excluded))
        key = (group, version, plural, name if named else None, cluster)
        found = self._seen.get(key)
        if found is None:
            args = (*key, self.equivalent)
            found = self._seen[key] = (not self.rules or any(rule.matches(*args) for rule in self.rules)) \
                and not any(rule.matches(*args) for rule in self.excluded)
        return found

    def matches(self, resource: Resource, plural: str, namespaces: Mapping[str, Mapping[str, Any]]) -> bool:
        if not self.given:
            return True
        cluster = resource.kind in CLUSTER_SCOPED_KINDS
        if not self._by_rules(resource.group, resource.version, plural, resource.name, cluster):
            return False
        if self.object_selector.any:
            labels = resource.get(("metadata", "labels"))
            if not self.object_selector.matches(labels if isinstance(labels, dict) else {}):
                return False
        if not self.namespace_selector.any:
            return True
        if resource.kind == "Namespace" and resource.group == "":
            return self.namespace_selector.matches(namespace_labels(resource.name, resource.data))
        if cluster:
            return True
        namespace = resource.namespace
        return self.namespace_selector.matches(
            namespace_labels(namespace, namespaces.get(namespace) if namespace else None) if namespace else {})


def namespace_labels(name: str | None, data: Mapping[str, Any] | None) -> dict[str, Any]:
    labels = (data or {}).get("metadata", {}).get("labels") if isinstance(data, Mapping) else None
    out = dict(labels) if isinstance(labels, dict) else {}
    if name:
        out["kubernetes.io/metadata.name"] = name
    return out


def read_selector(raw: Any) -> Selector:
    if not isinstance(raw, dict):
        return Selector()
    labels = raw.get("matchLabels") or {}
    expressions = []
    for item in raw.get("matchExpressions") or []:
        if isinstance(item, dict):
            expressions.append((str(item.get("key")), str(item.get("operator")),
                                tuple(str(v) for v in item.get("values") or ())))
    return Selector(tuple((str(k), str(v)) for k, v in labels.items()) if isinstance(labels, dict) else (),
                    tuple(expressions))


def _strings(raw: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in raw) if isinstance(raw, list) else ()


def read_rules(raw: Any) -> tuple[ResourceRule, ...]:
    out = []
    for item in raw if isinstance(raw, list) else ():
        if isinstance(item, dict):
            out.append(ResourceRule(_strings(item.get("apiGroups")), _strings(item.get("apiVersions")),
                                    _strings(item.get("resources")), _strings(item.get("operations")),
                                    _strings(item.get("resourceNames")), str(item.get("scope") or "*")))
    return tuple(out)


def read_match(raw: Any) -> MatchResources:
    if not isinstance(raw, dict):
        return MatchResources(given=False)
    return MatchResources(read_rules(raw.get("resourceRules")), read_rules(raw.get("excludeResourceRules")),
                          read_selector(raw.get("namespaceSelector")), read_selector(raw.get("objectSelector")),
                          raw.get("matchPolicy", "Equivalent") != "Exact")


