"""guardrail-removed: guardrail objects a pull request deletes or weakens (NetworkPolicies in
test_guardrails_network.py, the configuration in test_guardrails_config.py).

Each case loads a small base and head from files under ``tmp_path`` and asserts the rule, the
sub-check, the file and the line; harmless edits (reordering, comments, labels, tightening, a
moved file, an apiVersion bump) must give nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from guardrail_helpers import NETPOL, assert_one, compare, edit

QUOTA = """\
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: shop
spec:
  hard:
    pods: "64"
    requests.cpu: 500m
    requests.memory: 256Gi
"""


def test_resource_quota_deleted(tmp_path: Path) -> None:
    found = assert_one(compare(tmp_path, QUOTA, None), "resource-quota-deleted", "base/guard.yaml", 1)
    assert "ResourceQuota shop/compute deleted (was at base/guard.yaml:1)" in found.message


def test_resource_quota_hard_key_removed(tmp_path: Path) -> None:
    found = assert_one(compare(tmp_path, QUOTA, edit(QUOTA, "    requests.cpu: 500m\n", "")),
                       "resource-quota-hard-removed", "head/guard.yaml", 7)
    assert "hard requests.cpu (500m) removed (base: base/guard.yaml:9)" in found.message


@pytest.mark.parametrize(("old", "new", "line"), [
    ('pods: "64"', 'pods: "128"', 8), ("500m", '"1"', 9), ("256Gi", "300Gi", 10), ("256Gi", "1Ti", 10),
])
def test_resource_quota_hard_raised(tmp_path: Path, old: str, new: str, line: int) -> None:
    assert_one(compare(tmp_path, QUOTA, edit(QUOTA, old, new)), "resource-quota-hard-raised", "head/guard.yaml", line)


@pytest.mark.parametrize(("old", "new"), [
    ('pods: "64"', "pods: 32"), ("500m", '"0.5"'), ("256Gi", "200Gi"), ("  hard:\n", "  hard:\n    services: 5\n"),
])
def test_resource_quota_tightened_or_equal(tmp_path: Path, old: str, new: str) -> None:
    assert compare(tmp_path, QUOTA, edit(QUOTA, old, new)) == []


LIMITS = """\
apiVersion: v1
kind: LimitRange
metadata:
  name: limits
  namespace: shop
spec:
  limits:
    - type: Container
      max: {cpu: "2", memory: 4Gi}
      default: {cpu: 500m, memory: 512Mi}
      defaultRequest: {cpu: 250m}
      maxLimitRequestRatio: {cpu: "4"}
    - type: PersistentVolumeClaim
      max: {storage: 50Gi}
"""
PVC = "    - type: PersistentVolumeClaim\n      max: {storage: 50Gi}\n"


def test_limit_range_deleted(tmp_path: Path) -> None:
    assert_one(compare(tmp_path, LIMITS, None), "limit-range-deleted", "base/guard.yaml", 1)


@pytest.mark.parametrize(("old", "new", "check", "line"), [
    (PVC, "", "limit-range-limit-removed", 7),
    ("memory: 4Gi", "memory: 8Gi", "limit-range-max-raised", 9),
    ('cpu: "4"}', 'cpu: "10"}', "limit-range-max-raised", 12),
    ("50Gi", "1Ti", "limit-range-max-raised", 14),
    ('max: {cpu: "2", memory: 4Gi}', 'max: {cpu: "2"}', "limit-range-max-removed", 9),
    ('      maxLimitRequestRatio: {cpu: "4"}\n', "", "limit-range-max-removed", 8),
    ("      default: {cpu: 500m, memory: 512Mi}\n", "", "limit-range-default-removed", 8),
    ("      defaultRequest: {cpu: 250m}\n", "      defaultRequest: {}\n", "limit-range-default-removed", 11),
])
def test_limit_range_weakened(tmp_path: Path, old: str, new: str, check: str, line: int) -> None:
    findings = compare(tmp_path, LIMITS, edit(LIMITS, old, new))
    assert {f.details["check"] for f in findings} == {check}
    assert (findings[0].file, findings[0].line) == ("head/guard.yaml", line)


@pytest.mark.parametrize("head", [
    LIMITS.replace("    - type: Container\n", PVC + "    - type: Container\n").removesuffix(PVC),  # reordered
    edit(LIMITS, "memory: 4Gi", "memory: 2Gi"),                                           # a lower max
    edit(LIMITS, "cpu: 500m, memory: 512Mi", "cpu: 400m, memory: 512Mi"),                 # another default
    edit(LIMITS, "      max: {storage: 50Gi}\n", "      max: {storage: 50Gi}\n      min: {storage: 1Gi}\n"),
])
def test_limit_range_harmless_edits(tmp_path: Path, head: str) -> None:
    assert compare(tmp_path, LIMITS, head) == []


PDB = """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
  namespace: shop
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
"""


def test_pod_disruption_budget_deleted(tmp_path: Path) -> None:
    assert_one(compare(tmp_path, PDB, None), "pod-disruption-budget-deleted", "base/guard.yaml", 1)


@pytest.mark.parametrize(("base", "old", "new", "check", "line"), [
    (PDB, "minAvailable: 2", "minAvailable: 1", "pod-disruption-budget-min-available-lowered", 7),
    (PDB.replace("2", '"50%"'), '"50%"', '"25%"', "pod-disruption-budget-min-available-lowered", 7),
    (PDB.replace("minAvailable: 2", "maxUnavailable: 1"), "maxUnavailable: 1", "maxUnavailable: 2",
     "pod-disruption-budget-max-unavailable-raised", 7),
    (PDB, "  minAvailable: 2\n", "", "pod-disruption-budget-min-available-lowered", 6),
    (PDB, "{app: web}", "{app: web-v2}", "pod-disruption-budget-selector-changed", 8),
])
def test_pod_disruption_budget_weakened(tmp_path: Path, base: str, old: str, new: str, check: str,
                                        line: int) -> None:
    assert_one(compare(tmp_path, base, edit(base, old, new)), check, "head/guard.yaml", line)


@pytest.mark.parametrize(("base", "head"), [
    (edit(PDB, "policy/v1", "policy/v1beta1"), PDB),                                    # apiVersion changed
    (PDB, edit(PDB, "minAvailable: 2", "minAvailable: 3")),                             # a stricter budget
    (PDB, edit(PDB, "matchLabels: {app: web}", "matchExpressions: [{key: app, operator: In, values: [web]}]")),
    (PDB, edit(PDB, "minAvailable: 2", "maxUnavailable: 1")),                           # not comparable
])
def test_pod_disruption_budget_harmless_edits(tmp_path: Path, base: str, head: str) -> None:
    assert compare(tmp_path, base, head) == []


NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels:
    team: shop
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: v1.30
"""
ENFORCE = "    pod-security.kubernetes.io/enforce: restricted\n"


@pytest.mark.parametrize(("old", "new", "check", "line"), [
    ("enforce: restricted", "enforce: baseline", "pod-security-enforce-lowered", 7),
    ("enforce: restricted", "enforce: privileged", "pod-security-enforce-lowered", 7),
    (ENFORCE, "", "pod-security-enforce-removed", 5),
    ("v1.30", "v1.28", "pod-security-enforce-version-older", 8),
])
def test_namespace_pod_security_weakened(tmp_path: Path, old: str, new: str, check: str, line: int) -> None:
    assert_one(compare(tmp_path, NAMESPACE, edit(NAMESPACE, old, new)), check, "head/guard.yaml", line)


def test_namespace_with_enforce_deleted(tmp_path: Path) -> None:
    found = assert_one(compare(tmp_path, NAMESPACE, None), "pod-security-namespace-deleted", "base/guard.yaml", 1)
    assert found.message == "Namespace shop (Pod Security enforce: restricted) deleted (was at base/guard.yaml:1)"


@pytest.mark.parametrize(("base", "head"), [
    (NAMESPACE, edit(NAMESPACE, "team: shop", "team: checkout")),                        # a label changed
    (NAMESPACE, NAMESPACE + "    pod-security.kubernetes.io/audit: baseline\n"),           # audit: not judged
    (NAMESPACE, edit(NAMESPACE, "v1.30", "v1.31")),                                      # a newer version
    (NAMESPACE, edit(NAMESPACE, "    pod-security.kubernetes.io/enforce-version: v1.30\n", "")),  # now latest
    (edit(NAMESPACE, "restricted", "baseline"), NAMESPACE),                             # raised
    (edit(NAMESPACE, ENFORCE, ""), edit(NAMESPACE, ENFORCE, "")),                       # no enforce in base
])
def test_namespace_harmless_edits(tmp_path: Path, base: str, head: str) -> None:
    assert compare(tmp_path, base, head) == []


def test_namespace_without_enforce_deleted_is_no_guardrail(tmp_path: Path) -> None:
    assert compare(tmp_path, edit(NAMESPACE, "restricted", "privileged"), None) == []
    assert compare(tmp_path, edit(NAMESPACE, ENFORCE, ""), None) == []


PROJECT = """\
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: team-a
  namespace: argocd
spec:
  sourceRepos:
    - https://github.com/acme/team-a-*
    - "!https://github.com/acme/team-a-secret"
  sourceNamespaces: [team-a]
  destinations:
    - {server: https://kubernetes.default.svc, namespace: team-a}
    - {server: https://kubernetes.default.svc, namespace: "!kube-system"}
  clusterResourceWhitelist:
    - {group: "", kind: Namespace}
  namespaceResourceWhitelist:
    - {group: apps, kind: Deployment}
    - {group: "", kind: Service}
  namespaceResourceBlacklist:
    - {group: "", kind: ResourceQuota}
  roles:
    - name: ci
      policies:
        - p, proj:team-a:ci, applications, sync, team-a/*, allow
        - p, proj:team-a:ci, applications, delete, team-a/*, deny
"""
SECRET_REPO = '    - "!https://github.com/acme/team-a-secret"\n'
DENY_LINE = "        - p, proj:team-a:ci, applications, delete, team-a/*, deny\n"
WHITELIST = '  namespaceResourceWhitelist:\n    - {group: apps, kind: Deployment}\n    - {group: "", kind: Service}\n'


def test_app_project_deleted(tmp_path: Path) -> None:
    found = assert_one(compare(tmp_path, PROJECT, None), "app-project-deleted", "base/guard.yaml", 1)
    assert found.message == "AppProject argocd/team-a deleted (was at base/guard.yaml:1)"


@pytest.mark.parametrize(("old", "new", "check", "line"), [
    (SECRET_REPO, SECRET_REPO + "    - https://github.com/other/*\n", "app-project-source-repos-widened", 10),
    (SECRET_REPO, "", "app-project-deny-removed", 7),
    ("[team-a]", "[team-a, team-b]", "app-project-source-namespaces-widened", 10),
    ('"!kube-system"}\n', '"!kube-system"}\n    - {server: "*", namespace: "*"}\n',
     "app-project-destinations-widened", 14),
    ('    - {server: https://kubernetes.default.svc, namespace: "!kube-system"}\n', "",
     "app-project-deny-removed", 11),
    ('kind: Namespace}\n', 'kind: Namespace}\n    - {group: "*", kind: "*"}\n',
     "app-project-cluster-whitelist-widened", 16),
    ('kind: Service}\n', 'kind: Service}\n    - {group: "", kind: Secret}\n',
     "app-project-namespace-whitelist-widened", 19),
    (WHITELIST, "", "app-project-namespace-whitelist-widened", 6),
    ('  namespaceResourceBlacklist:\n    - {group: "", kind: ResourceQuota}\n', "  namespaceResourceBlacklist: []\n",
     "app-project-namespace-blacklist-narrowed", 19),
    (DENY_LINE, DENY_LINE + "        - p, proj:team-a:ci, applications, *, team-a/*, allow\n",
     "app-project-role-policy-widened", 26),
    (DENY_LINE, "", "app-project-role-policy-widened", 23),
])
def test_app_project_weakened(tmp_path: Path, old: str, new: str, check: str, line: int) -> None:
    found = assert_one(compare(tmp_path, PROJECT, edit(PROJECT, old, new)), check, "head/guard.yaml", line)
    assert found.message.startswith("AppProject argocd/team-a: ")


@pytest.mark.parametrize(("old", "new"), [
    ("team-a-*", "team-a-api"),                                                  # a narrower repository glob
    ('    - {group: apps, kind: Deployment}\n    - {group: "", kind: Service}\n',
     '    - {group: "", kind: Service}\n    - {group: apps, kind: Deployment}\n'),   # entries reordered
    ("    - {server: https://kubernetes.default.svc, namespace: team-a}\n", ""),   # a destination removed
    ('kind: ResourceQuota}\n', 'kind: ResourceQuota}\n    - {group: "", kind: LimitRange}\n'),  # more denied
    (DENY_LINE, DENY_LINE + "        - p, proj:team-a:ci, applications, override, team-a/*, deny\n"),
    ("sync, team-a/*, allow", "sync, team-a/web, allow"),                        # a narrower allow line
    ("  namespace: argocd\n", "  namespace: argocd\n  labels: {team: a}\n"),      # a label added
    ("kind: AppProject\n", "kind: AppProject\n# owned by platform\n"),            # a comment
])
def test_app_project_harmless_edits(tmp_path: Path, old: str, new: str) -> None:
    assert compare(tmp_path, PROJECT, edit(PROJECT, old, new)) == []


def test_unguarded_kinds_and_identity(tmp_path: Path) -> None:
    service = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n"
    assert compare(tmp_path, service, None) == []
    renamed_namespace = edit(NETPOL, "namespace: shop", "namespace: shop-v2")  # another object: base's is deleted
    assert_one(compare(tmp_path, NETPOL, renamed_namespace), "network-policy-deleted", "base/guard.yaml", 1)


def test_list_items_are_judged_and_located(tmp_path: Path) -> None:
    items = "apiVersion: v1\nkind: List\nitems:\n" + "".join(
        f"  {line}\n" if i else f"- {line}\n" for i, line in enumerate(QUOTA.splitlines()))
    head = edit(items, "500m", '"2"')
    assert_one(compare(tmp_path, items, head), "resource-quota-hard-raised", "head/guard.yaml", 12)
