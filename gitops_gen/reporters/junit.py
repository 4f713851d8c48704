"""JUnit XML, for CI systems that show test results (GitLab, Jenkins, Azure DevOps, ...).

One ``<testsuite name="gitops-gen">`` (inside ``<testsuites>``); every checked resource is a
``<testcase classname="<file>" name="<Kind> <namespace>/<name>">``.

The test results agree with the exit code: only findings at or above the fail threshold
(``--fail-on``, passed in as ``fail_on``) fail a test case, so a run that exits 0 reports
``failures="0" errors="0"``.

* A resource with findings at or above the threshold gets one ``<failure>`` whose ``type`` and
  ``message`` are those of its worst finding (the first one, in line order, of the highest
  severity), with every such finding (line, column, severity, rule, message) in line order in
  the body.
* Findings that belong to no resource (the file is not valid YAML, unreadable, too large) make
  a test case named after the file; at or above the threshold it has an ``<error>``: the file
  could not be checked at all.
* Findings below the threshold do not fail the test case.  They are listed in its
  ``<system-out>``, one per line, prefixed ``below the fail threshold (<fail-on>):``.  The
  test case passes rather than being ``<skipped>``: the resource was checked, and a skipped
  count would read as "not checked" in GitLab's and Jenkins' summaries.  Jenkins shows the
  lines as the test's standard output; GitLab lists the test as passed and (so far) shows
  ``system-out`` only for failed tests, so below-threshold findings are not shown there: the
  job log, or ``--format markdown``, lists every finding.
* Waived findings are listed in ``<system-out>`` too (``waived (<source>): ...``) and never
  fail the test case.

In a pull-request gate run (``report.gate`` set) only new findings and removed guardrails at or
above the threshold fail a test case (a removed guardrail's line says ``guardrail removed:``).
Persisting findings (listed with ``--all``) never fail: they go to ``<system-out>`` prefixed
``persisting (already in <base>):``; resolved ones, whose objects may be gone from head, go to
the suite's ``<system-out>`` (``resolved: <file>: ...``).  The suite's ``<properties>`` record
the refs and counts, and the suite's ``<system-out>`` starts with the verdict line.

Characters XML 1.0 cannot carry at all (most control characters) are written as ``\\uXXXX``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field

from gitops_gen.model import Change, Finding, Report, ResourceRef, Severity
from gitops_gen.reporters._common import (
    DEFAULT_FAIL_ON,
    change_of,
    fails,
    gate_verdict,
    sorted_findings,
    sorted_waived,
)

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


@dataclass
class _Case:
    classname: str
    name: str
    line: int
    findings: list[Finding] = field(default_factory=list)
    waived: list[str] = field(default_factory=list)
    file_level: bool = False


def _describe(finding: Finding) -> str:
    where = f"line {finding.line}" + (f", column {finding.column}" if finding.column > 0 else "")
    removed = "guardrail removed: " if change_of(finding) is Change.GUARDRAIL_REMOVED else ""
    return f"{where}: {removed}{finding.severity.label} {finding.rule}: {finding.message}"


class _Cases:
    """Test cases keyed by identity; findings go to the resource they are about."""

    def __init__(self, report: Report) -> None:
        self.cases: list[_Case] = []
        self._by_ref: dict[tuple[str, ResourceRef], list[_Case]] = defaultdict(list)
        self._by_file: dict[str, _Case] = {}
        for checked in report.checked:
            self._add_resource(checked.file, checked.ref, checked.line)

    def _add_resource(self, file: str, ref: ResourceRef, line: int) -> _Case:
        case = _Case(file, ref.display(), line)
        self.cases.append(case)
        self._by_ref[(file, ref)].append(case)
        return case

    def case_for(self, finding: Finding) -> _Case:
        if finding.resource is None:
            if finding.file not in self._by_file:
                case = _Case(finding.file, finding.file, 0, file_level=True)
                self.cases.append(case)
                self._by_file[finding.file] = case
            return self._by_file[finding.file]
        candidates = self._by_ref.get((finding.file, finding.resource))
        if not candidates:  # a finding about a resource that was not listed as checked
            return self._add_resource(finding.file, finding.resource, finding.line)
        # Two objects with the same identity in one file: the one that starts before the line.
        before = [c for c in candidates if c.line <= finding.line]
        return max(before, key=lambda c: c.line) if before else candidates[0]


def _testcase(suite: ET.Element, case: _Case, fail_on: Severity, base: str | None) -> None:
    element = ET.SubElement(suite, "testcase", classname=xml_text(case.classname), name=xml_text(case.name))
    failing = [f for f in case.findings if fails(f, fail_on)]
    if failing:
        worst = max(failing, key=lambda f: f.severity)  # the first of the worst, in line order
        tag = "error" if case.file_level else "failure"
        outcome = ET.SubElement(element, tag, message=xml_text(worst.message), type=xml_text(worst.rule))
        outcome.text = xml_text("\n".join(_describe(f) for f in failing))
    output = [_not_failing(f, fail_on, base) for f in case.findings if not fails(f, fail_on)]
    output += case.waived
    if output:
        ET.SubElement(element, "system-out").text = xml_text("\n".join(output))


def _not_failing(finding: Finding, fail_on: Severity, base: str | None) -> str:
    if change_of(finding) is Change.PERSISTING:
        return f"persisting (already in {base}): {_describe(finding)}"
    return f"below the fail threshold ({fail_on.label}): {_describe(finding)}"


def _gate_suite(suite: ET.Element, report: Report, fail_on: Severity, resolved: list[Finding]) -> None:
    """The gate's refs and counts as suite properties; its verdict and resolved findings as the
    suite's output (the properties must come first, the output after the test cases)."""
    gate = report.gate
    assert gate is not None
    properties = ET.Element("properties")
    for name, value in (("base", gate.base), ("head", gate.head), ("new", gate.new),
                        ("guardrails-removed", gate.guardrails_removed), ("resolved", gate.resolved),
                        ("persisting", gate.persisting)):
        ET.SubElement(properties, "property", name=f"gitops-gen.gate.{name}", value=xml_text(str(value)))
    suite.insert(0, properties)
    lines = [f"gitops-gen gate {gate_verdict(report, fail_on)}"]
    lines += [f"resolved: {f.file}: {_describe(f)}" for f in resolved]
    ET.SubElement(suite, "system-out").text = xml_text("\n".join(lines))


def render(report: Report, *, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    cases = _Cases(report)
    resolved: list[Finding] = []
    for finding in sorted_findings(report):
        if change_of(finding) is Change.RESOLVED:
            resolved.append(finding)  # in the base tree: its object may be gone from head
            continue
        cases.case_for(finding).findings.append(finding)
    for waived in sorted_waived(report):
        line = f"waived ({waived.source}): {_describe(waived.finding)} (reason: {waived.reason})"
        cases.case_for(waived.finding).waived.append(line)

    ordered = sorted(cases.cases, key=lambda c: (c.classname, c.line, c.name))
    failed = [c for c in ordered if any(fails(f, fail_on) for f in c.findings)]
    errors = sum(1 for c in failed if c.file_level)
    counts = {"tests": str(len(ordered)), "failures": str(len(failed) - errors), "errors": str(errors),
              "skipped": "0"}
    root = ET.Element("testsuites", {"name": "gitops-gen", **counts})
    suite = ET.SubElement(root, "testsuite", {"name": "gitops-gen", **counts})
    for case in ordered:
        _testcase(suite, case, fail_on, report.gate.base if report.gate is not None else None)
    if report.gate is not None:
        _gate_suite(suite, report, fail_on, resolved)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
