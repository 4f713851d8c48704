"""Machine-readable report: a stable JSON document (fixed key order, one finding per line).

::

    {"findings": [{"rule", "severity", "message", "file", "line", "column", "path",
                   "resource": {"apiVersion", "kind", "namespace", "name"} | null,
                   "details": {...}  (only when there are any)}],
     "summary": {"files", "resources", "findings", "by_severity": {"error", "high", ...},
                 "fail_on", "failing"},
     "waived": [{<finding fields>, "reason", "source"}]}

Lines and columns are 1-based; ``path`` is the field path (``spec.containers[0].image``).
``summary.fail_on`` is the threshold of the run (``--fail-on``) and ``summary.failing`` how many
findings are at or above it: the exit code is 1 exactly when ``failing`` is not 0.
The output is ASCII (non-ASCII characters are ``\\u`` escapes), so it survives any encoding.

In a pull-request gate run (``report.gate`` set) every finding also has ``"change"`` (``new``,
``persisting``, ``resolved`` or ``guardrail-removed``) and ``"key"`` (the gate's matching key)
right after ``"resource"``, and a ``"gate"`` object follows the summary: ``{"base", "head",
"passed", "new", "guardrails_removed", "resolved", "persisting"}`` (``passed`` agrees with the
exit code).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii as _string
from typing import Any

from gitops_gen.model import FieldPath, Finding, GateSummary, Report, ResourceRef, Severity, Waived, format_path
from gitops_gen.reporters._common import DEFAULT_FAIL_ON, failing_count, sorted_findings, sorted_waived

_LABELS = {severity: severity.label for severity in Severity}


def _resource(ref: ResourceRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    return {"apiVersion": ref.api_version, "kind": ref.kind, "namespace": ref.namespace, "name": ref.name}


def _resource_text(ref: ResourceRef | None) -> str:
    """``json.dumps(_resource(ref), ensure_ascii=True)``, written without an encoder per call (a
    report names thousands of resources)."""
    if ref is None:
        return "null"
    api_version, kind, namespace, name = ref.api_version, ref.kind, ref.namespace, ref.name
    if type(api_version) is not str or type(kind) is not str or not (namespace is None or type(namespace) is str) \
            or not (name is None or type(name) is str):
        return json.dumps(_resource(ref), ensure_ascii=True)
    return (f'{{"apiVersion": {_string(api_version)}, "kind": {_string(kind)}, '
            f'"namespace": {"null" if namespace is None else _string(namespace)}, '
            f'"name": {"null" if name is None else _string(name)}}}')


def finding_dict(finding: Finding, *, gate: bool = False, paths: dict[FieldPath, str] | None = None
                 ) -> dict[str, Any]:
    """One finding; ``paths`` memoizes rendered field paths across the findings of a report (a
    large report has thousands of findings and a few hundred distinct paths)."""
    if paths is None:
        field_path = finding.field_path
    else:
        field_path = paths.get(finding.path)  # type: ignore[assignment]
        if field_path is None:
            field_path = paths[finding.path] = format_path(finding.path)
    out: dict[str, Any] = {
        "rule": finding.rule,
        "severity": _LABELS[finding.severity],
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "path": field_path,
        "resource": _resource(finding.resource),
    }
    if gate:
        out["change"] = finding.details.get("change")
        out["key"] = finding.details.get("key")
    if finding.details:
        out["details"] = dict(sorted(finding.details.items()))
    return out


def waived_dict(waived: Waived) -> dict[str, Any]:
    return {**finding_dict(waived.finding), "reason": waived.reason, "source": waived.source}


def gate_dict(gate: GateSummary, passed: bool) -> dict[str, Any]:
    return {"base": gate.base, "head": gate.head, "passed": passed, "new": gate.new,
            "guardrails_removed": gate.guardrails_removed, "resolved": gate.resolved,
            "persisting": gate.persisting}


def report_dict(report: Report, *, fail_on: Severity = DEFAULT_FAIL_ON) -> dict[str, Any]:
    gate = report.gate is not None
    paths: dict[FieldPath, str] = {}
    out: dict[str, Any] = {
        "findings": [finding_dict(f, gate=gate, paths=paths) for f in sorted_findings(report)],
        "summary": {
            "files": report.files,
            "resources": report.resources,
            "findings": len(report.findings),
            "by_severity": report.by_severity(),
            "fail_on": fail_on.label,
            "failing": failing_count(report, fail_on),
        },
    }
    if report.gate is not None:
        out["gate"] = gate_dict(report.gate, out["summary"]["failing"] == 0)
    out["waived"] = [waived_dict(w) for w in sorted_waived(report)]
    return out


def _array(values: list[dict[str, Any]]) -> str:
    # One object per line: readable and diffable, and each line is written by json's C encoder
    # (indent= would switch to the pure-Python one: seconds on a large tree).
    return _lines([json.dumps(v, ensure_ascii=True) for v in values])


def _lines(items: list[str]) -> str:
    return "[\n    " + ",\n    ".join(items) + "\n  ]" if items else "[]"


class _Encoder:
    """Writes :func:`finding_dict`'s JSON text of findings straight from them, byte for byte what
    ``json.dumps(finding_dict(...), ensure_ascii=True)`` gives: no dict per finding, and the
    strings a large report repeats (files, field paths, resources, details) escaped once."""

    def __init__(self, gate: bool) -> None:
        self.gate = gate
        self.strings: dict[str, str] = {}
        self.paths: dict[FieldPath, str] = {}
        self.resources: dict[tuple[str, str, str | None, str | None] | None, str] = {None: "null"}
        self.details: dict[tuple[tuple[str, str], ...], str] = {}
        #: The details' text of a finding whose details are ``{"check": <key>}`` and nothing else.
        self.checks: dict[str | None, str] = {}

    def string(self, text: str) -> str:
        out = self.strings.get(text)
        if out is None:
            out = self.strings[text] = _string(text)
        return out

    def resource(self, ref: ResourceRef | None) -> str:
        # keyed by the fields' tuple: a reference's own hash is computed in Python
        key = None if ref is None else (ref.api_version, ref.kind, ref.namespace, ref.name)
        out = self.resources.get(key)
        if out is None:
            out = self.resources[key] = _resource_text(ref)
        return out

    def path(self, path: FieldPath) -> str:
        out = self.paths.get(path)
        if out is None:
            out = self.paths[path] = _string(format_path(path))
        return out

    def findings(self, findings: list[Finding]) -> list[str]:
        """The JSON text of each finding.  The findings of one resource share their reference,
        so the reference's text is looked up by identity first (its own hash is computed in
        Python)."""
        strings, paths, checks = self.strings, self.paths, self.checks
        by_id: dict[int, str] = {}  # (the findings, and so their references, live until the end)
        out: list[str] = []
        append = out.append
        for f in findings:
            rule, file, ref = f.rule, f.file, f.resource
            resource = by_id.get(id(ref))
            if resource is None:
                resource = by_id[id(ref)] = self.resource(ref)
            text = (f'{{"rule": {strings.get(rule) or self.string(rule)}, "severity": "{_LABELS[f.severity]}", '
                    f'"message": {_string(f.message)}, "file": {strings.get(file) or self.string(file)}, '
                    f'"line": {int(f.line)}, "column": {int(f.column)}, '
                    f'"path": {paths.get(f.path) or self.path(f.path)}, "resource": {resource}')
            details = f.details
            if not details and not self.gate:
                append(text + "}")
            elif len(details) == 1 and not self.gate and (shown := checks.get(details.get("check"))) is not None:
                append(f'{text}, "details": {shown}}}')  # (most details are a sub-check alone)
            else:
                append(self.details_of(text, details))
        return out

    def details_of(self, text: str, details: dict[str, str]) -> str:
        """``text`` ended with a finding's details (and, in a gate run, its change and key)."""
        if self.gate:  # the matching key makes every gate finding's details unique: nothing to share
            if not details:
                return text + ', "change": null, "key": null}'
            return (f'{text}, "change": {json.dumps(details.get("change"), ensure_ascii=True)}'
                    f', "key": {json.dumps(details.get("key"), ensure_ascii=True)}'
                    f', "details": {json.dumps(dict(sorted(details.items())), ensure_ascii=True)}}}')
        items = tuple(details.items())
        out = self.details.get(items)
        if out is None:
            out = self.details[items] = json.dumps(dict(sorted(items)), ensure_ascii=True)
            if len(items) == 1 and items[0][0] == "check" and isinstance(items[0][1], str):
                self.checks[items[0][1]] = out
        return f'{text}, "details": {out}}}'


def render(report: Report, *, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    failing = failing_count(report, fail_on)
    summary = {"files": report.files, "resources": report.resources, "findings": len(report.findings),
               "by_severity": report.by_severity(), "fail_on": fail_on.label, "failing": failing}
    encoder = _Encoder(report.gate is not None)
    findings = encoder.findings(sorted_findings(report))
    # one join for the whole text: a large report is tens of MB, each concatenation a copy of it
    return "".join([
        '{\n  "findings": ', "[\n    " if findings else "[]", ",\n    ".join(findings), "\n  ]" if findings else "",
        ',\n  "summary": ', json.dumps(summary, ensure_ascii=True),
        "" if report.gate is None else ',\n  "gate": ' + json.dumps(gate_dict(report.gate, failing == 0),
                                                                      ensure_ascii=True),
        ',\n  "waived": ', _array([waived_dict(w) for w in sorted_waived(report)]), "\n}\n"])
