"""The pull-request gate with the result cache: its base and head trees share the entries of the
files a change leaves alone, and a cached gate reports exactly what an uncached one does."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import git
import pytest
from click.testing import CliRunner
from tree_helpers import DEPLOY_TEMPLATE, commit_all

from gitops_gen import pipeline
from gitops_gen.cli import main

NAMESPACE = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-{ns}\n"


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for i in range(12):
        folder = root / f"team-{i % 3}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"web-{i}.yaml").write_text(DEPLOY_TEMPLATE.format(
            i=i, ns=i % 3, tag=":1.27.0", priv="true" if i % 4 == 0 else "false"))
    for ns in range(3):
        (root / f"team-{ns}" / "namespace.yaml").write_text(NAMESPACE.format(ns=ns))
    commit_all(root, "base")
    return root


def gate(path: str, *args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(main, ["check", path, "--base", "main", "--format", "json", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


def edit(repo: Path) -> None:
    changed = repo / "team-1" / "web-1.yaml"
    changed.write_text(changed.read_text().replace("privileged: false", "privileged: true"))


@pytest.mark.parametrize("shown", ["absolute", "relative", "dot"])
def test_head_reads_what_base_checked_and_the_report_is_the_uncached_one(
        repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shown: str) -> None:
    edit(repo)
    path = {"absolute": str(repo), "relative": "repo", "dot": "."}[shown]
    monkeypatch.chdir(repo if shown == "dot" else tmp_path)
    plain = gate(path, "--no-cache", "--all")
    cache = tmp_path / "cache"
    cold = gate(path, "--cache-dir", str(cache), "--all")
    stats = pipeline.last_cache_stats  # head's run, the second
    assert stats is not None and not stats.disabled
    assert (stats.hits, stats.misses) == (14, 1)  # all but the edited file, from the base run's entries
    warm = gate(path, "--cache-dir", str(cache), "--all")
    stats = pipeline.last_cache_stats
    assert stats is not None and (stats.hits, stats.misses, stats.reused) == (15, 0, False)
    assert not list(cache.rglob("latest.report"))  # the gate judges trees that just changed: none kept
    assert plain == cold == warm
    code, report = plain
    assert code == 1 and report["gate"]["new"] == 1
    [new] = [f for f in report["findings"] if (f.get("change") or f["details"].get("change")) == "new"]
    assert new["rule"] == "privileged-container"
    assert os.path.normpath(new["file"]) == os.path.normpath(os.path.join(path, "team-1", "web-1.yaml"))
    assert all(not f["file"].startswith(str(tmp_path / "gitops-gen-gate-")) for f in report["findings"])


def test_the_gate_against_another_ref_shares_too(repo: Path, tmp_path: Path) -> None:
    edit(repo)
    r = git.Repo(repo)
    r.git.add(A=True)
    r.index.commit("head")
    plain = CliRunner().invoke(main, ["check", str(repo), "--base", "main~1", "--head", "main", "--format", "json",
                                      "--no-cache"])
    cached = CliRunner().invoke(main, ["check", str(repo), "--base", "main~1", "--head", "main", "--format", "json",
                                       "--cache-dir", str(tmp_path / "cache")])
    stats = pipeline.last_cache_stats
    assert stats is not None and (stats.hits, stats.misses) == (14, 1)
    assert plain.exit_code == cached.exit_code == 1
    assert json.loads(plain.output) == json.loads(cached.output)
    files = {f["file"] for f in json.loads(cached.output)["findings"]}
    assert files == {str(repo / "team-1" / "web-1.yaml")}  # shown as the checked path, never a temporary one


def test_check_caches_by_default_in_the_cache_folder(repo: Path, tmp_path: Path) -> None:
    folder = Path(os.environ["GITOPS_GEN_CACHE_DIR"])  # the test session's (tests/conftest.py)
    assert folder.parent == tmp_path.parent
    before = set(folder.rglob("*.pack"))
    first = CliRunner().invoke(main, ["check", str(repo), "--format", "json"])
    assert set(folder.rglob("*.pack")) - before
    second = CliRunner().invoke(main, ["check", str(repo), "--format", "json"])
    stats = pipeline.last_cache_stats
    assert stats is not None and (stats.hits, stats.misses) == (15, 0)
    assert first.exit_code == second.exit_code == 1 and first.output == second.output


def test_no_cache_neither_reads_nor_writes(repo: Path, tmp_path: Path) -> None:
    folder = Path(os.environ["GITOPS_GEN_CACHE_DIR"])
    before = set(folder.rglob("*.pack"))
    result = CliRunner().invoke(main, ["check", str(repo), "--no-cache"])
    assert result.exit_code == 1 and pipeline.last_cache_stats is None
    explicit = tmp_path / "mine"
    CliRunner().invoke(main, ["check", str(repo), "--cache-dir", str(explicit)])
    assert list(explicit.rglob("*.pack")) and set(folder.rglob("*.pack")) == before


def test_cache_dir_and_no_cache_exclude_each_other(repo: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check", str(repo), "--no-cache", "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 2 and "exclude each other" in result.output


def test_no_cache_converts_crd_schemas_without_the_cache_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                crd_yaml: Any) -> None:
    """``--no-cache`` is every cache: a tree's CRD schemas are converted again and not stored."""
    folder = tmp_path / "caches"
    monkeypatch.setenv("GITOPS_GEN_CACHE_DIR", str(folder))
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "crd.yaml").write_text(crd_yaml("example.com", "Widget"))
    (tree / "widget.yaml").write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
                                      "  namespace: team\nspec:\n  size: big\n")
    result = CliRunner().invoke(main, ["check", str(tree), "--no-cache", "--format", "json"])
    assert result.exit_code == 1 and '"schema"' in result.output  # the CRD's schema was applied
    assert not folder.exists() or not any(folder.rglob("*"))
    CliRunner().invoke(main, ["check", str(tree), "--format", "json"])
    assert any(folder.rglob("*"))  # without --no-cache the caches are written


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_head_takes_the_outcomes_base_just_made_from_memory(repo: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    """Base's run (serial, or in forked workers that send them back) keeps the outcomes that
    name no root in memory: head's run unpickles none, and reports what an uncached gate does."""
    from gitops_gen import cache as cache_module

    edit(repo)
    plain = gate(str(repo), "--no-cache", "--all", "--jobs", jobs)
    unpickled = []

    class Counting(cache_module.Unpickler):
        def load(self) -> Any:
            unpickled.append(1)
            return super().load()

    monkeypatch.setattr(cache_module, "Unpickler", Counting)
    cold = gate(str(repo), "--cache-dir", str(tmp_path / "cache"), "--all", "--jobs", jobs)
    stats = pipeline.last_cache_stats
    assert stats is not None and (stats.hits, stats.misses) == (14, 1)
    assert unpickled == [] and cold == plain


def test_the_kinds_of_the_changed_files_are_read_from_their_text(tmp_path: Path) -> None:
    from gitops_gen.gate.run import _kinds_of

    (tmp_path / "a.yaml").write_text("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\n"
                                     "kind: 'Service'\nmetadata:\n  name: b\n  kind: Nested\napiVersion: v1\n---\n"
                                     "kind: NoVersion\n")
    (tmp_path / "big.yaml").write_text("apiVersion: v1\nkind: ConfigMap\n" + "#" * 300)
    (tmp_path / "b.yaml").write_text("apiVersion: \"batch/v1\"\nkind: Job  # a comment\n")
    assert _kinds_of(str(tmp_path), ["a.yaml", "b.yaml", "big.yaml", "gone.yaml"], 200) == {
        ("apps/v1", "Deployment"), ("v1", "Service"), ("batch/v1", "Job")}


def test_core_schemas_prepared_in_the_process_are_compiled_once() -> None:
    from gitops_gen.schemas.core import core_bundle
    from gitops_gen.schemas.validator import prepare_core
    from gitops_gen.schemas.versions import resolve_bundle

    core = core_bundle(resolve_bundle("1.30")[0])
    prepare_core("1.30", [("apps/v1", "Deployment"), ("example.com/v1", "Widget"), ("v1", "NoSuchKind")])
    compiled = core.validator("apps/v1", "Deployment")
    assert compiled is not None and core.validator("apps/v1", "Deployment") is compiled
    assert ("apps", "v1", "Deployment") in core._compiled and len(
        [k for k in core._compiled if k[2] in ("Widget", "NoSuchKind")]) == 0
