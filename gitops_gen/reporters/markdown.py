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

In a pull-request gate run (``check --base``, ``report.gate`` set) the document is one
pull-request comment instead: the hidden marker line :data:`GATE_MARKER` first (a CI job finds
its previous comment by it and updates it), a verdict heading with the counts and refs, removed
guardrails, then the new findings grouped by render unit (the Argo CD Application,
kustomization or folder that produces the resource) and by file, each with its severity, rule,
resource and message, and a link to its line when ``links`` knows the hosted repository (else
``file:line``).  Persisting and resolved findings are only counted, and listed in collapsed
``<details>`` blocks when the report has them (``--all``).  The output has no timestamps and a
total order, so re-rendering on every push changes the comment only when the findings change.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gitops_gen.model import Change, Finding, GateSummary, Report, Severity, Waived
from gitops_gen.reporters._common import (
    DEFAULT_FAIL_ON,
    SEVERITIES_WORST_FIRST,
    change_of,
    failing_count,
    fails,
    gate_counts,
    gate_level,
    gate_order_key,
    in_head,
    one_line,
    plural,
    scope,
    slash_path,
    sorted_findings,
    sorted_waived,
)
from gitops_gen.reporters.srcroot import LineLinks

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


def render(report: Report, *, max_rows: int = DEFAULT_MAX_ROWS, fail_on: Severity = DEFAULT_FAIL_ON,
           links: LineLinks | None = None) -> str:
    """The Markdown report; ``links`` (used in a gate report only) turns locations into links."""
    if max_rows < 1:
        raise ValueError("max_rows must be at least 1")
    if report.gate is not None:
        return render_gate(report, report.gate, max_rows=max_rows, fail_on=fail_on, links=links)
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


# -- the pull-request gate ----------------------------------------------------------------------

#: The first line of a gate comment: how a CI job finds the comment it posted before.
GATE_MARKER = "<!-- gitops-gen:gate -->"
_ICONS = {"error": "❌", "warning": "⚠️", "note": "ℹ️"}  # noqa: RUF001 - the emoji, not a letter
_UNIT_KINDS = {"app": "Argo CD Application", "kustomize": "kustomization", "dir": "folder"}
_NO_UNIT = "Not produced by a render unit"


def unit_title(unit: str) -> str:
    """``app:platform/kserve`` as ``Argo CD Application `platform/kserve```; other values escaped."""
    kind, sep, name = unit.partition(":")
    if sep and kind in _UNIT_KINDS and name:
        return f"{_UNIT_KINDS[kind]} {code(name)}"
    return escape(unit) if unit else _NO_UNIT


def _gate_location(finding: Finding, links: LineLinks | None, *, with_file: bool) -> str:
    """``[line 12](url)`` (or ``[`file:12`](url)``); plain when there is no link or the location
    is in the base tree (removed guardrails, resolved findings)."""
    where = slash_path(finding.file) if with_file else ""
    if finding.line > 0:
        where = f"{where}:{finding.line}" if with_file else f"line {finding.line}"
    text = code(where) if with_file else where
    url = links.url(finding.file, finding.line) if links is not None and in_head(finding) else None
    return f"[{text}]({url})" if url and text else text


def _gate_item(finding: Finding, fail_on: Severity, links: LineLinks | None, *, with_file: bool) -> str:
    listed_only = change_of(finding) in (Change.PERSISTING, Change.RESOLVED)
    icon = "▫️" if listed_only else _ICONS[gate_level(finding.severity, fail_on)]
    parts = [icon, f"**{finding.severity.label}**", code(finding.rule)]
    location = _gate_location(finding, links, with_file=with_file)
    if location:
        parts.append(f"at {location}")
    head = " ".join(parts)
    resource = f" on {_resource(finding)}" if finding.resource is not None else ""
    return f"- {head}{resource}: {escape(finding.message, limit=MAX_MESSAGE_CHARS)}"


def _by_unit_and_file(findings: list[Finding], item: Callable[[Finding], str]) -> list[str]:
    """Findings under a heading per render unit (by name, no unit last), then per file."""
    units: dict[str, dict[str, list[Finding]]] = {}
    for f in findings:
        units.setdefault(f.details.get("unit", ""), {}).setdefault(slash_path(f.file), []).append(f)
    lines: list[str] = []
    for unit in sorted(units, key=lambda u: (u == "", u)):
        lines += ["", f"#### {unit_title(unit)}"]
        for file in sorted(units[unit]):
            lines += ["", f"**{code(file)}**", ""]
            lines += [item(f) for f in sorted(units[unit][file], key=lambda f: (f.line, f.column, f.rule, f.message))]
    return lines


def _gate_heading(report: Report, gate: GateSummary, fail_on: Severity) -> list[str]:
    failing = failing_count(report, fail_on)
    if failing:
        verb = "fails" if failing == 1 else "fail"
        title = f"## ❌ gitops-gen gate failed: {plural(failing, 'finding')} {verb} the gate"
    else:
        title = f"## ✅ gitops-gen gate passed: nothing new at or above {fail_on.label}"
    counts = (f"**{gate_counts(gate)}**: head {code(gate.head)} compared with base {code(gate.base)}. "
              f"New findings and removed guardrails of severity `{fail_on.label}` or worse fail the gate; "
              "findings already in the base never do.")
    return [GATE_MARKER, title, "", counts]


def _collapsed(title: str, findings: list[Finding], item: Callable[[Finding], str], max_rows: int) -> list[str]:
    lines = ["", "<details>", f"<summary>{title}</summary>", *_by_unit_and_file(findings[:max_rows], item)]
    if len(findings) > max_rows:
        lines += ["", f"_{plural(len(findings) - max_rows, 'more finding')} not shown._"]
    return [*lines, "", "</details>"]


def render_gate(report: Report, gate: GateSummary, *, max_rows: int = DEFAULT_MAX_ROWS,
                fail_on: Severity = DEFAULT_FAIL_ON, links: LineLinks | None = None) -> str:
    """The pull-request comment of a gate run (see the module docstring)."""
    ordered = sorted(report.findings, key=lambda f: gate_order_key(f, fail_on))
    by_change: dict[Change | None, list[Finding]] = {}
    for f in ordered:
        by_change.setdefault(change_of(f), []).append(f)
    guardrails = by_change.get(Change.GUARDRAIL_REMOVED, [])
    new = by_change.get(Change.NEW, []) + by_change.get(None, [])
    lines = _gate_heading(report, gate, fail_on)
    shown = max_rows
    if guardrails:
        lines += ["", f"### Guardrails removed ({len(guardrails)})", ""]
        lines += [_gate_item(f, fail_on, links, with_file=True) for f in guardrails[:shown]]
        shown = max(0, shown - len(guardrails))
    if new:
        lines += ["", f"### New findings ({len(new)})"]
        lines += _by_unit_and_file(new[:shown], lambda f: _gate_item(f, fail_on, links, with_file=False))
    hidden = max(0, len(guardrails) - max_rows) + max(0, len(new) - shown)
    if hidden:
        lines += ["", f"_{plural(hidden, 'more finding')} not shown (only the {max_rows} that matter most are "
                      "listed); see the full report in the job log or artifacts._"]
    if not guardrails and not new:
        lines += ["", "No new findings and no removed guardrails."]
    for change, title in ((Change.PERSISTING, "persisting finding"), (Change.RESOLVED, "resolved finding")):
        listed = by_change.get(change, [])
        if listed:
            what = "already in the base" if change is Change.PERSISTING else "in the base, fixed in head"
            lines += _collapsed(f"{plural(len(listed), title)} ({what})", listed,
                                lambda f: _gate_item(f, fail_on, links, with_file=False), max_rows)
    waived = sorted_waived(report)
    if waived:
        lines += ["", *_waived_block(waived, max_rows)]
    return "\n".join(lines) + "\n"
