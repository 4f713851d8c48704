"""What a rendered repository must pass: strict schemas, kustomize builds, the policy gate."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gitops_gen.manifests import iter_files, load_file
from gitops_gen.manifests.yamlread import read_documents
from gitops_gen.model import Finding, Severity

REPO_ROOT = Path(__file__).resolve().parents[2]
#: ``../shared/crds`` beside the clone (as in CI): the real upstream CRDs.
SHARED_CRDS = (REPO_ROOT.parent / "shared" / "crds").resolve()
KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_REMOTE = re.compile(r"^(https?://|git@|ssh://|github\.com/)")


def show(findings: Sequence[Finding], limit: int = 25) -> str:
    lines = [f"{f.file}:{f.line}:{f.column}: {f.severity.label} {f.rule}: {f.message}"
             for f in findings[:limit]]
    more = f"\n... and {len(findings) - limit} more" if len(findings) > limit else ""
    return "\n".join(lines) + more


def schema_findings(root: Path, validator: Any) -> tuple[list[Finding], int]:
    """Every problem of every document under ``root`` (loader and schema), and the resources seen."""
    findings: list[Finding] = []
    loaded = []
    for item in iter_files([root]):
        if isinstance(item, Finding):
            findings.append(item)
            continue
        result = load_file(item)
        findings.extend(result.findings)
        loaded.append(result)
    for result in loaded:  # CRDs among the files first, as the pipeline does
        for resource in result.resources:
            if resource.kind == "CustomResourceDefinition":
                findings.extend(validator.add_crd(resource))
    count = 0
    for result in loaded:
        for resource in result.resources:
            count += 1
            findings.extend(validator.validate(resource))
    return findings, count


def kustomizations(root: Path) -> list[Path]:
    return sorted(p.parent for name in KUSTOMIZATION_NAMES for p in root.rglob(name) if ".git" not in p.parts)


def remote_references(folder: Path) -> list[str]:
    """Remote bases/resources (kustomize would fetch them: not allowed offline)."""
    found = []
    for name in KUSTOMIZATION_NAMES:
        path = folder / name
        if not path.is_file():
            continue
        for doc in read_documents(path.read_text(encoding="utf-8")):
            data = doc.data if isinstance(doc.data, dict) else {}
            for key in ("resources", "bases", "components"):
                for entry in data.get(key) or []:
                    if isinstance(entry, str) and _REMOTE.match(entry):
                        found.append(entry)
    return found


def kustomize_failures(root: Path) -> tuple[list[str], int]:
    """``kubectl kustomize`` of every kustomization under ``root``: the failures, and how many ran."""
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is needed (callers skip when it is missing)"
    failures = []
    folders = kustomizations(root)
    for folder in folders:
        remote = remote_references(folder)
        rel = folder.relative_to(root).as_posix() or "."
        if remote:
            failures.append(f"{rel}: remote resources {remote} (kustomize would fetch them)")
            continue
        proc = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=60,
                              check=False)
        if proc.returncode != 0:
            failures.append(f"{rel}: {proc.stderr.strip()[:2000]}")
    return failures, len(folders)


def policy_findings(repo: Path, at_least: Severity = Severity.MEDIUM) -> tuple[list[Finding], int]:
    """The policy check as ``gitops-gen new`` runs it on a fresh render (the repo's own config)."""
    from gitops_gen.config import find_config, load_config
    from gitops_gen.pipeline import RunOptions, run

    config = load_config(find_config(repo))
    crds = (str(SHARED_CRDS),) if SHARED_CRDS.is_dir() else ()
    report = run([str(repo)], RunOptions(kubernetes_version="1.31", crd_dirs=tuple(config.crds) + crds,
                                         config=config, jobs=1))
    return [f for f in report.findings if f.severity >= at_least], report.resources
