"""rbac-secrets-access: a ClusterRole lets its subjects read Secrets (get, list or watch).

Reading Secrets is reading credentials: ServiceAccount tokens (and with them every permission
those accounts hold), registry passwords, TLS keys, cloud keys.  ``list`` and ``watch`` return
the full contents, not just names.  A ClusterRole is a cluster-wide grant: bound by a
ClusterRoleBinding it reads the Secrets of *every* namespace, and with an aggregation label
(``rbac.authorization.k8s.io/aggregate-to-view: "true"`` and friends) it silently extends the
built-in ``view``/``edit``/``admin`` roles.  kube-linter (``access-to-secrets``) and checkov
report the same grant.

Decisions:

- The rule reads the ClusterRole itself, not its bindings: a ClusterRole bound only through
  RoleBindings today is still reported, because bindings live elsewhere (another Application,
  another repository) and any future ClusterRoleBinding makes it cluster-wide.  A component that
  needs Secrets of one namespace should use a Role there; namespaced Roles are not reported.
- Rules limited with ``resourceNames`` (read *these* Secrets) are not reported.
- A rule with ``*`` in both verbs and resources is left to ``rbac-wildcard``, which reports it;
  ``get`` on ``resources: ["*"]`` (read everything, Secrets included) is reported here.
- The rule must cover the core API group (``""`` or ``"*"``), where Secrets live.

One finding per offending rule, on the ``secrets`` (or ``*``) item of its ``resources``.

Options: none.

PASS::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: config-reader}
    rules:
    - apiGroups: [""]
      resources: ["configmaps"]
      verbs: ["get", "list", "watch"]
    - apiGroups: [""]
      resources: ["secrets"]
      resourceNames: ["webhook-cert"]
      verbs: ["get"]

FAIL::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: pipeline-runner}
    rules:
    - apiGroups: [""]
      resources: ["pods", "secrets"]   # <- reported on "secrets"
      verbs: ["get", "list"]
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._rbac import policy_rules, role_label
from gitops_gen.rules._util import mapping
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "rbac-secrets-access"
SEVERITY = Severity.HIGH
CATEGORY = "rbac"
DESCRIPTION = "ClusterRole that can get, list or watch Secrets (cluster-wide credential read)."
OPTIONS: dict[str, Option] = {}
KINDS = frozenset({"ClusterRole"})

_READ_VERBS = ("get", "list", "watch")
_AGGREGATE_PREFIX = "rbac.authorization.k8s.io/aggregate-to-"


def _aggregated_into(resource: Resource) -> list[str]:
    metadata = mapping(resource.data.get("metadata"))
    labels = mapping(metadata.get("labels")) if metadata is not None else None
    if labels is None:
        return []
    return sorted(key[len(_AGGREGATE_PREFIX):] for key, value in labels.items()
                  if isinstance(key, str) and key.startswith(_AGGREGATE_PREFIX)
                  and str(value).lower() == "true")


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    label = role_label(resource)
    aggregated = _aggregated_into(resource)
    extra = (f"; its aggregation labels also add it to the built-in {', '.join(aggregated)} role(s)"
             if aggregated else "")
    for rule in policy_rules(resource):
        if rule.restricted_by_name or not rule.core_group():
            continue
        explicit = [v for _, v in rule.verbs if v in _READ_VERBS]
        if not explicit and not rule.has_verb("*"):
            continue
        for position, name in rule.resources:
            if name == "secrets" or (name == "*" and explicit):
                verbs = ", ".join(explicit) if explicit else "every verb"
                what = "Secrets" if name == "secrets" else "every core resource, Secrets included"
                yield Violation(f"{label}: rules[{rule.index}] grants {verbs} on {what}: bound by a "
                                f"ClusterRoleBinding it reads the credentials of every namespace{extra}; "
                                "use a Role in the namespace that needs them, or resourceNames",
                                rule.item("resources", position), at_value=True)
                break
