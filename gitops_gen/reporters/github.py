"""GitHub Actions workflow commands: one annotation per finding on the pull request's diff.

``::error file=deploy/web.yaml,line=12,col=9,title=run-as-root::container "web" ... [Deployment team-a/web]``

error and high findings are ``::error``, medium ``::warning``, low and info ``::notice``.
Values are escaped the way the Actions runner unescapes them (``%``, CR and LF everywhere,
plus ``:`` and ``,`` in properties), so a message can never end the command early or start a
new one.  Waived findings are not annotated.
"""

from __future__ import annotations

from gitops_gen.model import Finding, Report, Severity
from gitops_gen.reporters._common import slash_path, sorted_findings


def command_for(severity: Severity) -> str:
    if severity >= Severity.HIGH:
        return "error"
    if severity is Severity.MEDIUM:
        return "warning"
    return "notice"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_finding(finding: Finding) -> str:
    props = [f"file={escape_property(slash_path(finding.file))}"]
    if finding.line > 0:
        props.append(f"line={finding.line}")
        if finding.column > 0:
            props.append(f"col={finding.column}")
    props.append(f"title={escape_property(finding.rule)}")
    message = finding.message
    if finding.resource is not None:
        message += f" [{finding.resource.display()}]"
    return f"::{command_for(finding.severity)} {','.join(props)}::{escape_data(message)}"


def render(report: Report) -> str:
    """The annotations, one per line; the empty string when there are no findings."""
    return "".join(format_finding(f) + "\n" for f in sorted_findings(report))
