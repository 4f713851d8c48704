"""What a rendered repository must pass: strict schemas, kustomize builds, the policy gate."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from gitops_gen.manifests import SourceFile, iter_files, load_file
from gitops_gen.manifests.loader import relative_display
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


def ignored_by_repo(root: Path) -> tuple[str, ...]:
    """The ``ignore`` globs of the repository's own ``.gitops-gen.yaml`` (what its CI check skips)."""
    from gitops_gen.config import find_config, load_config

    config = find_config(root)
    return load_config(config).ignore if config and config.parent == root else ()


def schema_findings(root: Path, validator: Any) -> tuple[list[Finding], int]:
    """Every problem of every document under ``root`` (loader and schema), and the resources seen.

    Files the repository's own configuration ignores are skipped only if they hold nothing that
    has a schema: ignoring a file may set aside a tool's configuration (Lighthouse's
    ``TriggerConfig``), never hide a Kubernetes object.
    """
    ignore = ignored_by_repo(root)
    findings: list[Finding] = []
    loaded = []
    skipped = []
    for item in iter_files([root]):
        if isinstance(item, Finding):
            findings.append(item)
            continue
        # named relative to the repository, as `gitops-gen check .` in it does (and its globs mean)
        item = SourceFile(item.abspath, relative_display(item.display, root) or item.display)
        result = load_file(item)
        findings.extend(result.findings)
        (skipped if any(fnmatchcase(item.display, g) for g in ignore) else loaded).append(result)
    for result in loaded:  # CRDs among the files first, as the pipeline does
        for resource in result.resources:
            if resource.kind == "CustomResourceDefinition":
                findings.extend(validator.add_crd(resource))
    count = 0
    for result in loaded:
        for resource in result.resources:
            count += 1
            findings.extend(validator.validate(resource))
    for result in skipped:
        for resource in result.resources:
            got = validator.validate(resource)
            if not got or any(f.rule != "no-schema" for f in got):
                findings.append(Finding("ignored-resource", Severity.ERROR, f"{resource.ref.display()} has a schema "
                                        "but the repository's configuration ignores its file", resource.file,
                                        *resource.locate(())))
    return findings, count


def kustomizations(root: Path) -> list[Path]:
    return sorted(p.parent for name in KUSTOMIZATION_NAMES for p in root.rglob(name) if ".git" not in p.parts)


def _entries(folder: Path) -> Iterator[str]:
    """The string entries of the resources, bases and components of the kustomizations in ``folder``."""
    for name in KUSTOMIZATION_NAMES:
        path = folder / name
        if not path.is_file():
            continue
        for doc in read_documents(path.read_text(encoding="utf-8")):
            data = doc.data if isinstance(doc.data, dict) else {}
            for key in ("resources", "bases", "components"):
                for entry in data.get(key) or []:
                    if isinstance(entry, str):
                        yield entry


def remote_references(folder: Path) -> list[str]:
    """Remote bases/resources (kustomize would fetch them: not allowed offline)."""
    return [entry for entry in _entries(folder) if _REMOTE.match(entry)]


def _references(folder: Path) -> list[Path]:
    """Folders a kustomization pulls in as resources, bases or components."""
    return [(folder / entry).resolve() for entry in _entries(folder) if (folder / entry).is_dir()]


def _build(kubectl: str, folder: Path) -> str | None:
    proc = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=60,
                          check=False)
    return None if proc.returncode == 0 else proc.stderr.strip()[:2000]


def kustomize_failures(root: Path) -> tuple[list[str], int]:
    """``kubectl kustomize`` of every kustomization under ``root``: the failures, and how many there are.

    A kustomization that another one includes is built as part of it, so only the others (the roots)
    are built; first all at once through one kustomization beside the repository (one kubectl run),
    and only when that fails, each root on its own to say which (a conflict between two roots that
    each build fine is not a failure).
    """
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is needed (callers skip when it is missing)"
    folders = kustomizations(root)
    failures = []
    for folder in folders:
        remote = remote_references(folder)
        if remote:
            failures.append(f"{folder.relative_to(root).as_posix() or '.'}: remote resources {remote} "
                            "(kustomize would fetch them)")
    if failures:
        return failures, len(folders)
    included = {ref for folder in folders for ref in _references(folder)}
    roots = [f for f in folders if f.resolve() not in included]
    with tempfile.TemporaryDirectory(dir=root.parent, prefix=".kustomize-all-") as scratch:
        listing = "".join(f"  - {os.path.relpath(f, scratch)}\n" for f in roots)
        Path(scratch, "kustomization.yaml").write_text(f"resources:\n{listing}", encoding="utf-8")
        if _build(kubectl, Path(scratch)) is None:
            return [], len(folders)
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda f: _build(kubectl, f), roots))
    failures = [f"{f.relative_to(root).as_posix() or '.'}: {error}" for f, error in zip(roots, results, strict=True)
                if error is not None]
    return failures, len(folders)


def policy_findings(repo: Path, at_least: Severity = Severity.MEDIUM) -> tuple[list[Finding], int]:
    """The policy check as ``gitops-gen new`` runs it on a fresh render (the repo's own config)."""
    from gitops_gen.config import find_config, load_config
    from gitops_gen.pipeline import RunOptions, run

    config = load_config(find_config(repo))
    crds = (str(SHARED_CRDS),) if SHARED_CRDS.is_dir() else ()
    # the options `gitops-gen check` would use, from the repository's own configuration
    report = run([str(repo)], RunOptions.from_config(config, kubernetes_version="1.31", crds=crds, jobs=1))
    return [f for f in report.findings if f.severity >= at_least], report.resources
