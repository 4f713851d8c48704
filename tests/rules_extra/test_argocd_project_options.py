"""argocd-project-wildcard: the opt-in cluster-resources sub-check."""

from __future__ import annotations

from conftest import Run

PROJECT = """\
    apiVersion: argoproj.io/v1alpha1
    kind: AppProject
    metadata: {name: research, namespace: argocd}
    spec:
      sourceRepos: [https://github.com/example-org/ml-platform-gitops.git]
      destinations: [{server: https://kubernetes.default.svc, namespace: research}]
      clusterResourceWhitelist:
      - {group: "*", kind: "*"}
      - {group: "", kind: Namespace}
      - {group: "*", kind: Namespace}
"""


def test_cluster_resource_whitelist_is_off_by_default(run_tree: Run) -> None:
    assert run_tree("argocd-project-wildcard", {"p.yaml": PROJECT}) == []


def test_cluster_resource_whitelist_when_enabled(run_tree: Run) -> None:
    findings = run_tree("argocd-project-wildcard", {"p.yaml": PROJECT}, {"check-cluster-resources": True})
    assert [(f.line, f.details["check"]) for f in findings] == [(8, "cluster-resources")]
