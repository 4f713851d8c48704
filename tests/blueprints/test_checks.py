"""The checks the ml-platform tests rely on can fail (they are not trusted blindly)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from checks import kustomize_failures, schema_findings

CONFIG_MAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: same}\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_kustomize_check_reports_the_broken_root_only(tmp_path: Path) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("SKIPPED LOUDLY: kubectl is not installed")
    repo = write(tmp_path / "repo", {
        "a/kustomization.yaml": "resources: [cm.yaml]\n", "a/cm.yaml": CONFIG_MAP,
        "b/kustomization.yaml": "resources: [cm.yaml]\n", "b/cm.yaml": CONFIG_MAP,  # conflicts with a, builds alone
        "c/kustomization.yaml": "resources: [base, missing.yaml]\n", "c/base/kustomization.yaml": "resources: []\n",
        "d/kustomization.yaml": "resources: [https://github.com/example/remote//base]\n",
    })
    failures, count = kustomize_failures(repo)
    assert count == 5
    assert len(failures) == 1 and failures[0].startswith("d: remote resources")
    (repo / "d" / "kustomization.yaml").unlink()
    failures, count = kustomize_failures(repo)
    assert count == 4
    assert len(failures) == 1 and failures[0].startswith("c: ") and "missing.yaml" in failures[0]


def test_schema_check_refuses_ignoring_real_objects(tmp_path: Path) -> None:
    from gitops_gen.schemas.validator import SchemaValidator

    repo = write(tmp_path / "repo", {
        ".gitops-gen.yaml": "ignore: [tool.yaml, hidden.yaml]\n",
        "tool.yaml": "apiVersion: config.example.com/v1\nkind: ToolConfig\n",
        "hidden.yaml": CONFIG_MAP,
        "bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: 1}\n",
    })
    findings, count = schema_findings(repo, SchemaValidator("1.31", cache_dir=tmp_path / "cache"))
    assert count == 1
    assert sorted((f.file, f.rule) for f in findings) == [("bad.yaml", "schema"), ("hidden.yaml", "ignored-resource")]
