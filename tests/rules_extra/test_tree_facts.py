"""Tree rules' facts are small and self-contained: they pickle (workers send them to the main
process) and hold no Resource and no dict or list from ``resource.data``, so a huge tree's
resources can be dropped once their file is checked and memory stays flat."""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gitops_gen.manifests import SourceFile, load_file
from gitops_gen.model import Resource
from gitops_gen.rules import RuleInfo, all_rules
from gitops_gen.rules.base import RuleContext

ROOT = Path(__file__).resolve().parents[2]
#: Every rule's fixtures (tree rules collect from other rules' kinds too) and the sample render.
CORPUS = sorted((ROOT / "tests" / "rules").glob("*/*/*.yaml")) + sorted((ROOT / "sample-repo").rglob("*.yaml"))
TREE_RULES = sorted(info.id for info in all_rules().values() if info.is_tree)
_LEAVES = (str, int, float, bool, type(None))


def _resources() -> Iterator[Resource]:
    for path in CORPUS:
        yield from load_file(SourceFile(str(path), path.name)).resources


def _facts(info: RuleInfo, options: dict[str, Any] | None = None) -> list[Any]:
    assert info.collect is not None
    ctx = RuleContext({**info.defaults, **(options or {})})
    return [fact for r in _resources() if info.kinds is None or r.kind in info.kinds
            for fact in info.collect(r, ctx)]


def _problems(value: Any, at: str = "fact") -> Iterator[str]:
    """Everything in ``value`` that is not a plain leaf, a tuple/frozenset, or a frozen dataclass of those."""
    if isinstance(value, _LEAVES):
        return
    if isinstance(value, (tuple, frozenset)):
        for i, item in enumerate(value):
            yield from _problems(item, f"{at}[{i}]")
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        if isinstance(value, Resource):
            yield f"{at} is a Resource"
        elif not type(value).__dataclass_params__.frozen:  # type: ignore[attr-defined]
            yield f"{at} is a mutable {type(value).__name__}"
        else:
            for f in dataclasses.fields(value):
                yield from _problems(getattr(value, f.name), f"{at}.{f.name}")
    else:
        yield f"{at} is a {type(value).__name__}"


def test_the_walk_catches_what_it_must() -> None:
    assert list(_problems(("a", 1, None))) == []
    assert list(_problems(("a", {"k": 1}))) == ["fact[1] is a dict"]
    assert list(_problems((["x"],))) == ["fact[0] is a list"]
    resource = next(_resources())
    assert list(_problems((resource,))) == ["fact[0] is a Resource"]


def test_every_tree_rule_is_checked_here() -> None:
    assert set(TREE_RULES) == {"namespace-network-policy", "namespace-quota", "hpa-replicas-conflict",
                               "argocd-unpinned-revision", "pod-disruption-budget", "replicas-not-spread",
                               "min-replicas", "workload-network-policy", "dangling-reference",
                               "service-account-token", "rbac-system-group-binding"}


@pytest.mark.parametrize("rule", TREE_RULES)
def test_facts_pickle_and_hold_nothing_of_the_resource(rule: str) -> None:
    facts = _facts(all_rules()[rule])
    assert len(facts) >= 5, f"{rule}: the corpus should give facts"
    for fact in facts:
        assert not list(_problems(fact)), (rule, fact)
        assert pickle.loads(pickle.dumps(fact)) == fact
    # small: a fact is a few names and a location, never a copy of the object
    size = len(pickle.dumps(facts)) / len(facts)
    assert size < 400, f"{rule}: {size:.0f} bytes a fact"


def test_self_repo_detection_facts_only_when_detection_is_on() -> None:
    info = all_rules()["argocd-unpinned-revision"]
    on, off = _facts(info), _facts(info, {"detect-self-repo": False})
    assert len(off) < len(on)
    assert {type(f).__name__ for f in off} == {"Moving"}


@pytest.mark.parametrize("rules", [("namespace-network-policy", "namespace-quota"),
                                   ("pod-disruption-budget", "replicas-not-spread", "min-replicas")])
def test_rules_that_collect_the_same_fact_share_one_object(rules: tuple[str, ...]) -> None:
    """What several rules learn from one resource alike (the namespace it runs pods in, its
    workload) is one object: located once, and pickled once in a worker's outcome."""
    resources = list(_resources())
    shared = 0
    for resource in resources:
        seen: dict[tuple[type, Any], Any] = {}
        for rule in rules:
            info = all_rules()[rule]
            if info.kinds is not None and resource.kind not in info.kinds:
                continue
            assert info.collect is not None
            for fact in info.collect(resource, RuleContext({**info.defaults, "kinds": ["Deployment", "StatefulSet"]})):
                key = (type(fact), fact)
                if key in seen:
                    assert seen[key] is fact, (rule, fact)
                    shared += 1
                seen.setdefault(key, fact)
    assert shared >= 5
