"""The rule registry: discovery, the module contract, duplicate ids refused."""

from __future__ import annotations

import types

import pytest

from gitops_gen.model import Severity
from gitops_gen.rules import all_rules, catalogue
from gitops_gen.rules.base import Option


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


def test_every_option_default_is_a_value_its_option_accepts() -> None:
    """What a configuration is held to when it is read (type and check), the defaults are held
    to here, once, rather than by every process at import."""
    for info in all_rules().values():
        for name, option in info.options.items():
            assert option.problem(option.default) is None, (info.id, name, option.problem(option.default))


def test_a_default_its_option_refuses_is_told() -> None:
    assert Option(int, "2").problem("2") == "must be an integer"
    assert Option(list[str], ["("], check=lambda v: "not an expression").problem(["("]) == "not an expression"


def test_every_discovered_rule_is_documented_with_examples() -> None:
    for rule in all_rules().values():
        assert "PASS" in rule.doc.upper() and "FAIL" in rule.doc.upper(), rule.id
        assert rule.description and rule.category


def test_pods_is_declared_as_a_bool_by_check_rules_only() -> None:
    assert catalogue([rule_module("p", "pods", PODS=True)])["pods"].pods
    for bad in (rule_module("q", "not-a-bool", PODS="yes"),
                rule_module("r", "tree", PODS=True, check=None, collect=lambda r, c: iter(()),
                            check_tree=lambda facts, ctx: iter(()))):
        with pytest.raises(TypeError, match="PODS"):
            catalogue([bad])


def test_a_rule_of_pod_specs_only_finds_nothing_where_the_walker_finds_no_pod() -> None:
    """``PODS = True`` lets the engine skip a rule for objects without a pod spec: every such
    rule must indeed find nothing in them (every fixture of every rule, the sample render)."""
    from pathlib import Path

    from gitops_gen.manifests import SourceFile, load_file
    from gitops_gen.rules.base import RuleContext
    from gitops_gen.rules.podspec import has_pod_specs

    root = Path(__file__).resolve().parents[1]
    paths = sorted((root / "tests" / "rules").glob("*/*/*.yaml")) + sorted((root / "sample-repo").rglob("*.yaml"))
    without = [r for p in paths for r in load_file(SourceFile(str(p), p.name)).resources if not has_pod_specs(r)]
    assert len(without) > 200
    pod_rules = [info for info in all_rules().values() if info.pods]
    assert len(pod_rules) >= 20
    for info in pod_rules:
        assert info.check is not None
        ctx = RuleContext(info.defaults)
        assert [(info.id, r.file, r.name) for r in without if list(info.check(r, ctx))] == []
