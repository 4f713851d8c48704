"""The API server's matching of admission requests, offline."""

from __future__ import annotations

import pytest

from gitops_gen.cel.match import ResourceRule, guess_plural, plural_of, read_match
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Resource


@pytest.mark.parametrize(("kind", "plural"), [
    ("Pod", "pods"), ("Ingress", "ingresses"), ("NetworkPolicy", "networkpolicies"), ("Gateway", "gateways"),
    ("Mesh", "meshes"), ("Box", "boxes"), ("Batch", "batches"), ("Key", "keys"),
])
def test_the_api_servers_plural_guess(kind: str, plural: str) -> None:
    assert guess_plural(kind) == plural


def test_plurals_come_from_the_tree_then_the_builtin_crds_then_kubernetes() -> None:
    assert plural_of("", "Endpoints", {}) == "endpoints"
    assert plural_of("kubeflow.org", "Notebook", {}) == "notebooks"
    assert plural_of("example.com", "Mesh", {("example.com", "Mesh"): "meshs"}) == "meshs"


def resource(text: str) -> Resource:
    [found] = load_file(SourceFile("/x.yaml", "x.yaml", text.encode())).resources
    return found


DEPLOYMENT_V1BETA = "apiVersion: apps/v1beta2\nkind: Deployment\nmetadata: {name: web, namespace: a}\n"
ROLE = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: []\n"


def test_match_policy_equivalent_matches_another_version_exact_does_not() -> None:
    rules = [{"apiGroups": ["apps"], "apiVersions": ["v1"], "resources": ["deployments"], "operations": ["CREATE"]}]
    obj = resource(DEPLOYMENT_V1BETA)
    assert read_match({"resourceRules": rules}).matches(obj, "deployments", {})
    assert not read_match({"resourceRules": rules, "matchPolicy": "Exact"}).matches(obj, "deployments", {})


@pytest.mark.parametrize(("rule", "matched"), [
    (ResourceRule(("rbac.authorization.k8s.io",), ("v1",), ("clusterroles",), ("CREATE",), scope="Cluster"), True),
    (ResourceRule(("rbac.authorization.k8s.io",), ("v1",), ("clusterroles",), ("CREATE",), scope="Namespaced"), False),
    (ResourceRule(("*",), ("*",), ("*",), ("UPDATE",)), False),
    (ResourceRule(("*",), ("*",), ("*/*",), ("*",)), True),
    (ResourceRule(("*",), ("*",), ("clusterroles/status",), ("*",)), False),
    (ResourceRule(("rbac.authorization.k8s.io",), ("v1",), ("clusterroles",), ("CREATE",), names=("other",)), False),
])
def test_resource_rules_by_scope_operation_subresource_and_name(rule: ResourceRule, matched: bool) -> None:
    obj = resource(ROLE)
    assert rule.matches(obj.group, obj.version, "clusterroles", obj.name, True, True) is matched


def test_a_namespace_is_matched_on_its_own_labels_and_others_on_their_namespaces() -> None:
    match = read_match({"resourceRules": [{"apiGroups": ["*"], "apiVersions": ["*"], "resources": ["*"],
                                           "operations": ["*"]}],
                        "namespaceSelector": {"matchLabels": {"tier": "apps"}}})
    namespace = resource("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {tier: apps}}\n")
    config = resource("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n")
    elsewhere = resource("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: other}\n")
    cluster = resource(ROLE)
    namespaces = {"shop": namespace.data}
    assert match.matches(namespace, "namespaces", namespaces)
    assert match.matches(config, "configmaps", namespaces)
    assert not match.matches(elsewhere, "configmaps", namespaces)
    assert match.matches(cluster, "clusterroles", namespaces)  # cluster-scoped: no namespace to select
