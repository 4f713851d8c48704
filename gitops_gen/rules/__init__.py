"""The rule catalogue: every public module in this package is a rule (see :mod:`.base`)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from types import ModuleType
from typing import Any

from gitops_gen.model import Severity
from gitops_gen.records import record
from gitops_gen.rules.base import Option, RuleContext, Violation

#: Modules in this package that are helpers, not rules.
_NOT_RULES = frozenset({"base", "podspec"})


@record
class RuleInfo:
    """A loaded rule module, checked and described."""

    id: str
    severity: Severity
    category: str
    description: str
    doc: str
    #: Declared options: name -> Option (type, default, help).
    options: Mapping[str, Option]
    kinds: frozenset[str] | None
    #: Severities of sub-checks that differ from the rule's (``Violation.check`` -> Severity).
    check_severities: Mapping[str, Severity]
    check: Callable[[Any, RuleContext], Iterable[Violation]] | None
    collect: Callable[[Any, RuleContext], Iterable[Any]] | None
    check_tree: Callable[[Any, RuleContext], Iterable[Violation]] | None
    #: ``check`` looks at nothing but pod specs: the engine asks it only about resources the
    #: pod-spec walker finds one in.
    pods: bool = False

    @property
    def defaults(self) -> dict[str, Any]:
        """The options' default values."""
        return {name: option.default for name, option in self.options.items()}

    @property
    def is_tree(self) -> bool:
        return self.check_tree is not None

    def severity_of(self, violation: Violation) -> Severity:
        """The default severity of one violation: its sub-check's, else the rule's."""
        if violation.check is not None:
            return self.check_severities.get(violation.check, self.severity)
        return self.severity


def _info(module: ModuleType) -> RuleInfo:
    name = module.__name__
    rule_id = getattr(module, "ID", None)
    if not isinstance(rule_id, str) or not rule_id:
        raise TypeError(f"rule module {name} has no ID")
    check = getattr(module, "check", None)
    collect = getattr(module, "collect", None)
    check_tree = getattr(module, "check_tree", None)
    if (collect is None) != (check_tree is None):
        raise TypeError(f"tree rule {rule_id} must define both collect() and check_tree()")
    if (check is None) == (check_tree is None):
        raise TypeError(f"rule {rule_id} must define check(), or collect() and check_tree(), not both")
    severity = module.SEVERITY
    if not isinstance(severity, Severity):
        raise TypeError(f"rule {rule_id}: SEVERITY must be a Severity")
    if not module.__doc__:
        raise TypeError(f"rule {rule_id} has no docstring (its documentation)")
    options = dict(getattr(module, "OPTIONS", {}))
    for name, option in options.items():
        if not isinstance(option, Option):
            raise TypeError(f"rule {rule_id}: option {name!r} must be declared as Option(type, default)")
    kinds = getattr(module, "KINDS", None)
    pods = getattr(module, "PODS", False)
    if not isinstance(pods, bool) or (pods and check is None):
        raise TypeError(f"rule {rule_id}: PODS must be True or False, and only a check() rule's")
    check_severities = dict(getattr(module, "CHECK_SEVERITIES", {}))
    if not all(isinstance(s, Severity) for s in check_severities.values()):
        raise TypeError(f"rule {rule_id}: CHECK_SEVERITIES values must be Severity")
    return RuleInfo(
        id=rule_id, severity=severity, category=module.CATEGORY, description=module.DESCRIPTION,
        doc=module.__doc__.strip(), options=options,
        kinds=frozenset(kinds) if kinds is not None else None, check_severities=check_severities,
        check=check, collect=collect, check_tree=check_tree, pods=pods)


def catalogue(modules: Iterable[ModuleType]) -> dict[str, RuleInfo]:
    """The rules defined by ``modules``, by id; a module that breaks the contract, or a second
    module with an id already taken, is refused (TypeError)."""
    found: dict[str, RuleInfo] = {}
    for module in modules:
        info = _info(module)
        if info.id in found:
            raise TypeError(f"duplicate rule id {info.id!r} (in {module.__name__})")
        found[info.id] = info
    return found


@cache
def _bundled() -> tuple[RuleInfo, ...]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__)
                   if not m.name.startswith("_") and m.name not in _NOT_RULES)
    return tuple(catalogue(importlib.import_module(f"{__name__}.{name}") for name in names).values())


def all_rules() -> dict[str, RuleInfo]:
    """The bundled rules, by id, discovered from this package (a fresh dict each call: the
    modules are read once, but no caller shares or mutates a registry)."""
    return {info.id: info for info in _bundled()}


__all__ = ["Option", "RuleContext", "RuleInfo", "Violation", "all_rules", "catalogue"]
