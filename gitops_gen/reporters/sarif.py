"""SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` describes every rule that has a result (documentation from the
rule catalogue; rules unknown to it, e.g. from a newer config, get a minimal descriptor).
Each result carries the file, line and column, the resource as a logical location
(``Deployment/team-a/web``), and a ``partialFingerprints["gitopsGen/v1"]`` computed from rule,
resource identity and field path (never the line), so an alert survives unrelated edits that
move it.  Waived findings are results with a ``suppressions`` entry (``external`` for config
waivers, ``inSource`` for annotations), which code scanning shows as dismissed.

Levels agree with the exit code.  A result at or above the fail threshold (``--fail-on``,
passed in as ``fail_on``) is an ``error``; below it high and medium results are ``warning`` and
low and info ``note``, so nothing below the threshold is an error.  Each result records its
gitops-gen ``severity`` and whether it ``failsCheck`` in its properties; the run records
``failOn``.  GitHub reads ``security-severity`` from the rule, not the result: it is the score of
the rule's worst unwaived result (critical for error, high for high, medium, low), except that
a rule with no result at or above the threshold is kept below the "high" band, since GitHub's
pull request check fails on security severity high or critical by default.

With a :class:`~gitops_gen.reporters.srcroot.SourceRoot` (the CLI always passes one) artifact
URIs are relative to the git work tree root against ``%SRCROOT%``, which ``originalUriBaseIds``
defines; without one, the finding's path is used as it is, relative against ``%SRCROOT%``.

In a pull-request gate run (``report.gate`` set) the results are only what the pull request
adds: new findings and removed guardrails, each with ``baselineState: new`` (persisting,
resolved and waived findings are left out, so code scanning shows the pull request's own
alerts).  Their ``partialFingerprints`` are ``{"gitopsGenKey/v1": sha256(details["key"])}``, the
gate's matching key, which has no line in it: an alert survives edits that move it, and closes
when a later analysis no longer has it.  The
run's ``automationDetails.id`` is ``gitops-gen/gate/`` (a category of its own, apart from full
``check`` runs), and its properties record the gate's refs and counts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any

from gitops_gen.catalogue import RuleDoc, rule_docs
from gitops_gen.model import Change, Finding, Report, Severity, Waived
from gitops_gen.reporters._common import (
    DEFAULT_FAIL_ON,
    change_of,
    fails,
    gate_level,
    qualified_name,
    slash_path,
    sorted_findings,
    sorted_waived,
)
from gitops_gen.reporters.srcroot import STDIN, SourceRoot, file_uri, relative_uri, stdin_location

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/gitops-gen/gitops-gen"
FINGERPRINT_KEY = "gitopsGen/v1"
#: The fingerprint of a gate result: sha256 of the gate's matching key.
GATE_FINGERPRINT_KEY = "gitopsGenKey/v1"
#: The category of gate runs (``automationDetails.id``; the trailing ``/`` makes it a category).
GATE_AUTOMATION_ID = "gitops-gen/gate/"
#: GitHub code scanning truncates rule descriptions beyond this many characters.
_DESCRIPTION_LIMIT = 1024

#: GitHub's bands: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.ERROR: "9.5",
    Severity.HIGH: "7.5",
    Severity.MEDIUM: "5.0",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
#: The most a rule with no result at or above the threshold gets: the top of the medium band.
BELOW_THRESHOLD_CAP = "6.9"


def level(severity: Severity, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    """SARIF ``level``: error at or above the threshold; below it warning (high, medium) or note."""
    return gate_level(severity, fail_on)


def security_severity(worst: Severity, fail_on: Severity) -> str:
    """A rule's ``security-severity`` from its worst result, capped below "high" when that result
    does not fail the check."""
    score = SECURITY_SEVERITY[worst]
    if worst < fail_on and float(score) > float(BELOW_THRESHOLD_CAP):
        return BELOW_THRESHOLD_CAP
    return score


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 1] + "…"


def _pascal(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id)) or rule_id


def _descriptor(doc: RuleDoc, fail_on: Severity) -> dict[str, Any]:
    first_paragraph = " ".join(doc.doc.strip().split("\n\n", 1)[0].split())
    help_text = doc.doc.strip() or doc.description
    return {
        "id": doc.id,
        "name": _pascal(doc.id),
        "shortDescription": {"text": _clip(doc.description)},
        "fullDescription": {"text": _clip(first_paragraph or doc.description)},
        "help": {"text": help_text, "markdown": f"**{doc.id}**: {doc.description}\n\n{help_text}"},
        "defaultConfiguration": {"level": level(doc.severity, fail_on)},
        "properties": {
            "category": doc.category,
            "tags": ["security", doc.category],
            "precision": "very-high",
            "security-severity": security_severity(doc.severity, fail_on),
        },
    }


def _rules(entries: list[tuple[Finding, Waived | None]], fail_on: Severity) -> list[dict[str, Any]]:
    """Descriptors for the rules of ``entries``, by id; security-severity from the worst result
    (the worst unwaived one when the rule has any: a waived result is dismissed, it gates nothing)."""
    catalogue = rule_docs()
    worst: dict[str, Severity] = {}
    unwaived: set[str] = set()
    for f, waived in sorted(entries, key=lambda e: e[1] is not None):  # unwaived ones first
        if waived is None:
            unwaived.add(f.rule)
        elif f.rule in unwaived:
            continue
        worst[f.rule] = max(worst.get(f.rule, f.severity), f.severity)
    out = []
    for rule_id in sorted(worst):
        doc = catalogue.get(rule_id) or RuleDoc(rule_id, worst[rule_id], "custom", rule_id, "")
        descriptor = _descriptor(doc, fail_on)
        descriptor["properties"]["security-severity"] = security_severity(worst[rule_id], fail_on)
        out.append(descriptor)
    return out


def fingerprint(finding: Finding) -> str:
    """sha256 of what identifies the problem: rule, resource (or file), field path, sub-check."""
    where: list[str | None]
    if finding.resource is not None:
        ref = finding.resource
        where = ["resource", ref.api_version, ref.kind, ref.namespace, ref.name]
    else:
        where = ["file", slash_path(finding.file)]
    key = [finding.rule, *where, finding.field_path, finding.details.get("check", "")]
    return hashlib.sha256(json.dumps(key, ensure_ascii=True).encode()).hexdigest()


def gate_fingerprint(finding: Finding) -> str:
    """sha256 of the gate's matching key (``details["key"]``); :func:`fingerprint` when it has none."""
    key = finding.details.get("key")
    return hashlib.sha256(key.encode()).hexdigest() if key else fingerprint(finding)


def artifact_location(file: str, source_root: SourceRoot | None = None) -> dict[str, Any]:
    """Where ``file`` is: against the source root when there is one, else the path as given."""
    if source_root is not None:
        return source_root.location(file)
    if file == STDIN:
        return stdin_location()
    path = slash_path(file)
    if path.startswith("/") or re.match(r"[A-Za-z]:/", path):
        return {"uri": file_uri(path)}
    return {"uri": relative_uri(path), "uriBaseId": "%SRCROOT%"}


def _location(finding: Finding, source_root: SourceRoot | None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(finding.file, source_root)}
    if finding.line > 0:
        region: dict[str, int] = {"startLine": finding.line}
        if finding.column > 0:
            region["startColumn"] = finding.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.resource is not None:
        location["logicalLocations"] = [{
            "name": finding.resource.name or "<unnamed>",
            "fullyQualifiedName": qualified_name(finding.resource),
            "kind": "resource",
        }]
    return location


def _result(finding: Finding, index: int, fingerprints: dict[str, str], waived: Waived | None,
            fail_on: Severity, source_root: SourceRoot | None) -> dict[str, Any]:
    properties: dict[str, Any] = {"severity": finding.severity.label, "failsCheck": fails(finding, fail_on)}
    if finding.path:
        properties["fieldPath"] = finding.field_path
    if finding.resource is not None:
        properties["apiVersion"] = finding.resource.api_version
    properties.update(sorted(finding.details.items()))
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": level(finding.severity, fail_on),
        "message": {"text": finding.message},
        "locations": [_location(finding, source_root)],
        "partialFingerprints": fingerprints,
        "properties": properties,
    }
    if Change.of(finding) is not None:
        result["baselineState"] = "new"  # a gate run lists only what the pull request adds
    if waived is not None:
        kind = "inSource" if waived.source == "annotation" else "external"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": waived.reason}]
    return result


def sarif_log(report: Report, *, tool_version: str, fail_on: Severity = DEFAULT_FAIL_ON,
              source_root: SourceRoot | None = None) -> dict[str, Any]:
    entries: list[tuple[Finding, Waived | None]]
    if report.gate is None:
        entries = [(f, None) for f in sorted_findings(report)]
        entries += [(w.finding, w) for w in sorted_waived(report)]
    else:  # what the pull request adds, nothing it inherits
        added = (Change.NEW, Change.GUARDRAIL_REMOVED)
        entries = [(f, None) for f in sorted_findings(report) if change_of(f) in added]
    rules = _rules(entries, fail_on)
    index = {r["id"]: i for i, r in enumerate(rules)}
    seen: Counter[str] = Counter()
    results = []
    for finding, waived in entries:
        key, digest = ((FINGERPRINT_KEY, fingerprint(finding)) if report.gate is None
                       else (GATE_FINGERPRINT_KEY, gate_fingerprint(finding)))
        seen[digest] += 1  # identical problems on one resource stay distinct: hash:1, hash:2
        results.append(_result(finding, index[finding.rule], {key: f"{digest}:{seen[digest]}"}, waived, fail_on,
                               source_root))
    driver = {"name": "gitops-gen", "informationUri": INFORMATION_URI, "version": tool_version,
              "rules": rules}
    if re.fullmatch(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?", tool_version):
        driver["semanticVersion"] = tool_version
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if report.gate is not None:
        run["automationDetails"] = {"id": GATE_AUTOMATION_ID}
    if source_root is not None:
        run["originalUriBaseIds"] = source_root.base_ids()
    properties: dict[str, Any] = {"failOn": fail_on.label}
    if report.gate is not None:
        gate = report.gate
        properties["gate"] = {"base": gate.base, "head": gate.head, "new": gate.new,
                              "guardrailsRemoved": gate.guardrails_removed, "resolved": gate.resolved,
                              "persisting": gate.persisting}
    run.update({"columnKind": "unicodeCodePoints", "results": results, "properties": properties})
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, tool_version: str, fail_on: Severity = DEFAULT_FAIL_ON,
           source_root: SourceRoot | None = None) -> str:
    log = sarif_log(report, tool_version=tool_version, fail_on=fail_on, source_root=source_root)
    return json.dumps(log, indent=2, ensure_ascii=True) + "\n"
