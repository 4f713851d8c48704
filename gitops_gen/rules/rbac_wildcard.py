"""rbac-wildcard: a Role or ClusterRole rule uses ``*`` in verbs, resources or apiGroups.

A wildcard grants more than anyone reviewed: ``verbs: ["*"]`` includes ``escalate``, ``bind``
and ``impersonate``; ``resources: ["*"]`` includes ``secrets``, ``pods/exec`` and every custom
resource installed *later* (an operator added next year is covered by a role written today);
``apiGroups: ["*"]`` spans every API group present and future.  The Kubernetes RBAC good
practices ask for explicit lists, and kube-linter (``wildcard-in-rules``) and checkov
(CKV_K8S_49) flag the same thing.

One finding per ``*`` item, on its line: a rule with ``*`` in both verbs and resources gives two.
Partial wildcards such as ``pods/*`` or ``*/scale`` are not reported here (``rbac-escalation``
covers the dangerous subresources).  ``nonResourceURLs: ["*"]`` is not reported: it only opens
read-only endpoints like ``/healthz`` and ``/metrics`` to the verbs listed.

Roles that need everything (a cluster operator's own ClusterRole) should be waived with a
reason rather than weakened.

Options: none.

PASS::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: Role
    metadata: {name: job-runner, namespace: research}
    rules:
    - apiGroups: ["batch"]
      resources: ["jobs"]
      verbs: ["get", "list", "watch", "create", "delete"]

FAIL::

    apiVersion: rbac.authorization.k8s.io/v1
    kind: ClusterRole
    metadata: {name: ml-operator}
    rules:
    - apiGroups: ["kubeflow.org"]
      resources: ["*"]            # every kubeflow.org resource, current and future
      verbs: ["*"]                # including delete, escalate, bind
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._rbac import ROLE_KINDS, policy_rules, role_label
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "rbac-wildcard"
SEVERITY = Severity.MEDIUM
CATEGORY = "rbac"
DESCRIPTION = "Role or ClusterRole rule with '*' in verbs, resources or apiGroups."
OPTIONS: dict[str, Option] = {}
KINDS = ROLE_KINDS

_MEANING = {
    "verbs": "every verb (including escalate, bind and impersonate)",
    "resources": "every resource in its API groups (including secrets and ones installed later)",
    "apiGroups": "every API group (including ones installed later)",
}


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    label = role_label(resource)
    for rule in policy_rules(resource):
        for field, values in (("apiGroups", rule.api_groups), ("resources", rule.resources),
                              ("verbs", rule.verbs)):
            for position, value in values:
                if value == "*":
                    message = (f"{label}: rules[{rule.index}] grants {_MEANING[field]} with '*' in {field}; "
                               f"list the {field} it needs")
                    yield Violation(message, rule.item(field, position), at_value=True)
