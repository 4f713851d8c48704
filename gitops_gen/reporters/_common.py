"""Helpers shared by the reporters: ordering, counting, wording, the fail threshold, safe text,
and the pull-request gate's classes (new, persisting, resolved, guardrail removed) and verdict."""

from __future__ import annotations

import re

from gitops_gen.model import (
    FINDING_ORDER,
    Change,
    Finding,
    GateSummary,
    Report,
    ResourceRef,
    Severity,
    Waived,
    counts_toward_failure,
)

#: Severities from worst to mildest, the order every summary lists them in.
SEVERITIES_WORST_FIRST: tuple[Severity, ...] = tuple(sorted(Severity, reverse=True))
#: The fail threshold when the caller names none (the CLI's and the configuration's default).
DEFAULT_FAIL_ON = Severity.MEDIUM

# C0/C1 control characters and DEL, plus the Unicode bidirectional controls that can make a
# line display in a different order than it reads ("trojan source").
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def sorted_findings(report: Report) -> list[Finding]:
    """The report's findings by file, line, column, rule (then message, for a total order)."""
    return sorted(report.findings, key=FINDING_ORDER)


def sorted_waived(report: Report) -> list[Waived]:
    return sorted(report.waived, key=lambda w: (w.finding.sort_key(), w.source, w.reason))


def fails(finding: Finding, fail_on: Severity) -> bool:
    """Whether ``finding`` fails the check: its severity is at or above the threshold (and, in a
    pull-request gate, it is new or a removed guardrail: :func:`~gitops_gen.model.counts_toward_failure`)."""
    return counts_toward_failure(finding, fail_on)


def failing_count(report: Report, fail_on: Severity) -> int:
    """How many of the report's (unwaived) findings fail the check; the exit code is 1 iff > 0.
    Outside a gate run no finding has a change (:attr:`Report.gate`): the severities decide."""
    if report.gate is not None:
        return sum(1 for f in report.findings if fails(f, fail_on))
    return sum(n for severity, n in report.severity_counts().items() if severity >= fail_on)


def gate_level(severity: Severity, fail_on: Severity) -> str:
    """``error`` at or above the threshold; below it ``warning`` (high, medium) or ``note`` (low, info).

    SARIF levels and GitHub annotations both follow this, so nothing below the threshold is
    shown as an error while the run exits 0.
    """
    if severity >= fail_on:
        return "error"
    return "warning" if severity >= Severity.MEDIUM else "note"


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def severity_breakdown(report: Report) -> str:
    """``2 error, 3 high`` — only the severities that occur, worst first."""
    counts = report.by_severity()
    return ", ".join(f"{n} {label}" for label, n in counts.items() if n)


def scope(report: Report) -> str:
    """``40 resources, 10 files``."""
    return f"{plural(report.resources, 'resource')}, {plural(report.files, 'file')}"


def one_line(text: str) -> str:
    """``text`` with control and bidi characters shown as escapes, so it stays one safe line.

    Manifests are untrusted: a message quoting a key or value must not be able to break a
    line-oriented format or send escape sequences to a terminal.
    """
    return _UNSAFE.sub(lambda m: _NAMED.get(m[0]) or f"\\u{ord(m[0]):04x}", text)


def slash_path(path: str) -> str:
    """A file path with forward slashes, as CI systems and URIs want it."""
    return path.replace("\\", "/")


def qualified_name(ref: ResourceRef) -> str:
    """``Deployment/team-a/web`` (``ClusterRole/admin`` for cluster-scoped objects)."""
    parts = [ref.kind or "<unknown>"]
    if ref.namespace:
        parts.append(ref.namespace)
    parts.append(ref.name or "<unnamed>")
    return "/".join(parts)


# -- the pull-request gate (report.gate is set) ------------------------------------------------

#: Gate classes in the order reporters list them: what fails the gate first.
CHANGE_ORDER: dict[Change | None, int] = {Change.GUARDRAIL_REMOVED: 0, Change.NEW: 1, None: 2,
                                          Change.PERSISTING: 3, Change.RESOLVED: 4}


def change_of(finding: Finding) -> Change | None:
    """The gate class of ``finding`` (None outside a gate run, or when it carries none)."""
    return Change.of(finding)


def in_head(finding: Finding) -> bool:
    """Whether the finding's file and line are in the head tree: resolved findings and removed
    guardrails point into the base tree (the object is gone from head)."""
    return change_of(finding) not in (Change.RESOLVED, Change.GUARDRAIL_REMOVED)


def gate_order_key(finding: Finding, fail_on: Severity) -> tuple[int, int, int, tuple[str, int, int, str, str]]:
    """Most important first: class (removed guardrails, new, persisting, resolved), failing before
    not, worst severity first, then location."""
    return (CHANGE_ORDER[change_of(finding)], 0 if fails(finding, fail_on) else 1, -finding.severity,
            finding.sort_key())


def gate_counts(gate: GateSummary) -> str:
    """``3 new, 1 guardrail removed, 4 resolved, 10 persisting``."""
    removed = "guardrail removed" if gate.guardrails_removed == 1 else "guardrails removed"
    return (f"{gate.new} new, {gate.guardrails_removed} {removed}, {gate.resolved} resolved, "
            f"{gate.persisting} persisting")


def gate_verdict(report: Report, fail_on: Severity) -> str:
    """``failed: 2 findings fail the gate (3 new, 1 guardrail removed, 4 resolved, 10 persisting;
    base origin/main, head working tree)`` or ``passed: ...``, one safe line.  Only a gate report."""
    gate = report.gate
    assert gate is not None
    failing = failing_count(report, fail_on)
    if failing:
        verb = "fails" if failing == 1 else "fail"
        outcome = f"failed: {plural(failing, 'finding')} at or above {fail_on.label} {verb} the gate"
    else:
        outcome = f"passed: nothing new at or above {fail_on.label}"
    return one_line(f"{outcome} ({gate_counts(gate)}; base {gate.base}, head {gate.head})")
