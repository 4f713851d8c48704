"""The one engine: rules over resources, with configuration, severities and waivers applied.

An :class:`Engine` is built from a :class:`~gitops_gen.config.Config` and a
:class:`~gitops_gen.catalogue.Catalogue` (a value: a run may add rules of its own).  It is the
only place that turns a rule's Violations into Findings, stamps their severity (a configured
severity wins for every sub-check; otherwise the rule's or the sub-check's own), and applies
inline and configured waivers.  ``pipeline`` walks files and schedules workers around it; the
API, the rule fixtures and the conformance suites call it directly, so every way in gives the
same findings.

A run has three phases:

1. **index**: the tree's facts (namespaces, AppProjects, Applications, CRDs, kustomizations and
   what they include) are gathered into a :class:`~gitops_gen.index.TreeIndex`, which rules read
   from their context;
2. **check** (per file, in worker processes for large trees): validation, per-resource rules,
   and the small located facts tree rules collect;
3. **judge** (once): tree rules over the facts, configured waivers, expired waivers.
"""

from __future__ import annotations

import datetime as dt
import operator
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, is_dataclass, replace
from types import MappingProxyType
from typing import Any

from gitops_gen.catalogue import Catalogue, bundled
from gitops_gen.config import Config, RuleSetting, defaults
from gitops_gen.index import TreeIndex, index_resources
from gitops_gen.manifests.loader import DEFAULT_LIMITS, LoadResult, Rereads
from gitops_gen.model import (
    FINDING_ORDER,
    CheckedResource,
    FieldPath,
    Finding,
    Report,
    Resource,
    ResourceRef,
    Severity,
    Waived,
    keyed_path,
)
from gitops_gen.rules import RuleInfo
from gitops_gen.rules.base import RuleContext, Violation, located, source_key
from gitops_gen.rules.podspec import has_pod_specs
from gitops_gen.schemas import SchemaValidator
from gitops_gen.schemas.apiserver import api_server_findings
from gitops_gen.waivers import active_and_expired, apply_config_waivers, inline_waivers

#: A rule with the context it runs in.
_Bound = tuple[RuleInfo, RuleContext]
#: A tree rule's fact with where it came from: (source order, index within the resource, fact).
Fact = tuple[tuple[str, int, tuple[str, ...]], int, Any]
#: What a finding says, whichever resource it is about: (rule, field path, sub-check).
FindingKey = tuple[str, FieldPath, str | None]
#: (source file, kind) -> (name, keys of its findings) of every object a kustomize build made
#: from that file (see :mod:`gitops_gen.kustomize_build`).
Built = Mapping[tuple[str, str], Sequence[tuple[str, frozenset[FindingKey]]]]


#: A collected fact's place in the input, (source key, index): the order tree rules see facts in.
_SOURCE_ORDER = operator.itemgetter(0, 1)


def finding_key(finding: Finding) -> FindingKey:
    return finding.rule, finding.path, finding.details.get("check")


def to_finding(info_id: str, severity: Severity, resource: Resource, violation: Violation) -> Finding:
    target = violation.resource or resource
    line, column = target.locate(violation.path, key=not violation.at_value)
    details = {"check": violation.check} if violation.check else {}
    keyed = keyed_path(target.data, violation.path) if int in map(type, violation.path) else None  # (list items)
    return Finding(info_id, severity, violation.message, target.file, line, column,
                   violation.path, target.ref, details, keyed)


def anchored_finding(rule_id: str, severity: Severity, violation: Violation, rereads: Rereads | None = None,
                     on_disk: Mapping[str, str] | None = None) -> Finding:
    """The finding of a tree rule's violation, at the anchor its facts carried (a deferred anchor
    is found by reading its file again: see :func:`~gitops_gen.rules.base.located`)."""
    a = violation.anchor
    if a is None:
        raise TypeError(f"tree rule {rule_id} returned a violation without an anchor")
    if a.deferred is not None:
        a = located(a, Rereads() if rereads is None else rereads, on_disk)
    details = {"check": violation.check} if violation.check else {}
    return Finding(rule_id, severity, violation.message, a.file, a.line, a.column, a.path, a.ref, details)


@dataclass(slots=True)
class Outcome:
    """What checking some files gave: merged across workers, then judged once."""

    findings: list[Finding] = field(default_factory=list)
    checked: list[CheckedResource] = field(default_factory=list)
    waived: list[Waived] = field(default_factory=list)
    facts: dict[str, list[Fact]] = field(default_factory=dict)
    #: Inline waivers of resources that have any, for tree findings: (file, ref) -> rule -> reason.
    inline: dict[tuple[str, ResourceRef], dict[str, str]] = field(default_factory=dict)
    documents: int = 0
    files: int = 0

    def __reduce__(self) -> tuple[Any, ...]:
        """A plain tuple of the fields: what workers send back and the result cache stores
        (a slots dataclass would go through copyreg's slot-state path)."""
        return Outcome, (self.findings, self.checked, self.waived, self.facts, self.inline, self.documents,
                         self.files)

    def merge(self, other: Outcome) -> None:
        self.findings.extend(other.findings)
        self.checked.extend(other.checked)
        self.waived.extend(other.waived)
        for rule_id, items in other.facts.items():
            self.facts.setdefault(rule_id, []).extend(items)
        self.inline.update(other.inline)
        self.documents += other.documents
        self.files += other.files


def _supplied(finding: Finding, paths: Sequence[tuple[Any, ...]]) -> bool:
    return any(finding.path[:len(p)] == p for p in paths)


class Engine:
    """Runs a catalogue's rules under a configuration.  Built once per run, then read only
    (worker processes inherit it)."""

    def __init__(self, config: Config | None = None, catalogue: Catalogue | None = None, *,
                 kubernetes_version: str = "1.31", validator: SchemaValidator | None = None,
                 rules: bool = True, index: TreeIndex | None = None) -> None:
        self.catalogue = catalogue or (config.catalogue if config is not None else bundled())
        self.config = config or defaults(self.catalogue)
        self.kubernetes_version = kubernetes_version
        self.validator = validator
        self.settings: dict[str, RuleSetting] = {rule_id: self.config.setting(rule_id) for rule_id in self.catalogue}
        enabled = [info for info in self.catalogue.rules.values() if rules and self.settings[info.id].enabled]
        self.resource_rules: list[RuleInfo] = [r for r in enabled if not r.is_tree]
        self.tree_rules: list[RuleInfo] = [r for r in enabled if r.is_tree]
        self.index = index or TreeIndex()
        self.contexts: dict[str, RuleContext] = {}
        self.built: Built = MappingProxyType({})
        self.use_index(self.index)

    @classmethod
    def for_rules(cls, rule_ids: Iterable[str] | None = None,
                  options: Mapping[str, Mapping[str, Any]] | None = None, *,
                  kubernetes_version: str = "1.31", catalogue: Catalogue | None = None) -> Engine:
        """An engine running only ``rule_ids`` (default: every rule), each with its own default
        severities and ``options`` over its defaults; no validation (fixtures and conformance)."""
        base = defaults(catalogue)
        wanted = set(base.catalogue.rules if rule_ids is None else rule_ids)
        unknown = wanted - set(base.catalogue.rules)
        if unknown:
            raise KeyError(f"unknown rules: {', '.join(sorted(unknown))}")
        settings = {rule_id: RuleSetting(rule_id in wanted, None,
                                         {**s.options, **((options or {}).get(rule_id, {}))})
                    for rule_id, s in base.rules.items()}
        return cls(replace(base, rules=settings), kubernetes_version=kubernetes_version)

    def use_index(self, index: TreeIndex) -> None:
        """Hand the index phase's result to every rule (before any resource is checked)."""
        self.index = index
        self.contexts = {r.id: RuleContext(self.settings[r.id].options, self.kubernetes_version, index)
                         for r in (*self.resource_rules, *self.tree_rules)}
        self._by_kind: dict[str, tuple[list[_Bound], list[_Bound], list[_Bound]]] = {}

    def use_builds(self, built: Built) -> None:
        """Hand the kustomize builds' findings to the check phase (before any resource is checked):
        a finding about a file's resource is kept only when an object built from it has it too."""
        self.built = built

    # -- severities -------------------------------------------------------------------------

    def stamp(self, finding: Finding) -> Finding | None:
        """``finding`` with its configured severity, or None when its rule is turned off."""
        setting = self.settings.get(finding.rule)
        if setting is None:
            return finding
        if not setting.enabled:
            return None
        if setting.severity is not None and setting.severity != finding.severity:
            return replace(finding, severity=setting.severity)
        return finding

    # -- check: one resource, one file ---------------------------------------------------------

    def _for_kind(self, kind: str) -> tuple[list[_Bound], list[_Bound], list[_Bound]]:
        """The per-resource rules that look at ``kind`` in an object without a pod spec, those
        that look at it in one with a pod spec (the same list when no rule is of pod specs
        only), and the tree rules, with their contexts (computed once per kind: forty rules are
        not asked about a kind they skip, resource after resource)."""
        found = self._by_kind.get(kind)
        if found is None:
            def bound(rules: list[RuleInfo]) -> list[_Bound]:
                return [(r, self.contexts[r.id]) for r in rules if r.kinds is None or kind in r.kinds]

            without = bound([r for r in self.resource_rules if not r.pods])
            pods = bound([r for r in self.resource_rules if r.pods])
            found = self._by_kind[kind] = (without, without + pods if pods else without, bound(self.tree_rules))
        return found

    def findings_of(self, resource: Resource) -> list[Finding]:
        """What validation and the per-resource rules find in ``resource``: not filtered by what
        kustomizations supply, not stamped, not waived, not recorded."""
        found: list[Finding] = []
        if self.validator is not None:
            found.extend(self.validator.validate(resource))
            found.extend(api_server_findings(resource))
        without, with_pods, _ = self._for_kind(resource.kind)
        for info, ctx in with_pods if with_pods is not without and has_pod_specs(resource) else without:
            assert info.check is not None
            for v in info.check(resource, ctx):
                found.append(to_finding(info.id, info.severity_of(v), resource, v))
        return found

    def _built_keys(self, resource: Resource) -> frozenset[FindingKey] | None:
        """The keys of the findings of the objects kustomize built from ``resource`` (same file
        and kind, a name holding its name: builds add prefixes and suffixes), or None when none
        was built from it."""
        if not self.built or not resource.name:
            return None
        matched = [keys for name, keys in self.built.get((resource.abspath, resource.kind), ())
                   if resource.name in name]
        return frozenset().union(*matched) if matched else None

    def check_resource(self, resource: Resource, out: Outcome) -> None:
        line, _ = resource.locate(())
        out.checked.append(CheckedResource(resource.ref, resource.file, line))
        found = self.findings_of(resource)
        tree_rules = self._for_kind(resource.kind)[2]
        built = self._built_keys(resource)
        if built is not None:  # judged by what the builds made of it
            found = [f for f in found if finding_key(f) in built]
        elif supplied := self.index.supplied_paths(resource.abspath):
            found = [f for f in found if not _supplied(f, supplied)]
        reasons, problems = inline_waivers(resource, self.catalogue)
        found.extend(problems)
        if reasons:
            out.inline[(resource.file, resource.ref)] = reasons
        if tree_rules:
            self._collect(resource, tree_rules, out)
        for finding in found:
            stamped = self.stamp(finding)
            if stamped is None:
                continue
            reason = reasons.get(stamped.rule)
            if reason is not None:
                out.waived.append(Waived(stamped, reason, "annotation"))
            else:
                out.findings.append(stamped)

    def check_file(self, result: LoadResult, out: Outcome) -> None:
        out.files += 1
        out.documents += result.documents
        out.findings.extend(f for f in map(self.stamp, result.findings) if f is not None)
        for resource in result.resources:
            self.check_resource(resource, out)

    def _collect(self, resource: Resource, rules: list[_Bound], out: Outcome) -> None:
        order = source_key(resource)
        # an object whose file names no namespace, in a kustomize base: its facts are those of the
        # objects the overlays build from it, one per namespace (two teams' bases, each holding a
        # budget ``web``, do not cover each other's workloads)
        into = self.index.built_namespaces.get(resource.abspath, ()) if resource.namespace is None else ()
        for rule, ctx in rules:
            assert rule.collect is not None
            facts = list(rule.collect(resource, ctx))
            if into:
                facts = [f for fact in facts for f in _placed(fact, into)]
            if facts:
                out.facts.setdefault(rule.id, []).extend((order, i, f) for i, f in enumerate(facts))

    # -- judge: the tree, then the run's waivers ----------------------------------------------

    def judge(self, outcome: Outcome, today: dt.date | None = None, limits: Any = None,
              on_disk: Mapping[str, str] | None = None, contents: Mapping[str, bytes] | None = None) -> Report:
        """Tree rules over the collected facts, then configured and expired waivers: the report.
        ``limits``, ``on_disk`` (shown file -> path on disk) and ``contents`` (path on disk -> the
        bytes the run checked, for the files it holds): to read a file again for a deferred anchor."""
        report = Report(findings=list(outcome.findings), files=outcome.files, documents=outcome.documents,
                        checked=list(outcome.checked), waived=list(outcome.waived))
        rereads = Rereads(limits or DEFAULT_LIMITS, contents)
        inline = outcome.inline  # (mostly empty: then no finding's key is hashed for it)
        for rule in self.tree_rules:
            assert rule.check_tree is not None
            ordered = [fact for _, _, fact in sorted(outcome.facts.get(rule.id, []), key=_SOURCE_ORDER)]
            # a kustomize base's object is judged once per namespace it is built into: one finding
            seen: set[Finding] | None = set() if self.index.built_namespaces else None
            for v in rule.check_tree(ordered, self.contexts[rule.id]):
                finding = self.stamp(anchored_finding(rule.id, rule.severity_of(v), v, rereads, on_disk))
                if finding is None or (seen is not None and finding in seen):
                    continue
                if seen is not None:
                    seen.add(finding)
                assert v.anchor is not None
                reason = inline.get((v.anchor.file, v.anchor.ref), {}).get(rule.id) if inline else None
                if reason is not None:
                    report.waived.append(Waived(finding, reason, "annotation"))
                else:
                    report.findings.append(finding)
        active, expired = active_and_expired(self.config.waivers, today or dt.date.today(), self.catalogue)
        report.findings, waived = apply_config_waivers(report.findings, active, self.config.base)
        report.waived.extend(waived)
        report.findings.extend(f for f in map(self.stamp, expired) if f is not None)
        graph = self.index.graph
        if graph is not None:  # say which Application deploys what a finding is about
            report.findings = [_deployed(finding, graph) for finding in report.findings]
        report.findings.sort(key=FINDING_ORDER)
        report.waived.sort(key=lambda w: w.finding.sort_key())
        report.checked.sort(key=lambda c: (c.file, c.line))
        return report

    # -- the whole run, in memory --------------------------------------------------------------

    def check(self, resources: Sequence[Resource], today: dt.date | None = None) -> Report:
        """Index, check and judge resources already in memory (the API, fixtures, conformance)."""
        self.use_index(index_resources(resources))
        outcome = Outcome()
        for resource in resources:
            self.check_resource(resource, outcome)
        return self.judge(outcome, today, on_disk={r.file: r.abspath for r in resources})


def _placed(fact: Any, namespaces: Sequence[str]) -> list[Any]:
    """A fact about an object that names no namespace, once in each of ``namespaces`` (a fact
    without a namespace field, or with one set, as it is)."""
    if getattr(fact, "namespace", "") is not None or not is_dataclass(fact) or isinstance(fact, type):
        return [fact]
    return [replace(fact, namespace=namespace) for namespace in namespaces]


def _deployed(finding: Finding, graph: Any) -> Finding:
    """``finding`` with the Application that deploys its resource in its details, when the graph
    knows one: a copy (outcomes are shared, e.g. by the gate's two runs, and never changed)."""
    if finding.resource is None or "application" in finding.details:
        return finding
    app = graph.deployer(os.path.abspath(finding.file), finding.resource.kind, finding.resource.name)
    return replace(finding, details={**finding.details, "application": app}) if app else finding


def check_resources(resources: Sequence[Resource], rule_ids: Iterable[str] | None = None,
                    options: Mapping[str, Mapping[str, Any]] | None = None,
                    kubernetes_version: str = "1.31") -> list[Finding]:
    """Findings of the named rules (default: all) with their own severities: the Engine of
    :meth:`Engine.for_rules`, for tests and the API."""
    engine = Engine.for_rules(rule_ids, options, kubernetes_version=kubernetes_version)
    return engine.check(resources).findings
