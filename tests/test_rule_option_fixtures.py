"""Rule options are proven by fixtures too: tests/rules/<rule>/options/*.yaml.

Like the pass/fail fixtures (tests/rules/test_rule_fixtures.py), but the first lines of the file
choose the rule's options and the target Kubernetes version:

    # options: {"allowed-ranges": ["5000-6000"]}
    # kubernetes-version: 1.26

and every line where a finding is expected carries ``# expect: <rule-id>``; a file without any
marker must give no finding.  The comparison is the exact multiset of (rule, line) pairs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from expect_markers import expected_markers

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.rules import all_rules

RULES = Path(__file__).parent / "rules"
HEADER = re.compile(r"^#\s*(options|kubernetes-version):\s*(.+?)\s*$")


def _fixtures() -> list[tuple[str, Path]]:
    return [(d.name, f) for d in sorted(RULES.iterdir()) if d.is_dir()
            for f in sorted((d / "options").glob("*.yaml"))]


def _header(path: Path) -> tuple[dict[str, Any], str]:
    options: dict[str, Any] = {}
    version = "1.31"
    for line in path.read_text().splitlines():
        match = HEADER.match(line)
        if not match:
            break
        if match.group(1) == "options":
            options = json.loads(match.group(2))
        else:
            version = match.group(2)
    assert options or version != "1.31", f"{path} sets neither options nor kubernetes-version"
    return options, version


@pytest.mark.parametrize(("rule", "path"), _fixtures(),
                         ids=lambda v: str(v) if isinstance(v, str) else v.name)
def test_option_fixture(rule: str, path: Path) -> None:
    options, version = _header(path)
    unknown = sorted(set(options) - set(all_rules()[rule].options))
    assert not unknown, f"{path}: {rule} has no option(s) {unknown}"
    result = load_file(SourceFile(str(path), path.name))
    assert not result.findings and result.resources, f"fixture does not load cleanly: {result.findings}"
    found = Counter((f.rule, f.line) for f in check_resources(result.resources, [rule], {rule: options},
                                                               kubernetes_version=version))
    assert found == expected_markers(path.read_text())
