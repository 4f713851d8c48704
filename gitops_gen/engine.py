"""Run rules over resources: the one place that turns Violations into Findings."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from gitops_gen.model import Finding, Resource, Severity
from gitops_gen.rules import RuleInfo, all_rules
from gitops_gen.rules.base import RuleContext, Violation, source_key


def to_finding(info_id: str, severity: Severity, resource: Resource, violation: Violation) -> Finding:
    target = violation.resource or resource
    line, column = target.locate(violation.path, key=not violation.at_value)
    details = {"check": violation.check} if violation.check else {}
    return Finding(info_id, severity, violation.message, target.file, line, column,
                   violation.path, target.ref, details)


def anchored_finding(rule_id: str, severity: Severity, violation: Violation) -> Finding:
    """The finding of a tree rule's violation, at the anchor its facts carried."""
    a = violation.anchor
    if a is None:
        raise TypeError(f"tree rule {rule_id} returned a violation without an anchor")
    details = {"check": violation.check} if violation.check else {}
    return Finding(rule_id, severity, violation.message, a.file, a.line, a.column, a.path, a.ref, details)


def collect_facts(info: RuleInfo, resource: Resource, ctx: RuleContext) -> list[Any]:
    """A tree rule's facts about one resource (nothing for kinds it does not look at)."""
    assert info.collect is not None
    if info.kinds is not None and resource.kind not in info.kinds:
        return []
    return list(info.collect(resource, ctx))


def check_findings(info: RuleInfo, resource: Resource, ctx: RuleContext,
                   severity: Severity | None = None) -> Iterator[Finding]:
    """A per-resource rule's findings on one resource (nothing for kinds it does not look at)."""
    assert info.check is not None
    if info.kinds is not None and resource.kind not in info.kinds:
        return
    for v in info.check(resource, ctx):
        yield to_finding(info.id, severity or info.severity_of(v), resource, v)


def run_rule(info: RuleInfo, resources: Sequence[Resource], ctx: RuleContext,
             severity: Severity | None = None) -> list[Finding]:
    """Findings of one rule over ``resources`` (no configuration or waivers applied)."""
    findings: list[Finding] = []
    if info.check_tree is not None:
        facts = [f for r in sorted(resources, key=source_key) for f in collect_facts(info, r, ctx)]
        for v in info.check_tree(facts, ctx):
            findings.append(anchored_finding(info.id, severity or info.severity_of(v), v))
        return findings
    for resource in resources:
        findings.extend(check_findings(info, resource, ctx, severity))
    return findings


def check_resources(resources: Sequence[Resource], rule_ids: Iterable[str] | None = None,
                    options: Mapping[str, Mapping[str, Any]] | None = None,
                    kubernetes_version: str = "1.31") -> list[Finding]:
    """Run the named rules (default: all) with default severities; for tests and the API."""
    catalogue = all_rules()
    ids = list(catalogue) if rule_ids is None else list(rule_ids)
    out: list[Finding] = []
    for rule_id in ids:
        info = catalogue[rule_id]
        opts = {**info.options, **((options or {}).get(rule_id, {}))}
        out.extend(run_rule(info, resources, RuleContext(opts, kubernetes_version)))
    return sorted(out, key=Finding.sort_key)
