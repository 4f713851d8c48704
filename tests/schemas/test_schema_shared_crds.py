"""The 61 real upstream CRDs of ../shared/crds: all load and convert, real custom resources
validate (pass and fail with exact lines), and a second run is served from the cache.

Parsing 29 MB of CRD YAML is the slow part, so the folder is read once per test session into
a shared cache (in parallel where there are cores), and every test after that reads the cache.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from schema_helpers import SHARED_CRDS, SharedCache, expected, found

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.schemas import SchemaValidator

EXAMPLES = Path(__file__).parent / "cr-examples"


def test_all_real_crds_load_and_convert(shared_cache: SharedCache) -> None:
    _, results = shared_cache
    assert len(results) == 61, "expected the 61 CRDs documented in shared/crds/SOURCES.md"
    for result in results:
        assert result["problems"] == [], result["file"]
        assert len(result["crds"]) == 1, result["file"]
        group, kind, versions = result["crds"][0]
        assert versions and all(problem is None for problem in versions.values()), (result["file"], versions)
        assert result["compiled"], result["file"]
        assert result["file"].lower().startswith(f"{group}_{kind}".lower()), result["file"]


def _examples(verdict: str) -> list[Path]:
    return sorted((EXAMPLES / verdict).glob("*.yaml"))


def _validate(path: Path, cache: Path) -> list[Any]:
    validator = SchemaValidator("1.31", crd_dirs=[SHARED_CRDS], cache_dir=cache)
    result = load_file(SourceFile(str(path), path.name))
    assert not result.findings and result.resources, result.findings
    return [f for r in result.resources for f in validator.validate(r)]


@pytest.mark.parametrize("path", _examples("pass"), ids=lambda p: p.stem)
def test_real_custom_resources_pass(path: Path, shared_cache: SharedCache) -> None:
    findings = _validate(path, shared_cache[0])
    assert findings == []


@pytest.mark.parametrize("path", _examples("fail"), ids=lambda p: p.stem)
def test_real_custom_resources_fail_on_the_right_lines(path: Path, shared_cache: SharedCache) -> None:
    findings = _validate(path, shared_cache[0])
    want = expected(path.read_text())
    assert want, f"{path.name} has no # expect: markers"
    assert found(findings) == want, "\n".join(f"{f.line}: {f.message}" for f in findings)


def test_fail_messages_name_the_field(shared_cache: SharedCache) -> None:
    findings = _validate(EXAMPLES / "fail" / "karpenter-nodepool.yaml", shared_cache[0])
    assert sorted(f.message for f in findings) == [
        'missing required field "consolidateAfter" in spec.disruption',  # the default is on disruption
        'spec.disruption.consolidationPolicy: "WhenIdle" is not one of '
        '["WhenEmpty","WhenEmptyOrUnderutilized","Balanced"]',
        "spec.weight: 1000 is greater than the maximum 100",
    ]
    source = "CustomResourceDefinition nodepools.karpenter.sh ("
    assert all(f.details["schema"].startswith(source) for f in findings)


def test_a_repeated_run_with_the_same_crds_is_fast(shared_cache: SharedCache) -> None:
    paths = _examples("pass")
    started = time.perf_counter()
    validator = SchemaValidator("1.31", crd_dirs=[SHARED_CRDS], cache_dir=shared_cache[0])
    for path in paths:
        for resource in load_file(SourceFile(str(path), path.name)).resources:
            assert validator.validate(resource) == []
    elapsed = time.perf_counter() - started
    assert validator.stats["parsed"] == 0 and validator.stats["cached"] >= 8
    assert elapsed < 1.5, f"a cached run took {elapsed:.2f}s"
