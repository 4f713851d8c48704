"""Hostile input is normal input: every value of every fixture replaced by the wrong shape must
give findings or nothing, never an exception (checked for this helper's rules)."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_gen.engine import check_resources
from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import FieldPath, Resource

FIXTURES = Path(__file__).resolve().parents[1] / "rules"
RULES = [
    "rbac-wildcard", "cluster-admin-binding", "rbac-secrets-access", "rbac-escalation",
    "argocd-unpinned-revision", "argocd-default-project", "argocd-project-wildcard", "default-namespace",
    "plaintext-secret",
    "hpa-replicas-conflict", "image-tag-unpinned", "missing-resources", "missing-probes",
    "writable-root-filesystem", "secret-in-env", "gpu-limits", "gpu-toleration", "namespace-network-policy",
    "namespace-quota", "argocd-ssa-required", "gpu-shared-memory", "duplicate-list-key", "placeholder-value",
]
HOSTILE: tuple[Any, ...] = ([1, None], None, 7, "x", {"{{": True}, {1: [{}], None: "y"}, True, 2.5)


def _paths(node: Any, at: FieldPath = ()) -> Iterator[FieldPath]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*at, key)
            yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*at, i)
            yield from _paths(value, (*at, i))


def _replaced(data: Any, path: FieldPath, value: Any) -> Any:
    copied = copy.deepcopy(data)
    node = copied
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return copied


@pytest.mark.parametrize("rule", RULES)
def test_rule_survives_every_wrong_shape(rule: str) -> None:
    files = sorted((FIXTURES / rule).glob("*/*.yaml"))
    assert files, f"no fixtures for {rule}"
    runs = 0
    for file in files:
        resources: list[Resource] = load_file(SourceFile(str(file), file.name)).resources
        for resource in resources:
            others = [r for r in resources if r is not resource]  # tree rules see the rest of the file
            for path in _paths(resource.data):
                if path[:1] in (("apiVersion",), ("kind",)):
                    continue
                for value in HOSTILE:
                    mutated = dataclasses.replace(resource, data=_replaced(resource.data, path, value))
                    check_resources([mutated, *others], [rule])
                    runs += 1
    assert runs > 50


def test_a_list_options_strings_are_read_whatever_the_list_holds() -> None:
    from gitops_gen.rules._util import string_items

    assert string_items(["a", 1, None, "b"]) == ("a", "b")
    assert string_items(["a", {"x": 1}, ["y"], "b"]) == ("a", "b")  # unhashable items: read, not remembered
    assert string_items("ab") == () and string_items(None) == () and string_items(("a",)) == ()
    listed = ["a"]
    assert string_items(listed) == ("a",)
    listed.append("b")  # remembered by content, not by the list
    assert string_items(listed) == ("a", "b")
