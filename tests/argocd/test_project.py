"""AppProject decisions as Argo CD makes them (app_project_types.go, types.go, util/glob)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from gitops_gen.argocd.globs import glob_match, path_match
from gitops_gen.argocd.project import (
    Destination,
    GroupKind,
    Project,
    cluster_resource_permitted,
    default_project,
    destination_permitted,
    namespaced_resource_permitted,
    project_from,
    source_permitted,
)
from gitops_gen.blueprints import find_blueprint, render

IN_CLUSTER = "https://kubernetes.default.svc"
CLUSTERS = {"in-cluster": IN_CLUSTER, "prod": "https://prod.example.com", "kube-edge": "https://edge.example.com"}


def project(**spec: Any) -> Project:
    return project_from({"apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
                         "metadata": {"name": "p"}, "spec": spec})


def dests(*rules: tuple[str | None, str | None, str | None]) -> Project:
    return project(destinations=[{k: v for k, v in zip(("server", "name", "namespace"), r, strict=True)
                                  if v is not None} for r in rules])


@pytest.fixture(scope="module")
def blueprint_projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Project]:
    root = render(find_blueprint("ml-platform"), tmp_path_factory.mktemp("bp"), {}, git_init=False)
    folder = root / "apps" / "projects"
    docs = [d for f in sorted(folder.glob("*.yaml")) for d in yaml.safe_load_all(f.read_text())
            if isinstance(d, dict) and d.get("kind") == "AppProject"]
    return {p.name: p for p in map(project_from, docs)}


# -- globs ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("pattern", "text", "separators", "expected"), [
    ("*", "a/b", "", True),
    ("*", "a/b", "/", False),
    ("**", "a/b", "/", True),
    ("a?c", "abc", "", True),
    ("a?c", "a/c", "/", False),
    ("[a-c]x", "bx", "", True),
    ("[!a-c]x", "bx", "", False),
    ("[!a-c]x", "dx", "", True),
    ("{dev,prod}-*", "prod-eu", "", True),
    ("{dev,prod}-*", "test-eu", "", False),
    ("{a,b{c,d}}", "bd", "", True),
    ("a\\*", "a*", "", True),
    ("a\\*", "ab", "", False),
    ("a.b", "axb", "", False),
    ("[abc", "a", "", False),       # gobwas cannot compile it: no match
    ("{a,b", "a", "", False),
    ("", "", "", True),
])
def test_gobwas_glob(pattern: str, text: str, separators: str, expected: bool) -> None:
    assert glob_match(pattern, text, separators) is expected


@pytest.mark.parametrize(("pattern", "text", "expected"), [
    ("*", "ClusterRole", True), ("*", "", True), ("Cluster*", "ClusterRoleBinding", True),
    ("*.k8s.io", "rbac.authorization.k8s.io", True), ("*.k8s.io", "", False),
    ("[^N]*", "Namespace", False), ("[^N]*", "Node", False), ("[^N]*", "Pod", True),
    ("Pod?", "Pods", True), ("{Pod,Node}", "Pod", False), ("[", "[", False),
])
def test_filepath_match(pattern: str, text: str, expected: bool) -> None:
    assert path_match(pattern, text) is expected


# -- reading ---------------------------------------------------------------------------------------

def test_project_from_blueprint(blueprint_projects: dict[str, Project]) -> None:
    assert sorted(blueprint_projects) == ["platform", "team-research", "team-serving"]
    team = blueprint_projects["team-research"]
    assert team.source_repos == ("https://github.com/example-org/ml-platform-gitops.git",)
    assert team.destinations == tuple(Destination(IN_CLUSTER, None, ns)
                                      for ns in ("research", "research-staging", "research-production"))
    assert team.cluster_whitelist == ()
    assert team.namespace_whitelist is not None and GroupKind("batch", "Job") in team.namespace_whitelist
    platform = blueprint_projects["platform"]
    assert platform.namespace_whitelist is None
    assert platform.cluster_whitelist is not None and platform.cluster_whitelist[0] == GroupKind("", "Namespace")


def test_project_from_tolerates_garbage() -> None:
    p = project_from({"metadata": "x", "spec": {"sourceRepos": ["a", 3, None], "destinations": ["x", {"server": 5}],
                                                "clusterResourceWhitelist": "all", "namespaceResourceWhitelist": [],
                                                "namespaceResourceBlacklist": [{"kind": "Secret"}, "x"],
                                                "sourceNamespaces": "team-*"}})
    assert p == Project("", ("a",), (Destination(None, None, None),), None, (), (), (GroupKind("", "Secret"),), ())
    assert project_from({}) == Project("", (), (), None, (), None, (), ())


def test_default_project() -> None:
    p = default_project()
    assert p.name == "default"
    assert source_permitted(p, "https://anything.example/x/y/z.git")
    assert destination_permitted(p, "https://prod.example.com", None, "anything", CLUSTERS)
    assert destination_permitted(p, None, "in-cluster", "kube-system", {})
    assert cluster_resource_permitted(p, "rbac.authorization.k8s.io", "ClusterRole")
    assert namespaced_resource_permitted(p, "", "Secret")


# -- sources ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("rules", "url", "expected"), [
    (["*"], "git@github.com:org/repo.git", True),
    (["https://github.com/org/repo.git"], "https://GitHub.com/org/repo", True),
    (["https://github.com/org/repo.git"], "https://github.com/org/repo/", False),       # trailing slash
    (["https://github.com/org/repo"], "git@github.com:org/repo.git", False),            # ssh vs https
    (["git@github.com:org/repo"], "ssh://git@github.com/org/repo.git", True),
    (["https://github.com/org/*"], "https://github.com/org/a", True),
    (["https://github.com/org/*"], "https://github.com/org/a/b", False),                # '*' stops at '/'
    (["https://github.com/org/*/*"], "https://github.com/org/a/b", True),
    (["https://github.com/org/**"], "https://github.com/org/a/b/c", True),
    (["https://github.com/org/*.git"], "https://github.com/other/repo.git", False),
    (["https://github.com/org/foo"], "https://github.com/org/foo1", False),
    (["https://github.com/org/*", "!https://github.com/org/secret*"], "https://github.com/org/secrets", False),
    (["https://github.com/org/*", "!https://github.com/org/secret*"], "https://github.com/org/public", True),
    (["!https://github.com/org/secret"], "https://github.com/org/public", True),   # a lone deny rule permits the rest
    (["!https://github.com/org/*", "*"], "https://github.com/other/x.git", True),
    ([], "https://github.com/org/repo", False),
])
def test_source_permitted(rules: list[str], url: str, expected: bool) -> None:
    assert source_permitted(project(sourceRepos=rules), url) is expected


def test_source_permitted_blueprint(blueprint_projects: dict[str, Project]) -> None:
    team = blueprint_projects["team-serving"]
    assert source_permitted(team, "https://github.com/example-org/ml-platform-gitops")
    assert not source_permitted(team, "git@github.com:example-org/ml-platform-gitops.git")
    assert not source_permitted(team, "https://charts.jetstack.io")
    platform = blueprint_projects["platform"]
    assert source_permitted(platform, "https://charts.jetstack.io")
    assert source_permitted(platform, "oci://ghcr.io/kserve/charts/kserve-crd")
    assert source_permitted(platform, "https://kubernetes-sigs.github.io/metrics-server/")
    assert not source_permitted(platform, "https://kubernetes-sigs.github.io/metrics-server")


# -- destinations ----------------------------------------------------------------------------------

def test_in_cluster_name_rule_passes_for_the_server() -> None:
    p = dests((None, "in-cluster", "team-a"))
    assert destination_permitted(p, IN_CLUSTER, None, "team-a", CLUSTERS)
    assert destination_permitted(p, IN_CLUSTER + "/", None, "team-a", {})       # in-cluster is always known
    assert destination_permitted(p, None, "in-cluster", "team-a", {})
    assert not destination_permitted(p, IN_CLUSTER, None, "team-b", CLUSTERS)
    assert not destination_permitted(p, "https://prod.example.com", None, "team-a", CLUSTERS)


def test_server_rule_passes_for_the_name() -> None:
    p = dests(("https://prod.example.com", None, "*"))
    assert destination_permitted(p, None, "prod", "x", CLUSTERS)
    assert not destination_permitted(p, None, "unknown", "x", CLUSTERS)               # unknown name
    assert not destination_permitted(p, "https://prod.example.com", "prod", "x", CLUSTERS)  # both set
    assert not destination_permitted(p, None, None, "x", CLUSTERS)                     # neither
    # an unregistered server keeps no name but still matches on its server
    assert destination_permitted(dests(("https://*.example.org", None, "x")), "https://a.example.org", None, "x", {})


@pytest.mark.parametrize(("rules", "server", "name", "namespace", "expected"), [
    ([(IN_CLUSTER, None, "default")], IN_CLUSTER, None, "default", True),
    ([(IN_CLUSTER, None, "default")], IN_CLUSTER, None, "kube-system", False),
    ([("https://*.default.svc", None, "default")], IN_CLUSTER, None, "default", True),
    ([(IN_CLUSTER, None, "test-*")], IN_CLUSTER, None, "test", False),
    ([("*", None, "*"), ("*", None, "!kube-*")], IN_CLUSTER, None, "kube-system", False),
    ([("*", None, "*"), ("*", None, "!kube-*")], IN_CLUSTER, None, "kubeflow", True),
    ([("*", None, "*"), ("*", None, "!kube-*")], IN_CLUSTER, None, "kube-", False),
    ([(None, "*", "*"), (None, "!kube-*", "*")], None, "kube-edge", "apps", False),
    ([(None, "*", "*"), (None, "!kube-*", "*")], None, "prod", "apps", True),
    ([(IN_CLUSTER, None, "!{kube-system,argocd}")], IN_CLUSTER, None, "argocd", False),
    ([(IN_CLUSTER, None, "!{kube-system,argocd}")], IN_CLUSTER, None, "apps", True),
    # a namespace deny rule of another server does not apply
    ([(IN_CLUSTER, None, "!kube-system"), ("https://prod.example.com", None, "*")],
     "https://prod.example.com", None, "kube-system", True),
    # a server deny rule applies only when its namespace matches
    ([("*", None, "*"), ("!" + IN_CLUSTER, None, "kube-system")], IN_CLUSTER, None, "kube-system", False),
    ([("*", None, "*"), ("!" + IN_CLUSTER, None, "kube-system")], IN_CLUSTER, None, "default", True),
    ([("*", None, "test"), ("!https://prod.example.com", None, "other")], "https://prod.example.com", None, "test",
     True),
    # a deny rule that does not match counts as a match
    ([("!https://other.example.com", None, "default")], IN_CLUSTER, None, "default", True),
    ([("!" + IN_CLUSTER, None, "*")], IN_CLUSTER, None, "default", False),
    # cluster-scoped only (no namespace)
    ([("*", None, "*")], IN_CLUSTER, None, None, True),
    ([(IN_CLUSTER, None, "apps")], IN_CLUSTER, None, None, False),
    ([], IN_CLUSTER, None, "default", False),
])
def test_destination_permitted(rules: list[tuple[str | None, str | None, str | None]], server: str | None,
                               name: str | None, namespace: str | None, expected: bool) -> None:
    assert destination_permitted(dests(*rules), server, name, namespace, CLUSTERS) is expected


def test_destination_permitted_blueprint(blueprint_projects: dict[str, Project]) -> None:
    team = blueprint_projects["team-research"]
    assert destination_permitted(team, IN_CLUSTER, None, "research-staging", CLUSTERS)
    assert destination_permitted(team, None, "in-cluster", "research", CLUSTERS)
    assert not destination_permitted(team, IN_CLUSTER, None, "serving", CLUSTERS)
    assert not destination_permitted(team, IN_CLUSTER, None, None, CLUSTERS)
    assert destination_permitted(blueprint_projects["platform"], IN_CLUSTER, None, "kube-system", CLUSTERS)


# -- resource kinds ---------------------------------------------------------------------------------

def test_cluster_resources() -> None:
    assert not cluster_resource_permitted(project(), "", "Namespace")                          # absent
    assert not cluster_resource_permitted(project(clusterResourceWhitelist=[]), "", "Namespace")  # empty
    p = project(clusterResourceWhitelist=[{"group": "*", "kind": "*"}],
                clusterResourceBlacklist=[{"group": "rbac.authorization.k8s.io", "kind": "ClusterRole*"}])
    assert cluster_resource_permitted(p, "", "Namespace")
    assert cluster_resource_permitted(p, "apiextensions.k8s.io", "CustomResourceDefinition")
    assert not cluster_resource_permitted(p, "rbac.authorization.k8s.io", "ClusterRoleBinding")
    core_only = project(clusterResourceWhitelist=[{"group": "", "kind": "Namespace"}])
    assert cluster_resource_permitted(core_only, "", "Namespace")
    assert not cluster_resource_permitted(core_only, "example.com", "Namespace")
    assert not cluster_resource_permitted(core_only, "", "namespace")   # case matters


def test_namespaced_resources() -> None:
    assert namespaced_resource_permitted(project(), "apps", "Deployment")                      # absent: all
    assert not namespaced_resource_permitted(project(namespaceResourceWhitelist=[]), "apps", "Deployment")
    assert namespaced_resource_permitted(project(namespaceResourceWhitelist=None), "apps", "Deployment")
    p = project(namespaceResourceBlacklist=[{"group": "", "kind": "ResourceQuota"}, {"group": "", "kind": "Limit*"}])
    assert not namespaced_resource_permitted(p, "", "ResourceQuota")
    assert not namespaced_resource_permitted(p, "", "LimitRange")
    assert namespaced_resource_permitted(p, "", "ConfigMap")
    assert namespaced_resource_permitted(p, "example.com", "ResourceQuota")


def test_resources_blueprint(blueprint_projects: dict[str, Project]) -> None:
    team = blueprint_projects["team-research"]
    assert not cluster_resource_permitted(team, "", "Namespace")
    assert namespaced_resource_permitted(team, "kubeflow.org", "PyTorchJob")
    assert not namespaced_resource_permitted(team, "", "ResourceQuota")
    assert not namespaced_resource_permitted(team, "rbac.authorization.k8s.io", "RoleBinding")
    platform = blueprint_projects["platform"]
    assert cluster_resource_permitted(platform, "karpenter.sh", "NodePool")
    assert not cluster_resource_permitted(platform, "storage.k8s.io", "StorageClass")
    assert namespaced_resource_permitted(platform, "", "Secret")
