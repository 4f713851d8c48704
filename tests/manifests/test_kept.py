"""Documents the index phase reads are parsed once: the check phase takes them as they were kept
(:mod:`gitops_gen.manifests.kept`), and a run reports exactly what it reports parsing them again."""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tree_helpers import DEPLOY_TEMPLATE

from gitops_gen.manifests import fastread, kept
from gitops_gen.model import Report
from gitops_gen.pipeline import RunOptions, run

CrdYaml = Callable[..., str]  # the crd_yaml fixture (tests/conftest.py)

pytestmark = pytest.mark.skipif(not fastread.AVAILABLE, reason="rapidyaml is not installed")

#: What makes a CustomResourceDefinition well over kept.KEEP_AT_LEAST bytes (a schema of many fields).
FIELDS = "".join(f"                field{i}: {{type: string, description: the field number {i}}}\n" for i in range(200))
MODEL = "apiVersion: ml.example.com/v1\nkind: Model\nmetadata: {name: ranker, namespace: serving}\n" \
        "spec: {replicas: many}\n"
DEPLOYMENT = DEPLOY_TEMPLATE.format(i=1, ns="serving", tag=":1.27", priv="false")


def _tree(root: Path, crd_yaml: CrdYaml, *, bom: bool = False, after_deployment: bool = False) -> Path:
    crd = crd_yaml("ml.example.com", "Model", "replicas") + FIELDS
    crds = (DEPLOYMENT + "---\n" + crd) if after_deployment else crd
    (root / "crds.yaml").write_bytes((codecs.BOM_UTF8 if bom else b"") + crds.encode())
    (root / "model.yaml").write_text(MODEL)
    (root / "namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: serving}\n")
    return root


def _said(report: Report) -> list[Any]:
    return [*report.findings, *report.checked]


def _parses(monkeypatch: pytest.MonkeyPatch) -> Counter[bytes]:
    """How many times each document is parsed the fast way (by its first 100 bytes)."""
    counts: Counter[bytes] = Counter()
    parse = fastread._document

    def counted(part: bytes, *args: Any) -> Any:
        counts[part[:100]] += 1
        return parse(part, *args)

    monkeypatch.setattr(fastread, "_document", counted)
    return counts


@pytest.mark.parametrize(("bom", "after_deployment"), [(False, False), (True, False), (False, True), (True, True)])
def test_a_large_indexed_document_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crd_yaml: CrdYaml,
                                                 bom: bool, after_deployment: bool) -> None:
    root = _tree(tmp_path, crd_yaml, bom=bom, after_deployment=after_deployment)
    counts = _parses(monkeypatch)
    report = run([str(root)], RunOptions(jobs=1, schema_cache=False))
    crd = next(start for start in counts if b"CustomResourceDefinition" in start)
    assert counts[crd] == 1  # by the index phase; the check phase took it as kept
    assert any(f.rule == "schema" and f.file.endswith("model.yaml") for f in report.findings)  # the CRD was used
    assert kept._KEPT == {} and kept._room == [0]  # nothing outlives the run

    monkeypatch.setattr(kept, "KEEP_TOTAL", 0)  # parsed again by the check phase: the same report
    counts.clear()
    again = run([str(root)], RunOptions(jobs=1, schema_cache=False))
    assert counts[crd] == 2
    assert _said(again) == _said(report)


def test_a_kept_document_holds_no_rapidyaml_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 crd_yaml: CrdYaml) -> None:
    """A tree takes several times the memory of its source: a document kept from the index phase
    for the check phase keeps only its lines, which place what is asked as well."""
    root = _tree(tmp_path, crd_yaml)
    taken: list[Any] = []
    take = kept.take

    def recorded(*args: Any) -> Any:
        document = take(*args)
        if document is not None:
            taken.append(document)
        return document

    monkeypatch.setattr(kept, "take", recorded)
    report = run([str(root)], RunOptions(jobs=1, schema_cache=False))
    assert taken and all(isinstance(d.lazy, fastread.LazyPositions) and d.lazy.tree is None for d in taken)
    monkeypatch.setattr(kept, "KEEP_TOTAL", 0)  # parsed again, tree and all: the same report
    assert _said(run([str(root)], RunOptions(jobs=1, schema_cache=False))) == _said(report)


def test_small_documents_are_parsed_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crd_yaml: CrdYaml) -> None:
    root = _tree(tmp_path, crd_yaml)
    counts = _parses(monkeypatch)
    run([str(root)], RunOptions(jobs=1, schema_cache=False))
    namespace = next(start for start in counts if b"kind: Namespace" in start)
    assert counts[namespace] == 2  # cheap: not worth the memory


def test_a_kept_document_is_taken_once_at_its_own_place() -> None:
    document: Any = type("Doc", (), {"index": 0})()
    part = b"kind: Big\n" * 2000
    with kept.keeping():
        kept.keep(part, 3, document)
        assert kept.take(part, 4, 0) is None  # the same bytes elsewhere in a file: other lines
        assert kept.take(part[:-1], 3, 0) is None  # other bytes (the file changed since)
        assert kept.take(part, 3, 7) is document and document.index == 7
        assert kept.take(part, 3, 7) is None  # each file is checked once
        kept.keep(b"small: 1\n", 0, document)  # small documents are not kept
        assert kept._KEPT == {}
    kept.keep(part, 3, document)  # outside a run nothing is kept
    assert kept._KEPT == {}


def test_what_is_kept_is_bounded() -> None:
    document: Any = object()
    with kept.keeping(total=3 * kept.KEEP_AT_LEAST):
        for n in range(5):
            kept.keep(bytes([65 + n]) * kept.KEEP_AT_LEAST, 0, document)
        assert len(kept._KEPT) == 3
