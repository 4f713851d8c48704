"""guardrail-removed: the configuration (``.gitops-gen.yaml``) a pull request weakens."""

from __future__ import annotations

from pathlib import Path

import pytest
from guardrail_helpers import assert_one, edit

from gitops_gen.config import Config, load_config
from gitops_gen.gate.guardrails import weakened_config
from gitops_gen.model import Finding

CONFIG = """\
fail-on: medium
ignore: ["vendor/**"]
rules:
  missing-probes: off
  image-tag-unpinned: {severity: high}
waivers:
  - rule: host-path-volume
    match: {kind: DaemonSet, namespace: gpu-operator, name: "nvidia-*"}
    reason: the driver container needs the host's /run/nvidia
    expires: 2027-06-30
"""
EXPIRES = "    expires: 2027-06-30\n"


def configs(tmp_path: Path, base: str, head: str) -> tuple[Config, Config, str, str]:
    (tmp_path / "base").mkdir(exist_ok=True)
    (tmp_path / "head").mkdir(exist_ok=True)
    base_file, head_file = tmp_path / "base" / ".gitops-gen.yaml", tmp_path / "head" / ".gitops-gen.yaml"
    base_file.write_text(base, encoding="utf-8")
    head_file.write_text(head, encoding="utf-8")
    return load_config(base_file), load_config(head_file), str(head_file), str(base_file)


def config_changes(tmp_path: Path, base: str, head: str) -> list[Finding]:
    before, after, head_file, base_file = configs(tmp_path, base, head)
    return weakened_config(before, after, head_file, base_file)


@pytest.mark.parametrize(("old", "new", "check", "line"), [
    ("  image-tag-unpinned: {severity: high}\n", "  image-tag-unpinned: {severity: high}\n  host-path-volume: off\n",
     "config-rule-disabled", 6),
    ("{severity: high}", "{severity: high, enabled: false}", "config-rule-disabled", 5),
    ("{severity: high}", "{severity: low}", "config-severity-lowered", 5),
    ("fail-on: medium", "fail-on: high", "config-fail-on-raised", 1),
    ('["vendor/**"]', '["vendor/**", "platform/**"]', "config-ignore-added", 2),
    ("2027-06-30", "2028-06-30", "config-waiver-extended", 7),
    (EXPIRES, "", "config-waiver-extended", 7),
    (EXPIRES, EXPIRES + "  - rule: privileged-container\n    match: {namespace: gpu-operator}\n"
     "    reason: the driver needs it\n", "config-waiver-added", 11),
    ('name: "nvidia-*"', 'name: "*"', "config-waiver-added", 7),               # a broader waiver
    ("fail-on: medium\n", "fail-on: medium\nonly-categories: [yaml]\n", "config-rule-disabled", 2),
])
def test_config_weakened(tmp_path: Path, old: str, new: str, check: str, line: int) -> None:
    findings = config_changes(tmp_path, CONFIG, edit(CONFIG, old, new))
    head_file = str(tmp_path / "head" / ".gitops-gen.yaml")
    assert_one(findings, check, head_file, line)


def test_config_messages_say_what(tmp_path: Path) -> None:
    categories = config_changes(tmp_path, CONFIG, edit(CONFIG, "fail-on: medium\n", "fail-on: medium\n"
                                                        "only-categories: [yaml]\n"))
    assert " rules switched off by only-categories or extends (on in base): apparmor-profile, " \
        in categories[0].message
    severity = config_changes(tmp_path, CONFIG, edit(CONFIG, "{severity: high}", "{severity: low}"))
    assert severity[0].message == "rule image-tag-unpinned severity lowered from high to low"
    extended = config_changes(tmp_path, CONFIG, edit(CONFIG, "2027-06-30", "2028-06-30"))
    assert "expiry pushed from 2027-06-30 to 2028-06-30" in extended[0].message


@pytest.mark.parametrize(("old", "new"), [
    ("  missing-probes: off\n  image-tag-unpinned: {severity: high}\n",
     "  image-tag-unpinned: {severity: high}  # pinned by digest\n  missing-probes: off\n"),   # reordered, comment
    ("missing-probes: off", "missing-probes: on"),                         # a rule switched on
    ("{severity: high}", "{severity: error}"),                             # a severity raised
    ("fail-on: medium", "fail-on: low"),                                   # stricter
    ('["vendor/**"]', "[]"),                                               # an ignore glob removed
    ("2027-06-30", "2027-01-31"),                                          # a waiver expiring sooner
    ('name: "nvidia-*"', 'name: "nvidia-driver-*"'),                       # a narrower waiver
    ("reason: the driver container", "reason: the NVIDIA driver container"),  # a reason reworded
    ("fail-on: medium\n", 'fail-on: medium\nkubernetes-version: "1.31"\n'),  # an unrelated key
])
def test_config_harmless_edits(tmp_path: Path, old: str, new: str) -> None:
    assert config_changes(tmp_path, CONFIG, edit(CONFIG, old, new)) == []


def test_config_deleted_is_located_at_the_base_file(tmp_path: Path) -> None:
    before, _, _, base_file = configs(tmp_path, CONFIG, CONFIG)
    found = assert_one(weakened_config(before, None, None, base_file), "config-deleted", base_file, 1)
    assert f"(was at {base_file}:1)" in found.message


def test_config_added_is_compared_with_the_default_preset(tmp_path: Path) -> None:
    _, after, head_file, _ = configs(tmp_path, CONFIG, "rules:\n  host-path-volume: off\n")
    assert_one(weakened_config(None, after, head_file, None), "config-rule-disabled", head_file, 2)
    _, strict, head_file, _ = configs(tmp_path, CONFIG, "fail-on: low\n")
    assert weakened_config(None, strict, head_file, None) == []


def test_config_unloadable_base_or_head_is_not_compared(tmp_path: Path) -> None:
    before, after, head_file, base_file = configs(tmp_path, CONFIG, "rules:\n  host-path-volume: off\n")
    assert weakened_config(None, after, head_file, base_file) == []    # base's did not load
    assert weakened_config(before, None, head_file, base_file) == []   # head's did not load
    assert weakened_config(None, None, None, None) == []
