"""cluster-admin-binding: a RoleBinding or ClusterRoleBinding grants the ``cluster-admin`` role.

``cluster-admin`` can do anything to anything: read every Secret, run code on every node,
rewrite RBAC and admission webhooks.  Bound by a ClusterRoleBinding it covers the whole
cluster; bound by a RoleBinding it is still full control of that namespace (its Secrets, its
RBAC, its pods).  Either way a compromised subject - very often a ServiceAccount token mounted
into a pod - owns everything the binding reaches.  Bind a role that lists what the subject
needs; platform components installed from Helm charts bring their own scoped roles.

The finding is on the ``roleRef.name`` line.  A binding whose only subjects are the group
``system:masters`` is not reported: that group bypasses authorization anyway, so the binding
(the one Kubernetes itself creates) grants nothing new.  A binding without subjects grants
nothing and is not reported either.

Options:

``roles`` (list, default ``["cluster-admin"]``)
    ClusterRole names treated as full administration.  Add your own break-glass roles, or
    ``admin`` if you also want cluster-wide bindings of ``admin`` reported (note that this also
    reports every RoleBinding of ``admin``, the usual way to make someone a namespace owner).

PASS::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: RoleBinding
    metadata: {name: research-edit, namespace: research}
    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}
    subjects:
    - {kind: Group, name: research-team, apiGroup: rbac.authorization.k8s.io}

FAIL::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRoleBinding
    metadata: {name: pipeline-runner-admin}
    roleRef:
      apiGroup: rbac.authorization.k8s.io
      kind: ClusterRole
      name: cluster-admin              # <- reported here
    subjects:
    - {kind: ServiceAccount, name: pipeline-runner, namespace: kubeflow}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._rbac import RBAC_GROUP
from gitops_gen.rules._util import items, join_limited, mapping, strings, text
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "cluster-admin-binding"
SEVERITY = Severity.HIGH
CATEGORY = "rbac"
DESCRIPTION = "RoleBinding or ClusterRoleBinding to the cluster-admin ClusterRole."
OPTIONS: dict[str, Option] = {
    "roles": Option(list[str], ["cluster-admin"]),
}
KINDS = frozenset({"RoleBinding", "ClusterRoleBinding"})


def _subject(subject: Mapping[str, Any], default_ns: str | None) -> str:
    kind = text(subject.get("kind")) or "subject"
    name = text(subject.get("name")) or "<unnamed>"
    if kind == "ServiceAccount":
        ns = text(subject.get("namespace")) or default_ns
        return f"ServiceAccount {ns}/{name}" if ns else f"ServiceAccount {name}"
    return f"{kind} {name}"


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    if resource.group != RBAC_GROUP:
        return
    role_ref = mapping(resource.data.get("roleRef"))
    if role_ref is None or role_ref.get("kind") != "ClusterRole":
        return
    role = text(role_ref.get("name"))
    if role is None or role not in {r for _, r in strings(ctx.options.get("roles"))}:
        return
    subjects = [s for _, s in items(resource.data.get("subjects"))
                if not (s.get("kind") == "Group" and s.get("name") == "system:masters")]
    if not subjects:
        return
    who = join_limited(_subject(s, resource.namespace) for s in subjects)
    if resource.kind == "ClusterRoleBinding":
        scope = "full control of the whole cluster"
    else:
        where = f"namespace {resource.namespace}" if resource.namespace else "its namespace"
        scope = f"full control of {where}, including its Secrets and RBAC"
    yield Violation(f"{resource.kind} grants ClusterRole {role} ({scope}) to {who}; bind a role that lists "
                    "only what they need", ("roleRef", "name"), at_value=True)
