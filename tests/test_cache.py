"""The per-file result cache: a warm run gives the same report as a cold one, reading every
unchanged file from the cache, and anything a file's findings depend on invalidates it."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cache_helpers import check, corpus, summary

from gitops_gen import cache as cache_module
from gitops_gen import cache_report
from gitops_gen.cache import ResultCache, default_cache_dir
from gitops_gen.config import load_config
from gitops_gen.engine import Outcome

WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: team-0\nspec:\n  size: big\n"
TREE_RULES = ("namespace-network-policy", "namespace-quota", "hpa-replicas-conflict")


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_warm_run_reads_every_file_from_the_cache_and_reports_the_same(tmp_path: Path, jobs: int) -> None:
    corpus(tmp_path / "tree")
    cold_uncached, _ = check(tmp_path / "tree", None, jobs=jobs)
    cold, first = check(tmp_path / "tree", tmp_path / "cache", jobs=jobs)
    reused, second = check(tmp_path / "tree", tmp_path / "cache", jobs=jobs)
    assert (first.hits, first.misses, first.writes, first.errors, first.reused) == (0, 21, 21, 0, False)
    assert (second.hits, second.misses, second.writes, second.errors, second.reused) == (21, 0, 0, 0, True)
    forget_reports(tmp_path / "cache")  # each file's entry, the tree rules judged again from their facts
    warm, third = check(tmp_path / "tree", tmp_path / "cache", jobs=jobs)
    assert (third.hits, third.misses, third.writes, third.errors, third.reused) == (21, 0, 0, 0, False)
    assert summary(cold_uncached) == summary(cold) == summary(reused) == summary(warm)
    assert [f.details for f in cold.findings] == [f.details for f in reused.findings] == \
        [f.details for f in warm.findings]
    rules = {f.rule for f in warm.findings}
    assert {"privileged-container", "image-tag-unpinned"} <= rules
    assert set(TREE_RULES) <= rules  # tree rules are judged from cached facts


def test_changing_one_file_checks_only_that_file(tmp_path: Path) -> None:
    corpus(tmp_path / "tree")
    check(tmp_path / "tree", tmp_path / "cache")
    changed = tmp_path / "tree" / "f004.yaml"
    changed.write_text(changed.read_text().replace("privileged: yes", "privileged: false"))
    warm, stats = check(tmp_path / "tree", tmp_path / "cache")
    assert (stats.hits, stats.misses) == (20, 1)
    fresh, _ = check(tmp_path / "tree", None)
    assert summary(warm) == summary(fresh)


def test_the_tree_rules_see_a_changed_fact_through_the_cache(tmp_path: Path) -> None:
    corpus(tmp_path / "tree")
    before, _ = check(tmp_path / "tree", tmp_path / "cache")
    assert any(f.rule == "hpa-replicas-conflict" for f in before.findings)
    (tmp_path / "tree" / "hpa.yaml").unlink()
    after, stats = check(tmp_path / "tree", tmp_path / "cache")
    assert (stats.hits, stats.misses) == (20, 0)
    assert not any(f.rule == "hpa-replicas-conflict" for f in after.findings)
    assert summary(after) == summary(check(tmp_path / "tree", None)[0])


@pytest.mark.parametrize("change", ["severity", "option", "off", "kubernetes", "validate", "limits"])
def test_what_the_run_is_configured_with_invalidates(tmp_path: Path, change: str) -> None:
    corpus(tmp_path / "tree")
    check(tmp_path / "tree", tmp_path / "cache")
    config_file = tmp_path / "gitops-gen.yaml"
    options: dict[str, Any] = {}
    text = {"severity": "rules:\n  privileged-container: {severity: low}\n",
            "option": "rules:\n  namespace-quota: {exempt-namespaces: [team-0]}\n",
            "off": "rules:\n  image-tag-unpinned: off\n",
            "limits": "limits: {max-depth: 150}\n"}.get(change)
    config = load_config()
    if text is not None:
        config_file.write_text(text)
        config = load_config(config_file)
    elif change == "kubernetes":
        options["kubernetes_version"] = "1.29"
    else:
        options["rules"] = False
    if change == "limits":
        options["limits"] = config.limits
    warm, stats = check(tmp_path / "tree", tmp_path / "cache", config, **options)
    assert (stats.hits, stats.misses) == (0, 21)
    again, stats = check(tmp_path / "tree", tmp_path / "cache", config, **options)
    assert stats.hits == 21 and summary(again) == summary(warm) == summary(check(tmp_path / "tree", None, config,
                                                                                   **options)[0])


def test_a_crd_added_to_the_tree_invalidates(tmp_path: Path, crd_yaml: Callable[..., str]) -> None:
    corpus(tmp_path / "tree", 3)
    (tmp_path / "tree" / "widget.yaml").write_text(WIDGET)
    before, _ = check(tmp_path / "tree", tmp_path / "cache", rules=False)
    assert [f.rule for f in before.findings if f.file.endswith("widget.yaml")] == ["no-schema"]
    (tmp_path / "tree" / "crds").mkdir()
    (tmp_path / "tree" / "crds" / "widget.yaml").write_text(crd_yaml("example.com", "Widget"))
    after, stats = check(tmp_path / "tree", tmp_path / "cache", rules=False)
    assert stats.hits == 0
    assert [f.rule for f in after.findings if f.file.endswith("widget.yaml")] == ["schema"]
    # and a change inside the CRD (not its file's name) too
    crd = tmp_path / "tree" / "crds" / "widget.yaml"
    crd.write_text(crd.read_text().replace("{type: integer}", "{type: string}"))
    changed, stats = check(tmp_path / "tree", tmp_path / "cache", rules=False)
    assert stats.hits == 0 and not [f for f in changed.findings if f.file.endswith("widget.yaml")]


def test_a_crd_folder_given_with_crds_invalidates_when_its_content_changes(
        tmp_path: Path, crd_yaml: Callable[..., str]) -> None:
    corpus(tmp_path / "tree", 2)
    (tmp_path / "tree" / "widget.yaml").write_text(WIDGET)
    crds = tmp_path / "crds"
    crds.mkdir()
    (crds / "widget.yaml").write_text(crd_yaml("example.com", "Widget"))
    first, _ = check(tmp_path / "tree", tmp_path / "cache", rules=False, crd_dirs=(str(crds),))
    (crds / "widget.yaml").write_text(crd_yaml("example.com", "Widget").replace("{type: integer}", "{type: string}"))
    second, stats = check(tmp_path / "tree", tmp_path / "cache", rules=False, crd_dirs=(str(crds),))
    assert stats.hits == 0 and summary(first) != summary(second)


def test_configured_waivers_apply_to_cached_findings(tmp_path: Path) -> None:
    corpus(tmp_path / "tree")
    config_file = tmp_path / "gitops-gen.yaml"
    config_file.write_text("waivers: []\n")
    check(tmp_path / "tree", tmp_path / "cache", load_config(config_file))
    config_file.write_text("waivers:\n  - rule: privileged-container\n    reason: lab cluster\n")
    config = load_config(config_file)
    warm, stats = check(tmp_path / "tree", tmp_path / "cache", config)
    assert stats.hits == 21  # waivers are applied when judging, after the cache
    assert not any(f.rule == "privileged-container" for f in warm.findings)
    assert any(w.finding.rule == "privileged-container" for w in warm.waived)
    assert summary(warm) == summary(check(tmp_path / "tree", None, config)[0])


def forget_reports(cache: Path) -> None:
    for report in cache.rglob(cache_report.FILE):
        report.unlink()


def _packs(cache: Path) -> list[Path]:
    return sorted(p for p in cache.rglob("*.pack") if not p.name.startswith("."))


def _records(pack: Path) -> list[tuple[int, int]]:
    """(start, end) of every record of a pack."""
    data = pack.read_bytes()
    at, out = len(cache_module._MAGIC), []
    while at < len(data):
        _, _, bound, size = cache_module._RECORD.unpack_from(data, at)
        end = at + cache_module._RECORD.size + bound + size
        out.append((at, end))
        at = end
    return out


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "empty"])
def test_a_corrupted_entry_is_a_miss(tmp_path: Path, damage: str) -> None:
    corpus(tmp_path / "tree")
    cold, _ = check(tmp_path / "tree", tmp_path / "cache")
    forget_reports(tmp_path / "cache")  # (an unchanged tree's run would read its judged report)
    [pack] = _packs(tmp_path / "cache")  # one serial run, one pack
    records = _records(pack)
    assert len(records) == 21
    data = bytearray(pack.read_bytes())
    if damage == "truncate":  # the last five records cut: one error, where the pack ends
        data = data[:records[-5][0] + 40]
        expected = (16, 5, 1)
    elif damage == "empty":
        data = bytearray()
        expected = (0, 21, 1)
    else:
        for _, end in records[:5]:
            for i in range(end - 10, end):
                data[i] = os.urandom(1)[0] if damage == "garbage" else data[i] ^ 0xFF
        expected = (16, 5, 5)
    pack.write_bytes(bytes(data))
    warm, stats = check(tmp_path / "tree", tmp_path / "cache")
    assert (stats.hits, stats.misses, stats.errors) == expected
    assert summary(warm) == summary(cold)
    forget_reports(tmp_path / "cache")
    _, stats = check(tmp_path / "tree", tmp_path / "cache")
    assert stats.hits == 21 and not stats.reused  # rewritten


class _Boom:
    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, ("touch pwned",))


def test_an_entry_naming_anything_but_gitops_gen_classes_is_refused(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cache = ResultCache(str(tmp_path / "cache"), "run")
    outcome = Outcome(facts={"x": [(("f", 0, ()), 0, _Boom())]})
    payload = b"P" + pickle.dumps(outcome)
    record = cache_module._RECORD.pack(b"\xab" * 32, hashlib.sha256(payload).digest(), 0, len(payload)) + payload
    assert cache._write([record])
    assert cache.get("ab" * 32) is None and cache.stats.errors == 1
    assert not (tmp_path / "pwned").exists()


def test_the_folder_is_trimmed_least_recently_used_first(tmp_path: Path) -> None:
    big = Outcome(findings=[], facts={"x": [(("f", 0, ()), 0, "a" * 3000)]})
    caches = [ResultCache(str(tmp_path / "cache"), f"{i:02}" + "0" * 62, max_bytes=12_000) for i in range(6)]
    for i, cache in enumerate(caches):
        cache.put(f"{i:02}" * 32, big)
        cache.flush()
        [pack] = _packs(Path(cache.folder))
        os.utime(pack, ns=(i * 10**9, i * 10**9))
    assert caches[0].trim() == 3
    assert [ResultCache(str(tmp_path / "cache"), f"{i:02}" + "0" * 62).get(f"{i:02}" * 32) is not None
            for i in range(6)] == [False] * 3 + [True] * 3


def test_a_run_with_many_packs_merges_them(tmp_path: Path) -> None:
    outcomes = {f"{i:02}" * 32: Outcome(files=i) for i in range(cache_module.MAX_PACKS + 3)}
    for key, outcome in outcomes.items():  # one pack each
        cache = ResultCache(str(tmp_path / "cache"), "run")
        cache.put(key, outcome)
        cache.close()
    reader = ResultCache(str(tmp_path / "cache"), "run")
    assert all(reader.get(key) == outcome for key, outcome in outcomes.items())
    reader.close()
    assert len(_packs(tmp_path / "cache")) == 1
    again = ResultCache(str(tmp_path / "cache"), "run")
    assert all(again.get(key) == outcome for key, outcome in outcomes.items())


def test_the_default_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GITOPS_GEN_CACHE_DIR", str(tmp_path / "x"))
    assert default_cache_dir() == str(tmp_path / "x")
    monkeypatch.delenv("GITOPS_GEN_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir().endswith("gitops-gen")


def test_an_unwritable_cache_folder_only_costs_the_cache(tmp_path: Path) -> None:
    corpus(tmp_path / "tree", 3)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    report, stats = check(tmp_path / "tree", blocker)
    assert stats.writes == 0 and stats.errors == 5  # four files' entries, then the judged report
    assert summary(report) == summary(check(tmp_path / "tree", None)[0])


def test_a_repository_with_kustomizations_and_the_argocd_graph(ml_default_render: Path, tmp_path: Path) -> None:
    """The index, the kustomize builds and the app-of-apps graph fingerprint deterministically."""
    repo = Path(shutil.copytree(ml_default_render, tmp_path / "repo"))
    (repo / ".gitops-gen.yaml").write_text("repo-urls: [https://github.com/example-org/ml-platform-gitops.git]\n")
    config = load_config(repo / ".gitops-gen.yaml")
    cold, first = check(repo, tmp_path / "cache", config)
    warm, second = check(repo, tmp_path / "cache", config)
    assert not first.disabled and first.misses == cold.files > 50
    assert (second.hits, second.misses) == (cold.files, 0)
    assert summary(warm) == summary(cold) == summary(check(repo, None, config)[0])
    app = next(p for p in sorted(repo.rglob("*.yaml")) if "kind: Application\n" in p.read_text())
    text = app.read_text()
    app.write_text(text.replace("targetRevision: ", "targetRevision: 0.0.1-", 1))
    assert app.read_text() != text
    edited, third = check(repo, tmp_path / "cache", config)
    assert third.misses >= 1
    assert summary(edited) == summary(check(repo, None, config)[0])


@pytest.mark.parametrize("change", ["namespace", "kustomization", "application"])
def test_what_the_tree_index_holds_invalidates(ml_default_render: Path, tmp_path: Path, change: str) -> None:
    repo = Path(shutil.copytree(ml_default_render, tmp_path / "repo"))
    (repo / ".gitops-gen.yaml").write_text("repo-urls: [https://github.com/example-org/ml-platform-gitops.git]\n")
    config = load_config(repo / ".gitops-gen.yaml")
    check(repo, tmp_path / "cache", config)
    if change == "namespace":
        (repo / "extra-namespace.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n")
    elif change == "kustomization":
        kustomization = next(p for p in sorted(repo.rglob("kustomization.yaml")) if "namespace:" in p.read_text())
        text = kustomization.read_text()
        kustomization.write_text(text.replace("namespace: ", "namespace: x", 1))
    else:
        app = next(p for p in sorted(repo.rglob("*.yaml")) if "kind: Application\n" in p.read_text())
        text = app.read_text()
        app.write_text(text.replace("targetRevision: ", "targetRevision: 0.0.1-", 1))
    edited, stats = check(repo, tmp_path / "cache", config)
    assert stats.hits == 0  # the index (or graph) changed: every file is checked again
    assert summary(edited) == summary(check(repo, None, config)[0])
