"""A Markdown summary for ``$GITHUB_STEP_SUMMARY`` or a pull-request comment.

A heading, a count table by severity, what was checked, and a table of findings (location,
severity, rule, resource, message).  Findings are listed worst first (then by file, line,
column, rule), so that when the table is cut after ``max_rows`` rows the rows that remain are
the ones that matter.  Waived findings follow in a collapsed ``<details>`` block with their
reasons.  All untrusted text is escaped: a message cannot break the table (``|``, newlines),
inject HTML or start Markdown formatting.
"""

from __future__ import annotations

import re

from gitops_gen.model import Finding, Report, Waived
from gitops_gen.reporters._common import (
    SEVERITIES_WORST_FIRST,
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


def _findings_table(findings: list[Finding], max_rows: int) -> list[str]:
    ordered = sorted(findings, key=lambda f: (-f.severity, f.sort_key()))
    lines = [_row(["Location", "Severity", "Rule", "Resource", "Message"]), _row(["---"] * 5)]
    for f in ordered[:max_rows]:
        lines.append(_row([_location(f), f.severity.label, code(f.rule), _resource(f),
                           escape(f.message, limit=MAX_MESSAGE_CHARS)]))
    if len(ordered) > max_rows:
        hidden = len(ordered) - max_rows
        lines += ["", f"_{plural(hidden, 'more finding')} not shown (the table lists the worst "
                      f"{max_rows} of {len(ordered)}); see the full report in the job log or artifacts._"]
    return lines


def _waived_block(waived: list[Waived], max_rows: int) -> list[str]:
    lines = ["<details>", f"<summary>{plural(len(waived), 'waived finding')}</summary>", "",
             _row(["Location", "Rule", "Resource", "Reason", "Waived by"]), _row(["---"] * 5)]
    for w in waived[:max_rows]:
        lines.append(_row([_location(w.finding), code(w.finding.rule), _resource(w.finding),
                           escape(w.reason, limit=MAX_MESSAGE_CHARS), escape(w.source)]))
    if len(waived) > max_rows:
        lines += ["", f"_{plural(len(waived) - max_rows, 'more waived finding')} not shown._"]
    return [*lines, "", "</details>"]


def render(report: Report, *, max_rows: int = DEFAULT_MAX_ROWS) -> str:
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    waived = sorted_waived(report)
    if not report.findings:
        lines = ["## ✅ gitops-gen: no findings", "", f"No findings in {scope(report)}."]
    else:
        counts = report.by_severity()
        lines = [f"## ❌ gitops-gen: {plural(len(report.findings), 'finding')}", "",
                 _row(["Severity", "Findings"]), _row(["---", "---:"])]
        lines += [_row([s.label, str(counts[s.label])]) for s in SEVERITIES_WORST_FIRST]
        checked = f"{plural(report.resources, 'resource')} in {plural(report.files, 'file')}"
        lines += ["", f"Checked {checked}.", "", *_findings_table(sorted_findings(report), max_rows)]
    if waived:
        lines += ["", *_waived_block(waived, max_rows)]
    return "\n".join(lines) + "\n"
