"""A large document whose bytes come again elsewhere in the tree (the same CRD vendored in an
install bundle and its HA variant) is parsed once per process and read back from its JSON
(:func:`gitops_gen.manifests.kept.same`): every report is what parsing each copy gives."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from gitops_gen.manifests import fastread, kept
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.model import Report
from gitops_gen.pipeline import RunOptions, run

pytestmark = pytest.mark.skipif(not fastread.AVAILABLE, reason="rapidyaml is not installed")


def _big_deployment(privileged: str = "true") -> str:
    """A Deployment well over SAME_AT_LEAST bytes: a long env list in block, flow and quoted
    forms, and findings deep in it (a privileged container after the list, an image tag)."""
    env = "".join(f"            - name: SETTING_{i}\n              value: \"value number {i}\"\n" if i % 3 else
                  f"            - {{name: FLOW_{i}, value: 'flow {i}'}}\n" for i in range(1800))
    return ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: big\n  namespace: serving\nspec:\n"
            "  replicas: 2\n  selector:\n    matchLabels: {app: big}\n  template:\n    metadata:\n"
            "      labels: {app: big}\n    spec:\n      containers:\n        - name: app\n"
            "          image: nginx:latest\n          env:\n" + env +
            f"          securityContext:\n            privileged: {privileged}\n"
            "        - {name: sidecar, image: \"busybox\", securityContext: {privileged: " + privileged + "}}\n")


SMALL = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: small, namespace: serving}\ndata: {a: b}\n"


def _tree(root: Path, second: str | None = None) -> Path:
    big = _big_deployment()
    assert len(big.encode()) >= kept.SAME_AT_LEAST
    (root / "install.yaml").write_text(big)
    (root / "ha").mkdir()
    # the same bytes after other lines: positions are the second file's own
    (root / "ha" / "install.yaml").write_text(SMALL + "---\n" + SMALL + "---\n" + (second or big))
    return root


def _said(report: Report) -> list[Any]:
    return [*report.findings, *report.checked]


def _ryml_parses(monkeypatch: pytest.MonkeyPatch) -> Counter[bytes]:
    """How many times rapidyaml parses each document (by its first 100 bytes)."""
    counts: Counter[bytes] = Counter()
    parse = fastread.ryml.parse_in_place

    def counted(buffer: bytearray) -> Any:
        counts[bytes(buffer[:100])] += 1
        return parse(buffer)

    monkeypatch.setattr(fastread.ryml, "parse_in_place", counted)
    return counts


def test_the_same_large_document_in_two_files_is_parsed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _tree(tmp_path)
    counts = _ryml_parses(monkeypatch)
    report = run([str(root)], RunOptions(jobs=1, schema_cache=False))
    assert sum(n for start, n in counts.items() if b"name: big" in start) == 1
    assert kept._SAME == {} and kept._room == [0, 0, 0]  # nothing outlives the run
    # what the containers hold, found in each copy (tree rules report a namespace or a budget once)
    by_file = {f: sorted((x.rule, x.line, x.column, x.path) for x in report.findings
                         if x.file == f and "containers" in x.path) for f in {x.file for x in report.findings}}
    first, second = (by_file[str(root / "install.yaml")], by_file[str(root / "ha" / "install.yaml")])
    assert any(rule == "privileged-container" for rule, *_ in first)
    lines_before = (SMALL + "---\n" + SMALL + "---\n").count("\n")
    assert second == [(rule, line + lines_before, column, path) for rule, line, column, path in first]

    monkeypatch.setattr(kept, "SAME_TOTAL", 0)  # each copy parsed (and read again for a deferred anchor)
    counts.clear()
    assert _said(run([str(root)], RunOptions(jobs=1, schema_cache=False))) == _said(report)
    assert sum(n for start, n in counts.items() if b"name: big" in start) >= 2


def test_a_forked_index_phase_reads_the_files_sharing_a_large_document_in_one_half() -> None:
    """Files holding the same large document (anywhere in them, after a ``---`` line or not)
    are one group for :func:`gitops_gen.forked.halves`, their size counting it once."""
    from gitops_gen.forked import sharing
    from gitops_gen.index import _large_documents

    big, other = _big_deployment(), _big_deployment("false")
    files = [big, SMALL + "---\n" + SMALL + "---\n" + big, other, SMALL, "---\n" + other + "---\n" + SMALL]
    raws = [text.encode() for text in files]
    sizes = [len(raw) for raw in raws]
    groups = sharing([_large_documents(raw) for raw in raws], sizes)
    assert groups[0] == groups[1] and groups[2] == groups[4] and len({groups[0], groups[2], groups[3]}) == 3
    assert sizes == [len(raws[0]), len(raws[1]) - len(big), len(raws[2]), len(raws[3]), len(raws[4]) - len(other)]


def test_bytes_that_differ_are_read_for_themselves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One byte apart (``privileged: true`` and ``false``), a large document is no copy."""
    root = _tree(tmp_path, second=_big_deployment("false"))
    counts = _ryml_parses(monkeypatch)
    report = run([str(root)], RunOptions(jobs=1, schema_cache=False))
    assert sum(n for start, n in counts.items() if b"name: big" in start) == 2
    privileged = {f.file for f in report.findings if f.rule == "privileged-container"}
    assert privileged == {str(root / "install.yaml")}


def test_what_is_remembered_by_content_is_bounded_and_bound_to_its_limits() -> None:
    part = b"kind: Big\n" * (kept.SAME_AT_LEAST // 10 + 1)
    text = kept.Text("{}", 2)
    limits = Limits()
    assert kept.content_key(part) is None  # outside a run nothing is remembered
    with kept.keeping(same_total=2 * len(part)):
        assert kept.content_key(part[:kept.SAME_AT_LEAST - 1]) is None  # small: parsed again
        key = kept.content_key(part)
        assert key is not None and kept.same(key, limits) is None
        kept.remember(key, limits, text)
        assert kept.same(key, limits) == text and kept.same(key, limits) == text  # (not taken)
        assert kept.same(key, Limits(max_depth=limits.max_depth - 1)) is None  # read under other limits
        assert kept.content_key(part + b"x") != key
        assert kept.content_key(b"---\n" + part) == key  # after a marker line: the same document
        for n in range(3):
            other = bytes([65 + n]) * len(part)
            other_key = kept.content_key(other)
            assert other_key is not None
            kept.remember(other_key, limits, text)
        assert len(kept._SAME) == 2  # the room of two documents
    assert kept._SAME == {} and kept.content_key(part) is None


def test_workers_read_copies_as_one_process_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked workers start from what the main process remembered, and remember on their own."""
    root = _tree(tmp_path)
    for n in range(3):  # more copies, for the workers to meet
        (root / f"copy-{n}.yaml").write_text((SMALL + "---\n") * n + _big_deployment())
    parallel = run([str(root)], RunOptions(jobs=2, schema_cache=False))
    monkeypatch.setattr(kept, "SAME_TOTAL", 0)
    assert _said(parallel) == _said(run([str(root)], RunOptions(jobs=1, schema_cache=False)))
