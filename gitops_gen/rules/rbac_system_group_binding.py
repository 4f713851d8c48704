"""rbac-system-group-binding: a RoleBinding or ClusterRoleBinding grants a role to a ``system:``
group that means "everyone" or "superuser".

``system:anonymous`` and ``system:unauthenticated`` are every request without credentials:
binding a role to them publishes it to anyone who can reach the API server.
``system:authenticated`` is every identity the cluster accepts - every ServiceAccount of every
namespace included, so one compromised notebook holds the role.  ``system:masters`` is not
governed by RBAC at all (its members are superusers whatever is bound), so a binding to it says
something that is not true, usually as a step in granting that group to a certificate.  Kyverno
``restrict-binding-system-groups`` reports the same.

One finding per such subject, on its ``name:`` value.  Not reported: the bindings Kubernetes
itself makes of its discovery roles (``system:basic-user``, ``system:discovery``,
``system:public-info-viewer``), and a binding of ``system:authenticated`` to a Role or
ClusterRole of the tree that only reads objects it names (``get``/``list``/``watch`` with
``resourceNames``: an "-info" ConfigMap published to every user on purpose, as Tekton and
Kubeflow Pipelines do).  Tree rule: the bound role is looked up among the inputs.

Sub-check ``binding``.  Severity ``high``.

Options: none.

PASS::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: research-view, namespace: research}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    subjects:
    - {kind: Group, name: research-team, apiGroup: rbac.authorization.k8s.io}

FAIL::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: everyone-views}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
    subjects:
    - kind: Group
      apiGroup: rbac.authorization.k8s.io
      name: system:authenticated    # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._rbac import RBAC_GROUP, ROLE_KINDS, policy_rules
from gitops_gen.rules._util import items, mapping, text
from gitops_gen.rules.base import Anchor, Option, RuleContext, Violation, anchor

ID = "rbac-system-group-binding"
SEVERITY = Severity.HIGH
CATEGORY = "rbac"
DESCRIPTION = ("Binding to system:anonymous, system:unauthenticated, system:authenticated or system:masters.")
OPTIONS: dict[str, Option] = {}
KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"}) | ROLE_KINDS
_READ = frozenset({"get", "list", "watch"})

_GROUPS = {
    "system:anonymous": "every request without credentials",
    "system:unauthenticated": "every request without credentials",
    "system:authenticated": "every identity the cluster accepts, every ServiceAccount included",
    "system:masters": "a group RBAC does not govern (its members are superusers)",
}
_DISCOVERY_ROLES = frozenset({"system:basic-user", "system:discovery", "system:public-info-viewer"})


@record
class GroupBinding:
    """Fact: a binding grants role ``role`` (``kind``) to one of the system groups."""

    kind: str
    role: str
    namespace: str | None
    group: str
    label: str
    anchor: Anchor


@record
class ReadsNamed:
    """Fact: a Role or ClusterRole grants only get/list/watch on objects it names."""

    kind: str
    name: str
    namespace: str | None


def _reads_named(resource: Resource) -> bool:
    rules = list(policy_rules(resource))
    return bool(rules) and all(rule.restricted_by_name and {v for _, v in rule.verbs} <= _READ for rule in rules)


def collect(resource: Resource, ctx: RuleContext) -> Iterator[GroupBinding | ReadsNamed]:
    if resource.group != RBAC_GROUP:
        return
    if resource.kind in ROLE_KINDS:
        if resource.name and _reads_named(resource):
            yield ReadsNamed(resource.kind, resource.name, resource.namespace)
        return
    ref = mapping(resource.get(("roleRef",))) or {}
    role, kind = text(ref.get("name")) or "", text(ref.get("kind")) or ""
    if role in _DISCOVERY_ROLES:
        return
    for i, subject in items(resource.get(("subjects",))):
        name = subject.get("name")
        if subject.get("kind") == "Group" and isinstance(name, str) and name in _GROUPS:
            yield GroupBinding(kind, role, resource.namespace, name, f"{resource.kind} {resource.name or '<unnamed>'}",
                               anchor(resource, ("subjects", i, "name"), at_value=True))


def check_tree(facts: Sequence[Any], ctx: RuleContext) -> Iterator[Violation]:
    public = {(f.kind, f.name, f.namespace if f.kind == "Role" else None) for f in facts if isinstance(f, ReadsNamed)}
    for fact in facts:
        if not isinstance(fact, GroupBinding):
            continue
        key = (fact.kind, fact.role, fact.namespace if fact.kind == "Role" else None)
        if fact.group == "system:authenticated" and key in public:
            continue  # published on purpose: reading named objects (an "-info" ConfigMap)
        yield Violation(f"{fact.label} grants {fact.role or 'its role'} to {fact.group}: {_GROUPS[fact.group]}; "
                        "bind it to named groups or ServiceAccounts", check="binding", anchor=fact.anchor)
