"""Every rule is proven by fixtures: tests/rules/<rule>/pass/*.yaml and fail/*.yaml.

A fail fixture marks each line where a finding of the rule is expected with a trailing comment
``# expect: <rule-id>`` (repeat the id for two findings on one line:
``# expect: run-as-root run-as-root``).  The test compares the exact multiset of
(rule, line) pairs, so a finding on the wrong line, a missing one and an extra one all fail.
A pass fixture must give no finding of its rule at all.
"""

from __future__ import annotations

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


def _findings(rule: str, path: Path) -> Counter[tuple[str, int]]:
    result = load_file(SourceFile(str(path), path.name))
    assert not result.findings, f"fixture does not load cleanly: {result.findings}"
    assert result.resources, f"fixture {path} holds no Kubernetes object"
    return Counter((f.rule, f.line) for f in check_resources(result.resources, [rule]))


def _expected(path: Path) -> Counter[tuple[str, int]]:
    return expected_markers(path.read_text())


@pytest.mark.parametrize(("rule", "path"), _fixtures("fail"), ids=lambda v: str(v) if isinstance(v, str) else v.name)
def test_fail_fixture(rule: str, path: Path) -> None:
    expected = _expected(path)
    assert expected, f"{path} marks no expected finding (# expect: {rule})"
    assert _findings(rule, path) == expected


@pytest.mark.parametrize(("rule", "path"), _fixtures("pass"), ids=lambda v: str(v) if isinstance(v, str) else v.name)
def test_pass_fixture(rule: str, path: Path) -> None:
    assert _findings(rule, path) == Counter()


def test_every_rule_has_pass_and_fail_fixtures() -> None:
    missing = [rule for rule in all_rules()
               if not list((HERE / rule / "pass").glob("*.yaml")) or not list((HERE / rule / "fail").glob("*.yaml"))]
    assert not missing, f"rules without pass and fail fixtures: {missing}"


def test_fixture_folders_name_real_rules() -> None:
    unknown = [d.name for d in HERE.iterdir() if d.is_dir() and not d.name.startswith("_")
               and d.name != "__pycache__" and d.name not in all_rules()]
    assert not unknown, f"fixture folders for unknown rules: {unknown}"
