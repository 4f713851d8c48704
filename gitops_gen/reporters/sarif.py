"""SARIF 2.1.0 log for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` describes every rule that has a result (documentation from the
rule catalogue; rules unknown to it, e.g. from a newer config, get a minimal descriptor).
Each result carries the file (relative, forward slashes, against ``%SRCROOT%``), line and
column, the resource as a logical location (``Deployment/team-a/web``), and a
``partialFingerprints["gitopsGen/v1"]`` computed from rule, resource identity and field path
(never the line), so an alert survives unrelated edits that move it.  Waived findings are
results with a ``suppressions`` entry (``external`` for config waivers, ``inSource`` for
annotations), which code scanning shows as dismissed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any
from urllib.parse import quote

from gitops_gen.catalogue import RuleDoc, rule_docs
from gitops_gen.model import Finding, Report, Severity, Waived
from gitops_gen.reporters._common import qualified_name, slash_path, sorted_findings, sorted_waived

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/gitops-gen/gitops-gen"
FINGERPRINT_KEY = "gitopsGen/v1"
#: GitHub code scanning truncates rule descriptions beyond this many characters.
_DESCRIPTION_LIMIT = 1024

SECURITY_SEVERITY = {
    Severity.ERROR: "9.0",
    Severity.HIGH: "7.5",
    Severity.MEDIUM: "5.0",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}


def level(severity: Severity) -> str:
    """SARIF ``level``: error for error/high, warning for medium, note for low/info."""
    if severity >= Severity.HIGH:
        return "error"
    return "warning" if severity is Severity.MEDIUM else "note"


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 1] + "…"


def _pascal(rule_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rule_id)) or rule_id


def _descriptor(doc: RuleDoc) -> dict[str, Any]:
    first_paragraph = " ".join(doc.doc.strip().split("\n\n", 1)[0].split())
    help_text = doc.doc.strip() or doc.description
    return {
        "id": doc.id,
        "name": _pascal(doc.id),
        "shortDescription": {"text": _clip(doc.description)},
        "fullDescription": {"text": _clip(first_paragraph or doc.description)},
        "help": {"text": help_text, "markdown": f"**{doc.id}**: {doc.description}\n\n{help_text}"},
        "defaultConfiguration": {"level": level(doc.severity)},
        "properties": {
            "category": doc.category,
            "tags": ["security", doc.category],
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[doc.severity],
        },
    }


def _rules(findings: list[Finding]) -> list[dict[str, Any]]:
    """Descriptors for the rules of ``findings``, by id; security-severity from the worst result."""
    catalogue = rule_docs()
    worst: dict[str, Severity] = {}
    for f in findings:
        worst[f.rule] = max(worst.get(f.rule, f.severity), f.severity)
    out = []
    for rule_id in sorted(worst):
        doc = catalogue.get(rule_id) or RuleDoc(rule_id, worst[rule_id], "custom", rule_id, "")
        descriptor = _descriptor(doc)
        descriptor["properties"]["security-severity"] = SECURITY_SEVERITY[worst[rule_id]]
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


def artifact_location(file: str) -> dict[str, str]:
    path = slash_path(file)
    if path.startswith("/"):
        return {"uri": "file://" + quote(path)}
    if re.match(r"[A-Za-z]:/", path):  # a Windows absolute path
        return {"uri": "file:///" + path[:2] + quote(path[2:])}
    return {"uri": quote(path.removeprefix("./")), "uriBaseId": "%SRCROOT%"}


def _location(finding: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(finding.file)}
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


def _result(finding: Finding, index: int, fp: str, waived: Waived | None) -> dict[str, Any]:
    properties: dict[str, Any] = {"severity": finding.severity.label}
    if finding.path:
        properties["fieldPath"] = finding.field_path
    if finding.resource is not None:
        properties["apiVersion"] = finding.resource.api_version
    properties.update(sorted(finding.details.items()))
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "locations": [_location(finding)],
        "partialFingerprints": {FINGERPRINT_KEY: fp},
        "properties": properties,
    }
    if waived is not None:
        kind = "inSource" if waived.source == "annotation" else "external"
        result["suppressions"] = [{"kind": kind, "status": "accepted", "justification": waived.reason}]
    return result


def sarif_log(report: Report, *, tool_version: str) -> dict[str, Any]:
    entries: list[tuple[Finding, Waived | None]] = [(f, None) for f in sorted_findings(report)]
    entries += [(w.finding, w) for w in sorted_waived(report)]
    rules = _rules([f for f, _ in entries])
    index = {r["id"]: i for i, r in enumerate(rules)}
    seen: Counter[str] = Counter()
    results = []
    for finding, waived in entries:
        digest = fingerprint(finding)
        seen[digest] += 1  # identical problems on one resource stay distinct: hash:1, hash:2
        results.append(_result(finding, index[finding.rule], f"{digest}:{seen[digest]}", waived))
    driver = {"name": "gitops-gen", "informationUri": INFORMATION_URI, "version": tool_version,
              "rules": rules}
    if re.fullmatch(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?", tool_version):
        driver["semanticVersion"] = tool_version
    run = {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, tool_version: str) -> str:
    return json.dumps(sarif_log(report, tool_version=tool_version), indent=2, ensure_ascii=True) + "\n"
