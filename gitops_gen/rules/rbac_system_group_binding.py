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
``system:public-info-viewer``).

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

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._rbac import RBAC_GROUP
from gitops_gen.rules._util import items, mapping
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "rbac-system-group-binding"
SEVERITY = Severity.HIGH
CATEGORY = "rbac"
DESCRIPTION = ("Binding to system:anonymous, system:unauthenticated, system:authenticated or system:masters.")
OPTIONS: dict[str, Option] = {}
KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})

_GROUPS = {
    "system:anonymous": "every request without credentials",
    "system:unauthenticated": "every request without credentials",
    "system:authenticated": "every identity the cluster accepts, every ServiceAccount included",
    "system:masters": "a group RBAC does not govern (its members are superusers)",
}
_DISCOVERY_ROLES = frozenset({"system:basic-user", "system:discovery", "system:public-info-viewer"})


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.group != RBAC_GROUP:
        return
    role = (mapping(resource.get(("roleRef",))) or {}).get("name")
    if role in _DISCOVERY_ROLES:
        return
    for i, subject in items(resource.get(("subjects",))):
        name = subject.get("name")
        if subject.get("kind") == "Group" and isinstance(name, str) and name in _GROUPS:
            yield Violation(f"{resource.kind} {resource.name or '<unnamed>'} grants {role or 'its role'} to {name}: "
                            f"{_GROUPS[name]}; bind it to named groups or ServiceAccounts",
                            ("subjects", i, "name"), at_value=True, check="binding")
