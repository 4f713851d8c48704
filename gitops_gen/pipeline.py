"""loader -> validator -> policy engine -> report: the run behind ``validate`` and ``check``.

Files are processed one at a time (each file's node trees are dropped once its checks are
done) and, for large trees, in worker processes.  Tree-level rules work map/reduce: per
resource, in the worker, they collect small located facts; once, in the main process, they
judge the facts.  No resource outlives its file, so memory stays flat however large the tree.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Any

from gitops_gen.catalogue import rule_docs
from gitops_gen.config import Config, load_config
from gitops_gen.engine import anchored_finding, check_findings, collect_facts
from gitops_gen.manifests.loader import LoadResult, SourceFile, iter_files, kustomize_patch_files, load_file
from gitops_gen.manifests.yamlread import Limits
from gitops_gen.model import CheckedResource, Finding, Report, Resource, ResourceRef, Waived
from gitops_gen.rules import all_rules
from gitops_gen.rules.base import RuleContext, source_key
from gitops_gen.schemas import SchemaValidator
from gitops_gen.waivers import active_and_expired, apply_config_waivers, inline_waivers

#: Below this many files (or bytes) a second process costs more than it saves.
PARALLEL_MIN_FILES = 16
PARALLEL_MIN_BYTES = 512 * 1024


@dataclass(frozen=True, slots=True)
class RunOptions:
    kubernetes_version: str = "1.31"
    crd_dirs: tuple[str, ...] = ()
    require_schemas: bool = False
    #: False for ``validate``: YAML and schema checks only.
    rules: bool = True
    config: Config | None = None
    limits: Limits = field(default_factory=Limits)
    #: Worker processes; 0 chooses by the size of the tree and the cores available.
    jobs: int = 0
    today: dt.date | None = None

    @classmethod
    def from_config(cls, config: Config, *, rules: bool = True, kubernetes_version: str | None = None,
                    crds: Sequence[str] = (), require_schemas: bool | None = None, jobs: int = 0) -> RunOptions:
        """Options for a run under ``config``; the arguments (command-line flags) win over it."""
        return cls(
            kubernetes_version=kubernetes_version or config.kubernetes_version or "1.31",
            crd_dirs=tuple(config.crds) + tuple(crds),
            require_schemas=require_schemas if require_schemas is not None else bool(config.require_schemas),
            rules=rules, config=config, limits=config.limits, jobs=jobs)


#: A tree rule's fact with where it came from: (source order, index within the resource, fact).
_Fact = tuple[tuple[str, int, tuple[str, ...]], int, Any]


@dataclass(slots=True)
class _Chunk:
    findings: list[Finding] = field(default_factory=list)
    checked: list[CheckedResource] = field(default_factory=list)
    waived: list[Waived] = field(default_factory=list)
    facts: dict[str, list[_Fact]] = field(default_factory=dict)
    #: Inline waivers of resources that have any, for tree findings: (file, ref) -> rule -> reason.
    inline: dict[tuple[str, ResourceRef], dict[str, str]] = field(default_factory=dict)
    documents: int = 0
    files: int = 0


class _Runner:
    """Everything one process needs to check files: built once, then read only."""

    def __init__(self, options: RunOptions, config: Config) -> None:
        self.options = options
        self.config = config
        self.defaults = {d.id: d.severity for d in rule_docs().values()}
        self.validator = SchemaValidator(options.kubernetes_version, options.crd_dirs,
                                         require_schemas=options.require_schemas)
        enabled = [info for info in all_rules().values()
                   if options.rules and config.rules[info.id].enabled]
        self.resource_rules = [r for r in enabled if not r.is_tree]
        self.tree_rules = [r for r in enabled if r.is_tree]
        self.contexts = {r.id: RuleContext(config.rules[r.id].options, options.kubernetes_version)
                         for r in enabled}

    def severity(self, finding: Finding) -> Finding | None:
        setting = self.config.rules.get(finding.rule)
        if setting is None:
            return finding
        if not setting.enabled:
            return None
        if setting.severity == self.defaults[finding.rule] or setting.severity == finding.severity:
            return finding  # not overridden: keep what the check decided (a sub-check's, or no-schema's)
        return replace(finding, severity=setting.severity)

    def process(self, files: Sequence[SourceFile]) -> _Chunk:
        chunk = _Chunk()
        for source in files:
            result = load_file(source, self.options.limits)
            self._one_file(result, chunk)
        return chunk

    def _one_file(self, result: LoadResult, chunk: _Chunk) -> None:
        chunk.files += 1
        chunk.documents += result.documents
        chunk.findings.extend(f for f in map(self.severity, result.findings) if f is not None)
        for resource in result.resources:
            line, _ = resource.locate(())
            chunk.checked.append(CheckedResource(resource.ref, resource.file, line))
            found = list(self.validator.validate(resource))
            for rule in self.resource_rules:
                found.extend(check_findings(rule, resource, self.contexts[rule.id]))
            reasons, problems = inline_waivers(resource)
            found.extend(problems)
            if reasons:
                chunk.inline[(resource.file, resource.ref)] = reasons
            self._collect(resource, chunk)
            for finding in found:
                adjusted = self.severity(finding)
                if adjusted is None:
                    continue
                reason = reasons.get(adjusted.rule)
                if reason is not None:
                    chunk.waived.append(Waived(adjusted, reason, "annotation"))
                else:
                    chunk.findings.append(adjusted)

    def _collect(self, resource: Resource, chunk: _Chunk) -> None:
        order = source_key(resource)
        for rule in self.tree_rules:
            facts = collect_facts(rule, resource, self.contexts[rule.id])
            if facts:
                chunk.facts.setdefault(rule.id, []).extend((order, i, f) for i, f in enumerate(facts))

    def tree(self, facts: dict[str, list[_Fact]], inline: dict[tuple[str, ResourceRef], dict[str, str]]) -> _Chunk:
        chunk = _Chunk()
        for rule in self.tree_rules:
            assert rule.check_tree is not None
            ordered = [fact for _, _, fact in sorted(facts.get(rule.id, []), key=lambda f: (f[0], f[1]))]
            for v in rule.check_tree(ordered, self.contexts[rule.id]):
                finding = self.severity(anchored_finding(rule.id, rule.severity_of(v), v))
                if finding is None:
                    continue
                assert v.anchor is not None
                reason = inline.get((v.anchor.file, v.anchor.ref), {}).get(rule.id)
                if reason is not None:
                    chunk.waived.append(Waived(finding, reason, "annotation"))
                else:
                    chunk.findings.append(finding)
        return chunk


_WORKER: _Runner | None = None


def _work(files: Sequence[SourceFile]) -> _Chunk:
    assert _WORKER is not None
    return _WORKER.process(files)


def _crd_files(files: Sequence[SourceFile], limits: Limits) -> list[SourceFile]:
    """Files that may hold CustomResourceDefinitions (a cheap byte scan, no parsing)."""
    out = []
    for source in files:
        try:
            if source.content is None and os.path.getsize(source.abspath) > limits.max_file_bytes:
                continue
            if b"CustomResourceDefinition" in source.read_bytes():
                out.append(source)
        except OSError:
            continue
    return out


def _jobs(options: RunOptions, files: Sequence[SourceFile]) -> int:
    if options.jobs:
        return max(1, options.jobs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores < 2 or len(files) < PARALLEL_MIN_FILES:
        return 1
    size = 0
    for source in files:
        try:
            size += len(source.content) if source.content is not None else os.path.getsize(source.abspath)
        except OSError:
            continue
        if size >= PARALLEL_MIN_BYTES:
            return cores
    return 1


def run(paths: Sequence[str], options: RunOptions = RunOptions(),
        progress: Callable[[int, int], None] | None = None) -> Report:
    """Check ``paths``.  Raises UsageError/ConfigError/SchemaError for bad input to the run itself;
    everything wrong *in* the files becomes a finding."""
    config = options.config or load_config()
    today = options.today or dt.date.today()
    report = Report()
    files: list[SourceFile] = []
    for item in iter_files(paths):
        if isinstance(item, Finding):
            report.findings.append(item)
        elif not any(fnmatchcase(item.display, pattern) for pattern in config.ignore):
            files.append(item)
    patches = kustomize_patch_files(files, options.limits)
    if patches:
        files = [f for f in files if f.abspath not in patches]
    runner = _Runner(options, config)
    for source in _crd_files(files, options.limits):
        for resource in load_file(source, options.limits).resources:
            if resource.kind == "CustomResourceDefinition":
                report.findings.extend(runner.validator.add_crd(resource))
    chunks = _process(runner, files, options, progress)
    facts: dict[str, list[_Fact]] = {}
    inline: dict[tuple[str, ResourceRef], dict[str, str]] = {}
    for chunk in chunks:
        report.findings.extend(chunk.findings)
        report.checked.extend(chunk.checked)
        report.waived.extend(chunk.waived)
        report.documents += chunk.documents
        report.files += chunk.files
        for rule_id, items in chunk.facts.items():
            facts.setdefault(rule_id, []).extend(items)
        inline.update(chunk.inline)
    tree = runner.tree(facts, inline)
    report.findings.extend(tree.findings)
    report.waived.extend(tree.waived)
    active, expired = active_and_expired(config.waivers, today)
    report.findings, waived = apply_config_waivers(report.findings, active)
    report.waived.extend(waived)
    report.findings.extend(expired)
    report.findings.sort(key=Finding.sort_key)
    report.waived.sort(key=lambda w: w.finding.sort_key())
    report.checked.sort(key=lambda c: (c.file, c.line))
    return report


def _process(runner: _Runner, files: list[SourceFile], options: RunOptions,
             progress: Callable[[int, int], None] | None) -> list[_Chunk]:
    jobs = _jobs(options, files)
    total = len(files)
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        chunks = []
        for done, source in enumerate(files, start=1):
            chunks.append(runner.process([source]))
            if progress:
                progress(done, total)
        return chunks
    global _WORKER
    _WORKER = runner  # inherited by the forked workers; never mutated after this point
    size = max(1, min(64, total // (jobs * 8) or 1))
    batches = [files[i:i + size] for i in range(0, total, size)]
    out: list[_Chunk] = []
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            done = 0
            for chunk in pool.imap_unordered(_work, batches):
                out.append(chunk)
                done += chunk.files
                if progress:
                    progress(done, total)
    finally:
        _WORKER = None
    return out
