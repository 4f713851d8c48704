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

from gitops_gen import forked
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
    # nothing outlives the run
    assert kept._KEPT == {} and kept._TEXTS == {} and kept._SAME == {} and kept._room == [0, 0, 0]

    monkeypatch.setattr(kept, "KEEP_TOTAL", 0)  # kept as its JSON: read back, not parsed
    counts.clear()
    as_json = run([str(root)], RunOptions(jobs=1, schema_cache=False))
    assert counts[crd] == 1
    assert _said(as_json) == _said(report)

    monkeypatch.setattr(kept, "KEEP_TEXT_TOTAL", 0)  # parsed again by the check phase: the same report
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
    take = fastread._kept

    def recorded(*args: Any) -> Any:
        document = take(*args)
        if document is not None:
            taken.append(document)
        return document

    monkeypatch.setattr(fastread, "_kept", recorded)
    report = run([str(root)], RunOptions(jobs=1, schema_cache=False))
    monkeypatch.setattr(kept, "KEEP_TOTAL", 0)  # kept as JSON: read back without a tree too
    assert _said(run([str(root)], RunOptions(jobs=1, schema_cache=False))) == _said(report)
    assert len(taken) == 2 and all(isinstance(d.lazy, fastread.LazyPositions) and d.lazy.tree is None for d in taken)
    monkeypatch.setattr(kept, "KEEP_TEXT_TOTAL", 0)  # parsed again, tree and all: the same report
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
        assert id(kept.take(part, 3, 7)) == id(document) and document.index == 7
        assert kept.take(part, 3, 7) is None  # each file is checked once
        kept.keep(b"small: 1\n", 0, document)  # small documents are not kept
        assert kept._KEPT == {}
    kept.keep(part, 3, document)  # outside a run nothing is kept
    assert kept._KEPT == {}


def test_what_is_kept_is_bounded() -> None:
    document: Any = type("Doc", (), {"text": "{}", "json_bound": 2})()
    with kept.keeping(total=3 * kept.KEEP_AT_LEAST, text_total=kept.KEEP_AT_LEAST):
        for n in range(5):
            kept.keep(bytes([65 + n]) * kept.KEEP_AT_LEAST, 0, document)
        assert len(kept._KEPT) == 3 and len(kept._TEXTS) == 1  # then one as its JSON, then none
        assert kept.take(b"D" * kept.KEEP_AT_LEAST, 0, 3) == kept.Text("{}", 2)
        assert kept.take(b"E" * kept.KEEP_AT_LEAST, 0, 4) is None
    assert kept._KEPT == {} and kept._TEXTS == {} and kept._SAME == {} and kept._room == [0, 0, 0]


def _large_documents(crd_yaml: CrdYaml, count: int, fields: int = 200) -> str:
    """A stream of ``count`` CRDs of ``fields`` fields (each well over KEEP_AT_LEAST), a small
    document between each two, quoted and block scalars and flow collections among them."""
    many = "".join(f"                field{i}: {{type: string, description: 'the field: number {i}'}}\n"
                   for i in range(fields))
    crds = [crd_yaml(f"g{n}.example.com", f"Kind{n}", "replicas") + many +
            "                notes:\n                  type: string\n                  description: |\n"
            "                    yes, no and 0644 stay text here\n" for n in range(count)]
    return "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: serving}\n---\n".join(crds)


def test_a_document_kept_as_its_json_reads_as_libyaml_reads_it(crd_yaml: CrdYaml,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """What is read back from the JSON the index phase kept is what libyaml reads: values,
    lines, positions (from the lines: no tree), and the size bound."""
    from fastread_cases import difference

    text = "# leading comment\n" + _large_documents(crd_yaml, 3)
    raw = text.encode()
    counts = _parses(monkeypatch)
    with kept.keeping(total=0):
        for begin, end, offset in fastread.document_parts(raw):
            fastread.read_part(raw[begin:end], offset)  # as the index phase reads each part
        assert len(kept._TEXTS) == 3 and not kept._KEPT
        counts.clear()
        assert difference(text) is None
        assert kept._TEXTS == {}  # each taken once
    assert sum(n for start, n in counts.items() if b"CustomResourceDefinition" in start) == 0  # none parsed again
    assert sum(counts.values()) == 2  # the two small Namespaces


@pytest.mark.skipif(not forked.can_fork(), reason="no fork on this platform")
def test_the_half_a_forked_child_parsed_is_handed_over(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    """With two workers the index phase forks a child for half of the documents: what it parsed
    comes back as JSON, and every large document is kept, once, in one form or the other."""
    from gitops_gen.index import PARALLEL_BYTES, build_index
    from gitops_gen.manifests.loader import SourceFile

    per_file = 12
    size = len(_large_documents(crd_yaml, per_file, fields=2000))
    files = max(2, -(-PARALLEL_BYTES // size) + 1)
    sources = []
    for n in range(files):
        path = tmp_path / f"crds-{n}.yaml"
        path.write_text(_large_documents(crd_yaml, per_file, fields=2000).replace("Kind", f"F{n}Kind"))
        sources.append(SourceFile(str(path), path.name))
    with kept.keeping():
        index, _ = build_index(sources, jobs=2)
        assert len(kept._KEPT) + len(kept._TEXTS) == files * per_file
        assert kept._KEPT and kept._TEXTS  # this process's half parsed, the child's as JSON
        assert {key[0] for key in kept._TEXTS} <= {start for _, _, start in fastread.document_parts(
            sources[0].read_bytes())}  # placed by the line each starts after
    assert len(index.crds) == files * per_file  # the facts came back too
