"""Helpers for the schema tests: load inline YAML with the project loader, and compare findings
with ``# expect: <rule>`` markers (the same convention as the rule fixtures)."""

from __future__ import annotations

import textwrap
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from expect_markers import expected_markers

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Finding, Resource
from gitops_gen.schemas import SchemaValidator
from gitops_gen.schemas.crd_store import CrdStore

SHARED_CRDS = Path(__file__).resolve().parents[2].parent / "shared" / "crds"
#: The session's CRD cache folder, and what reading each shared CRD file gave.
SharedCache = tuple[Path, list[dict[str, Any]]]


def load_crd_file(path: str, cache_dir: str) -> dict[str, Any]:
    """Read one CRD file through the store (in a worker process): its CRDs and their problems."""
    store = CrdStore([path], Path(cache_dir))
    crds = store.load_all()
    problems = [p.message for fp in store.file_problems for p in fp.problems]
    return {"file": Path(path).name, "problems": problems,
            "crds": [(c.group, c.kind, {v.name: v.problem for v in c.versions.values()}) for c in crds],
            "compiled": all(v.compiled() is not None for c in crds for v in c.versions.values())}


def need_shared_crds() -> Path:
    if not (SHARED_CRDS / "argoproj.io_application.yaml").is_file():
        pytest.skip(f"SKIPPED: the real upstream CRDs are not available at {SHARED_CRDS} "
                    "(expected the shared folder beside the repository, ../shared/crds)")
    return SHARED_CRDS


def write(folder: Path, text: str, name: str = "manifest.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def load(folder: Path, text: str, name: str = "manifest.yaml") -> list[Resource]:
    path = write(folder, text, name)
    result = load_file(SourceFile(str(path), name))
    # malformed-object: the hostile shapes below are refused by the loader too (metadata, name)
    assert not [f for f in result.findings if f.rule not in ("duplicate-key", "malformed-object")], result.findings
    return result.resources


def expected(text: str) -> Counter[tuple[str, int]]:
    return expected_markers(textwrap.dedent(text).lstrip("\n"))


def found(findings: Iterable[Finding]) -> Counter[tuple[str, int]]:
    return Counter((f.rule, f.line) for f in findings)


def validate_all(validator: SchemaValidator, resources: Iterable[Resource]) -> list[Finding]:
    out: list[Finding] = []
    for resource in resources:
        out.extend(validator.validate(resource))
    return out


def check(folder: Path, text: str, validator: SchemaValidator) -> list[Finding]:
    """Validate inline YAML and assert the findings are exactly the ``# expect:`` markers."""
    findings = validate_all(validator, load(folder, text))
    assert found(findings) == expected(text), "\n".join(
        f"{f.line}:{f.column} {f.rule} {f.message}" for f in findings)
    return findings


def messages(findings: Iterable[Finding]) -> list[str]:
    return [f.message for f in sorted(findings, key=Finding.sort_key)]
