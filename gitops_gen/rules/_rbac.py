"""Reading RBAC PolicyRules for the ``rbac-*`` rules (not a rule: the name starts with ``_``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import FieldPath, Resource
from gitops_gen.records import record
from gitops_gen.rules._util import items, strings

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLE_KINDS = frozenset({"Role", "ClusterRole"})


@record
class PolicyRule:
    """One entry of ``rules:`` with its string lists as (index, value) pairs."""

    index: int
    data: Mapping[str, Any]
    verbs: list[tuple[int, str]]
    resources: list[tuple[int, str]]
    api_groups: list[tuple[int, str]]

    @property
    def path(self) -> FieldPath:
        return ("rules", self.index)

    def item(self, field: str, position: int) -> FieldPath:
        return ("rules", self.index, field, position)

    @property
    def restricted_by_name(self) -> bool:
        """True when ``resourceNames`` limits the rule to named objects."""
        return any(True for _ in strings(self.data.get("resourceNames")))

    def has_verb(self, *names: str) -> bool:
        return any(v in names for _, v in self.verbs)

    def core_group(self) -> bool:
        """True when the rule covers the core API group (``""``) or every group."""
        return any(g in ("", "*") for _, g in self.api_groups)


def policy_rules(resource: Resource) -> Iterator[PolicyRule]:
    """The resource rules of a Role or ClusterRole (other kinds and groups yield nothing)."""
    if resource.kind not in ROLE_KINDS or resource.group != RBAC_GROUP:
        return
    for i, rule in items(resource.data.get("rules")):
        yield PolicyRule(i, rule, list(strings(rule.get("verbs"))), list(strings(rule.get("resources"))),
                         list(strings(rule.get("apiGroups"))))


def role_label(resource: Resource) -> str:
    return f"{resource.kind} {resource.name}" if resource.name else resource.kind
