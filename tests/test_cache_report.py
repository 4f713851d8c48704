"""The judged report of an unchanged tree: a run whose every input is as the last run's reads
that run's report instead of judging again, and anything judging depends on makes it a miss."""

from __future__ import annotations

import datetime as dt
import os
import pickle
import shutil
from pathlib import Path

import pytest
from cache_helpers import check, corpus, summary

from gitops_gen import cache_report
from gitops_gen.cache_report import FILE as _REPORT
from gitops_gen.config import load_config
from gitops_gen.model import CheckedResource, Finding, GateSummary, Report, ResourceRef, Severity, Waived

REF = ResourceRef("apps/v1", "Deployment", "team-a", "wéb")


def sample() -> Report:
    findings = [
        Finding("privileged-container", Severity.HIGH, 'container "api" is privileged 🚀', "apps/web.yaml", 21, 9,
                ("spec", "template", "spec", "containers", 0), REF, {"check": "privileged"},
                "spec.template.spec.containers[name=api]"),
        Finding("yaml-syntax", Severity.ERROR, "mapping values are not allowed here", "broken.yaml", 3, 7),
        Finding("wildcard-verbs", Severity.LOW, "verbs: *", "rbac.yaml", 9, 5, ("rules", 0, "verbs"),
                ResourceRef("rbac.authorization.k8s.io/v1", "ClusterRole", None, "admin")),
    ]
    waived = [Waived(Finding("host-network", Severity.MEDIUM, "hostNetwork", "apps/web.yaml", 25, 7,
                             ("spec",), REF), "CNI debug", "config")]
    return Report(findings=findings, files=3, documents=4, checked=[CheckedResource(REF, "apps/web.yaml", 1)],
                  waived=waived)


def test_the_codec_gives_back_every_field() -> None:
    report = sample()
    again = cache_report.loads(cache_report.dumps(report))
    assert again == report
    assert [(f.details, f.keyed_path, type(f.severity)) for f in again.findings] == \
        [(f.details, f.keyed_path, Severity) for f in report.findings]
    assert again.findings[0].resource is again.checked[0].ref  # one object per resource, as judged


def test_the_codec_loads_plain_values_only() -> None:
    class Boom:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, ("touch pwned",))

    with pytest.raises(pickle.UnpicklingError):
        cache_report.loads(pickle.dumps((cache_report.LAYOUT, [], [Boom()], [], [], 0, 0)))
    with pytest.raises(ValueError):
        cache_report.loads(pickle.dumps((cache_report.LAYOUT + 1, [], [], [], [], 0, 0)))
    with pytest.raises(ValueError):
        cache_report.dumps(Report(gate=GateSummary("main", "HEAD", 0, 0, 0, 0)))


def test_an_unchanged_tree_reads_its_report_and_a_changed_file_does_not(tmp_path: Path) -> None:
    corpus(tmp_path / "tree")
    cold, _ = check(tmp_path / "tree", tmp_path / "cache")
    again, stats = check(tmp_path / "tree", tmp_path / "cache")
    assert stats.reused and summary(again) == summary(cold)
    changed = tmp_path / "tree" / "f004.yaml"
    changed.write_text(changed.read_text().replace("privileged: yes", "privileged: false"))
    edited, stats = check(tmp_path / "tree", tmp_path / "cache")
    assert not stats.reused and (stats.hits, stats.misses) == (20, 1)
    assert summary(edited) == summary(check(tmp_path / "tree", None)[0]) != summary(cold)


def test_a_finding_made_before_the_files_are_checked_is_a_miss(tmp_path: Path) -> None:
    corpus(tmp_path / "tree", 3)
    check(tmp_path / "tree", tmp_path / "cache")
    (tmp_path / "tree" / "out.yaml").symlink_to("/etc/passwd")  # no file to check: a finding of the walk
    report, stats = check(tmp_path / "tree", tmp_path / "cache")
    assert not stats.reused
    assert [f.file for f in report.findings if f.rule == "symlink-escape"] == [str(tmp_path / "tree" / "out.yaml")]


def test_todays_date_decides_expired_waivers(tmp_path: Path) -> None:
    corpus(tmp_path / "tree", 3)
    config_file = tmp_path / "gitops-gen.yaml"
    config_file.write_text("waivers:\n  - rule: privileged-container\n    reason: lab\n    expires: 2026-12-01\n")
    config = load_config(config_file)
    before, _ = check(tmp_path / "tree", tmp_path / "cache", config, today=dt.date(2026, 11, 30))
    same_day, stats = check(tmp_path / "tree", tmp_path / "cache", config, today=dt.date(2026, 11, 30))
    assert stats.reused and summary(same_day) == summary(before)
    after, stats = check(tmp_path / "tree", tmp_path / "cache", config, today=dt.date(2026, 12, 2))
    assert not stats.reused
    assert any(w.finding.rule == "privileged-container" for w in before.waived)
    assert any(f.rule == "privileged-container" for f in after.findings)
    assert summary(after) == summary(check(tmp_path / "tree", None, config, today=dt.date(2026, 12, 2))[0])


def test_a_tree_elsewhere_does_not_read_the_report_naming_the_first(tmp_path: Path) -> None:
    corpus(tmp_path / "tree", 3)
    check(tmp_path / "tree", tmp_path / "cache")
    copy = Path(shutil.copytree(tmp_path / "tree", tmp_path / "copy"))
    report, stats = check(copy, tmp_path / "cache")
    assert not stats.reused  # (files' entries are read elsewhere too: they are stored relative to the folder)
    assert report.findings and all(f.file.startswith(str(copy)) for f in report.findings)
    assert summary(report) == summary(check(copy, None)[0])


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_a_damaged_report_is_a_miss(tmp_path: Path, damage: str) -> None:
    corpus(tmp_path / "tree", 3)
    cold, _ = check(tmp_path / "tree", tmp_path / "cache")
    [stored] = (tmp_path / "cache").rglob(_REPORT)
    data = bytearray(stored.read_bytes())
    if damage == "flip":
        data[-20] ^= 0xFF
    stored.write_bytes(bytes(data[:len(data) // 2] if damage == "truncate" else b"" if damage == "empty" else data))
    again, stats = check(tmp_path / "tree", tmp_path / "cache")
    assert not stats.reused and stats.hits == 4
    assert stats.errors == (damage != "empty")
    assert summary(again) == summary(cold)
    assert check(tmp_path / "tree", tmp_path / "cache")[1].reused  # written again
