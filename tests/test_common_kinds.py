"""Schemas compiled before the workers fork: the kinds a tree names at the top level of its
documents (read from the text), and those more than one file names (what every worker would
otherwise compile for itself)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from gitops_gen import workers
from gitops_gen.engine import Engine
from gitops_gen.forked import can_fork
from gitops_gen.index import top_pairs
from gitops_gen.manifests.loader import DEFAULT_LIMITS, SourceFile
from gitops_gen.schemas.validator import SchemaValidator

#: What the pairs are: a document's own apiVersion and kind lines, from the start of a line.
REFERENCE = re.compile(rb"""^(apiVersion|kind):[ \t]*["']?([\w./-]+)|^(---)""", re.MULTILINE)

PIECES = [b"apiVersion: v1", b"apiVersion: 'apps/v1'", b'kind: "Deployment"', b"kind: Service", b"  kind: Nested",
          b"---", b"--- # next", b"kind:", b"kind: Job # a comment", b"apiVersion:\tbatch/v1", b"\n", b"x: 1",
          b"- kind: Item", b"kindly: no"]


def _reference(raw: bytes) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    api_version = kind = None
    for name, value, start in REFERENCE.findall(raw + b"\n---"):
        if start:
            if api_version and kind:
                pairs.add((api_version, kind))
            api_version = kind = None
        elif name == b"kind":
            kind = value.decode()
        else:
            api_version = value.decode()
    return pairs


def test_top_pairs_are_what_the_line_anchored_expression_finds() -> None:
    texts = [b"\n".join(parts) for n in (2, 3, 4) for parts in itertools.product(PIECES, repeat=n)]
    assert len(texts) > 40000
    for text in texts:
        assert top_pairs(text) == _reference(text), text
    assert top_pairs(b"apiVersion: v1\nkind: Service\n---\nkind: Deployment\napiVersion: apps/v1\nspec:\n"
                     b"  kind: Nested\n") == {("v1", "Service"), ("apps/v1", "Deployment")}


def _held(tmp_path: Path, name: str, text: str) -> SourceFile:
    path = tmp_path / name
    path.write_text(text)
    return SourceFile(str(path), name, content=text.encode())


SERVICE = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n"
JOB = "apiVersion: batch/v1\nkind: Job\nmetadata: {name: once}\n"


def test_common_kinds_are_those_more_than_one_held_file_names(tmp_path: Path) -> None:
    files = [_held(tmp_path, "a.yaml", SERVICE + "---\n" + DEPLOYMENT), _held(tmp_path, "b.yaml", SERVICE),
             _held(tmp_path, "c.yaml", DEPLOYMENT + "---\n" + JOB),
             SourceFile(str(tmp_path / "d.yaml"), "d.yaml")]  # not held: not read again
    (tmp_path / "d.yaml").write_text(JOB)
    assert sorted(workers.common_kinds(files)) == [("apps/v1", "Deployment"), ("v1", "Service")]
    assert workers.common_kinds([files[3]]) == []


def test_a_large_tree_is_sampled_across_its_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # forty files, the Job in every other one: a sample of every second file sees only half of them
    files = [_held(tmp_path, f"f{i:02}.yaml", SERVICE if i % 2 == 0 else JOB) for i in range(40)]
    monkeypatch.setattr(workers, "SAMPLE_BYTES", sum(len(f.content or b"") for f in files) // 2)
    assert workers.common_kinds(files) == [("v1", "Service")]
    monkeypatch.setattr(workers, "SAMPLE_BYTES", 1 << 20)
    assert sorted(workers.common_kinds(files)) == [("batch/v1", "Job"), ("v1", "Service")]


@pytest.mark.skipif(not can_fork(), reason="no fork on this platform")
def test_the_workers_inherit_the_common_kinds_compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prepared: list[list[tuple[str, str]]] = []
    original = SchemaValidator.prepare

    def prepare(self: SchemaValidator, kinds: list[tuple[str, str]], *, scoped: bool = True) -> None:
        prepared.append(sorted(kinds))
        assert not scoped  # (an in-tree CRD's kind: compiled where met)
        original(self, kinds, scoped=scoped)

    monkeypatch.setattr(SchemaValidator, "prepare", prepare)
    files = [_held(tmp_path, f"f{i:02}.yaml", SERVICE + "---\n" + DEPLOYMENT) for i in range(8)]
    engine = Engine(validator=SchemaValidator())
    parallel = workers.dispatch(engine, files, 2, DEFAULT_LIMITS, None, None, 0)
    assert prepared == [[("apps/v1", "Deployment"), ("v1", "Service")]]  # in this process, before forking
    alone = workers.dispatch(engine, files, 1, DEFAULT_LIMITS, None, None, 0)
    assert prepared == [[("apps/v1", "Deployment"), ("v1", "Service")]]  # one process: compiled as met
    assert [o.findings for o in parallel] == [o.findings for o in alone]
    assert sum(o.documents for o in parallel) == 16
