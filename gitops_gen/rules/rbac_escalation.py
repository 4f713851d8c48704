"""rbac-escalation: a Role or ClusterRole grants a permission that leads to more permissions.

Some grants are worth more than they look, because they let the holder obtain rights it was
never given (the "privilege escalation" list of the Kubernetes RBAC good practices):

- the verbs ``bind`` (bind any role to anyone, even one with more rights than the binder),
  ``escalate`` (write roles with permissions the writer lacks) and ``impersonate`` (act as
  another user, group or ServiceAccount);
- ``pods/exec`` and ``pods/attach`` with ``create`` or ``get`` (``get`` suffices for the
  WebSocket form on many clusters): a shell in a pod is its ServiceAccount token, its mounted
  Secrets and its network position;
- ``nodes/proxy`` with ``get`` or ``create``: the kubelet API behind it runs commands in any pod
  of the node, bypassing admission and audit of the pods/exec path;
- ``serviceaccounts/token`` with ``create``: mint a token for any ServiceAccount in scope.

Subresource wildcards (``pods/*``, ``nodes/*``, ``serviceaccounts/*``) and ``create`` on
``resources: ["*"]`` include these and are reported too.  A rule with ``*`` in both verbs and
resources is left to ``rbac-wildcard``.  ``resourceNames`` does not make these safe (a shell
in one named pod is still that pod's token), so it does not silence the finding.

One finding per offending verb or resource item, on its line.  Operators that genuinely need
one of these (Argo Workflows' executor with ``pods/exec``, for example) deserve a waiver with
the reason, next to the role.

Options: none.

PASS::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: log-reader, namespace: research}
    rules:
    - apiGroups: [""]
      resources: ["pods", "pods/log"]
      verbs: ["get", "list"]

FAIL::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: debug}
    rules:
    - apiGroups: [""]
      resources: ["pods/exec"]        # <- reported
      verbs: ["create"]
    - apiGroups: ["rbac.authorization.k8s.io"]
      resources: ["clusterroles"]
      verbs: ["escalate"]             # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._rbac import ROLE_KINDS, PolicyRule, policy_rules, role_label
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "rbac-escalation"
SEVERITY = Severity.HIGH
CATEGORY = "rbac"
DESCRIPTION = ("Role or ClusterRole granting bind, escalate, impersonate, pods/exec, pods/attach, "
               "nodes/proxy or token creation.")
OPTIONS: dict[str, Option] = {}
KINDS = ROLE_KINDS

_VERBS = {
    "bind": "can bind any role to anyone, including roles with more rights than its own",
    "escalate": "can write roles holding permissions it does not have",
    "impersonate": "can act as other users, groups or service accounts",
}

#: core-group subresource -> (verbs that make it dangerous, what it gives)
_RUN = frozenset({"create", "get", "*"})
_SUBRESOURCES: dict[str, tuple[frozenset[str], str]] = {
    "pods/exec": (_RUN, "can run commands in pods, and so use their tokens and Secrets"),
    "pods/attach": (_RUN, "can attach to running containers, and so act as them"),
    "nodes/proxy": (_RUN, "reaches the kubelet API, which runs commands in any pod of the node"),
    "serviceaccounts/token": (frozenset({"create", "*"}), "can mint tokens for service accounts"),
}
_PARENT_WILDCARDS = {"pods/*": ("pods/exec", "pods/attach"), "nodes/*": ("nodes/proxy",),
                     "serviceaccounts/*": ("serviceaccounts/token",)}


def _granted(rule: PolicyRule, subresources: tuple[str, ...]) -> list[str]:
    verbs = {v for _, v in rule.verbs}
    return [name for name in subresources if verbs & _SUBRESOURCES[name][0]]


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    label = role_label(resource)
    for rule in policy_rules(resource):
        for position, verb in rule.verbs:
            if verb in _VERBS:
                yield Violation(f"{label}: rules[{rule.index}] grants '{verb}': it {_VERBS[verb]}",
                                rule.item("verbs", position), at_value=True)
        if not rule.core_group():
            continue
        full_wildcard = rule.has_verb("*")
        for position, name in rule.resources:
            if name in _SUBRESOURCES:
                if _granted(rule, (name,)):
                    gives = _SUBRESOURCES[name][1]
                    yield Violation(f"{label}: rules[{rule.index}] grants {name}: it {gives}",
                                    rule.item("resources", position), at_value=True)
            elif name in _PARENT_WILDCARDS:
                covered = _granted(rule, _PARENT_WILDCARDS[name])
                if covered:
                    yield Violation(f"{label}: rules[{rule.index}] grants {name}, which includes "
                                    f"{' and '.join(covered)}: it {_SUBRESOURCES[covered[0]][1]}",
                                    rule.item("resources", position), at_value=True)
            elif name == "*" and not full_wildcard and rule.has_verb("create"):
                yield Violation(f"{label}: rules[{rule.index}] grants create on every resource, including "
                                "pods/exec and serviceaccounts/token: it can run commands in pods and mint "
                                "tokens",
                                rule.item("resources", position), at_value=True)
