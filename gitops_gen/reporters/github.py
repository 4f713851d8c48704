"""GitHub Actions workflow commands: one annotation per finding on the pull request's diff.

``::error file=deploy/web.yaml,line=12,col=9,title=run-as-root::container "web" ... [Deployment team-a/web]``

The command follows the fail threshold (``--fail-on``, passed in as ``fail_on``), so the
annotations agree with the exit code: findings at or above it are ``::error``; below it high and
medium findings are ``::warning`` and low and info ``::notice``.  Values are escaped the way the
Actions runner unescapes them (``%``, CR and LF everywhere, plus ``:`` and ``,`` in properties),
so a message can never end the command early or start a new one.  Waived findings are not
annotated.

In a pull-request gate run (``report.gate`` set) removed guardrails and new findings are
annotated as above (their title says ``guardrail removed`` or ``new``), persisting findings
(listed with ``--all``) only as ``::notice`` and resolved ones not at all (their lines are in the
base tree).  GitHub keeps only the first 10 annotations of each kind per step and 50 per job, so
the most important come first: removed guardrails, then new findings that fail the gate, worst
first, then the rest.  A last plain log line gives the verdict: ``gitops-gen gate failed: ...``.
"""

from __future__ import annotations

from gitops_gen.model import Change, Finding, Report, Severity
from gitops_gen.reporters._common import (
    DEFAULT_FAIL_ON,
    change_of,
    gate_level,
    gate_order_key,
    gate_verdict,
    slash_path,
    sorted_findings,
)

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def command_for(severity: Severity, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    return _COMMANDS[gate_level(severity, fail_on)]


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


_TITLES = {Change.NEW: "new", Change.PERSISTING: "persisting", Change.GUARDRAIL_REMOVED: "guardrail removed"}


def format_finding(finding: Finding, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    change = change_of(finding)
    command = "notice" if change is Change.PERSISTING else command_for(finding.severity, fail_on)
    title = f"{finding.rule} ({_TITLES[change]})" if change in _TITLES else finding.rule
    props = [f"file={escape_property(slash_path(finding.file))}"]
    if finding.line > 0:
        props.append(f"line={finding.line}")
        if finding.column > 0:
            props.append(f"col={finding.column}")
    props.append(f"title={escape_property(title)}")
    message = finding.message
    if finding.resource is not None:
        message += f" [{finding.resource.display()}]"
    return f"::{command} {','.join(props)}::{escape_data(message)}"


def render(report: Report, *, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    """The annotations, one per line; the empty string when there are no findings (outside a gate)."""
    if report.gate is not None:
        annotated = [f for f in report.findings if change_of(f) is not Change.RESOLVED]
        lines = [format_finding(f, fail_on) for f in sorted(annotated, key=lambda f: gate_order_key(f, fail_on))]
        # a plain log line (not a command): the verdict, never dropped by the annotation limits
        return "".join(line + "\n" for line in [*lines, f"gitops-gen gate {gate_verdict(report, fail_on)}"])
    return "".join(format_finding(f, fail_on) + "\n" for f in sorted_findings(report))
