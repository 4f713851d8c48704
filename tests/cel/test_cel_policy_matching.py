"""Custom policies: which objects a policy judges (matchConstraints, selectors) and its params."""

from __future__ import annotations

from pathlib import Path

from cel_helpers import PARAMS_POLICY, check, custom, deployment, write

MATCHING = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: no-default-sa}
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["*"]
      apiVersions: ["*"]
      resources: [pods, trainjobs, endpoints]
      operations: ["*"]
    excludeResourceRules:
    - apiGroups: [""]
      apiVersions: [v1]
      resources: [pods]
      operations: [CREATE]
      resourceNames: [excused]
    namespaceSelector:
      matchExpressions: [{key: tier, operator: NotIn, values: [system]}]
    objectSelector:
      matchExpressions: [{key: skip, operator: DoesNotExist}]
  validations:
  - expression: "false"
    message: matched
"""


def pod(name: str, namespace: str, labels: str = "{}") -> str:
    return (f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, labels: {labels}}}\n"
            "spec:\n  containers: [{name: c, image: 'nginx:1.27.0'}]\n")


def test_match_constraints_by_plural_resource_exclusions_and_selectors(tmp_path: Path) -> None:
    write(tmp_path, {
        "policies/p.yaml": MATCHING,
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-ops, labels: {tier: system}}\n",
        "apps/a-matched.yaml": pod("a", "team-a"),
        "apps/b-excused.yaml": pod("excused", "team-a"),
        "apps/c-system.yaml": pod("c", "kube-ops"),
        "apps/d-skipped.yaml": pod("d", "team-a", "{skip: 'yes'}"),
        "apps/e-configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: e, namespace: team-a}\n",
        "apps/f-endpoints.yaml": "apiVersion: v1\nkind: Endpoints\nmetadata: {name: f, namespace: team-a}\n",
        "apps/g-trainjob.yaml": "apiVersion: trainer.kubeflow.org/v1alpha1\nkind: TrainJob\n"
                                "metadata: {name: g, namespace: team-a}\nspec: {runtimeRef: {name: torch}}\n",
    })
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert custom(findings, "no-default-sa") == [("no-default-sa", "a-matched.yaml", 1, "matched"),
                                                 ("no-default-sa", "f-endpoints.yaml", 1, "matched"),
                                                 ("no-default-sa", "g-trainjob.yaml", 1, "matched")]




def test_params_from_a_file_and_bindings_that_narrow(tmp_path: Path) -> None:
    write(tmp_path, {
        "policies/p.yaml": PARAMS_POLICY,
        "params.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: platform}\n"
                       "data: {max: '3'}\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}\n",
        "apps/prod.yaml": deployment(namespace="shop", replicas=5),
        "apps/exempt.yaml": deployment(name="x", namespace="shop", labels="{exempt: 'yes'}", replicas=5),
        "apps/dev.yaml": deployment(name="d", namespace="dev", replicas=5),
    })
    args = [str(tmp_path / "apps"), "--policies", str(tmp_path / "policies")]
    _, findings, _ = check(*args, "--params", str(tmp_path / "params.yaml"))
    assert custom(findings, "max-replicas") == [("max-replicas", "prod.yaml", 1, "replicas must be at most 3")]
    # no params anywhere: the binding denies what it matches, before matchConditions (as the API server)
    _, findings, _ = check(*args)
    found = custom(findings, "max-replicas")
    assert [file for _, file, _, _ in found] == ["exempt.yaml", "prod.yaml"]
    assert all("no params found for binding 'max-replicas-prod'" in message for *_, message in found)


def test_params_found_in_the_checked_tree(tmp_path: Path) -> None:
    write(tmp_path, {
        "policies/p.yaml": PARAMS_POLICY,
        "apps/limits.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: platform}\n"
                            "data: {max: '10'}\n",
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}\n",
        "apps/prod.yaml": deployment(namespace="shop", replicas=5),
    })
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert custom(findings, "max-replicas", "policy-error") == []




def test_params_kept_beside_the_policy_and_read_once(tmp_path: Path) -> None:
    """A ConfigMap in the policy folder is found when only a part of the tree is checked, and one
    object reached twice (the folder is in the tree too) is evaluated once."""
    limits = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: limits, namespace: platform}\ndata: {max: '3'}\n"
    write(tmp_path, {
        "policies/p.yaml": PARAMS_POLICY,
        "policies/limits.yaml": limits,
        "apps/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}\n",
        "apps/prod.yaml": deployment(namespace="shop", replicas=5),
    })
    expected = [("max-replicas", "prod.yaml", 1, "replicas must be at most 3")]
    _, findings, _ = check(str(tmp_path / "apps"), "--policies", str(tmp_path / "policies"))
    assert custom(findings, "max-replicas", "policy-error") == expected
    _, findings, _ = check(str(tmp_path), "--policies", str(tmp_path / "policies"))
    assert custom(findings, "max-replicas", "policy-error") == expected
