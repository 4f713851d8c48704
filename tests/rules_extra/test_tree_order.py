"""Tree rules give the same findings whatever order the resources arrive in (parallel runs
gather them in any order)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Resource

FIXTURES = Path(__file__).resolve().parents[1] / "rules"
TREE_RULES = ["namespace-network-policy", "namespace-quota", "hpa-replicas-conflict", "argocd-unpinned-revision"]


@pytest.mark.parametrize("rule", TREE_RULES)
def test_findings_do_not_depend_on_input_order(rule: str) -> None:
    resources: list[Resource] = []
    for path in sorted((FIXTURES / rule).glob("fail/*.yaml")):
        resources.extend(load_file(SourceFile(str(path), path.name)).resources)
    forward = check_resources(resources, [rule])
    backward = check_resources(resources[::-1], [rule])
    assert forward, f"{rule}: the fixtures should give findings"
    assert [(f.file, f.line, f.message) for f in forward] == [(f.file, f.line, f.message) for f in backward]
