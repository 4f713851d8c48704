"""GitHub Actions workflow commands: one annotation per finding on the pull request's diff.

``::error file=deploy/web.yaml,line=12,col=9,title=run-as-root::container "web" ... [Deployment team-a/web]``

The command follows the fail threshold (``--fail-on``, passed in as ``fail_on``), so the
annotations agree with the exit code: findings at or above it are ``::error``; below it high and
medium findings are ``::warning`` and low and info ``::notice``.  Values are escaped the way the
Actions runner unescapes them (``%``, CR and LF everywhere, plus ``:`` and ``,`` in properties),
so a message can never end the command early or start a new one.  Waived findings are not
annotated.
"""

from __future__ import annotations

from gitops_gen.model import Finding, Report, Severity
from gitops_gen.reporters._common import DEFAULT_FAIL_ON, gate_level, slash_path, sorted_findings

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def command_for(severity: Severity, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    return _COMMANDS[gate_level(severity, fail_on)]


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_finding(finding: Finding, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    props = [f"file={escape_property(slash_path(finding.file))}"]
    if finding.line > 0:
        props.append(f"line={finding.line}")
        if finding.column > 0:
            props.append(f"col={finding.column}")
    props.append(f"title={escape_property(finding.rule)}")
    message = finding.message
    if finding.resource is not None:
        message += f" [{finding.resource.display()}]"
    return f"::{command_for(finding.severity, fail_on)} {','.join(props)}::{escape_data(message)}"


def render(report: Report, *, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    """The annotations, one per line; the empty string when there are no findings."""
    return "".join(format_finding(f, fail_on) + "\n" for f in sorted_findings(report))
