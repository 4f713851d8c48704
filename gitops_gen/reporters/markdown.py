"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment.

A heading that agrees with the exit code (❌ when findings at or above the fail threshold,
``--fail-on``, passed in as ``fail_on``, fail the check; ✅ otherwise), a count table by severity
saying which severities fail the check, what was checked, and the findings (location, severity,
rule, resource, message) in two tables: "Failing the check" and "Below the fail threshold".
Findings are listed worst first (then by file, line, column, rule), so that when the tables
are cut after ``max_rows`` rows in all the rows that remain are the ones that matter.  Waived
findings follow in a collapsed ``<details>`` block with their reasons.  All untrusted text is
escaped: a message cannot break the table (``|``, newlines), inject HTML or start Markdown
formatting.
"""

from __future__ import annotations

import re

from gitops_gen.model import Finding, Report, Severity, Waived
from gitops_gen.reporters._common import (
    DEFAULT_FAIL_ON,
    SEVERITIES_WORST_FIRST,
    failing_count,
    fails,
    one_line,
    plural,
    scope,
    slash_path,
    sorted_findings,
    sorted_waived,
)

DEFAULT_MAX_ROWS = 100
MAX_MESSAGE_CHARS = 500

_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MARKDOWN_PUNCT = re.compile(r"([\\`*_{}\[\]()#+!|~])")
_CODE_SAFE = re.compile(r"[\w./:@+=,-]+")


def escape(text: str, *, limit: int | None = None) -> str:
    """``text`` as inert Markdown for one table cell."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = "".join(_HTML.get(c, c) for c in text)
    text = _MARKDOWN_PUNCT.sub(r"\\\1", text)
    lines = [one_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "<br>".join(lines)


def code(text: str) -> str:
    """``text`` as a code span when that is safe, else as escaped text."""
    return f"`{text}`" if _CODE_SAFE.fullmatch(text) else escape(text)


def _location(finding: Finding) -> str:
    where = slash_path(finding.file) + (f":{finding.line}" if finding.line > 0 else "")
    return code(where)


def _resource(finding: Finding) -> str:
    return escape(finding.resource.display()) if finding.resource is not None else ""


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(findings: list[Finding]) -> list[str]:
    lines = [_row(["Location", "Severity", "Rule", "Resource", "Message"]), _row(["---"] * 5)]
    for f in findings:
        lines.append(_row([_location(f), f.severity.label, code(f.rule), _resource(f),
                           escape(f.message, limit=MAX_MESSAGE_CHARS)]))
    return lines


def _findings_tables(findings: list[Finding], fail_on: Severity, max_rows: int) -> list[str]:
    ordered = sorted(findings, key=lambda f: (-f.severity, f.sort_key()))
    shown = ordered[:max_rows]
    failing = [f for f in shown if fails(f, fail_on)]
    below = [f for f in shown if not fails(f, fail_on)]
    failing_total = sum(1 for f in ordered if fails(f, fail_on))
    lines: list[str] = []
    if failing:
        lines += [f"### Failing the check ({failing_total})", "", *_table(failing)]
    if below:
        heading = f"### Below the fail threshold ({len(ordered) - failing_total})"
        lines += [*([""] if lines else []), heading, "", *_table(below)]
    if len(ordered) > max_rows:
        hidden = len(ordered) - max_rows
        lines += ["", f"_{plural(hidden, 'more finding')} not shown (only the worst {max_rows} of "
                      f"{len(ordered)} are listed); see the full report in the job log or artifacts._"]
    return lines


def _heading(report: Report, fail_on: Severity) -> str:
    total, failing = len(report.findings), failing_count(report, fail_on)
    if not failing:
        return f"## ✅ gitops-gen: check passed, {plural(total, 'finding')} below {fail_on.label}"
    verb = "fails" if failing == 1 else "fail"
    if failing == total:
        return f"## ❌ gitops-gen: {plural(total, 'finding')} {verb} the check"
    return f"## ❌ gitops-gen: {failing} of {total} findings {verb} the check"


def _waived_block(waived: list[Waived], max_rows: int) -> list[str]:
    lines = ["<details>", f"<summary>{plural(len(waived), 'waived finding')}</summary>", "",
             _row(["Location", "Rule", "Resource", "Reason", "Waived by"]), _row(["---"] * 5)]
    for w in waived[:max_rows]:
        lines.append(_row([_location(w.finding), code(w.finding.rule), _resource(w.finding),
                           escape(w.reason, limit=MAX_MESSAGE_CHARS), escape(w.source)]))
    if len(waived) > max_rows:
        lines += ["", f"_{plural(len(waived) - max_rows, 'more waived finding')} not shown._"]
    return [*lines, "", "</details>"]


def render(report: Report, *, max_rows: int = DEFAULT_MAX_ROWS, fail_on: Severity = DEFAULT_FAIL_ON) -> str:
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    waived = sorted_waived(report)
    if not report.findings:
        lines = ["## ✅ gitops-gen: no findings", "", f"No findings in {scope(report)}."]
    else:
        counts = report.by_severity()
        lines = [_heading(report, fail_on), "",
                 _row(["Severity", "Findings", "Fails the check"]), _row(["---", "---:", "---"])]
        lines += [_row([s.label, str(counts[s.label]), "yes" if s >= fail_on else "no"])
                  for s in SEVERITIES_WORST_FIRST]
        checked = f"{plural(report.resources, 'resource')} in {plural(report.files, 'file')}"
        gate = f"Findings of severity `{fail_on.label}` or worse fail the check."
        lines += ["", f"Checked {checked}. {gate}", "",
                  *_findings_tables(sorted_findings(report), fail_on, max_rows)]
    if waived:
        lines += ["", *_waived_block(waived, max_rows)]
    return "\n".join(lines) + "\n"
