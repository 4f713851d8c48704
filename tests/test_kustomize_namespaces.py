"""Objects of a kustomize base name no namespace: the overlays building them say where they go.
The tree rules judge them in those namespaces, so one team's base does not answer for another's."""

from __future__ import annotations

from pathlib import Path

from tree_helpers import write

from gitops_gen.index import build_index
from gitops_gen.manifests import SourceFile, iter_files
from gitops_gen.pipeline import RunOptions, run

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ghcr.io/acme/web:1.0.0}]
"""
BUDGET = """apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  maxUnavailable: 1
  selector: {matchLabels: {app: web}}
"""


def team(root: Path, name: str, *, budget: bool, overlays: dict[str, str | None]) -> None:
    write(root / name / "base" / "deployment.yaml", DEPLOYMENT)
    if budget:
        write(root / name / "base" / "pdb.yaml", BUDGET)
    files = "[deployment.yaml, pdb.yaml]" if budget else "[deployment.yaml]"
    write(root / name / "base" / "kustomization.yaml", f"resources: {files}\n")
    for overlay, namespace in overlays.items():
        text = "resources: [../../base]\n" + (f"namespace: {namespace}\n" if namespace else "")
        write(root / name / "overlays" / overlay / "kustomization.yaml", text)


def built_namespaces(root: Path) -> dict[str, tuple[str, ...]]:
    index, _ = build_index([f for f in iter_files([str(root)]) if isinstance(f, SourceFile)])
    return {str(Path(k).relative_to(root)): v for k, v in index.built_namespaces.items()}


def test_a_base_file_goes_to_the_namespaces_of_the_overlays_building_it(tmp_path: Path) -> None:
    team(tmp_path, "a", budget=True, overlays={"prod": "a-prod", "staging": "a-staging"})
    team(tmp_path, "b", budget=False, overlays={"prod": "b-prod", "dev": None})  # dev: the destination says
    assert built_namespaces(tmp_path) == {"a/base/deployment.yaml": ("a-prod", "a-staging"),
                                          "a/base/pdb.yaml": ("a-prod", "a-staging")}


def test_the_outermost_namespace_wins(tmp_path: Path) -> None:
    write(tmp_path / "base" / "deployment.yaml", DEPLOYMENT)
    write(tmp_path / "base" / "kustomization.yaml", "resources: [deployment.yaml]\nnamespace: inner\n")
    write(tmp_path / "mid" / "kustomization.yaml", "resources: [../base]\n")
    write(tmp_path / "outer" / "kustomization.yaml", "resources: [../mid]\nnamespace: outer\n")
    write(tmp_path / "alone" / "kustomization.yaml", "resources: [../base]\n")
    assert built_namespaces(tmp_path) == {"base/deployment.yaml": ("inner", "outer")}


def budgets_missing(root: Path) -> list[str]:
    report = run([str(root)], RunOptions(jobs=1))
    return sorted(str(Path(f.file).relative_to(root)) for f in report.findings
                  if f.rule == "pod-disruption-budget" and f.details.get("check") == "missing")


def test_one_teams_budget_does_not_cover_anothers_workload(tmp_path: Path) -> None:
    team(tmp_path, "a", budget=True, overlays={"prod": "a-prod", "staging": "a-staging"})
    team(tmp_path, "b", budget=False, overlays={"prod": "b-prod"})
    assert budgets_missing(tmp_path) == ["b/base/deployment.yaml"]  # once, though judged per namespace
    team(tmp_path, "b", budget=True, overlays={"prod": "b-prod"})
    assert budgets_missing(tmp_path) == []


def test_a_base_a_root_builds_without_namespace_matches_as_before(tmp_path: Path) -> None:
    team(tmp_path, "a", budget=True, overlays={"prod": None})
    team(tmp_path, "b", budget=False, overlays={"prod": None})
    assert budgets_missing(tmp_path) == []  # both go where their Applications send them: may be one namespace
