"""Human-readable report, one line per finding in the ``file:line:col:`` form editors jump to.

``deploy/web.yaml:12:9: high run-as-root: container "web" may run as root [Deployment team-a/web]``

The summary line says how many findings fail the check, i.e. are at or above the fail
threshold (``--fail-on``, passed in as ``fail_on``), or that none do and the check passes; it is
red exactly when the run exits 1.  Colour (plain ANSI SGR codes) only when asked; the CLI asks
only when writing to a terminal.  Untrusted text is rendered with control characters escaped, so
a hostile manifest cannot break lines or send escape sequences to the terminal.

In a pull-request gate run (``report.gate`` set) a finding other than a new one is marked
``[persisting]``, ``[resolved]`` or ``[guardrail removed]``, and a last line gives the gate's
verdict: ``gate failed: 2 findings at or above medium fail the gate (3 new, 1 guardrail removed,
4 resolved, 10 persisting; base origin/main, head working tree)``.
"""

from __future__ import annotations

from gitops_gen.model import Change, Finding, Report, Severity
from gitops_gen.reporters._common import (
    DEFAULT_FAIL_ON,
    change_of,
    failing_count,
    gate_verdict,
    one_line,
    plural,
    scope,
    severity_breakdown,
    sorted_findings,
)

_SEVERITY_STYLE = {
    Severity.ERROR: "1;31",
    Severity.HIGH: "31",
    Severity.MEDIUM: "33",
    Severity.LOW: "36",
    Severity.INFO: "2",
}
_CHANGE_MARKS = {Change.PERSISTING: "[persisting]", Change.RESOLVED: "[resolved]",
                 Change.GUARDRAIL_REMOVED: "[guardrail removed]"}


def _style(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def format_finding(finding: Finding, *, color: bool = False) -> str:
    """One finding as one line (without a line break)."""
    location = one_line(f"{finding.file}:{finding.line}:{finding.column}:")
    severity = _style(finding.severity.label, _SEVERITY_STYLE[finding.severity], color)
    line = (f"{_style(location, '1', color)} {severity} {_style(one_line(finding.rule), '1', color)}: "
            f"{one_line(finding.message)}")
    if finding.resource is not None:
        app = finding.details.get("application")
        deployed = f", deployed by {app}" if app else ""
        line += " " + _style(f"[{one_line(finding.resource.display() + deployed)}]", "2", color)
    change = change_of(finding)
    if change in _CHANGE_MARKS:
        line += " " + _style(_CHANGE_MARKS[change], "1" if change is Change.GUARDRAIL_REMOVED else "2", color)
    return line


def summary(report: Report, *, color: bool = False, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    """``12 findings (2 error, 3 high, 5 medium, 2 low) in 40 resources, 10 files (3 waived); 10 at
    or above medium fail the check.`` (or ``...; none at or above high, so the check passes.``)"""
    waived = f" ({len(report.waived)} waived)" if report.waived else ""
    if not report.findings:
        what = "No new findings" if report.gate is not None else "No findings"  # a gate lists only new ones
        return _style(f"{what} in {scope(report)}{waived}.", "32", color)
    failing = failing_count(report, fail_on)
    if failing:
        gate = f"{failing} at or above {fail_on.label} {'fails' if failing == 1 else 'fail'} the check"
    else:
        gate = f"none at or above {fail_on.label}, so the check passes"
    text = (f"{plural(len(report.findings), 'finding')} ({severity_breakdown(report)}) "
            f"in {scope(report)}{waived}; {gate}.")
    return _style(text, "1;31" if failing else "1;33", color)


def render(report: Report, *, color: bool = False, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    lines = [format_finding(f, color=color) for f in sorted_findings(report)]
    lines.append(summary(report, color=color, fail_on=fail_on))
    if report.gate is not None:
        failed = failing_count(report, fail_on) > 0
        lines.append(_style(f"gate {gate_verdict(report, fail_on)}", "1;31" if failed else "1;32", color))
    return "\n".join(lines) + "\n"
