"""Every rule is proven by fixtures: tests/rules/<rule>/pass/*.yaml and fail/*.yaml.

A fail fixture marks each line where a finding of the rule is expected with a trailing comment
``# expect: <rule-id>`` (repeat the id for two findings on one line:
``# expect: run-as-root run-as-root``).  The test compares the exact multiset of
(rule, line) pairs, so a finding on the wrong line, a missing one and an extra one all fail.
A pass fixture must give no finding of its rule at all.

Rules that judge a whole repository (the Argo CD graph rules) take a *repository bundle*: a
fixture whose first line is ``#@file <path>`` holds several files, each section starting with
such a line.  It is written out to a temporary repository (with a ``.gitops-gen.yaml`` naming its
URL, ``https://git.example.com/gitops.git``, unless the bundle has one) and checked as
``gitops-gen check`` would; findings are mapped back to the bundle's lines.

A rule that is silent until configured (required-labels) proves its fail side with a fixture
whose first line sets its options, ``# options: {"labels": ["team"]}``, as option fixtures do.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from expect_markers import expected_markers

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.rules import all_rules

HERE = Path(__file__).parent


def _fixtures(verdict: str) -> list[tuple[str, Path]]:
    return [(d.name, f) for d in sorted(HERE.iterdir()) if d.is_dir() and not d.name.startswith("_")
            for f in sorted((d / verdict).glob("*.yaml"))]


BUNDLE_MARK = "#@file "
BUNDLE_REPO_URL = "https://git.example.com/gitops.git"


def _bundle_findings(rule: str, path: Path, tmp: Path) -> Counter[tuple[str, int]]:
    from gitops_gen.config import load_config
    from gitops_gen.pipeline import RunOptions, run

    offsets: dict[Path, int] = {}
    current: Path | None = None
    lines: dict[Path, list[str]] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if line.startswith(BUNDLE_MARK):
            current = tmp / line[len(BUNDLE_MARK):].strip()
            offsets[current], lines[current] = number, []
        elif current is not None:
            lines[current].append(line)
    for target, body in lines.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(body) + "\n")
    config_file = tmp / ".gitops-gen.yaml"
    if not config_file.exists():
        config_file.write_text(f"repo-urls: [{BUNDLE_REPO_URL}]\n")
    report = run([str(tmp)], RunOptions(config=load_config(config_file), jobs=1))
    return Counter((f.rule, offsets[Path(f.file).resolve()] + f.line) for f in report.findings
                   if f.rule == rule and Path(f.file).resolve() in offsets)


def _findings(rule: str, path: Path, tmp: Path) -> Counter[tuple[str, int]]:
    if path.read_text().startswith(BUNDLE_MARK):
        return _bundle_findings(rule, path, tmp)
    result = load_file(SourceFile(str(path), path.name))
    assert not result.findings, f"fixture does not load cleanly: {result.findings}"
    assert result.resources, f"fixture {path} holds no Kubernetes object"
    header = re.match(r"#\s*options:\s*(.+)", path.read_text())
    options = {rule: json.loads(header.group(1))} if header else None
    return Counter((f.rule, f.line) for f in check_resources(result.resources, [rule], options))


def _expected(path: Path) -> Counter[tuple[str, int]]:
    return expected_markers(path.read_text())


@pytest.mark.parametrize(("rule", "path"), _fixtures("fail"), ids=lambda v: str(v) if isinstance(v, str) else v.name)
def test_fail_fixture(rule: str, path: Path, tmp_path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path} marks no expected finding (# expect: {rule})"
    assert _findings(rule, path, tmp_path.resolve()) == expected


@pytest.mark.parametrize(("rule", "path"), _fixtures("pass"), ids=lambda v: str(v) if isinstance(v, str) else v.name)
def test_pass_fixture(rule: str, path: Path, tmp_path: Path) -> None:
    assert _findings(rule, path, tmp_path.resolve()) == Counter()


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    missing = [rule for rule in all_rules()
               if not list((HERE / rule / "pass").glob("*.yaml")) or not list((HERE / rule / "fail").glob("*.yaml"))]
    assert not missing, f"rules without pass and fail fixtures: {missing}"


def test_fixture_folders_name_real_rules() -> None:
    unknown = [d.name for d in HERE.iterdir() if d.is_dir() and not d.name.startswith("_")
               and d.name != "__pycache__" and d.name not in all_rules()]
    assert not unknown, f"fixture folders for unknown rules: {unknown}"
