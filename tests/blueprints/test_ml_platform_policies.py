"""The ml-platform repository's org policies (policies/, issue 13): their own tests pass for any
inputs, the gate reports a violating workload under the policy's name at its file and line, and the
cluster gets exactly what the gate checks (the folder's kustomize build is `policy export` of it).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from gitops_gen.blueprints import BlueprintInfo, render
from gitops_gen.cel.export import export
from gitops_gen.cel.testing import run_tests
from gitops_gen.cli import main

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="SKIPPED LOUDLY: kubectl is not installed")
POLICIES = ("gpu-pool-toleration", "org-registries", "team-label")
VAP_KINDS = ("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding")

#: Inputs far from the defaults: other GPU pools (the first is not a10g), org registries given
#: with and without a trailing slash, one of them Docker Hub's library, other team names.
OTHER_INPUTS: dict[str, Any] = {
    "gpu_node_pools": {
        "h100": {"instance_families": ["p5"], "gpu_product": "NVIDIA-H100-80GB-HBM3", "max_gpus": 64,
                 "capacity_type": "on-demand", "gpus_per_node": 8},
        "l4": {"instance_families": ["g6"], "gpu_product": "NVIDIA-L4", "max_gpus": 8, "capacity_type": "spot"}},
    "org_registries": "ghcr.io/acme,registry.acme.internal:5000/ml/,docker.io/library",
    "teams": {"vision": {"group": "vision", "gpu_quota": 2, "cpu_quota": "16", "memory_quota": "64Gi"}},
    "argocd_namespace": "gitops",
}


@pytest.fixture(scope="module")
def other_repo(bp: BlueprintInfo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render(bp, tmp_path_factory.mktemp("policies-other"), OTHER_INPUTS, git_init=False)


def _check(repo: Path) -> tuple[int, list[dict[str, Any]]]:
    result = CliRunner().invoke(main, ["check", str(repo), "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def _failing_tests(repo: Path) -> list[str]:
    results = run_tests(str(repo / "policies"))
    assert {r.policy for r in results} == set(POLICIES)
    return [f"{r.name}: expected {r.expected}, got {r.got} {r.messages}" for r in results if not r.passed]


def test_the_default_repository_tests_and_names_its_policies(ml_default_render: Path) -> None:
    repo = ml_default_render
    assert _failing_tests(repo) == []
    config = yaml.safe_load((repo / ".gitops-gen.yaml").read_text(encoding="utf-8"))
    assert config["policies"] == ["policies"]
    params = yaml.safe_load((repo / "policies/allowed-registries.yaml").read_text(encoding="utf-8"))
    assert params["metadata"] == {"name": "allowed-registries", "namespace": "kube-system",
                                  "labels": {"app.kubernetes.io/part-of": "ml-platform"}}
    assert params["data"]["registries"] == "docker.io/pytorch/,ghcr.io/kubeflow/"
    code, findings = _check(repo)
    assert (code, findings) == (0, [])


def test_other_inputs_render_policies_that_pass_their_own_tests(other_repo: Path) -> None:
    assert _failing_tests(other_repo) == []
    gpu = (other_repo / "policies/gpu-pool-toleration.yaml").read_text(encoding="utf-8")
    assert '["h100", "l4"]' in gpu
    params = yaml.safe_load((other_repo / "policies/allowed-registries.yaml").read_text(encoding="utf-8"))
    assert params["data"]["registries"] == ("docker.io/pytorch/,ghcr.io/kubeflow/,ghcr.io/acme/,"
                                            "registry.acme.internal:5000/ml/,docker.io/library/")
    binding = next(yaml.safe_load_all((other_repo / "policies/team-label.yaml").read_text(encoding="utf-8")))
    assert binding["kind"] == "ValidatingAdmissionPolicy"
    bindings = [d for d in yaml.safe_load_all((other_repo / "policies/team-label.yaml").read_text(encoding="utf-8"))
                if d["kind"] == "ValidatingAdmissionPolicyBinding"]
    excluded = bindings[0]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"]
    assert excluded == ["kube-system", "kube-public", "kube-node-lease", "gitops"]
    # the example PyTorchJob runs on the first pool, and the repository's gate stays clean
    assert 'ml-platform.io/gpu-pool: "h100"' in (
        other_repo / "teams/vision/workloads/base/pytorchjob.yaml").read_text(encoding="utf-8")
    assert _check(other_repo) == (0, [])


def test_below_kubernetes_1_30_no_policies_are_rendered(bp: BlueprintInfo, tmp_path: Path) -> None:
    repo = render(bp, tmp_path / "r", {"kubernetes_version": "1.29"}, git_init=False)
    assert not (repo / "policies").exists()
    assert not (repo / "apps/platform/org-policies.yaml").exists()
    assert "org-policies" not in (repo / "apps/platform/kustomization.yaml").read_text(encoding="utf-8")
    assert "policies" not in yaml.safe_load((repo / ".gitops-gen.yaml").read_text(encoding="utf-8"))
    for ci in (".github/workflows/gitops-gen.yaml", ".gitlab-ci.yml", ".lighthouse/jenkins-x/pullrequest.yaml",
               ".pre-commit-config.yaml"):
        assert "policy test" not in (repo / ci).read_text(encoding="utf-8"), ci
    assert "not rendered for Kubernetes 1.29" in (repo / "README.md").read_text(encoding="utf-8")


def _line(path: Path, text: str, after: str = "") -> int:
    """The 1-based line of the first line equal to ``text`` (stripped) after the line holding ``after``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines) if i >= start and line.strip() == text) + 1


VIOLATIONS = {
    # a base file (no namespace: an overlay would set it) requesting a GPU without the toleration
    "gpu.yaml": """\
apiVersion: kubeflow.org/v1
kind: PyTorchJob
metadata:
  name: no-toleration
  labels: {ml-platform.io/team: research}
spec:
  pytorchReplicaSpecs:
    Master:
      replicas: 1
      template:
        spec:
          containers:
            - name: pytorch
              image: pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime
              resources: {limits: {nvidia.com/gpu: 1}}
""",
    # in a team namespace of the tree: an image from Docker Hub, and another team's label
    "hub.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
  namespace: research-staging
  labels:
    ml-platform.io/team: serving
spec:
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers:
        - name: redis
          image: docker.io/library/redis:7.4.1
""",
    "unlabelled.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: unlabelled
  namespace: research
spec:
  selector: {matchLabels: {app: unlabelled}}
  template:
    metadata: {labels: {app: unlabelled}}
    spec:
      containers:
        - name: api
          image: ghcr.io/kubeflow/api:1.0.0
""",
    # a platform namespace: none of the org policies applies there
    "platform.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: exporter
  namespace: kubeflow
spec:
  selector: {matchLabels: {app: exporter}}
  template:
    metadata: {labels: {app: exporter}}
    spec:
      containers:
        - name: exporter
          image: quay.io/prometheus/node-exporter:v1.8.2
          resources: {limits: {nvidia.com/gpu: 1}}
""",
}


def test_the_gate_reports_violations_at_their_file_and_line(ml_default_render: Path, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ml_default_render, repo)
    extra = repo / "teams/research/extra"
    extra.mkdir()
    for name, text in VIOLATIONS.items():
        (extra / name).write_text(text, encoding="utf-8")
    code, findings = _check(repo)
    assert code == 1
    # (the bundled rules report the sketchy Deployments too: only the org policies' findings here)
    found = sorted((f["rule"], Path(f["file"]).name, f["line"], f["message"]) for f in findings
                   if f["rule"] in (*POLICIES, "policy-error"))
    assert [(rule, file, line) for rule, file, line, _ in found] == sorted([
        ("gpu-pool-toleration", "gpu.yaml", _line(extra / "gpu.yaml", "spec:")),
        ("org-registries", "hub.yaml", _line(extra / "hub.yaml", "spec:")),
        ("team-label", "hub.yaml", _line(extra / "hub.yaml", "labels:")),
        ("team-label", "unlabelled.yaml", _line(extra / "unlabelled.yaml", "metadata:")),
    ])
    messages = {(rule, file): message for rule, file, _, message in found}
    assert "does not tolerate the nvidia.com/gpu taint" in messages["gpu-pool-toleration", "gpu.yaml"]
    assert messages["org-registries", "hub.yaml"].endswith("not: docker.io/library/redis:7.4.1")
    assert "labelled for team serving in a namespace of team research" in messages["team-label", "hub.yaml"]
    assert "has no team label" in messages["team-label", "unlabelled.yaml"]


def _documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


@needs_kubectl
@pytest.mark.parametrize("which", ["default", "other"])
def test_the_cluster_gets_what_the_gate_checks(ml_default_render: Path, other_repo: Path, which: str) -> None:
    """Argo CD syncs the kustomize build of policies/: its policies and bindings are exactly what
    `gitops-gen policy export policies` makes of the folder (no file left out of the kustomization,
    no binding missing, nothing rewritten), plus the params ConfigMap; the test files stay out."""
    repo = ml_default_render if which == "default" else other_repo
    assert KUBECTL is not None
    built = subprocess.run([KUBECTL, "kustomize", str(repo / "policies")], capture_output=True, text=True,
                           check=True).stdout
    objects = _documents(built)
    exported = _documents(export([str(repo / "policies")], kubernetes_version="1.31"))

    def key(d: dict[str, Any]) -> tuple[str, str]:
        return d["kind"], d["metadata"]["name"]

    assert sorted((d for d in objects if d["kind"] in VAP_KINDS), key=key) == sorted(exported, key=key)
    assert sorted(key(d) for d in objects if d["kind"] not in VAP_KINDS) == [("ConfigMap", "allowed-registries")]
    assert {key(d) for d in exported} == {(kind, name) for kind in VAP_KINDS for name in POLICIES}
    for binding in (d for d in exported if d["kind"] == VAP_KINDS[1]):
        assert binding["spec"]["validationActions"] == ["Deny"]
    listed = yaml.safe_load((repo / "policies/kustomization.yaml").read_text(encoding="utf-8"))["resources"]
    on_disk = sorted(p.name for p in (repo / "policies").glob("*.yaml")
                     if not p.name.endswith(".test.yaml") and p.name != "kustomization.yaml")
    assert sorted(listed) == on_disk


@needs_kubectl
def test_the_org_policies_application_installs_the_folder(ml_default_render: Path) -> None:
    assert KUBECTL is not None
    built = subprocess.run([KUBECTL, "kustomize", str(ml_default_render / "apps")], capture_output=True, text=True,
                           check=True).stdout
    apps = {d["metadata"]["name"]: d for d in _documents(built) if d["kind"] == "Application"}
    app = apps["org-policies"]
    assert app["spec"]["project"] == "platform"
    assert app["spec"]["source"]["path"] == "policies"
    assert app["spec"]["destination"]["namespace"] == "kube-system"
    wave = int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
    assert wave == int(apps["team-guardrails"]["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
    workloads = [a for a in apps.values() if a["spec"].get("project", "").startswith("team-")]
    assert all(wave < int(a["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]) for a in workloads)
    project = next(d for d in _documents(built) if d["kind"] == "AppProject" and d["metadata"]["name"] == "platform")
    allowed = {(k["group"], k["kind"]) for k in project["spec"]["clusterResourceWhitelist"]}
    assert {("admissionregistration.k8s.io", kind) for kind in VAP_KINDS} <= allowed
    assert {"server": "https://kubernetes.default.svc", "namespace": "kube-system"} in project["spec"]["destinations"]


def test_every_ci_runs_the_policies_tests_before_the_gate(ml_default_render: Path) -> None:
    repo = ml_default_render
    steps = yaml.safe_load((repo / ".github/workflows/gitops-gen.yaml").read_text(encoding="utf-8"))["jobs"]["check"]
    runs = [s.get("run", "") for s in steps["steps"]]
    first_check = next(i for i, run in enumerate(runs) if "gitops-gen check" in run)
    assert runs.index("gitops-gen policy test policies") < first_check
    script = yaml.safe_load((repo / ".gitlab-ci.yml").read_text(encoding="utf-8"))["gitops-gen"]["script"]
    assert script.index("gitops-gen policy test policies") < next(
        i for i, line in enumerate(script) if "gitops-gen check" in line)
    text = (repo / ".lighthouse/jenkins-x/pullrequest.yaml").read_text(encoding="utf-8")
    assert "gitops-gen policy test policies || status=$?" in text
    hooks = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text(encoding="utf-8"))["repos"][0]["hooks"]
    assert [h["id"] for h in hooks] == ["gitops-gen-check", "gitops-gen-policy-test"]
