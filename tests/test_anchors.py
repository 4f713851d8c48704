"""Anchors of tree rules' facts: where a finding of the judged tree goes, located when the fact
is collected, or deferred (read again in the main process) when it seldom becomes a finding,
and found at the same line and column either way."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from tree_helpers import write

from gitops_gen.cli import main
from gitops_gen.engine import Engine, Outcome
from gitops_gen.index import build_index
from gitops_gen.manifests import SourceFile, iter_files, load_file


def test_a_deferred_anchor_is_found_where_an_eager_one_is(tmp_path: Path) -> None:
    """Tree rules defer the anchors that seldom become findings (references that resolve): the
    main process reads the file again for those that do, and finds the same line and column."""
    from gitops_gen.manifests.loader import Rereads, SourceFile, load_file
    from gitops_gen.rules.base import anchor, located

    path = tmp_path / "svc.yaml"
    path.write_text("# a comment\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n"
                    "  metadata: {name: a}\n  spec:\n    selector:\n      app: a\n- apiVersion: v1\n  kind: Service\n"
                    "  metadata: {name: b}\n  spec:\n    selector: {app: b}\n    ports:\n    - targetPort: http\n")
    resources = load_file(SourceFile(str(path), "svc.yaml")).resources
    rereads = Rereads()
    for resource in resources:
        for where, at_value in ((("spec", "selector"), False), (("spec", "selector"), True), (("spec",), False)):
            deferred = anchor(resource, where, at_value=at_value, deferred=True)
            assert (deferred.line, deferred.deferred) == (0, at_value)
            eager = anchor(resource, where, at_value=at_value)
            assert located(deferred, rereads, {"svc.yaml": str(path)}) == eager
    assert list(rereads.documents) == [(str(path), 0)]  # read once
    standard_input = load_file(SourceFile("<stdin>", "<stdin>", path.read_bytes())).resources[0]
    assert anchor(standard_input, ("spec",), deferred=True).deferred is None  # nothing to read again: located now


def test_replicas_are_located_when_a_finding_needs_them_where_no_file_names_an_autoscaler(tmp_path: Path) -> None:
    """Where no input names an autoscaler kind, hpa-replicas-conflict's replica anchors are
    deferred (nothing can report them); the index says so, and a conflict is found on its line
    whichever way the anchor was made (a deferred one from the result cache, say)."""
    deployment = ("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: ml}\nspec:\n"
                  "  replicas: 3\n  selector: {matchLabels: {app: web}}\n"
                  "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: a, image: a}]}\n")
    write(tmp_path / "web.yaml", deployment)
    sources = [s for s in iter_files([str(tmp_path)]) if isinstance(s, SourceFile)]
    index, _ = build_index(sources)
    assert not index.autoscaled
    engine = Engine.for_rules(["hpa-replicas-conflict"])
    engine.use_index(index)
    outcome = Outcome()
    for source in sources:
        engine.check_file(load_file(source), outcome)
    (_, _, fact), = outcome.facts["hpa-replicas-conflict"]
    assert fact.anchor.deferred is False and fact.anchor.line == 0
    write(tmp_path / "hpa.yaml", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
                                 "metadata: {name: web, namespace: ml}\n"
                                 "spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}, "
                                 "minReplicas: 2, maxReplicas: 5}\n")
    sources = [s for s in iter_files([str(tmp_path)]) if isinstance(s, SourceFile)]
    assert build_index(sources)[0].autoscaled
    engine.use_index(index)  # (no autoscaler known: the anchor is deferred, the file has one now)
    outcome = Outcome()
    for source in sources:
        engine.check_file(load_file(source), outcome)
    found = [(f.rule, Path(f.file).name, f.line, f.column) for f in engine.judge(outcome).findings]
    assert found == [("hpa-replicas-conflict", "web.yaml", 5, 3)]
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--format", "json", "--fail-on", "error"])
    assert [(f["rule"], f["line"]) for f in json.loads(result.output)["findings"]
            if f["rule"] == "hpa-replicas-conflict"] == [("hpa-replicas-conflict", 5)]


def test_a_deferred_anchor_reads_only_its_document_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A point of one object of a big file (a `helm template` output) is found by reading its own
    document, at the line and column an eager anchor has, whatever stands around it."""
    from gitops_gen.manifests import loader
    from gitops_gen.rules.base import anchor, located

    docs = ["\ufeff# chart output\n",  # a byte-order mark and comments before the first marker: no document
            "---\n", "---\n# Source: chart/templates/empty.yaml\n",  # an empty document, counted
            *[f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\nspec:\n  selector: {{app: s{i}}}\n"
              for i in range(3)],
            "--- # a list\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n"
            "  metadata: {name: in-list}\n  spec:\n    selector:\n      app: x\n"]
    path = tmp_path / "all.yaml"
    path.write_text("".join(docs), encoding="utf-8")
    resources = load_file(SourceFile(str(path), "all.yaml")).resources
    read_whole, cut = [], []
    monkeypatch.setattr(loader, "load_file", lambda *a, **k: read_whole.append(a) or load_file(*a, **k))
    documents = loader.document_parts
    monkeypatch.setattr(loader, "document_parts", lambda raw: cut.append(raw) or documents(raw))
    rereads = loader.Rereads()
    for resource in resources:
        deferred, eager = anchor(resource, ("spec", "selector"), deferred=True), anchor(resource, ("spec", "selector"))
        assert located(deferred, rereads, {"all.yaml": str(path)}) == eager
    assert sorted(index for _, index in rereads.documents) == [2, 3, 4, 5] and read_whole == []
    assert len(cut) == 1  # the file is cut into its documents once, not once per anchor (quadratic)


def test_a_deferred_anchor_is_read_again_without_the_lines_before_it(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A rendered chart whose references mostly dangle: each document is read again alone, as the
    index phase reads one (not as a text of every line before it, which made many such anchors of
    one file cost its length each), and every point is still found where an eager anchor has it."""
    from gitops_gen.manifests import loader
    from gitops_gen.rules.base import anchor, located

    count = 100
    path = tmp_path / "all.yaml"
    text = "".join(f"---\n# Source: chart/templates/s{i}.yaml\napiVersion: v1\nkind: Service\nmetadata:\n"
                   f"  name: s{i}\nspec:\n  selector: {{app: s{i}}}\n" for i in range(count))
    path.write_text(text, encoding="utf-8")
    resources = load_file(SourceFile(str(path), "all.yaml")).resources
    texts: list[object] = []
    monkeypatch.setattr(loader, "load_text", lambda *a, **k: texts.append(a[0]))
    rereads = loader.Rereads()
    for resource in resources:
        deferred, eager = anchor(resource, ("spec", "selector"), deferred=True), anchor(resource, ("spec", "selector"))
        assert located(deferred, rereads, {"all.yaml": str(path)}) == eager
    assert texts == [] and len(rereads.documents) == count
