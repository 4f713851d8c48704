"""The result cache's entries used from somewhere else: the same tree in another folder, a tree
shown under another name (the gate's base), and outcomes one run keeps in memory for the next."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from cache_helpers import check, corpus, summary

from gitops_gen.cache import ResultCache
from gitops_gen.cache_key import Roots
from gitops_gen.config import load_config
from gitops_gen.engine import Outcome
from gitops_gen.manifests.loader import SourceFile
from gitops_gen.model import Finding, Severity


def test_the_same_tree_elsewhere_reuses_the_entries_with_its_own_paths(tmp_path: Path) -> None:
    corpus(tmp_path / "one" / "tree")
    check(tmp_path / "one" / "tree", tmp_path / "cache")  # shown as an absolute path
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    moved, stats = check(tmp_path / "two" / "tree", tmp_path / "cache")
    # hpa.yaml's fact names its file inside a message ("HorizontalPodAutoscaler web-0-0 (<file>:1)"):
    # that entry is bound to the first folder
    assert (stats.hits, stats.misses, stats.errors) == (20, 1, 0)
    fresh, _ = check(tmp_path / "two" / "tree", None)
    assert summary(moved) == summary(fresh)
    assert all(f.file.startswith(str(tmp_path / "two" / "tree")) for f in moved.findings)


def test_an_entry_mentioning_its_folder_inside_a_message_stays_with_it(tmp_path: Path) -> None:
    roots = Roots(str(tmp_path / "a"), str(tmp_path / "a"))
    cache = ResultCache(str(tmp_path / "cache"), "run", roots)
    bound = Outcome(findings=[Finding("schema", Severity.ERROR, f"see {tmp_path / 'a' / 'x.yaml'}:3",
                                      str(tmp_path / "a" / "y.yaml"), 1, 1)])
    cache.put("a1" * 32, bound)
    free = Outcome(findings=[Finding("schema", Severity.ERROR, "plain", str(tmp_path / "a" / "y.yaml"), 1, 1)])
    cache.put("a2" * 32, free)
    cache.flush()
    assert ResultCache(str(tmp_path / "cache"), "run", roots).get("a1" * 32) == bound
    elsewhere = ResultCache(str(tmp_path / "cache"), "run", Roots(str(tmp_path / "b"), str(tmp_path / "b")))
    assert elsewhere.get("a1" * 32) is None
    found = elsewhere.get("a2" * 32)
    assert found is not None and found.findings[0].file == str(tmp_path / "b" / "y.yaml")


def test_a_tree_shown_as_another_reads_its_entries_and_reports_as_it(ml_default_render: Path, tmp_path: Path) -> None:
    """The gate's base tree: a copy in another folder, shown under the checked folder's name.
    Nothing in the fingerprint depends on where the tree is (index, kustomize builds, graph)."""
    repo = Path(shutil.copytree(ml_default_render, tmp_path / "repo"))
    (repo / ".gitops-gen.yaml").write_text("repo-urls: [https://github.com/example-org/ml-platform-gitops.git]\n")
    config = load_config(repo / ".gitops-gen.yaml")
    copy = Path(shutil.copytree(repo, tmp_path / "elsewhere" / "base"))
    base, first = check(copy, tmp_path / "cache", config, display_root=(str(copy), str(repo)))
    head, second = check(repo, tmp_path / "cache", config)  # the gate's order: base, then head
    assert not first.disabled and first.misses == base.files
    assert (second.hits, second.misses) == (head.files, 0)
    assert len(list((tmp_path / "cache" / "results-v2").iterdir())) == 1  # one fingerprint
    uncached, _ = check(copy, None, config, display_root=(str(copy), str(repo)))
    assert summary(base) == summary(uncached) == summary(head) == summary(check(repo, None, config)[0])
    # details are not compared with findings: the graph still says who deploys what
    assert [f.details for f in base.findings] == [f.details for f in uncached.findings] == \
        [f.details for f in head.findings]


def _source(tmp_path: Path, side: str) -> SourceFile:
    return SourceFile(str(tmp_path / side / "y.yaml"), str(tmp_path / "shown" / "y.yaml"))


@pytest.mark.parametrize("names", ["nothing", "its-file-on-disk", "a-root-in-a-message"])
def test_only_outcomes_naming_no_root_and_not_their_file_on_disk_are_shared(tmp_path: Path, names: str) -> None:
    """What one run puts is kept in memory for the next (the gate's head run takes its base's)
    only when reading it elsewhere would give the very same objects."""
    source = _source(tmp_path, "base")
    message = {"nothing": "plain", "its-file-on-disk": source.abspath,
               "a-root-in-a-message": f"see {tmp_path / 'base' / 'x.yaml'}:3"}[names]
    outcome = Outcome(findings=[Finding("schema", Severity.ERROR, message, source.display, 1, 1)])
    shared: dict[str, Outcome] = {}
    roots = Roots(str(tmp_path / "base"), str(tmp_path / "shown"))
    put = ResultCache(str(tmp_path / "cache"), "run", roots, shared=shared)
    key = put.key(source, b"bytes")
    assert put.put(key, outcome, source) is (names == "nothing")
    put.flush()
    assert (shared.get(key) is outcome) is (names == "nothing")
    # a later run elsewhere (head: the working tree, shown as itself) gets the same object, or
    # reads the entry with its own paths
    head = SourceFile(str(tmp_path / "shown" / "y.yaml"), str(tmp_path / "shown" / "y.yaml"))
    reader = ResultCache(str(tmp_path / "cache"), "run", Roots(str(tmp_path / "shown"), str(tmp_path / "shown")),
                         shared=shared)
    found = reader.get(key, head)
    if names == "nothing":
        assert found is outcome
    elif names == "its-file-on-disk":
        assert found is not None and found.findings[0].message == head.abspath  # filled with head's own path
    else:
        assert found is None  # bound to the base folder


def test_an_entry_read_from_disk_is_shared_when_portable(tmp_path: Path) -> None:
    source = _source(tmp_path, "base")
    roots = Roots(str(tmp_path / "base"), str(tmp_path / "shown"))
    writer = ResultCache(str(tmp_path / "cache"), "run", roots)
    key = writer.key(source, b"bytes")
    writer.put(key, Outcome(findings=[Finding("schema", Severity.ERROR, "plain", source.display, 1, 1)]), source)
    writer.flush()
    shared: dict[str, Outcome] = {}
    found = ResultCache(str(tmp_path / "cache"), "run", roots, shared=shared).get(key, source)
    assert found is not None and shared[key] is found
