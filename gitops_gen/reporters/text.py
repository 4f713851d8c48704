"""Human-readable report, one line per finding in the ``file:line:col:`` form editors jump to.

``deploy/web.yaml:12:9: high run-as-root: container "web" may run as root [Deployment team-a/web]``

Colour (plain ANSI SGR codes) only when asked; the CLI asks only when writing to a terminal.
Untrusted text is rendered with control characters escaped, so a hostile manifest cannot
break lines or send escape sequences to the terminal.
"""

from __future__ import annotations

from gitops_gen.model import Finding, Report, Severity
from gitops_gen.reporters._common import (
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


def _style(text: str, code: str, color: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if color else text


def format_finding(finding: Finding, *, color: bool = False) -> str:
    """One finding as one line (without a line break)."""
    location = one_line(f"{finding.file}:{finding.line}:{finding.column}:")
    severity = _style(finding.severity.label, _SEVERITY_STYLE[finding.severity], color)
    line = (f"{_style(location, '1', color)} {severity} {_style(one_line(finding.rule), '1', color)}: "
            f"{one_line(finding.message)}")
    if finding.resource is not None:
        line += " " + _style(f"[{one_line(finding.resource.display())}]", "2", color)
    return line


def summary(report: Report, *, color: bool = False) -> str:
    """``12 findings (2 error, 3 high, 5 medium, 2 low) in 40 resources, 10 files (3 waived).``"""
    waived = f" ({len(report.waived)} waived)" if report.waived else ""
    if not report.findings:
        return _style(f"No findings in {scope(report)}{waived}.", "32", color)
    text = (f"{plural(len(report.findings), 'finding')} ({severity_breakdown(report)}) "
            f"in {scope(report)}{waived}.")
    worst = report.worst()
    code = "1;31" if worst is not None and worst >= Severity.HIGH else "1;33"
    return _style(text, code, color)


def render(report: Report, *, color: bool = False) -> str:
    lines = [format_finding(f, color=color) for f in sorted_findings(report)]
    lines.append(summary(report, color=color))
    return "\n".join(lines) + "\n"
