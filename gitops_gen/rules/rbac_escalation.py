"""rbac-escalation: a Role or ClusterRole grants a permission that leads to more permissions.

Some grants are worth more than they look, because they let the holder obtain rights it was
never given (the "privilege escalation" list of the Kubernetes RBAC good practices):

- the verbs ``bind`` (bind any role to anyone, even one with more rights than the binder),
  ``escalate`` (write roles with permissions the writer lacks) and ``impersonate`` (act as
  another user, group or ServiceAccount);
- ``pods/exec`` and ``pods/attach`` with ``create`` or ``get`` (``get`` is all the WebSocket
  form of exec and attach needs): a shell in a pod is its ServiceAccount token, its mounted
  Secrets and its network position;
- ``pods/portforward`` with ``create`` or ``get``: a connection to any port of the pod, past its
  Services and the NetworkPolicies that guard them.  That is network reach rather than more API
  rights, and developers commonly get it for their own namespace: a grant that reaches only
  port-forward is sub-check ``port-forward``, of severity ``low``;
- ``pods/ephemeralcontainers`` with ``update`` or ``patch``: add a container to a running pod
  (``kubectl debug``), which then runs as that pod, with its token and Secrets;
- ``nodes/proxy`` with ``get`` or ``create``: the kubelet API behind it runs commands in any pod
  of the node, bypassing admission and audit of the pods/exec path;
- ``serviceaccounts/token`` with ``create``: mint a token for any ServiceAccount in scope.

Every way of writing these in the core API group (``""`` or ``apiGroups: ["*"]``) is reported,
with every verb that reaches them (``*`` included): the subresource itself; ``*``, which
Kubernetes matches against every resource *and subresource* (so ``get`` on ``resources: ["*"]``
includes exec and nodes/proxy, ``create`` also token minting, ``patch`` ephemeral containers);
``*/exec``, ``*/attach``, ``*/portforward``, ``*/ephemeralcontainers``, ``*/proxy`` and
``*/token``, which it matches against that subresource of every resource; and ``pods/*``,
``nodes/*``, ``serviceaccounts/*``, written to grant every subresource (Kubernetes matches those
literally, but they say what the author meant, and one edit to ``*/...`` or ``*`` makes it so).
A rule with ``*`` in both verbs and resources is left to ``rbac-wildcard``, which reports it.
Four more grants, each its own sub-check:

- ``create-pods``: ``create`` on ``pods``.  A pod can run as any ServiceAccount of its namespace
  and mount any Secret there, so creating pods is holding all of them (severity ``low``: every
  workflow engine, notebook controller and CI runner needs it, and a namespaced grant is often the
  point);
- ``csr-approval``: ``update``/``patch`` on ``certificatesigningrequests/approval``, or
  ``approve`` on ``signers`` (``certificates.k8s.io``): approve a client certificate for any user
  or group the signer issues (severity ``high``);
- ``webhook-config``: writing ``mutatingwebhookconfigurations`` or
  ``validatingwebhookconfigurations`` (``admissionregistration.k8s.io``): turn off policy
  enforcement, or inject a container into every new pod (severity ``low``: every operator that
  serves its own webhooks - KServe, Knative, Istio, cert-manager's CA injector, Kueue - holds it,
  so at ``medium`` it would fail every ML platform's gate on what it must install);
- ``endpoints-edit``: writing ``endpoints`` or ``endpointslices`` (``discovery.k8s.io``): point a
  Service at any address, pods of other namespaces included (CVE-2021-25740; Kubernetes removed
  the grant from its ``edit`` and ``admin`` roles; severity ``low``: old controllers still take
  their leader lease on an Endpoints object).

These are reported for the resource named literally (``*`` is the wildcard rules' business).
``resourceNames`` does not make these safe (a shell in one named pod is still that pod's token),
so it does not silence the finding.

One finding per offending verb or resource item, on its line (naming every dangerous
subresource a wildcard reaches, with the verbs that reach them).  Operators that genuinely need
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
DESCRIPTION = ("Role or ClusterRole granting bind, escalate, impersonate, pods/exec, attach, portforward or "
               "ephemeral containers, nodes/proxy or token creation (wildcards included).")
OPTIONS: dict[str, Option] = {}
KINDS = ROLE_KINDS
#: Reaching only pods/portforward is network reach past NetworkPolicies, not more API rights.
CHECK_SEVERITIES = {"port-forward": Severity.LOW, "create-pods": Severity.LOW, "webhook-config": Severity.LOW,
                    "endpoints-edit": Severity.LOW}
_WRITE = frozenset({"create", "update", "patch", "*"})
#: sub-check -> (API groups, resources, verbs, what it gives)
_GRANTS: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str], str]] = {
    "create-pods": (frozenset({""}), frozenset({"pods"}), frozenset({"create", "*"}),
                    "can run pods as any ServiceAccount of their namespace, with any Secret there mounted"),
    "csr-approval": (frozenset({"certificates.k8s.io"}), frozenset({"certificatesigningrequests/approval"}),
                     frozenset({"update", "patch", "*"}), "can approve certificates for any user or group"),
    "csr-signers": (frozenset({"certificates.k8s.io"}), frozenset({"signers"}), frozenset({"approve", "*"}),
                    "can approve certificates for any user or group"),
    "webhook-config": (frozenset({"admissionregistration.k8s.io"}),
                       frozenset({"mutatingwebhookconfigurations", "validatingwebhookconfigurations"}),
                       _WRITE | {"delete"}, "can turn off admission policies or inject containers into every pod"),
    "endpoints-edit": (frozenset({"", "discovery.k8s.io"}), frozenset({"endpoints", "endpointslices"}), _WRITE,
                       "can point Services at any address, other namespaces' pods included (CVE-2021-25740)"),
}

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
    "pods/portforward": (_RUN, "can connect to any port of pods, past their Services and NetworkPolicies"),
    "pods/ephemeralcontainers": (frozenset({"update", "patch", "*"}),
                                 "can add containers to running pods, and so run commands as them"),
    "nodes/proxy": (_RUN, "reaches the kubelet API, which runs commands in any pod of the node"),
    "serviceaccounts/token": (frozenset({"create", "*"}), "can mint tokens for service accounts"),
}


def _names(entry: str, subresource: str) -> bool:
    """True when a ``resources`` entry covers ``subresource`` (see the rule's documentation)."""
    parent, _, sub = subresource.partition("/")
    return entry in (subresource, "*", f"*/{sub}", f"{parent}/*")


def _granted(rule: PolicyRule, entry: str) -> list[str]:
    """The dangerous subresources ``entry`` covers with a verb of ``rule`` that reaches them."""
    verbs = {v for _, v in rule.verbs}
    return [name for name, (dangerous, _) in _SUBRESOURCES.items()
            if verbs & dangerous and _names(entry, name)]


def _message(rule: PolicyRule, entry: str, covered: list[str]) -> str:
    gives = _SUBRESOURCES[covered[0]][1]
    if covered == [entry]:
        return f"rules[{rule.index}] grants {entry}: it {gives}"
    verbs = sorted({v for _, v in rule.verbs} & {v for name in covered for v in _SUBRESOURCES[name][0]})
    what = "every resource" if entry == "*" else entry
    return (f"rules[{rule.index}] grants {', '.join(verbs)} on {what}, which includes {', '.join(covered)}: "
            f"it {gives}")


def _grants(rule: PolicyRule, label: str) -> Iterator[Violation]:
    groups = {g for _, g in rule.api_groups}
    verbs = {v for _, v in rule.verbs}
    for check_name, (wanted_groups, names, dangerous, gives) in _GRANTS.items():
        if not (groups & wanted_groups or "*" in groups) or not verbs & dangerous:
            continue
        for position, name in rule.resources:
            if name in names:
                shown = ", ".join(sorted(verbs & dangerous))
                yield Violation(f"{label}: rules[{rule.index}] grants {shown} on {name}: it {gives}",
                                rule.item("resources", position), at_value=True,
                                check="csr-approval" if check_name == "csr-signers" else check_name)


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    label = role_label(resource)
    for rule in policy_rules(resource):
        yield from _grants(rule, label)
        for position, verb in rule.verbs:
            if verb in _VERBS:
                yield Violation(f"{label}: rules[{rule.index}] grants '{verb}': it {_VERBS[verb]}",
                                rule.item("verbs", position), at_value=True)
        if not rule.core_group():
            continue
        full_wildcard = rule.has_verb("*")
        for position, name in rule.resources:
            if name == "*" and full_wildcard:
                continue  # '*' on '*': rbac-wildcard's finding
            covered = _granted(rule, name)
            if covered:
                only_port_forward = "port-forward" if covered == ["pods/portforward"] else None
                yield Violation(f"{label}: {_message(rule, name, covered)}", rule.item("resources", position),
                                at_value=True, check=only_port_forward)
