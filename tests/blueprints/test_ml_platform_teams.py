"""What a reviewer checks in the team side of the ml-platform render (issue 8).

- Inputs render type-safely: names made of YAML 1.1's ambiguous scalars (yes, on, 0644, 1e3...)
  stay text everywhere, read back with go-yaml v2's rules.
- Every environment of a team has its own namespace, quota, limits, RBAC and network policies.
- The "no Secrets, no exec" promise holds for everything a team member can reach: their own RBAC
  and every service account their pods may run as.

The example workloads fitting each namespace's quota: ``test_ml_platform_quota.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from bp_helpers import KUBECTL, kustomize_objects

from gitops_gen.blueprints import BlueprintInfo, render
from gitops_gen.blueprints.answers import ANSWERS_FILE
from gitops_gen.manifests.yamlread import read_documents

#: The YAML 1.1 scalars of the issue that no name input accepts (not a DNS label or group), tried in
#: the free-text and cluster-name inputs; the others are team, environment, pool and group names below.
FREE_TEXT = [("project_name", "~"), ("project_name", ".inf"), ("project_name", "12:30"),
             ("cluster_name", "1_000")]


def _values(teams: list[str], envs: list[str], pools: list[str], groups: list[str]) -> dict[str, Any]:
    return {
        "teams": {t: {"group": g, "gpu_quota": 2, "cpu_quota": "16", "memory_quota": "64Gi"}
                  for t, g in zip(teams, groups, strict=True)},
        "environments": {e: {"cluster_server": "https://kubernetes.default.svc", "replicas": 1, "canary_percent": 10}
                         for e in envs},
        "gpu_node_pools": {p: {"instance_families": ["g5"], "gpu_product": "NVIDIA-A10G", "max_gpus": 8,
                               "capacity_type": "spot"} for p in pools},
    }


PLAIN = _values(["alpha", "beta", "gamma", "delta"], ["stage", "prod", "qa"], ["pool-a", "pool-b"],
                ["grp-a", "grp-b", "grp-c", "grp-d"])
TRICKY = _values(["yes", "0644", "1e3", "2026-01-01"], ["on", "null", "0x1f"], ["y", "123"],
                 ["on", "12:30", "0644", "null"])
SCALAR_INPUTS = {"project_name": "yes", "sso_admin_group": "off", "cluster_name": "0644", "argocd_namespace": "no",
                 "target_revision": "1e3", "inference_clients": "on,0x1f"}


def _segments(values: dict[str, Any]) -> list[str]:
    teams, envs = list(values["teams"]), list(values["environments"])
    return teams + envs + [f"{t}-{e}" for t in teams for e in envs]


def _skeleton(node: Any) -> Any:
    """The shape and scalar types of a document (mapping keys by position: names differ)."""
    if isinstance(node, dict):
        return [(type(k).__name__, _skeleton(v)) for k, v in node.items()]
    if isinstance(node, list):
        return [_skeleton(v) for v in node]
    return type(node).__name__


def _first_change(ours: Any, theirs: Any, where: str = "") -> str | None:
    """The path of the first place where two skeletons differ."""
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            found = _first_change(a, b, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(ours, tuple) and isinstance(theirs, tuple):
        return _first_change(list(ours), list(theirs), where)
    return None if ours == theirs else f"{where}: {ours} became {theirs}"


def test_ambiguous_names_render_as_text(bp: BlueprintInfo, tmp_path: Path) -> None:
    plain = render(bp, tmp_path / "plain", {**PLAIN, "sso_admin_group": "grp-admins", "cluster_name": "c1",
                                             "argocd_namespace": "argo-cd", "target_revision": "release-1",
                                             "project_name": "Plain", "inference_clients": "gw,lb"}, git_init=False)
    tricky = render(bp, tmp_path / "tricky", {**TRICKY, **SCALAR_INPUTS}, git_init=False)
    rename = dict(zip(_segments(PLAIN), _segments(TRICKY), strict=True))
    compared = 0
    for path in sorted(plain.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or ".git" in path.parts:
            continue
        rel = path.relative_to(plain).parts
        twin = tricky.joinpath(*(rename.get(part, part) for part in rel))
        assert twin.is_file(), f"{twin} missing from the tricky render"
        ours = [_skeleton(d.data) for d in read_documents(path.read_text())]
        theirs = [_skeleton(d.data) for d in read_documents(twin.read_text())]
        assert ours == theirs, (f"{'/'.join(rel)}: a value changed type with YAML 1.1-ambiguous inputs at "
                                f"{_first_change(ours, theirs)}")
        compared += 1
    assert compared > 60


@pytest.mark.parametrize(("key", "value"), FREE_TEXT)
def test_ambiguous_free_text_renders_as_text(bp: BlueprintInfo, ml_default_render: Path, tmp_path: Path,
                                             key: str, value: str) -> None:
    repo = render(bp, tmp_path / "r", {key: value}, git_init=False)
    compared = 0
    for path in sorted(ml_default_render.rglob("*.y*ml")):
        twin = repo / path.relative_to(ml_default_render)
        ours = [_skeleton(d.data) for d in read_documents(path.read_text())]
        theirs = [_skeleton(d.data) for d in read_documents(twin.read_text())]
        assert ours == theirs, f"{twin}: {key}={value!r} changed a type at {_first_change(ours, theirs)}"
        compared += 1
    assert compared > 60


def test_ambiguous_names_build_and_keep_their_names(bp: BlueprintInfo, tmp_path: Path) -> None:
    if KUBECTL is None:
        pytest.skip("SKIPPED LOUDLY: kubectl is not installed")
    repo = render(bp, tmp_path / "t", {**TRICKY, **SCALAR_INPUTS}, git_init=False)
    built = kustomize_objects(repo / "teams" / "yes" / "platform")
    namespaces = {d["metadata"]["name"] for d in built if d["kind"] == "Namespace"}
    assert namespaces == {"yes", "yes-on", "yes-null", "yes-0x1f"}
    labels = next(d for d in built if d["kind"] == "Namespace" and d["metadata"]["name"] == "yes-null")["metadata"]
    assert labels["labels"]["ml-platform.io/environment"] == "null"
    apps = kustomize_objects(repo / "apps")
    appset = next(d for d in apps if d["kind"] == "ApplicationSet")
    elements = appset["spec"]["generators"][0]["list"]["elements"]
    assert {(e["team"], e["environment"]) for e in elements} >= {("yes", "on"), ("0644", "null")}
    assert all(isinstance(e["team"], str) and isinstance(e["environment"], str) for e in elements)


# -- one namespace, quota, RBAC and policies per environment ----------------------------------


@pytest.fixture(scope="module")
def default_team(ml_default_render: Path) -> list[dict[str, Any]]:
    if KUBECTL is None:
        pytest.skip("SKIPPED LOUDLY: kubectl is not installed")
    return kustomize_objects(ml_default_render / "teams" / "research" / "platform")


def _in(objects: list[dict[str, Any]], kind: str, namespace: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind and o["metadata"].get("namespace") == namespace]


def test_every_environment_has_its_own_fences(default_team: list[dict[str, Any]]) -> None:
    for ns in ("research", "research-staging", "research-production"):
        assert len(_in(default_team, "ResourceQuota", ns)) == 1, ns
        assert len(_in(default_team, "LimitRange", ns)) == 1, ns
        policies = {o["metadata"]["name"] for o in _in(default_team, "NetworkPolicy", ns)}
        assert {"default-deny-all", "allow-dns", "allow-inference-clients"} <= policies, ns
        assert _in(default_team, "RoleBinding", ns), ns
    workspace = next(o for o in default_team if o["kind"] == "Namespace" and o["metadata"]["name"] == "research")
    # the PodDefaults webhook selects Kubeflow profile namespaces by this label
    assert workspace["metadata"]["labels"]["app.kubernetes.io/part-of"] == "kubeflow-profile"


def test_inference_clients_reach_the_models(bp: BlueprintInfo, tmp_path: Path) -> None:
    if KUBECTL is None:
        pytest.skip("SKIPPED LOUDLY: kubectl is not installed")
    repo = render(bp, tmp_path / "r", {"inference_clients": "envoy-gateway-system,apps"}, git_init=False)
    built = kustomize_objects(repo / "teams" / "serving" / "platform")
    policy = next(o for o in _in(built, "NetworkPolicy", "serving-production")
                  if o["metadata"]["name"] == "allow-inference-clients")
    peers = policy["spec"]["ingress"][0]["from"]
    names = {p["namespaceSelector"]["matchLabels"].get("kubernetes.io/metadata.name") for p in peers}
    assert names >= {"envoy-gateway-system", "apps"}
    assert {"ml-platform.io/inference-client": "true"} in [p["namespaceSelector"]["matchLabels"] for p in peers]


def test_a_space_after_a_comma_renders_the_same_repository(bp: BlueprintInfo, tmp_path: Path) -> None:
    """``a, b`` (as people type lists) is ``a,b`` in the comma-separated inputs: only the recorded
    answers differ."""
    spaced = {"inference_clients": "envoy-gateway-system, apps",
              "org_registries": "ghcr.io/acme,  registry.acme.internal/ml"}
    tight = {"inference_clients": "envoy-gateway-system,apps", "org_registries": "ghcr.io/acme,registry.acme.internal/ml"}
    trees = [render(bp, tmp_path / name, inputs, git_init=False) for name, inputs in (("a", spaced), ("b", tight))]
    files = [{p.relative_to(t): p.read_bytes() for p in sorted(t.rglob("*")) if p.is_file()} for t in trees]
    assert files[0].keys() == files[1].keys()
    differ = [path for path in files[0] if files[0][path] != files[1][path]]
    assert [str(path) for path in differ] == [ANSWERS_FILE]
    assert b"envoy-gateway-system" in files[0][Path("README.md")]

# -- the "no Secrets, no exec" promise ----------------------------------------------------------


FORBIDDEN = {("", "secrets"), ("", "pods/exec"), ("", "pods/attach"), ("", "serviceaccounts/token")}
ESCALATING_VERBS = {"escalate", "bind", "impersonate", "*"}


def _grants(role: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    for rule in role.get("rules") or []:
        for group in rule.get("apiGroups") or []:
            for resource in rule.get("resources") or []:
                for verb in rule.get("verbs") or []:
                    yield group, resource, verb


def test_team_members_reach_no_secrets_and_no_exec(ml_default_render: Path) -> None:
    if KUBECTL is None:
        pytest.skip("SKIPPED LOUDLY: kubectl is not installed")
    repo = ml_default_render
    objects = kustomize_objects(repo / "teams" / "research" / "platform") + kustomize_objects(repo / "platform" / "guardrails")
    namespaces = {o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"}
    # the service accounts a member's pods can run as: every one in the team's namespaces, plus
    # those the Kubeflow profile controller creates, unless the admission policy refuses them
    policy = next(o for o in objects if o["kind"] == "ValidatingAdmissionPolicy")
    binding = next(o for o in objects if o["kind"] == "ValidatingAdmissionPolicyBinding")
    assert binding["spec"]["validationActions"] == ["Deny"]
    assert binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["key"] == "ml-platform.io/team"
    expression = policy["spec"]["validations"][0]["expression"]
    refused = {"default-editor", "default-viewer"}
    assert all(f"'{name}'" in expression for name in refused)
    accounts = {(o["metadata"]["namespace"], o["metadata"]["name"]) for o in objects if o["kind"] == "ServiceAccount"}
    accounts |= {(ns, "default") for ns in namespaces}
    subjects = {("Group", "research-team", None)} | {("ServiceAccount", name, ns) for ns, name in accounts}
    reached = []
    for rb in (o for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding")):
        for s in rb["subjects"]:
            key = (s["kind"], s["name"], s.get("namespace") if s["kind"] == "ServiceAccount" else None)
            if key in subjects:
                reached.append(rb)
    assert reached, "no binding reaches the team"
    for rb in reached:
        ref = rb["roleRef"]
        assert ref["kind"] == "Role", f"{rb['metadata']['name']} binds {ref['kind']} {ref['name']}: unreadable here"
        role = next(o for o in objects if o["kind"] == "Role" and o["metadata"]["name"] == ref["name"]
                    and o["metadata"]["namespace"] == rb["metadata"]["namespace"])
        for group, resource, verb in _grants(role):
            assert (group, resource) not in FORBIDDEN, f"{ref['name']} grants {verb} {resource}"
            assert "*" not in (group, resource) and verb not in ESCALATING_VERBS, f"{ref['name']}: {verb} {resource}"
            assert not group.startswith("rbac.authorization.k8s.io"), f"{ref['name']} grants RBAC"
    # the profile controller's accounts are refused in every team namespace
    assert all(o["metadata"]["labels"].get("ml-platform.io/team") for o in objects if o["kind"] == "Namespace")
    for path in (repo / "teams").rglob("*.yaml"):
        assert "serviceAccountName: default-editor" not in path.read_text(), path
    # creating pods lets a member mount the namespace's Secrets: the platform puts none there
    secret_kinds = {"Secret", "ExternalSecret", "SealedSecret"}
    for folder in ("platform/secrets", "teams/research/workloads/overlays/production", "teams/research/workspace"):
        for obj in kustomize_objects(repo / folder):
            assert not (obj["kind"] in secret_kinds and obj["metadata"].get("namespace") in namespaces), obj


@pytest.mark.parametrize("version", ["1.27", "1.9", "2.0"])
def test_kubernetes_before_1_28_is_refused(bp: BlueprintInfo, tmp_path: Path, version: str) -> None:
    """The admission policy of the team namespaces needs admissionregistration.k8s.io v1beta1 or v1."""
    from gitops_gen.blueprints import InputsError

    with pytest.raises(InputsError) as info:
        render(bp, tmp_path / "r", {"kubernetes_version": version}, git_init=False)
    assert [p.key for p in info.value.problems] == ["kubernetes_version"]


@pytest.mark.parametrize(("version", "api"), [("1.28", "v1beta1"), ("1.29", "v1beta1"), ("1.30", "v1"), ("1.34", "v1")])
def test_the_admission_policy_api_follows_the_kubernetes_version(bp: BlueprintInfo, tmp_path: Path, version: str,
                                                                 api: str) -> None:
    repo = render(bp, tmp_path / "r", {"kubernetes_version": version}, git_init=False)
    docs = [d.data for d in read_documents((repo / "platform/guardrails/team-service-accounts.yaml").read_text())]
    assert {d["apiVersion"] for d in docs} == {f"admissionregistration.k8s.io/{api}"}
