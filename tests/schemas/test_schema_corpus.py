"""The benchmark corpus (bench/corpus.py) is deterministic and schema-valid, so figures measured
on it are about speed, not about error paths."""

from __future__ import annotations

import sys
from pathlib import Path

from schema_helpers import SHARED_CRDS, SharedCache

from gitops_gen.manifests import SourceFile, iter_files, load_file
from gitops_gen.schemas import SchemaValidator

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from corpus import build_corpus


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    assert build_corpus(tmp_path / "a", 400, seed=7) == 400
    assert build_corpus(tmp_path / "b", 400, seed=7) == 400
    assert build_corpus(tmp_path / "c", 400, seed=8) == 400
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")
    assert _tree(tmp_path / "a") != _tree(tmp_path / "c")


def test_every_document_is_valid(tmp_path: Path, shared_cache: SharedCache) -> None:
    assert build_corpus(tmp_path / "corpus", 600, seed=3) == 600
    validator = SchemaValidator("1.31", crd_dirs=[SHARED_CRDS], cache_dir=shared_cache[0])
    kinds: set[str] = set()
    documents = 0
    for source in iter_files([tmp_path / "corpus"]):
        assert isinstance(source, SourceFile)
        result = load_file(source)
        assert result.findings == []
        documents += result.documents
        for resource in result.resources:
            kinds.add(resource.kind)
            assert validator.validate(resource) == [], resource.ref
    assert documents == 600
    assert {"Deployment", "Service", "ConfigMap", "StatefulSet", "Job", "CronJob", "HorizontalPodAutoscaler",
            "Role", "RoleBinding", "ClusterRole", "NetworkPolicy", "Namespace", "InferenceService",
            "PyTorchJob", "NodePool", "Application"} <= kinds
