"""The rule registry: discovery, the module contract, duplicate ids refused."""

from __future__ import annotations

import types

import pytest

from gitops_gen.model import Severity
from gitops_gen.rules import all_rules, catalogue


def rule_module(name: str, rule_id: str, **extra: object) -> types.ModuleType:
    module = types.ModuleType(name, f"{rule_id}: documentation.")
    module.ID = rule_id  # type: ignore[attr-defined]
    module.SEVERITY = Severity.LOW  # type: ignore[attr-defined]
    module.CATEGORY = "test"  # type: ignore[attr-defined]
    module.DESCRIPTION = "a test rule"  # type: ignore[attr-defined]
    module.check = lambda resource, ctx: iter(())  # type: ignore[attr-defined]
    for key, value in extra.items():
        setattr(module, key, value)
    return module


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(TypeError, match="duplicate rule id 'same'"):
        catalogue([rule_module("a", "same"), rule_module("b", "same")])


def test_contract_is_checked() -> None:
    broken = rule_module("c", "tree-without-collect", check_tree=lambda facts, ctx: iter(()))
    with pytest.raises(TypeError):
        catalogue([broken])
    undocumented = rule_module("d", "undocumented")
    undocumented.__doc__ = None
    with pytest.raises(TypeError, match="docstring"):
        catalogue([undocumented])


def test_every_discovered_rule_is_documented_with_examples() -> None:
    for rule in all_rules().values():
        assert "PASS" in rule.doc.upper() and "FAIL" in rule.doc.upper(), rule.id
        assert rule.description and rule.category
